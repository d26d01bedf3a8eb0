"""Server-side sessions on top of Flask-Login: the cookie names a UserSession row, which logout ends.

A copied cookie stops working when the row is ended (logout, 30 idle minutes, blocked account).
"""
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, flash, request, session
from flask_login import LoginManager, login_user, logout_user

from models import LoginAttempt, User, UserSession, db, utcnow

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Logg inn for å fortsette."
login_manager.login_message_category = "info"
login_manager.session_protection = None  # the server-side session row does this job

LAST_SEEN_RESOLUTION = timedelta(seconds=60)
THROTTLE_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)


def idle_timeout() -> timedelta:
    return current_app.config["PERMANENT_SESSION_LIFETIME"]


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
        flash("Økten ble avsluttet etter 30 minutter uten aktivitet. Logg inn igjen.", "info")
        return None
    if not user_session.user.can_log_in:
        user_session.ended_at = now
        return None
    if now - user_session.last_seen > LAST_SEEN_RESOLUTION:
        user_session.last_seen = now
    return user_session.user


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


def throttled_until(username: str, remote_addr: str | None):
    """When the account or the address may try again, or None when it may try now."""
    since = utcnow() - THROTTLE_WINDOW
    conditions = [LoginAttempt.username == username]
    if remote_addr:
        conditions.append(LoginAttempt.remote_addr == remote_addr)
    for condition in conditions:
        recent = db.session.scalars(
            sa.select(LoginAttempt.at)
            .where(condition, LoginAttempt.at >= since, LoginAttempt.success.is_(False))
            .order_by(LoginAttempt.at.desc())
            .limit(THROTTLE_FAILURES)
        ).all()
        if len(recent) >= THROTTLE_FAILURES:
            return recent[0] + THROTTLE_WINDOW
    return None


def record_attempt(username: str, success: bool) -> None:
    db.session.add(LoginAttempt(username=username, remote_addr=request.remote_addr, success=success))


def start_session(user: User) -> None:
    """A new server session and a new cookie: nothing of the anonymous session is carried over."""
    session.clear()
    user_session = UserSession(id=secrets.token_urlsafe(32), user_id=user.id, remote_addr=request.remote_addr)
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
