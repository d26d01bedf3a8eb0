"""The reads behind the payments pages: transmissions, unidentified payments, suggestions for matching
a payment by hand, and the county's queue of posted lists not paid. Every query of deduction lists
passes through models.scope.Scope; transmissions and unidentified payments have no
branch (only the central registry and the counties reach them, by the views' @allow)."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import contains_eager, selectinload

from models import Branch, DeductionList, Employer, ListPayment, Payment, PaymentTransmission, db, list_payments
from models.deduction import POSTED
from models.payment import list_amount_sql, list_paid_sql
from models.scope import Scope
from web import clock
from web.pages import page_bounds

SUGGESTION_LIMIT = 25  # lists suggested by amount (a KID typo is always shown)
KID_CHUNK = 500


@dataclass
class Page:
    rows: list
    count: int
    page: int
    pages: int


# --- transmissions --------------------------------------------------------------------------------

def transmissions(page: int, page_size: int) -> Page:
    """The imported transmissions, the newest import first."""
    count = db.session.scalar(sa.select(sa.func.count(PaymentTransmission.id))) or 0
    page, pages = page_bounds(count, page, page_size)
    rows = db.session.scalars(
        sa.select(PaymentTransmission).order_by(PaymentTransmission.imported_at.desc(), PaymentTransmission.id.desc())
        .limit(page_size).offset((page - 1) * page_size)).all()
    return Page(rows, count, page, pages)


def get_transmission(transmission_id: int) -> PaymentTransmission:
    return db.session.get(PaymentTransmission, transmission_id) or abort(404)


def _with_list(stmt: sa.Select) -> sa.Select:
    return stmt.options(selectinload(Payment.deduction_list).selectinload(DeductionList.employer),
                        selectinload(Payment.deduction_list).selectinload(DeductionList.branch))


def transmission_payments(transmission: PaymentTransmission, page: int, page_size: int) -> Page:
    """The transmission's payments in the file's order, each with its list (employer and branch)."""
    count = db.session.scalar(
        sa.select(sa.func.count(Payment.id)).where(Payment.transmission_id == transmission.id)) or 0
    page, pages = page_bounds(count, page, page_size)
    rows = db.session.scalars(_with_list(
        sa.select(Payment).where(Payment.transmission_id == transmission.id).order_by(Payment.id))
        .limit(page_size).offset((page - 1) * page_size)).all()
    return Page(rows, count, page, pages)


# --- payments -------------------------------------------------------------------------------------

# A payment with its transmission and its list, if matched (Scope.get_or_404 loads it).
PAYMENT_LOADS = (selectinload(Payment.transmission),
                 selectinload(Payment.deduction_list).selectinload(DeductionList.employer),
                 selectinload(Payment.deduction_list).selectinload(DeductionList.branch))


def unidentified_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.list_id.is_(None))) or 0


def unidentified(page: int, page_size: int) -> Page:
    """Every payment matched to nothing, the oldest settlement first."""
    count = unidentified_count()
    page, pages = page_bounds(count, page, page_size)
    rows = db.session.scalars(
        sa.select(Payment).where(Payment.list_id.is_(None)).options(selectinload(Payment.transmission))
        .order_by(Payment.settlement_date, Payment.id).limit(page_size).offset((page - 1) * page_size)).all()
    return Page(rows, count, page, pages)


# --- suggestions for matching by hand -------------------------------------------------------------

def kid_typos(kid: str) -> set[str]:
    """The KIDs one typo away from `kid`: one digit changed, or two neighbours swapped (and the KID
    itself, for a list formed after the payment came)."""
    found = {kid}
    for i, digit in enumerate(kid):
        found.update(kid[:i] + other + kid[i + 1:] for other in "0123456789" if other != digit)
        if i + 1 < len(kid) and kid[i + 1] != digit:
            found.add(kid[:i] + kid[i + 1] + digit + kid[i + 2:])
    return found


def _joined() -> sa.Select:
    """Lists with their employer and branch loaded (joined for ordering); the caller scopes them."""
    return (sa.select(DeductionList).join(Employer, Employer.id == DeductionList.employer_id)
            .join(Branch, Branch.id == DeductionList.branch_id)
            .options(contains_eager(DeductionList.employer), contains_eager(DeductionList.branch)))


def _lists(user) -> sa.Select:
    """The lists the user may see."""
    return _joined().where(Scope.of(user).where(DeductionList))


@dataclass
class Suggestion:
    deduction_list: DeductionList
    payment: ListPayment
    reason: str  # "kid": the KID one typo away (or the same); "amount": what is owing equals the payment


def suggestions(user, payment: Payment) -> list[Suggestion]:
    """Lists the payment may belong to: those whose KID is one typo from the payment's, then those not
    paid in full whose amount owing is exactly the payment's amount (oldest period first)."""
    by_kid: list[DeductionList] = []
    if payment.kid:
        variants = sorted(kid_typos(payment.kid))
        for start in range(0, len(variants), KID_CHUNK):
            by_kid += db.session.scalars(
                _lists(user).where(DeductionList.kid.in_(variants[start:start + KID_CHUNK]))).all()
        by_kid.sort(key=lambda dl: (dl.period, dl.employer.name, dl.branch.number))
    by_amount: list[DeductionList] = []
    if payment.amount_ore > 0:  # then owing exactly the amount means not paid in full
        by_amount = db.session.scalars(
            _lists(user).where(list_amount_sql() - list_paid_sql() == payment.amount_ore,
                               DeductionList.id.not_in([dl.id for dl in by_kid]))
            .order_by(DeductionList.period, Employer.name_key, Branch.number, DeductionList.id)
            .limit(SUGGESTION_LIMIT)).all()
    states = list_payments([*by_kid, *by_amount])
    return ([Suggestion(dl, states[dl.id], "kid") for dl in by_kid]
            + [Suggestion(dl, states[dl.id], "amount") for dl in by_amount])


def list_by_kid(user, kid: str) -> DeductionList | None:
    return db.session.scalar(_lists(user).where(DeductionList.kid == kid))



# --- the county's queue: posted lists not paid ----------------------------------------------------

@dataclass
class UnpaidRow:
    deduction_list: DeductionList
    payment: ListPayment
    days: int  # since posting


def _unpaid_conditions(user, days: int, now: datetime) -> list[sa.ColumnElement[bool]]:
    amount = list_amount_sql()
    return [Scope.of(user).where(DeductionList), DeductionList.state == POSTED,
            DeductionList.posted_at < now - timedelta(days=days), amount > 0, list_paid_sql() < amount]


def unpaid_count(user, days: int, now: datetime) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(DeductionList.id)).where(*_unpaid_conditions(user, days, now))) or 0


def unpaid(user, days: int, now: datetime, page: int | None, page_size: int) -> Page:
    """Posted lists in the user's scope not paid in full more than `days` days after posting, the
    oldest posting first (`page=None`: all of them, for an export)."""
    count = unpaid_count(user, days, now)
    stmt = (_joined().where(*_unpaid_conditions(user, days, now))
            .order_by(DeductionList.posted_at, DeductionList.id))
    if page is None:
        pages = 1
    else:
        page, pages = page_bounds(count, page, page_size)
        stmt = stmt.limit(page_size).offset((page - 1) * page_size)
    lists = db.session.scalars(stmt).all()
    states = list_payments(lists)
    today: date = clock.oslo_date(now)  # days in Oslo's calendar
    rows = [UnpaidRow(dl, states[dl.id], (today - clock.oslo_date(dl.posted_at)).days) for dl in lists]
    return Page(rows, count, page or 1, pages)
