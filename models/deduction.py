"""Deduction lists (trekklister): what the register expects an employer to deduct for one branch in
one month, what the employer reported, the deviations found and how each was handled, and the ledger
of periods that posting made paid up (DOMAIN.md section 5)."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from rules.kid import make_kid
from rules.reconcile import AMOUNT, MATCHED, MISSING, UNEXPECTED

from .base import db, utcnow
from .codes import N_

# A list's state, in the order a list goes through them.
EXPECTED, RECEIVED, IN_PROGRESS, POSTED = "expected", "received", "in_progress", "posted"
LIST_STATES = {
    EXPECTED: N_("Forventet"),
    RECEIVED: N_("Mottatt"),
    IN_PROGRESS: N_("Under behandling"),
    POSTED: N_("Framført"),
}
# A line's comparison outcome, with the colour the users know it by.
LINE_STATUSES = {
    MATCHED: N_("I orden"),
    MISSING: N_("Mangler på listen"),
    UNEXPECTED: N_("Ikke forventet"),
    AMOUNT: N_("Beløpsavvik"),
}
DEVIATIONS = (MISSING, UNEXPECTED, AMOUNT)
# How a deviation was handled (DeductionLine.resolution).
RESOLUTIONS = {
    "accepted": N_("Beløpet godtatt"),
    "employment_ended": N_("Arbeidsforholdet avsluttet"),
    "moved": N_("Flyttet til annen arbeidsgiver"),
    "dues_code": N_("Kontingentkode endret"),
    "leave": N_("Permisjon uten lønn"),
    "position": N_("Stillingsprosent endret"),
    "not_member": N_("Ikke medlem – arbeidsgiver refunderer"),
    "new_member": N_("Innmeldt som nytt medlem"),
    "carried": N_("Overført til neste periode"),
}
# Lines resolved like this are not paid up by posting: the person is not ours, or it waits.
NOT_PAID_RESOLUTIONS = {"not_member", "carried"}
KID_PREFIX = "1"  # deduction lists; invoices get another prefix


def list_kid(period: date, employer_id: int, branch_number: int) -> str:
    """The list's KID (MOD10): prefix, YYYYMM, employer id (6 digits), branch number (4 digits)."""
    return make_kid(f"{KID_PREFIX}{period:%Y%m}{employer_id:06d}{branch_number:04d}")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_period(period: date) -> date:
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


def previous_period(period: date) -> date:
    return date(period.year - (period.month == 1), (period.month - 2) % 12 + 1, 1)


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


