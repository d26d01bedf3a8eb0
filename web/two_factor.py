"""Two-factor login with time-based one-time codes (TOTP, RFC 6238) and ten one-time recovery codes.

Who must have a second factor: the county and central roles, and every account that can see more
than one branch (a branch officer with two branches, anyone holding a county scope). Everyone else may
enrol. With `TWO_FACTOR_REQUIRED` off (development, i.e. `make run` with demo data) an account that
must have one but has none is let in; an enrolled account is always asked for its code.

A login is pending while its session row has no `second_factor_at` and the account either has a
second factor (it waits for the code) or must have one and has none (it waits for the enrolment).
A pending session reaches only the views marked `@open_before_second_factor` (the code page, the
enrolment pages, logging out); `gate()` sends every other request there.
"""
import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import current_app, redirect, request, url_for

from models import RecoveryCode, User, UserSession, db, utcnow
from web.passwords import verify_password
from web.sessions import current_session

ISSUER = "Medlemsregister"
STEP_SECONDS = 30
DIGITS = 6
RECOVERY_CODES = 10
MAX_WRONG_CODES = 5  # wrong codes in one pending login before it is ended
# Recovery codes: ten letters or digits without the look-alikes (0/o, 1/l/i), shown as xxxxx-xxxxx.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10

# Recovery codes are random (about 49 bits) and tried at most five times per 15 minutes, so they need not
# cost what a password does: a light Argon2id keeps a leaked table from giving them away quickly, while
# checking ten of them at login takes milliseconds, not seconds.
RECOVERY_HASHER = PasswordHasher(time_cost=2, memory_cost=8 * 1024, parallelism=1)

CODE = "code"  # the login waits for a code
ENROL = "enrol"  # the login waits for the enrolment of a required second factor


def open_before_second_factor(view):
    """Mark a view a login still waiting for its second factor may reach (the code and enrolment
    pages, logging out). Every other view sends such a login to the step it waits for."""
    view.open_before_second_factor = True
    return view


# --- who needs what ---------------------------------------------------------------------------------

def needs_second_factor(user: User) -> bool:
    """Whether the account must have a second factor: county and central users, and every account
    that sees more than one branch (two branch scopes, or a county scope, which holds many)."""
    if user.role in ("county", "central"):
        return True
    if user.role == "employer":
        return False  # portal contacts see their employers' lists, not the register's branches
    return len(set(user.scope_ids("branch"))) > 1 or bool(user.scope_ids("county"))


def required(user: User) -> bool:
    """Whether the account must have a second factor before it reaches anything (the rule, unless
    development waives it)."""
    return bool(current_app.config.get("TWO_FACTOR_REQUIRED", True)) and needs_second_factor(user)


def waived(user: User) -> bool:
    """The account would have to enrol, but development (demo data) lets it in without."""
    return needs_second_factor(user) and not required(user) and not user.has_second_factor


def login_step(user: User) -> str | None:
    """What a login needs after a correct password: CODE, ENROL, or None (it is complete)."""
    if user.has_second_factor:
        return CODE
    if required(user):
        return ENROL
    return None


def pending_step(user: User, user_session: UserSession | None = None) -> str | None:
    """CODE or ENROL while the signed-in session still waits for its second factor, else None."""
    user_session = user_session or current_session()
    if user_session is None or user_session.second_factor_at is not None:
        return None
    return login_step(user)


def step_url(step: str, next_url: str | None = None) -> str:
    endpoint = "auth.second_factor" if step == CODE else "auth.two_factor_enrol"
    return url_for(endpoint, next=next_url or None)


def gate(view, user):
    """For enforce_declared_access: the answer to a request of a login still waiting for its second
    factor (a redirect to the step it waits for), or None when it may go on."""
    if getattr(view, "open_before_second_factor", False):
        return None
    step = pending_step(user)
    if step is None:
        return None
    from web.pages import is_htmx

    target = step_url(step, request.full_path.rstrip("?") if request.method == "GET" and not is_htmx() else None)
    if is_htmx():
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 302 if request.method == "GET" else 303)


