"""Server-side sessions on top of Flask-Login: the cookie names a UserSession row, which logout ends.

A copied cookie stops working when the row is ended (logout, "log out everywhere", 30 idle minutes,
12 hours after login, a password change, a blocked account or a change of its role or scopes).

Login throttling, in the database (every worker sees it):
- per account (the username as typed, without surrounding spaces and letter case): ACCOUNT_FAILURES
  failures within THROTTLE_WINDOW lock the account for THROTTLE_WINDOW after the last of them;
- per address: one address may fail ADDRESS_FAILURES times within THROTTLE_WINDOW (a union office or
  a county behind one NAT has many people). Beyond that, each failure from it locks the account it
  named at once, so a guesser spraying many accounts gets one guess per account per window, while
  the right password of anyone at that address for an account that is not locked still works.
"""
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, flash, g, request, session
from flask_babel import gettext as _
from flask_login import LoginManager, login_user, logout_user

from models import LoginAttempt, User, UserSession, db, utcnow
from models.codes import N_

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = N_("Logg inn for å fortsette.")
login_manager.localize_callback = _
login_manager.login_message_category = "info"
login_manager.session_protection = None  # the server-side session row does this job

LAST_SEEN_RESOLUTION = timedelta(seconds=60)
THROTTLE_WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURES = 5  # failures of one account within THROTTLE_WINDOW that lock it
ADDRESS_FAILURES = 50  # failures from one address within THROTTLE_WINDOW before each further one locks
USER_AGENT_LENGTH = 200  # as much of the browser's User-Agent as a session keeps


def idle_timeout() -> timedelta:
    return current_app.config["PERMANENT_SESSION_LIFETIME"]


def absolute_lifetime() -> timedelta:
    """How long a session lives after login however active it is (ABSOLUTE_SESSION_LIFETIME, 12 hours)."""
    return current_app.config["ABSOLUTE_SESSION_LIFETIME"]


@login_manager.user_loader
def load_user(user_id: str):
    sid = session.get("sid")
    user_session = db.session.get(UserSession, sid) if sid else None
    if user_session is None or user_session.ended_at is not None or str(user_session.user_id) != user_id:
        return None
    now = utcnow()
    if now - user_session.last_seen > idle_timeout():
        user_session.ended_at = now
        session.clear()
        flash(_("Økten ble avsluttet etter 30 minutter uten aktivitet. Logg inn igjen."), "info")
        return None
    if now - user_session.created_at > absolute_lifetime():
        user_session.ended_at = now
        session.clear()
        flash(_("Økten ble avsluttet fordi det er %(hours)s timer siden du logget inn. Logg inn igjen.",
                hours=int(absolute_lifetime().total_seconds() // 3600)), "info")
        return None
    if not user_session.user.can_log_in:
        user_session.ended_at = now
        return None
    if now - user_session.last_seen > LAST_SEEN_RESOLUTION:
        user_session.last_seen = now
    g.user_session = user_session  # kept for the request: the identity map holds rows only weakly
    return user_session.user


def current_session() -> UserSession | None:
    """The signed-in request's session row (loaded once per request by load_user)."""
    sid = session.get("sid")
    if not sid:
        return None
    kept = g.get("user_session")
    return kept if kept is not None and kept.id == sid else db.session.get(UserSession, sid)


@login_manager.unauthorized_handler
def unauthorized():
    from flask import redirect, url_for

    from web.pages import is_htmx

    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if is_htmx():
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def login_key(username: str) -> str:
    """The account a login attempt names, whatever letter case or surrounding spaces were typed."""
    return (username or "").strip().casefold()[:100]  # the column's length; no username is longer


def throttled_until(username: str, remote_addr: str | None = None) -> datetime | None:
    """When the account named may try again, or None when it may try now.

    Only the account is ever locked: the address counts through record_attempt's failures (see the
    module's docstring), so `remote_addr` is not needed to answer."""
    key = login_key(username)
    now = utcnow()
    failures = db.session.execute(
        sa.select(LoginAttempt.at, LoginAttempt.remote_addr)
        .where(LoginAttempt.username == key, LoginAttempt.success.is_(False),
               LoginAttempt.at >= now - 2 * THROTTLE_WINDOW)
        .order_by(LoginAttempt.at.desc())
        .limit(ACCOUNT_FAILURES)
    ).all()
    if len(failures) == ACCOUNT_FAILURES and failures[0].at - failures[-1].at <= THROTTLE_WINDOW:
        if now < (until := failures[0].at + THROTTLE_WINDOW):
            return until
    for failure in failures:
        if now < failure.at + THROTTLE_WINDOW and _address_was_over(failure.remote_addr, failure.at):
            return failure.at + THROTTLE_WINDOW
    return None


def _address_was_over(remote_addr: str | None, at: datetime) -> bool:
    """Whether the address had already failed ADDRESS_FAILURES times in the window before `at`."""
    if not remote_addr:
        return False
    earlier = db.session.scalar(
        sa.select(sa.func.count()).select_from(
            sa.select(LoginAttempt.id)
            .where(LoginAttempt.remote_addr == remote_addr, LoginAttempt.success.is_(False),
                   LoginAttempt.at >= at - THROTTLE_WINDOW, LoginAttempt.at < at)
            .limit(ADDRESS_FAILURES).subquery()
        )
    )
    return earlier >= ADDRESS_FAILURES


def record_attempt(username: str, success: bool) -> None:
    db.session.add(LoginAttempt(username=login_key(username), remote_addr=request.remote_addr, success=success))


def start_session(user: User) -> None:
    """A new server session and a new cookie: nothing of the anonymous session is carried over."""
    session.clear()
    user_session = UserSession(id=secrets.token_urlsafe(32), user_id=user.id, remote_addr=request.remote_addr,
                               user_agent=request.user_agent.string[:USER_AGENT_LENGTH] or None)
    db.session.add(user_session)
    session["sid"] = user_session.id
    session.permanent = True
    login_user(user)


def end_session() -> None:
    sid = session.get("sid")
    if sid and (user_session := db.session.get(UserSession, sid)):
        user_session.ended_at = utcnow()
    logout_user()
    session.clear()


def end_sessions(user: User, *, keep: str | None = None) -> int:
    """End every open session of `user` (but the one named `keep`): after a password change or reset, a
    block, a change of role or scopes, or "log out everywhere". Returns how many were ended."""
    condition = [UserSession.user_id == user.id, UserSession.ended_at.is_(None)]
    if keep:
        condition.append(UserSession.id != keep)
    result = db.session.execute(sa.update(UserSession).where(*condition).values(ended_at=utcnow()))
    return result.rowcount


def signed_out(response):
    """The answer that ends a login in this browser: it also forgets what the browser kept of the
    pages (cache) and their storage. Cookies stay: the language chosen and the message shown next."""
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
