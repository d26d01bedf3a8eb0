"""The reads behind the employer portal's lists: the overview, one list with its members and the
payroll office's draft, the changes since last month. What is to pay and what was paid comes from
models.payment (ListPayment), the one place for a list's payment state.

Every read of a list passes through models.scope: an employer contact reaches only the lists of
their employers and workplaces; any other id is 404. `get_list` is the portal's one loader of a list,
for the employer's pages and for the messages, which the union's roles read too."""
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from models import AuditLog, Branch, DeductionLine, DeductionList, Employer, PortalEntry, User, db
from models.deduction import EXPECTED, IN_PROGRESS, POSTED, RECEIVED, previous_period
from models.payment import ListPayment, list_payments
from models.scope import Scope
from web.pages import page_bounds

HANDLED_STATES = (RECEIVED, IN_PROGRESS, POSTED)
HISTORY_PAGE_SIZE = 20
CONFIRMED_SUMMARY = "Endringer siden forrige måned bekreftet"  # the audit row's summary begins so


# --- the overview -----------------------------------------------------------------------------------

@dataclass
class ListRow:
    deduction_list: DeductionList
    payment: ListPayment

    @property
    def amount_ore(self) -> int:
        return self.payment.amount_ore


@dataclass
class HistoryPage:
    rows: list[ListRow]
    count: int
    page: int
    pages: int


@dataclass
class Overview:
    not_handled: list[ListRow]  # expected, nothing saved yet
    in_progress: list[ListRow]  # expected, with a saved draft
    history: HistoryPage  # sent (received, in progress at the union, posted), newest first


def _lists(user) -> sa.Select:
    return (sa.select(DeductionList)
            .join(Employer, Employer.id == DeductionList.employer_id)
            .join(Branch, Branch.id == DeductionList.branch_id)
            .where(Scope.of(user).employer_lists())
            .options(contains_eager(DeductionList.employer), contains_eager(DeductionList.branch)))


def overview(user, page: int = 1, page_size: int = HISTORY_PAGE_SIZE) -> Overview:
    """The employer contact's lists in three groups, each with its payment state: four queries,
    whatever the number of lists (the payments of all the lists shown are read at once)."""
    has_draft = sa.exists().where(PortalEntry.list_id == DeductionList.id).label("has_draft")
    open_rows = db.session.execute(
        _lists(user).add_columns(has_draft).where(DeductionList.state == EXPECTED)
        .order_by(DeductionList.period, Employer.name_key, Employer.id, Branch.number)).all()
    handled, count, page, pages = _history_lists(user, page, page_size)
    payments = list_payments([deduction_list for deduction_list, _ in open_rows] + handled)
    not_handled, in_progress = [], []
    for deduction_list, draft in open_rows:
        row = ListRow(deduction_list, payments[deduction_list.id])
        (in_progress if draft else not_handled).append(row)
    history = HistoryPage([ListRow(item, payments[item.id]) for item in handled], count, page, pages)
    return Overview(not_handled, in_progress, history)


def _history_lists(user, page: int, page_size: int) -> tuple[list[DeductionList], int, int, int]:
    """The lists sent (handled), newest month first, a page at a time: (lists, count, page, pages)."""
    handled = DeductionList.state.in_(HANDLED_STATES)
    count = db.session.scalar(
        sa.select(sa.func.count(DeductionList.id)).where(Scope.of(user).employer_lists(), handled)) or 0
    page, pages = page_bounds(count, page, page_size)
    lists = db.session.scalars(
        _lists(user).where(handled)
        .order_by(DeductionList.period.desc(), Employer.name_key, Employer.id, Branch.number)
        .limit(page_size).offset((page - 1) * page_size)).all()
    return list(lists), count, page, pages


# --- one list -----------------------------------------------------------------------------------------

def expected_lines(deduction_list: DeductionList) -> list[DeductionLine]:
    """The members the register expects on the list (not the deviations carried in from earlier
    months: those are the union's), in name order."""
    return db.session.scalars(
        sa.select(DeductionLine).where(DeductionLine.list_id == deduction_list.id, DeductionLine.expected,
                                       DeductionLine.carried_from_id.is_(None))
        .order_by(DeductionLine.name, DeductionLine.id)).all()


