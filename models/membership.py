"""Membership periods with their dues codes, employments and insurances, each with from/to dates."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db
from .codes import MEMBERSHIP_TYPES


class Membership(db.Model):
    """One period of membership. Students and pupils belong to a county, the others to a branch."""

    __tablename__ = "memberships"
    __table_args__ = (
        sa.CheckConstraint(
            "membership_type IN ('main', 'student', 'pupil', 'secondary')", name="membership_type"
        ),
        sa.CheckConstraint(
            "(branch_id IS NULL) <> (county_id IS NULL)", name="branch_or_county"
        ),
        sa.CheckConstraint(
            "(end_date IS NULL) = (withdrawal_code IS NULL)", name="end_with_code"
        ),
        # The active memberships of a branch or county, by person: a search within a scope joins persons
        # on these. Partial, so the planner does not take `end_date IS NULL` for a selective condition.
        sa.Index("ix_memberships_branch_active", "branch_id", "person_id",
                 sqlite_where=sa.text("end_date IS NULL"), postgresql_where=sa.text("end_date IS NULL")),
        sa.Index("ix_memberships_county_active", "county_id", "person_id",
                 sqlite_where=sa.text("end_date IS NULL"), postgresql_where=sa.text("end_date IS NULL")),
        sa.Index("ix_memberships_branch_id", "branch_id"),  # former members of a branch or county
        sa.Index("ix_memberships_county_id", "county_id"),
        # The weekly queues: who started, and who ended, in a period.
        sa.Index("ix_memberships_start_date", "start_date"),
        sa.Index("ix_memberships_ended", "end_date",
                 sqlite_where=sa.text("end_date IS NOT NULL"), postgresql_where=sa.text("end_date IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    member_number: Mapped[int] = mapped_column(index=True)
    membership_type: Mapped[str] = mapped_column(sa.String(10))
    apprentice: Mapped[bool] = mapped_column(default=False)
    # A pupil or apprentice who chose to pay the half-year fee to hold the insurances.
    pays_insurance_fee: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branches.id"))
    county_id: Mapped[int | None] = mapped_column(sa.ForeignKey("counties.id"))
    section_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sections.id"))
    start_date: Mapped[date]
    enrollment_code: Mapped[int] = mapped_column(sa.ForeignKey("enrollment_codes.code"))
    end_date: Mapped[date | None]
    withdrawal_code: Mapped[int | None] = mapped_column(sa.ForeignKey("withdrawal_codes.code"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    # Enrolled from another union of the confederation (codes 6, 7): its name and membership start,
    # which count for the 40-year badge.
    earlier_union: Mapped[str | None] = mapped_column(sa.String(200))
    earlier_union_start: Mapped[date | None]
    # The payroll office was told to start (new member) or stop (withdrawn) deducting: when, by whom.
    start_notified_at: Mapped[datetime | None]
    start_notified_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    stop_notified_at: Mapped[datetime | None]
    stop_notified_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    person: Mapped["Person"] = relationship(back_populates="memberships")  # noqa: F821
    branch: Mapped["Branch | None"] = relationship()  # noqa: F821
    county: Mapped["County | None"] = relationship()  # noqa: F821
    section: Mapped["Section | None"] = relationship()  # noqa: F821
    dues_codes: Mapped[list["DuesCodePeriod"]] = relationship(
        back_populates="membership", order_by="DuesCodePeriod.from_date"
    )
    employments: Mapped[list["Employment"]] = relationship(
        back_populates="membership", order_by="Employment.from_date"
    )
    insurances: Mapped[list["InsurancePeriod"]] = relationship(
        back_populates="membership", order_by="(InsurancePeriod.kind, InsurancePeriod.from_date)"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def type_name(self) -> str:
        return MEMBERSHIP_TYPES[self.membership_type]

    @property
    def active(self) -> bool:
        return self.end_date is None

    @property
    def unit_name(self) -> str:
        unit = self.branch or self.county
        return f"{unit.number} {unit.name}"

    def dues_code_on(self, day: date) -> "DuesCodePeriod | None":
        return next((p for p in self.dues_codes if p.covers(day)), None)

    @property
    def current_dues_code(self) -> "DuesCodePeriod | None":
        return next((p for p in reversed(self.dues_codes) if p.to_date is None), None)

    @property
    def current_employments(self) -> list["Employment"]:
        return [e for e in self.employments if e.to_date is None]


class PeriodMixin:
    """A row of history: in force from `from_date` up to and including `to_date` (open when None)."""

    def covers(self, day: date) -> bool:
        return self.from_date <= day and (self.to_date is None or day <= self.to_date)


class DuesCodePeriod(PeriodMixin, db.Model):
    __tablename__ = "dues_code_periods"
    __table_args__ = (sa.Index("ix_dues_code_periods_current", "membership_id", "to_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id"))
    code: Mapped[str] = mapped_column(sa.ForeignKey("dues_codes.code"), index=True)
    from_date: Mapped[date]
    to_date: Mapped[date | None]

    membership: Mapped[Membership] = relationship(back_populates="dues_codes")
    dues_code: Mapped["DuesCode"] = relationship()  # noqa: F821


class Employment(PeriodMixin, db.Model):
    """Position percentage in hundredths of a percent (10000 = 100 %); pay in øre."""

    __tablename__ = "employments"
    __table_args__ = (
        sa.CheckConstraint("payment_method IN ('deduction', 'invoice')", name="payment_method"),
        sa.Index("ix_employments_current", "membership_id", "to_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id"))
    workplace_id: Mapped[int] = mapped_column(sa.ForeignKey("workplaces.id"), index=True)
    position_bp: Mapped[int] = mapped_column(default=10000)
    from_date: Mapped[date]
    to_date: Mapped[date | None]
    payment_method: Mapped[str] = mapped_column(sa.String(10), default="deduction")
    monthly_pay_ore: Mapped[int | None]

    membership: Mapped[Membership] = relationship(back_populates="employments")
    workplace: Mapped["Workplace"] = relationship()  # noqa: F821


class InsurancePeriod(PeriodMixin, db.Model):
    """A collective insurance held, or reserved against (`reserved`), from a date."""

    __tablename__ = "insurance_periods"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('home', 'benefit_fund', 'education_fund', 'group')", name="kind"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    reserved: Mapped[bool] = mapped_column(default=False)
    from_date: Mapped[date]
    to_date: Mapped[date | None]

    membership: Mapped[Membership] = relationship(back_populates="insurances")
