"""Signing in and out. Passwords are hashed with Argon2id (memory-hard)."""

from models import User, record
from models.user import find_account
from web.passwords import hash_password, needs_rehash, verify_password


def check_credentials(username: str, password: str) -> User | None:
    user = find_account(username)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def audit_login(user: User) -> None:
    record("login", "user", user.id, f"{user.username} logget inn", user=user)
