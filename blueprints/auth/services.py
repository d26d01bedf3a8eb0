"""Signing in and out. Passwords are hashed with Argon2id (memory-hard)."""
from functools import lru_cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

from models import User, db, record


def _params() -> tuple:
    """Argon2 parameters: the library's defaults unless ARGON2_PARAMS says otherwise (tests)."""
    configured = current_app.config.get("ARGON2_PARAMS") if has_app_context() else None
    return tuple(sorted((configured or {}).items()))


@lru_cache
def _hasher(params: tuple) -> PasswordHasher:
    return PasswordHasher(**dict(params))


@lru_cache
def _dummy_hash(params: tuple) -> str:
    """Verifying against this when the user does not exist keeps the answer time the same."""
    return _hasher(params).hash("not a password")


def hash_password(password: str) -> str:
    return _hasher(_params()).hash(password)


def check_credentials(username: str, password: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    hasher = _hasher(_params())
    try:
        hasher.verify(user.password_hash if user else _dummy_hash(_params()), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def audit_login(user: User) -> None:
    record("login", "user", user.id, f"{user.username} logget inn", user=user)