def entries(deduction_list: DeductionList) -> list[PortalEntry]:
    """The payroll office's saved draft: one entry per person, the added persons in the order added."""
    return db.session.scalars(
        sa.select(PortalEntry).where(PortalEntry.list_id == deduction_list.id).order_by(PortalEntry.id)).all()


def sent_lines(deduction_list: DeductionList) -> list[DeductionLine]:
    """What the employer sent: the expected members, then the persons they added."""
    return db.session.scalars(
        sa.select(DeductionLine).where(DeductionLine.list_id == deduction_list.id,
                                       DeductionLine.carried_from_id.is_(None))
        .order_by(DeductionLine.expected.desc(), DeductionLine.name, DeductionLine.id)).all()


def user_name(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    found = db.session.get(User, user_id)
    return (found.full_name or found.username) if found else None


# --- changes since last month -------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    national_id: str
    name: str
    member_number: int | None
    before_ore: int | None  # the expected amount last month (None: not on that list)
    now_ore: int | None  # the expected amount this month (None: not on this list)


@dataclass
class MonthChanges:
    previous: DeductionList | None  # last month's list of the same employer and branch
    new: list[Change] = field(default_factory=list)
    gone: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.new) + len(self.gone) + len(self.changed)


def _expected_amounts(list_id: int) -> dict[str, tuple[str, int | None, int]]:
    """national id → (name, member number, expected total) of a list's expected members."""
    rows = db.session.execute(
        sa.select(DeductionLine.national_id, DeductionLine.name, DeductionLine.member_number,
                  DeductionLine.expected_dues_ore, DeductionLine.expected_insurance_ore)
        .where(DeductionLine.list_id == list_id, DeductionLine.expected, DeductionLine.carried_from_id.is_(None)))
    return {nid: (name, number, (dues or 0) + (insurance or 0)) for nid, name, number, dues, insurance in rows}


def month_changes(user, deduction_list: DeductionList) -> MonthChanges:
    """Who is new on the list, who is gone from it, and whose expected amount changed, against the
    previous month's list of the same employer and branch (none when there is no such list)."""
    previous = db.session.scalar(sa.select(DeductionList).where(
        DeductionList.period == previous_period(deduction_list.period),
        DeductionList.employer_id == deduction_list.employer_id,
        DeductionList.branch_id == deduction_list.branch_id, Scope.of(user).employer_lists()))
    result = MonthChanges(previous)
    if previous is None:
        return result
    now, before = _expected_amounts(deduction_list.id), _expected_amounts(previous.id)
    for nid, (name, number, amount) in now.items():
        if nid not in before:
            result.new.append(Change(nid, name, number, None, amount))
        elif before[nid][2] != amount:
            result.changed.append(Change(nid, name, number, before[nid][2], amount))
    for nid, (name, number, amount) in before.items():
        if nid not in now:
            result.gone.append(Change(nid, name, number, amount, None))
    for changes in (result.new, result.gone, result.changed):
        changes.sort(key=lambda change: (change.name, change.national_id))
    return result


@dataclass(frozen=True)
class Confirmation:
    at: datetime
    by: str


def changes_confirmation(deduction_list: DeductionList) -> Confirmation | None:
    """When, and by whom, the month's changes were confirmed (the audit row says who)."""
    if deduction_list.changes_confirmed_at is None:
        return None
    row = db.session.execute(
        sa.select(AuditLog.actor, User.full_name).outerjoin(User, User.id == AuditLog.user_id)
        .where(AuditLog.entity == "deduction_list", AuditLog.entity_id == deduction_list.id,
               AuditLog.summary.startswith(CONFIRMED_SUMMARY))
        .order_by(AuditLog.id.desc()).limit(1)).first()
    by = (row.full_name or row.actor) if row else ""
    return Confirmation(deduction_list.changes_confirmed_at, by)
