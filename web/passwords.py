"""Passwords: Argon2id hashing (memory-hard) and the minimum length, for every place that sets or
checks one (signing in, accounts made on the command line, the employer portal's requests)."""
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

MIN_PASSWORD_LENGTH = 12


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


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches the hash; None (no such user) takes as long and is False."""
    try:
        _hasher(_params()).verify(password_hash or _dummy_hash(_params()), password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher(_params()).check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, in words for the person choosing it, or None when it is good.

    Every place that sets a password asks this (accounts made on the command line or by the registry,
    a user's own change, a reset, the employer portal's access request)."""
    from flask_babel import gettext as _

    if len(password or "") < MIN_PASSWORD_LENGTH:
        return _("Passordet må ha minst %(n)s tegn.", n=MIN_PASSWORD_LENGTH)
    return None