def mark_given(user_session: UserSession | None = None) -> None:
    """The session has given its second factor (a code at login, or the code that confirmed enrolment)."""
    user_session = user_session or current_session()
    if user_session is not None:
        user_session.second_factor_at = utcnow()


# --- one-time codes -----------------------------------------------------------------------------------

def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 letters: 160 bits, as RFC 4226 recommends


def grouped(secret: str) -> str:
    """The secret as it is typed into an app by hand: groups of four letters."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.username, issuer_name=ISSUER)


def qr_data_uri(user: User, secret: str) -> str:
    """The enrolment QR code as an SVG data: URI, made here (the secret never leaves the server)."""
    qr = segno.make(provisioning_uri(user, secret), error="m")
    return qr.svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def time_step(at: float | None = None) -> int:
    return int(time.time() if at is None else at) // STEP_SECONDS


def normalize(code: str | None) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def is_totp_code(code: str) -> bool:
    return len(code) == DIGITS and code.isdigit()


def verify_code(user: User, code: str | None, *, at: float | None = None) -> bool:
    """Whether `code` is the account's one-time code for the time step of now or the one before or
    after (clocks drift), and that step is later than the last one accepted: each code works once.
    Accepting it stores its step; a concurrent second use of the same code finds it taken."""
    code = normalize(code)
    if not user.totp_secret or not is_totp_code(code):
        return False
    totp = pyotp.TOTP(user.totp_secret, digits=DIGITS, interval=STEP_SECONDS)
    now = time_step(at)
    last = user.totp_last_step if user.totp_last_step is not None else -1
    for step in (now - 1, now, now + 1):
        if step > last and hmac.compare_digest(totp.generate_otp(step), code):
            taken = db.session.execute(
                sa.update(User)
                .where(User.id == user.id, sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
                .values(totp_last_step=step)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                return False
            user.totp_last_step = step
            db.session.flush()
            return True
    return False


# --- recovery codes -------------------------------------------------------------------------------------

def _recovery_code() -> str:
    letters = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return f"{letters[:5]}-{letters[5:]}"


def make_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes for `user` (replacing any earlier ones); only their hashes are kept, so
    the list returned is shown once and never again."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=RECOVERY_HASHER.hash(normalize(code))) for code in codes)
    db.session.flush()
    return codes


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def use_recovery_code(user: User, code: str | None) -> bool:
    """Whether `code` is one of the account's unused recovery codes; if so it is used up."""
    code = normalize(code)
    if len(code) != RECOVERY_LENGTH or not user.has_second_factor:
        return False
    rows = db.session.execute(sa.select(RecoveryCode.id, RecoveryCode.code_hash).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all()
    for row in rows:
        if verify_password(row.code_hash, code):
            used = db.session.execute(
                sa.update(RecoveryCode).where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow()).execution_options(synchronize_session=False)
            ).rowcount
            return used == 1
    return False


def check(user: User, code: str | None) -> str | None:
    """Check what was typed at the code page: "totp" for a valid one-time code, "recovery" for an unused
    recovery code (now used up), None for anything else."""
    if is_totp_code(normalize(code)):
        return "totp" if verify_code(user, code) else None
    return "recovery" if use_recovery_code(user, code) else None


# --- enrolment ---------------------------------------------------------------------------------------------

def candidate_secret(user: User) -> str:
    """The secret being enrolled: kept on the account (not yet enrolled) so that reloading the
    enrolment page shows the same QR code the app may already have read."""
    if user.has_second_factor:
        raise ValueError("already enrolled")
    if not user.totp_secret:
        user.totp_secret = new_secret()
        user.totp_last_step = None
        db.session.flush()
    return user.totp_secret


def confirm_enrolment(user: User, code: str | None) -> list[str] | None:
    """Enrol the candidate secret when `code` is its current code: returns the ten recovery codes (to be
    shown once), or None when the code is wrong."""
    if user.has_second_factor or not user.totp_secret or not verify_code(user, code):
        return None
    user.totp_enrolled_at = utcnow()
    return make_recovery_codes(user)


def second_factor_pending() -> bool:
    """For templates: the signed-in login still waits for its second factor (so no menu is shown)."""
    from flask_login import current_user

    return bool(current_user and current_user.is_authenticated and pending_step(current_user))
