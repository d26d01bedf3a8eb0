"""Signing in and out. Passwords are hashed with Argon2id (memory-hard)."""
import sqlalchemy as sa

from models import User, db, record
from web.passwords import hash_password, needs_rehash, verify_password


def check_credentials(username: str, password: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None and "@" in username:  # portal accounts are named by their e-mail, in lower case
        user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if not verify_password(user.password_hash if user else None, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def audit_login(user: User) -> None:
    record("login", "user", user.id, f"{user.username} logget inn", user=user)
