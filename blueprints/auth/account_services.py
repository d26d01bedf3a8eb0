""""Min konto": one's own active sessions (where and when), ending one or all of them, and changing
one's own password. Reads and changes of the signed-in user's own account only; no commit here."""
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from models import User, UserSession, db, record, utcnow
from web.passwords import hash_password
from web.sessions import absolute_lifetime, end_sessions, idle_timeout


@dataclass(frozen=True)
class SessionRow:
    """One active session as its owner sees it; `handle` names it in forms instead of its secret id."""

    handle: str
    remote_addr: str | None
    browser: str
    user_agent: str | None
    created_at: datetime
    last_seen: datetime
    current: bool


def handle_of(session_id: str) -> str:
    """A public name for a session: the cookie's id must not travel in pages, forms or URLs."""
    return hashlib.sha256(session_id.encode()).hexdigest()[:24]


def _open_sessions(user: User) -> list[UserSession]:
    now = utcnow()
    return db.session.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
               UserSession.last_seen >= now - idle_timeout(), UserSession.created_at >= now - absolute_lifetime())
        .order_by(UserSession.last_seen.desc(), UserSession.created_at.desc())
    ).all()


def active_sessions(user: User, current_id: str | None) -> list[SessionRow]:
    """The user's sessions that still work, this one first, then the most recently seen."""
    rows = [SessionRow(handle=handle_of(s.id), remote_addr=s.remote_addr, browser=describe_browser(s.user_agent),
                       user_agent=s.user_agent, created_at=s.created_at, last_seen=s.last_seen,
                       current=s.id == current_id)
            for s in _open_sessions(user)]
    return sorted(rows, key=lambda row: not row.current)


def find_session(user: User, handle: str) -> UserSession | None:
    """One of the user's own open sessions by its handle; another user's is never found."""
    return next((s for s in _open_sessions(user) if handle_of(s.id) == handle), None)


def end_one_session(user: User, user_session: UserSession) -> None:
    user_session.ended_at = utcnow()
    db.session.flush()
    record("update", "user", user.id, f"{user.username} avsluttet en økt fra {user_session.remote_addr or 'ukjent adresse'}",
           user=user, changes={"økt": ["aktiv", "avsluttet"]})


def end_every_session(user: User) -> int:
    """"Log out everywhere": every session of the account ends, this one too. Returns how many."""
    ended = end_sessions(user)
    record("update", "user", user.id, f"{user.username} logget ut overalt ({ended} økter avsluttet)", user=user,
           changes={"økter": [ended, 0]})
    return ended


def change_password(user: User, new_password: str, *, keep: str | None) -> int:
    """The user's own new password (already approved by password_problem); every other session of the
    account ends, the one named `keep` goes on. The audit row says that it changed, never what it is.
    Returns how many other sessions were ended."""
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    ended = end_sessions(user, keep=keep)
    db.session.flush()
    record("update", "user", user.id, f"{user.username} endret passordet sitt ({ended} andre økter avsluttet)",
           user=user, changes={"passord": [None, "endret"]})
    return ended


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("Windows", "Windows"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Android", "Android"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def describe_browser(user_agent: str | None) -> str:
    """«Firefox, Windows» from a User-Agent header: enough to recognize one's own devices. The whole
    header is shown on hover; an unknown one is shown as it is (cut short)."""
    if not user_agent:
        return "–"
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser is None and system is None:
        return re.sub(r"\s+", " ", user_agent)[:60]
    return ", ".join(part for part in (browser, system) if part)
