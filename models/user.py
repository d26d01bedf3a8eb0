"""Personal accounts with a role and scopes, their server-side sessions and the login attempts."""
from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .codes import N_

ROLES = {
    "branch": N_("Fagforening"),
    "county": N_("Fylkeskrets"),
    "central": N_("Medlemsregisteret"),
    "employer": N_("Arbeidsgiver"),
}
# Which kinds of scope each role may hold; central holds the whole union and needs none.
SCOPE_KINDS = {"branch": {"branch"}, "county": {"county"}, "central": set(), "employer": {"employer", "workplace"}}


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role IN ('branch', 'county', 'central', 'employer')", name="role"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(100), unique=True)
    full_name: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(10))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    declaration_date: Mapped[date | None]
    blocked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime | None]
    # Two-factor login (TOTP, RFC 6238): the shared secret in base32 once enrolled, when, and the last
    # time step whose code was accepted (each code is usable once).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enrolled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    scopes: Mapped[list["UserScope"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def can_log_in(self) -> bool:
        return self.declaration_date is not None and not self.blocked

    @property
    def role_name(self) -> str:
        return ROLES[self.role]

    def scope_ids(self, kind: str) -> list[int]:
        return [s.ref_id for s in self.scopes if s.kind == kind]

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None and self.totp_enrolled_at is not None

    def reset_second_factor(self) -> None:
        """Forget the enrolled second factor and its recovery codes: the next login enrols anew."""
        self.totp_secret = self.totp_enrolled_at = self.totp_last_step = None
        db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == self.id))


class UserScope(db.Model):
    """What a user may see: a branch, a county, an employer or a workplace (by id)."""

    __tablename__ = "user_scopes"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "ref_id"),
        sa.CheckConstraint("kind IN ('branch', 'county', 'employer', 'workplace')", name="kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    ref_id: Mapped[int]

    user: Mapped[User] = relationship(back_populates="scopes")


class UserSession(db.Model):
    """A login. The cookie carries only its random id; logging out or idling ends it here."""

    __tablename__ = "user_sessions"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))
    # When the second factor was given; None while a two-factor login waits for its code.
    second_factor_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """One of the ten one-time codes shown once at two-factor enrolment (only a hash is kept)."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(200))
    used_at: Mapped[datetime | None]


class AccountRequest(db.Model):
    """A branch asks for an account for a new officer; the county approves it once the signed
    confidentiality declaration is registered (DOMAIN.md section 1)."""

    __tablename__ = "account_requests"
    __table_args__ = (
        sa.CheckConstraint("state IN ('pending', 'approved', 'refused')", name="state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    full_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(200))
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(10), default="pending")
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    declaration_date: Mapped[date | None]
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.String(500))


class LoginAttempt(db.Model):
    __tablename__ = "login_attempts"
    __table_args__ = (
        sa.Index("ix_login_attempts_username_at", "username", "at"),
        sa.Index("ix_login_attempts_addr_at", "remote_addr", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    username: Mapped[str] = mapped_column(sa.String(100))
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    success: Mapped[bool]


def find_account(username: str) -> "User | None":
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