class DeductionList(db.Model):
    """One employer's deductions for one branch in one month (`period` is the month's first day)."""

    __tablename__ = "deduction_lists"
    __table_args__ = (
        sa.UniqueConstraint("period", "employer_id", "branch_id"),
        sa.CheckConstraint("state IN ('expected', 'received', 'in_progress', 'posted')", name="state"),
        sa.Index("ix_deduction_lists_branch_period", "branch_id", "period"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[date]
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"))
    state: Mapped[str] = mapped_column(sa.String(12), default=EXPECTED)
    kid: Mapped[str] = mapped_column(sa.String(25), unique=True)
    formed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # what the register expected when the list was formed
    expected_count: Mapped[int] = mapped_column(default=0)
    expected_dues_ore: Mapped[int] = mapped_column(default=0)
    expected_insurance_ore: Mapped[int] = mapped_column(default=0)
    # what the employer reported
    received_at: Mapped[datetime | None]
    source: Mapped[str | None] = mapped_column(sa.String(10))  # "file" or "portal"
    file_digest: Mapped[str | None] = mapped_column(sa.String(64))  # the reported lines, for idempotency
    reported_count: Mapped[int] = mapped_column(default=0)
    reported_dues_ore: Mapped[int] = mapped_column(default=0)
    reported_insurance_ore: Mapped[int] = mapped_column(default=0)
    posted_at: Mapped[datetime | None]
    posted_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    sent_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # the employer contact (portal)
    changes_confirmed_at: Mapped[datetime | None]  # the payroll office confirmed the month's changes
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    employer: Mapped["Employer"] = relationship()  # noqa: F821
    branch: Mapped["Branch"] = relationship()  # noqa: F821
    lines: Mapped[list["DeductionLine"]] = relationship(
        back_populates="deduction_list", order_by="DeductionLine.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def state_name(self) -> str:
        return LIST_STATES[self.state]

    @property
    def posted(self) -> bool:
        return self.state == POSTED

    @property
    def received(self) -> bool:
        return self.state in (RECEIVED, IN_PROGRESS, POSTED)

    @property
    def reported_total_ore(self) -> int:
        return self.reported_dues_ore + self.reported_insurance_ore

    @property
    def expected_total_ore(self) -> int:
        return self.expected_dues_ore + self.expected_insurance_ore


def list_loads() -> tuple:
    """What every page showing a list reads with it: its employer and branch (for Scope.get_or_404)."""
    return selectinload(DeductionList.employer), selectinload(DeductionList.branch)


class DeductionLine(db.Model):
    """One person on a list: as expected when formed (`expected`), as reported, and the deviation.

    A line carried forward from an earlier month's list points at the line it came from, and keeps
    the month the deviation was first found (`origin_period`) so that its age can be shown."""

    __tablename__ = "deduction_lines"
    __table_args__ = (
        sa.CheckConstraint("status IS NULL OR status IN ('matched', 'missing', 'unexpected', 'amount')",
                           name="status"),
        sa.Index("ix_deduction_lines_list_status", "list_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(sa.ForeignKey("deduction_lists.id"))
    membership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("memberships.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    national_id: Mapped[str] = mapped_column(sa.String(11))
    member_number: Mapped[int | None]
    name: Mapped[str] = mapped_column(sa.String(210))  # "Etternavn, Fornavn"
    expected: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # as formed from the register
    position_bp: Mapped[int | None]
    pay_basis_ore: Mapped[int | None]
    branch_rate_bp: Mapped[int | None]
    cap_ore: Mapped[int | None]
    expected_dues_ore: Mapped[int | None]
    expected_insurance_ore: Mapped[int | None]
    # as reported by the employer
    reported_row: Mapped[int | None]
    reported_position_bp: Mapped[int | None]
    reported_pay_basis_ore: Mapped[int | None]
    reported_dues_ore: Mapped[int | None]
    reported_insurance_ore: Mapped[int | None]
    # the comparison and its handling
    status: Mapped[str | None] = mapped_column(sa.String(10))
    reasons: Mapped[str | None] = mapped_column(sa.Text)  # one reason per line
    resolution: Mapped[str | None] = mapped_column(sa.String(20))
    resolution_text: Mapped[str | None] = mapped_column(sa.String(300))
    note: Mapped[str | None] = mapped_column(sa.Text)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # what the payroll office said in the portal (models.portal.EMPLOYER_REASONS), shown as a suggestion
    employer_reason: Mapped[str | None] = mapped_column(sa.String(10))
    employer_comment: Mapped[str | None] = mapped_column(sa.Text)
    carried_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deduction_lines.id"), index=True)
    origin_period: Mapped[date | None]
    # the workplace the line belongs to (the member's main deduction employment at the employer when
    # the list was formed, or the one the payroll office chose for a person it added); NULL: not known.
    # An employer contact answering for workplaces sees only their lines (models.scope).
    workplace_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workplaces.id"), index=True)

    deduction_list: Mapped[DeductionList] = relationship(back_populates="lines")
    membership: Mapped["Membership | None"] = relationship()  # noqa: F821
    carried_from: Mapped["DeductionLine | None"] = relationship(remote_side=[id])

    @property
    def deviation(self) -> bool:
        return self.status in DEVIATIONS

    @hybrid_property
    def open(self) -> bool:
        """A deviation nobody has handled yet: it stops the list from being posted."""
        return self.deviation and self.resolution is None

    @open.inplace.expression
    @classmethod
    def _open_expression(cls) -> sa.ColumnElement[bool]:
        return sa.and_(cls.status.in_(DEVIATIONS), cls.resolution.is_(None))

    @property
    def status_name(self) -> str:
        return LINE_STATUSES.get(self.status, "")

    @property
    def resolution_name(self) -> str:
        return RESOLUTIONS.get(self.resolution, "")

    @property
    def reason_list(self) -> list[str]:
        return self.reasons.splitlines() if self.reasons else []

    @property
    def reported(self) -> bool:
        return self.reported_dues_ore is not None

    @property
    def reported_total_ore(self) -> int | None:
        if self.reported_dues_ore is None:
            return None
        return self.reported_dues_ore + (self.reported_insurance_ore or 0)

    @property
    def expected_total_ore(self) -> int | None:
        if self.expected_dues_ore is None:
            return None
        return self.expected_dues_ore + (self.expected_insurance_ore or 0)

    def age_months(self, period: date) -> int:
        """How many months the deviation has been open, seen from the list of `period`."""
        return months_between(self.origin_period or period, period)


class PaidPeriod(db.Model):
    """The ledger: a member paid up for a month, by which list, with how much. Posting writes it, so
    later routines (arrears, distribution) can ask "paid up to when?". One row per membership and
    month: a member on two posted lists of a month (two employers deducted) is paid by the first."""

    __tablename__ = "paid_periods"
    __table_args__ = (
        # one ledger row per membership and month, whichever list paid it first; the unique index
        # also answers "paid up to when?"
        sa.UniqueConstraint("membership_id", "period"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id"))
    period: Mapped[date]
    list_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deduction_lists.id"), index=True)
    dues_ore: Mapped[int]
    insurance_ore: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def paid_up_to(membership_id: int) -> date | None:
    """The last month the member is paid up for, or None."""
    return db.session.scalar(sa.select(sa.func.max(PaidPeriod.period)).where(PaidPeriod.membership_id == membership_id))
