"""The union-wide dues rate table (effective-dated rows) and what a membership pays on a day."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from rules.dues import DuesError, MemberFacts, Rates, member_dues, rates_on

from .base import db, utcnow
from .membership import Membership
from .organization import BranchRate

RATE_FIELDS = (
    "central_bp", "minimum_bp", "step50_ore", "home_ore", "benefit_fund_ore", "education_fund_ore",
    "pensioner_yearly_ore", "student_half_year_ore",
)


class DuesRate(db.Model):
    """One row of the rate table, in force from `valid_from` until the next row."""

    __tablename__ = "dues_rates"
    id: Mapped[int] = mapped_column(primary_key=True)
    valid_from: Mapped[date] = mapped_column(unique=True)
    central_bp: Mapped[int]
    minimum_bp: Mapped[int]
    step50_ore: Mapped[int]
    home_ore: Mapped[int]
    benefit_fund_ore: Mapped[int]
    education_fund_ore: Mapped[int]
    pensioner_yearly_ore: Mapped[int]
    student_half_year_ore: Mapped[int]
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    def to_rates(self) -> Rates:
        return Rates(valid_from=self.valid_from, **{f: getattr(self, f) for f in RATE_FIELDS})


def rate_history() -> tuple[Rates, ...]:
    rows = db.session.scalars(sa.select(DuesRate).order_by(DuesRate.valid_from)).all()
    return tuple(row.to_rates() for row in rows)


def branch_rate_on(branch_id: int, day: date) -> int | None:
    """The branch's total percentage (hundredths) in force on the day, or None before its first row."""
    return db.session.scalar(
        sa.select(BranchRate.rate_bp)
        .where(BranchRate.branch_id == branch_id, BranchRate.valid_from <= day)
        .order_by(BranchRate.valid_from.desc())
        .limit(1)
    )


def member_facts(membership: Membership, day: date) -> MemberFacts:
    """What the dues rules need, read from the membership's history as it stood on the day."""
    code = membership.dues_code_on(day)
    if code is None:
        raise DuesError(f"Medlemskapet har ingen kontingentkode {day:%d.%m.%Y}.")
    employments = [e for e in membership.employments if e.covers(day)]
    pays = [e.monthly_pay_ore for e in employments if e.monthly_pay_ore is not None]
    home = [i for i in membership.insurances if i.kind == "home" and i.covers(day)]
    return MemberFacts(
        dues_code=code.code,
        membership_type=membership.membership_type,
        apprentice=membership.apprentice,
        payment="deduction" if any(e.payment_method == "deduction" for e in employments) else "invoice",
        monthly_pay_ore=sum(pays) if pays else None,
        branch_rate_bp=branch_rate_on(membership.branch_id, day) if membership.branch_id else None,
        home_reserved=any(i.reserved for i in home),
        birth_date=membership.person.birth_date,
        code_from=code.from_date,
        optional_insurance=membership.pays_insurance_fee,
    )


def dues_on(membership: Membership, day: date, history: tuple[Rates, ...] | None = None):
    """The membership's dues on the day with their explanation (rules.dues.Dues)."""
    rates = rates_on(history if history is not None else rate_history(), day)
    return member_dues(member_facts(membership, day), rates, day)
