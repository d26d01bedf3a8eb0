"""The union-wide dues rate table (effective-dated rows) and what a membership pays on a day."""
from collections.abc import Iterator
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from rules.dues import DuesError, MemberFacts, Rates, member_dues, rates_on

from .base import db, utcnow
from .membership import DuesCodePeriod, Employment, InsurancePeriod, Membership
from .organization import BranchRate
from .person import Person

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


def no_dues_code(day: date) -> DuesError:
    return DuesError(_("Medlemskapet har ingen kontingentkode %(date)s.", date=format(day, "%d.%m.%Y")))


def member_facts(membership: Membership, day: date) -> MemberFacts:
    """What the dues rules need, read from the membership's history as it stood on the day."""
    code = membership.dues_code_on(day)
    if code is None:
        raise no_dues_code(day)
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


# --- every membership at once -------------------------------------------------------------------
# The same facts as member_facts(), read with a handful of set-based SELECTs instead of ORM objects
# per member: the preview of a new rate row and the benchmark run over the whole register.

def _covers(period, day: date) -> sa.ColumnElement[bool]:
    return sa.and_(period.from_date <= day, sa.or_(period.to_date.is_(None), period.to_date >= day))


def member_fact_selects(day: date, *, membership_ids=None, on_day: bool = False, where=None) -> dict[str, sa.Select]:
    """The SELECTs load_member_facts() runs, by name: the active memberships (end_date NULL; with
    `on_day`, those active on the day, also if ended since), or the given ones, and the rows of
    history covering the day that their dues depend on.

    For all active memberships the history tables are read whole (the rows covering the day), not
    joined to the memberships: the few rows of ended memberships are simply not looked up, and a plain
    scan is the fastest way through half a million rows."""
    if membership_ids is None:
        chosen = (sa.and_(Membership.start_date <= day, sa.or_(Membership.end_date.is_(None), Membership.end_date >= day))
                  if on_day else Membership.end_date.is_(None))
        of_chosen = lambda period: sa.true()  # noqa: E731
        if where is not None:  # a further condition on the memberships (not on their history)
            chosen = sa.and_(chosen, where)
    else:
        ids = list(membership_ids)
        chosen, of_chosen = Membership.id.in_(ids), (lambda period: period.membership_id.in_(ids))
    return {
        "memberships": sa.select(
            Membership.id, Membership.membership_type, Membership.apprentice, Membership.pays_insurance_fee,
            Membership.branch_id, Person.birth_date,
        ).join(Person, Person.id == Membership.person_id).where(chosen),
        "dues_codes": sa.select(DuesCodePeriod.membership_id, DuesCodePeriod.code, DuesCodePeriod.from_date)
        .where(of_chosen(DuesCodePeriod), _covers(DuesCodePeriod, day)),
        "employments": sa.select(
            Employment.membership_id,
            sa.func.sum(Employment.monthly_pay_ore),  # NULL when no employment has a pay registered
            sa.func.max(sa.case((Employment.payment_method == "deduction", 1), else_=0)),
        ).where(of_chosen(Employment), _covers(Employment, day))
        .group_by(Employment.membership_id),
        "home_reserved": sa.select(InsurancePeriod.membership_id)
        .where(of_chosen(InsurancePeriod), InsurancePeriod.kind == "home", InsurancePeriod.reserved,
               _covers(InsurancePeriod, day)),
        "branch_rates": sa.select(BranchRate.branch_id, BranchRate.rate_bp)
        .where(BranchRate.valid_from <= day)
        .order_by(BranchRate.branch_id, BranchRate.valid_from),
    }


def load_member_facts(day: date, *, membership_ids=None, on_day: bool = False, where=None
                      ) -> Iterator[tuple[int, MemberFacts | None]]:
    """(membership id, facts) for the memberships member_fact_selects() chooses (the active ones, those
    active on the day with `on_day`, narrowed by `where`; or the given ones), as they stood on the day:
    what member_facts() gives for each, or None where it raises DuesError because the membership has
    no dues code on the day.

    The history tables are read first; the memberships are then read and their facts made one at a
    time as the caller goes through them, so half a million facts are never held at once."""
    selects = member_fact_selects(day, membership_ids=membership_ids, on_day=on_day, where=where)
    run = db.session.connection().execute  # Core rows: no ORM work per row
    codes: dict[int, tuple[str, date]] = {}
    for membership_id, code, from_date in run(selects["dues_codes"]):
        known = codes.get(membership_id)
        if known is None or from_date < known[1]:  # the earliest wins, as in Membership.dues_code_on
            codes[membership_id] = (code, from_date)
    employments = {membership_id: (pay, "deduction" if deduction == 1 else "invoice")
                   for membership_id, pay, deduction in run(selects["employments"])}
    reserved = set(run(selects["home_reserved"]).scalars())
    branch_rates = dict(run(selects["branch_rates"]).all())  # the latest row per branch wins
    no_employment = (None, "invoice")

    for membership_id, kind, apprentice, pays_fee, branch_id, birth_date in run(selects["memberships"]):
        code = codes.get(membership_id)
        if code is None:
            yield membership_id, None
            continue
        pay, payment = employments.get(membership_id, no_employment)
        yield membership_id, MemberFacts(
            code[0], kind, apprentice, payment, pay, branch_rates.get(branch_id), membership_id in reserved,
            birth_date, code[1], pays_fee,
        )
