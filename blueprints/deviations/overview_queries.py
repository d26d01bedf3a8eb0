"""The reads behind the overview of deduction lists, the open deviations of earlier months and the
printable deviation report; every one is scoped by models.scope.Scope."""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import contains_eager

from models import Branch, DeductionLine, DeductionList, Employer, db
from models.codes import N_
from models.deduction import DEVIATIONS, LINE_STATUSES, month_start, months_between
from models.payment import ListPayment, list_payments, payment_state_sql
from models.scope import Scope
from rules.names import name_key, prefix_upper_bound
from web.export import money_cell
from web.pages import page_bounds

from .queries import Counts, line_counts, list_lines

STATUSES = tuple(LINE_STATUSES)  # matched, missing, unexpected, amount
EARLIER_LIMIT = 50  # open deviations of earlier months shown on the overview


@dataclass
class Filters:
    period: date | None = None
    state: str | None = None
    employer: str | None = None  # a name prefix, or digits of the orgnr
    branch_number: int | None = None
    open_only: bool = False
    payment: str | None = None  # a payment state (rules.payment_state)


@dataclass
class OverviewRow:
    deduction_list: DeductionList
    counts: Counts
    payment: ListPayment


@dataclass
class OverviewPage:
    rows: list[OverviewRow]
    count: int
    page: int
    pages: int
    newest: date | None  # the newest period among all the lists the filters give


def _employer_condition(text: str) -> sa.ColumnElement[bool]:
    digits = text.replace(" ", "")
    if digits.isascii() and digits.isdigit():
        return Employer.orgnr.startswith(digits, autoescape=True)
    key = name_key(text)
    return sa.and_(Employer.name_key >= key, Employer.name_key < prefix_upper_bound(key))


def _conditions(user, filters: Filters, *, with_period: bool = True) -> list[sa.ColumnElement[bool]]:
    conditions = [Scope.of(user).union_lists()]
    if with_period and filters.period is not None:
        conditions.append(DeductionList.period == filters.period)
    if with_period and filters.state:
        conditions.append(DeductionList.state == filters.state)
    if filters.employer:
        conditions.append(_employer_condition(filters.employer))
    if filters.branch_number is not None:
        conditions.append(Branch.number == filters.branch_number)
    if with_period and filters.open_only:
        conditions.append(sa.exists().where(DeductionLine.list_id == DeductionList.id, DeductionLine.open))
    if with_period and filters.payment:
        conditions.append(payment_state_sql() == filters.payment)
    return conditions


def _joined(stmt: sa.Select) -> sa.Select:
    return (stmt.join(Employer, Employer.id == DeductionList.employer_id)
            .join(Branch, Branch.id == DeductionList.branch_id))


def overview(user, filters: Filters, page: int, page_size: int) -> OverviewPage:
    """The lists the user may see, newest period first, then by employer; each with the count of
    each line status and of open deviations (one grouped query for the page's lists) and its payment
    state (one query for the page's lists)."""
    conditions = _conditions(user, filters)
    count, newest = db.session.execute(
        _joined(sa.select(sa.func.count(DeductionList.id), sa.func.max(DeductionList.period))
                .select_from(DeductionList)).where(*conditions)).one()
    page, pages = page_bounds(count, page, page_size)
    lists = db.session.scalars(
        _joined(sa.select(DeductionList)).where(*conditions)
        .options(contains_eager(DeductionList.employer), contains_eager(DeductionList.branch))
        .order_by(DeductionList.period.desc(), Employer.name_key, Employer.id, Branch.number, DeductionList.id)
        .limit(page_size).offset((page - 1) * page_size)).all()
    counts = line_counts([item.id for item in lists])
    payments = list_payments(lists)
    return OverviewPage([OverviewRow(item, counts[item.id], payments[item.id]) for item in lists], count, page,
                        pages, newest)


@dataclass
class EarlierDeviation:
    line_id: int
    list_id: int
    period: date  # the list the line is on now
    origin: date  # the month the deviation was first found
    name: str
    national_id: str
    status: str
    employer: str
    orgnr: str
    branch: str
    age: int  # months from `origin` to this month

    @property
    def status_name(self) -> str:
        return LINE_STATUSES.get(self.status, "")


@dataclass
class Earlier:
    rows: list[EarlierDeviation]
    count: int  # all of them, also those not shown
    before: date


def earlier_open(user, filters: Filters, before: date, today: date, limit: int = EARLIER_LIMIT) -> Earlier:
    """Open deviations in the user's scope on lists of months before `before`, the oldest first
    (by the month each was first found). The employer and branch filters apply; the others do not."""
    conditions = [*_conditions(user, filters, with_period=False), DeductionList.period < before, DeductionLine.open]
    origin = sa.func.coalesce(DeductionLine.origin_period, DeductionList.period)

    def lines(*columns) -> sa.Select:
        return _joined(sa.select(*columns).select_from(DeductionLine)
                       .join(DeductionList, DeductionList.id == DeductionLine.list_id)).where(*conditions)

    count = db.session.scalar(lines(sa.func.count(DeductionLine.id))) or 0
    found = db.session.execute(
        lines(DeductionLine.id, DeductionList.id, DeductionList.period, origin, DeductionLine.name,
              DeductionLine.national_id, DeductionLine.status, Employer.name, Employer.orgnr, Branch.number,
              Branch.name)
        .order_by(origin, DeductionList.period, DeductionLine.id).limit(limit))
    this_month = month_start(today)
    rows = [EarlierDeviation(line_id, list_id, period, origin_period, name, nid, status, employer, orgnr,
                             f"{number} {branch}", months_between(origin_period, this_month))
            for line_id, list_id, period, origin_period, name, nid, status, employer, orgnr, number, branch in found]
    return Earlier(rows, count, before)


# --- the deviation report -------------------------------------------------------------------------

def report_lines(deduction_list: DeductionList) -> list[DeductionLine]:
    """The list's deviation lines (handled or not, carried in from earlier months too): the expected
    first, then by name."""
    return list_lines(deduction_list, DEVIATIONS)


REPORT_HEADER = [N_("Navn"), N_("Fødselsnummer"), N_("Medlemsnr."), N_("Avvik"), N_("Åpent siden"),
                 N_("Alder (måneder)"), N_("Forventet kontingent (kr)"), N_("Forventet forsikring (kr)"),
                 N_("Rapportert kontingent (kr)"), N_("Rapportert forsikring (kr)"), N_("Årsak"), N_("Behandling"),
                 N_("Merknad"), N_("Notater")]


def report_rows(deduction_list: DeductionList, lines: list[DeductionLine], fmt: str, foreign: dict[int, str]):
    """The report's rows; a person who is a member outside the user's scope has, instead of the member
    number, what `foreign` (views.foreign_texts) says of them."""
    money = money_cell(fmt)
    for line in lines:
        origin = line.origin_period or deduction_list.period
        handled = line.resolution_text or (gettext(line.resolution_name) if line.resolution_name else None)
        yield [line.name, line.national_id, foreign.get(line.id, line.member_number), gettext(line.status_name) if line.status_name else None,
               f"{origin:%m.%Y}",
               line.age_months(deduction_list.period), money(line.expected_dues_ore),
               money(line.expected_insurance_ore), money(line.reported_dues_ore), money(line.reported_insurance_ore),
               "; ".join(line.reason_list), handled or None, line.note, None]


# --- jobs -----------------------------------------------------------------------------------------

