"""Signing in and out. Passwords are hashed with Argon2id (memory-hard)."""
import sqlalchemy as sa

from models import User, db, record
from web.passwords import hash_password, needs_rehash, verify_password


def find_account(username: str) -> User | None:
    """The account a login names: as typed, else without regard to letter case (as login throttling
    counts it, web.sessions.login_key), so `Kari.Lonn@Kommune.NO` is the account kari.lonn@kommune.no.
    Two accounts that differ only in case are both refused the case-blind match (neither is meant)."""
    username = (username or "").strip()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None and username:
        # lower() on both sides: SQLite's folds only A-Z, so compare the way the database does.
        found = db.session.scalars(
            sa.select(User).where(sa.func.lower(User.username) == sa.func.lower(username)).limit(2)
        ).all()
        user = found[0] if len(found) == 1 else None
    return user


def check_credentials(username: str, password: str) -> User | None:
    user = find_account(username)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def audit_login(user: User) -> None:
    record("login", "user", user.id, f"{user.username} logget inn", user=user)
