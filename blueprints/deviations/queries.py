"""The reads behind the deduction lists' pages and commands; every one passes through models.scope."""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from models import (
    Branch,
    County,
    DeductionLine,
    DeductionList,
    Employer,
    Employment,
    Membership,
    Payment,
    User,
    Workplace,
    db,
)
from models.deduction import DEVIATIONS, list_loads
from models.payment import MATCHED_BY_HAND, ListPayment, list_amount_ore
from models.scope import Scope


def line_options():
    """Eager loads for handling a line: its list with employer and branch, its membership's history."""
    return (selectinload(DeductionLine.deduction_list).selectinload(DeductionList.employer),
            selectinload(DeductionLine.deduction_list).selectinload(DeductionList.branch),
            selectinload(DeductionLine.membership).selectinload(Membership.employments)
            .selectinload(Employment.workplace).selectinload(Workplace.employer),
            selectinload(DeductionLine.membership).selectinload(Membership.dues_codes))


def get_line(user, list_id: int, line_id: int) -> DeductionLine:
    """A line, always through its list (scoped), with what handling it needs; else 404."""
    deduction_list = Scope.of(user).get_or_404(DeductionList, list_id, *list_loads())
    line = db.session.scalar(
        sa.select(DeductionLine).where(DeductionLine.id == line_id, DeductionLine.list_id == deduction_list.id)
        .options(*line_options()))
    return line or abort(404)


def find_list(user, period: date, orgnr: str, branch_number: int) -> DeductionList | None:
    return db.session.scalar(
        sa.select(DeductionList).join(Employer, Employer.id == DeductionList.employer_id)
        .join(Branch, Branch.id == DeductionList.branch_id)
        .where(DeductionList.period == period, Employer.orgnr == orgnr, Branch.number == branch_number,
               Scope.of(user).union_lists())
        .options(selectinload(DeductionList.employer), selectinload(DeductionList.branch)))


def list_lines(deduction_list: DeductionList, statuses=None) -> list[DeductionLine]:
    """The list's lines (only those of `statuses` when given): the expected first, then the others
    (unexpected, carried in), each by name."""
    stmt = sa.select(DeductionLine).where(DeductionLine.list_id == deduction_list.id)
    if statuses is not None:
        stmt = stmt.where(DeductionLine.status.in_(statuses))
    return db.session.scalars(stmt.order_by(DeductionLine.expected.desc(), DeductionLine.name, DeductionLine.id)).all()


@dataclass(frozen=True)
class ForeignUnit:
    """The branch (or, for a student or pupil, the county) of a membership outside the user's scope."""

    is_branch: bool
    number: int
    name: str

    @property
    def label(self) -> str:
        return f"{self.number} {self.name}"


def foreign_members(user, list_id: int, line_id: int | None = None) -> dict[int, ForeignUnit]:
    """The lines of a list (or its one line `line_id`) whose person was matched by identity number to
    a membership outside the user's scope when the employer's list came in, each with the unit that
    membership belongs to. That unit is all a user may learn of it (DESIGN.md "Access": "member of
    another branch (its name)"); its number, card and personal data stay hidden. One query; none for
    the central registry, which sees every membership."""
    scope = Scope.of(user)
    if scope.everything:
        return {}
    visible = sa.case((scope.where(Membership), sa.true()), else_=sa.false())  # NULL-safe: no branch is not ours
    stmt = (sa.select(DeductionLine.id, visible, Branch.number, Branch.name, County.number, County.name)
            .join(Membership, Membership.id == DeductionLine.membership_id)
            .outerjoin(Branch, Branch.id == Membership.branch_id)
            .outerjoin(County, County.id == Membership.county_id)
            .where(DeductionLine.list_id == list_id))
    if line_id is not None:
        stmt = stmt.where(DeductionLine.id == line_id)
    return {found_id: ForeignUnit(branch_number is not None, branch_number or county_number, branch_name or county_name)
            for found_id, seen, branch_number, branch_name, county_number, county_name in db.session.execute(stmt)
            if not seen}


@dataclass
class Counts:
    """How many lines of each status a list has, and how many deviations are open or handled."""

    matched: int = 0
    missing: int = 0
    unexpected: int = 0
    amount: int = 0
    open: int = 0
    handled: int = 0
    lines: int = 0

    @property
    def deviations(self) -> int:
        return self.missing + self.unexpected + self.amount


def line_counts(list_ids: list[int]) -> dict[int, Counts]:
    """The counts of each list, with one grouped query over their lines."""
    counts = {list_id: Counts() for list_id in list_ids}
    if not counts:
        return counts
    resolved = DeductionLine.resolution.is_not(None)
    rows = db.session.execute(
        sa.select(DeductionLine.list_id, DeductionLine.status, resolved, sa.func.count())
        .where(DeductionLine.list_id.in_(list_ids))
        .group_by(DeductionLine.list_id, DeductionLine.status, resolved))
    for list_id, status, is_resolved, number in rows:
        found = counts[list_id]
        found.lines += number
        if status is not None:
            setattr(found, status, getattr(found, status) + number)
        if status in DEVIATIONS:
            if is_resolved:
                found.handled += number
            else:
                found.open += number
    return counts


# --- payments -------------------------------------------------------------------------------------

@dataclass
class ReceivedPayment:
    """One payment registered against a list, as the list page shows it."""

    payment: Payment
    matched_by_name: str | None  # who matched it by hand (None when matched by KID)


@dataclass
class PaymentDetails:
    state: ListPayment  # what is to pay, paid, owing or overpaid (models.payment)
    payments: list[ReceivedPayment]  # the same payments, with how each was matched


def payment_details(deduction_list: DeductionList) -> PaymentDetails:
    """The payment state of a list already loaded through its scope, and the payments behind it
    (oldest first, reversals negative), each matched by KID or by hand with a note."""
    rows = db.session.execute(
        sa.select(Payment, User.full_name, User.username)
        .outerjoin(User, User.id == Payment.matched_by_user)
        .where(Payment.list_id == deduction_list.id)
        .order_by(Payment.settlement_date, Payment.id)).all()
    received = [ReceivedPayment(payment, (full_name or username) if payment.matched_by == MATCHED_BY_HAND else None)
                for payment, full_name, username in rows]
    state = ListPayment(list_amount_ore(deduction_list), [(p.settlement_date, p.amount_ore) for p, _, _ in rows])
    return PaymentDetails(state, received)
