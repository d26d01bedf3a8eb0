"""The reads behind the employer portal's lists: the overview, one list with its members and the
payroll office's draft, the list's parts by workplace and who approved them, the changes since last
month, and the lines as the employer may see them (page and export). What is to pay and what was paid
comes from models.payment (ListPayment), the one place for a list's payment state.

Every read passes through models.scope: an employer contact reaches only the lists of their employers
and workplaces (any other id is 404), and a contact answering for some workplaces only the lines and
entries of those workplaces (`Scope.where(DeductionLine)`, `Scope.where(PortalEntry)`).

What an employer may learn of a person (DOMAIN.md section 1): the members on its own expected lines,
and what it typed itself. A person the payroll office added is shown only as it was typed (identity
number, name, amounts, comment), before and after the union has handled the line, with the same status
whatever the union found (`EmployerLine`)."""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from models import AuditLog, Branch, DeductionLine, DeductionList, Employer, PortalEntry, User, Workplace, db
from models.codes import N_
from models.deduction import DEVIATIONS, EXPECTED, IN_PROGRESS, POSTED, RECEIVED, previous_period
from models.payment import ListPayment, list_payments
from models.portal import ADDED, DEDUCTED, NOT_DEDUCTED, OTHER_AMOUNT, PortalApproval
from models.scope import Scope
from web.pages import page_bounds

HANDLED_STATES = (RECEIVED, IN_PROGRESS, POSTED)
HISTORY_PAGE_SIZE = 20
CONFIRMED_SUMMARY = "Endringer siden forrige måned bekreftet"  # the audit row's summary begins so
NO_WORKPLACE = N_("Uten arbeidssted")
OTHER_WORKPLACE = N_("Annet arbeidssted")  # a part the user does not answer for: not named

# What the employer sees of a line's handling at the union: never what the union found about a person.
DRAFT, PART_APPROVED = N_("Utkast"), N_("Godkjent")
REGISTERED, HANDLED, IN_ORDER = N_("Registrert av dere"), N_("Behandlet"), N_("I orden")


# --- the list's parts by workplace ------------------------------------------------------------------

@dataclass(frozen=True)
class Approval:
    workplace_id: int | None  # None: everything not approved before, by a contact of the whole employer
    by: str
    at: datetime
    line_count: int
    total_ore: int


@dataclass
class Part:
    """The lines of one workplace on a list (workplace None: lines whose workplace is not known)."""

    workplace_id: int | None
    name: str
    lines: int
    approval: Approval | None = None
    mine: bool = False  # the user answers for it


@dataclass
class Parts:
    """A list's parts and their approvals, as one user may see them."""

    parts: list[Part]  # every part with lines, in name order
    approvals: list[Approval]
    whole: bool  # the user answers for the whole list

    @property
    def whole_approval(self) -> Approval | None:
        return next((approval for approval in self.approvals if approval.workplace_id is None), None)

    @property
    def pending(self) -> list[Part]:
        return [part for part in self.parts if part.approval is None]

    @property
    def mine(self) -> list[Part]:
        return [part for part in self.parts if part.mine]

    @property
    def mine_pending(self) -> list[Part]:
        return [part for part in self.mine if part.approval is None]

    @property
    def others(self) -> list[Part]:
        return [part for part in self.parts if not part.mine]

    @property
    def locked(self) -> set[int | None]:
        """The workplaces whose part is approved: their lines can no longer be changed."""
        return {part.workplace_id for part in self.parts if part.approval is not None}

    @property
    def split(self) -> bool:
        """Approved in more than one part (or partly approved): worth showing part by part."""
        return len(self.parts) > 1 or (bool(self.approvals) and self.whole_approval is None)


def _part_counts(list_ids: list[int]) -> dict[int, Counter]:
    """list id → workplace id (None: unknown) → lines: the expected members (not the deviations carried in
    from earlier months) and the persons the payroll office added in its draft."""
    counts: dict[int, Counter] = defaultdict(Counter)
    if not list_ids:
        return counts
    expected = db.session.execute(
        sa.select(DeductionLine.list_id, DeductionLine.workplace_id, sa.func.count())
        .where(DeductionLine.list_id.in_(list_ids), DeductionLine.expected, DeductionLine.carried_from_id.is_(None))
        .group_by(DeductionLine.list_id, DeductionLine.workplace_id))
    added = db.session.execute(
        sa.select(PortalEntry.list_id, PortalEntry.workplace_id, sa.func.count())
        .where(PortalEntry.list_id.in_(list_ids), PortalEntry.outcome == ADDED)
        .group_by(PortalEntry.list_id, PortalEntry.workplace_id))
    for list_id, workplace_id, count in [*expected, *added]:
        counts[list_id][workplace_id] += count
    return counts


def _approvals(list_ids: list[int]) -> dict[int, list[Approval]]:
    found: dict[int, list[Approval]] = defaultdict(list)
    if not list_ids:
        return found
    rows = db.session.execute(
        sa.select(PortalApproval.list_id, PortalApproval.workplace_id, User.full_name, User.username,
                  PortalApproval.approved_at, PortalApproval.line_count, PortalApproval.total_ore)
        .outerjoin(User, User.id == PortalApproval.user_id)
        .where(PortalApproval.list_id.in_(list_ids)).order_by(PortalApproval.approved_at, PortalApproval.id))
    for list_id, workplace_id, full_name, username, at, count, total in rows:
        found[list_id].append(Approval(workplace_id, full_name or username or "", at, count, total))
    return found


def workplace_names(ids) -> dict[int, str]:
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Workplace.id, Workplace.name).where(Workplace.id.in_(ids))).all())


def _parts(deduction_list: DeductionList, counts: Counter, approvals: list[Approval], scope: Scope | None,
           names: dict[int, str]) -> Parts:
    whole = scope is None or scope.whole_list(deduction_list)
    mine_ids = set() if scope is None else set(scope.workplace_ids)
    by_workplace = {approval.workplace_id: approval for approval in approvals}
    everything = by_workplace.get(None)
    parts = [Part(workplace_id, names.get(workplace_id) or (NO_WORKPLACE if workplace_id is None else OTHER_WORKPLACE),
                  count,
                  by_workplace.get(workplace_id) if workplace_id is not None else None,
                  whole or workplace_id in mine_ids)
             for workplace_id, count in counts.items() if count]
    for part in parts:
        if part.approval is None and everything is not None:
            part.approval = everything
    parts.sort(key=lambda part: (part.workplace_id is None, part.name, part.workplace_id or 0))
    return Parts(parts, approvals, whole)


def list_parts(user, deduction_list: DeductionList) -> Parts:
    """The list's parts as `user` may see them: a contact answering for some workplaces gets the names
    of its own workplaces only (the others are counted, not named); the union's roles see every part."""
    scope = Scope.of(user)
    counts = _part_counts([deduction_list.id])[deduction_list.id]
    approvals = _approvals([deduction_list.id])[deduction_list.id]
    named = counts.keys() if scope.whole_list(deduction_list) else set(counts) & set(scope.workplace_ids)
    return _parts(deduction_list, counts, approvals, scope if user.role == "employer" else None,
                  workplace_names(named))


def my_workplaces(user, deduction_list: DeductionList) -> list[tuple[int, str]]:
    """(id, name) of the employer's workplaces that the user may enter a person for, in name order: a
    contact of the whole employer any of them, a contact of some workplaces its own."""
    return db.session.execute(
        sa.select(Workplace.id, Workplace.name)
        .where(Workplace.employer_id == deduction_list.employer_id, Scope.of(user).where(Workplace))
        .order_by(Workplace.name, Workplace.id)).all()


# --- the overview -----------------------------------------------------------------------------------

@dataclass
class ListRow:
    deduction_list: DeductionList
    payment: ListPayment
    part: "PartTotals | None" = None  # a contact answering for some workplaces: its lines only
    parts: Parts | None = None  # an open list's parts (who approved what)

    @property
    def amount_ore(self) -> int:
        return self.part.amount_ore if self.part else self.payment.amount_ore

    @property
    def members(self) -> int:
        return self.part.members if self.part else self.deduction_list.expected_count

    @property
    def my_part_approved(self) -> bool:
        """Everything the user answers for is approved; the list waits for the rest."""
        return bool(self.parts and self.parts.mine and not self.parts.mine_pending)


@dataclass(frozen=True)
class PartTotals:
    members: int  # expected members in the user's part
    amount_ore: int  # expected, or reported once the list is sent


@dataclass
class HistoryPage:
    rows: list[ListRow]
    count: int
    page: int
    pages: int


@dataclass
class Overview:
    not_handled: list[ListRow]  # expected, nothing saved yet
    in_progress: list[ListRow]  # expected, with a saved draft or a part approved
    history: HistoryPage  # sent (received, in progress at the union, posted), newest first


def _lists(user) -> sa.Select:
    return (sa.select(DeductionList)
            .join(Employer, Employer.id == DeductionList.employer_id)
            .join(Branch, Branch.id == DeductionList.branch_id)
            .where(Scope.of(user).employer_lists())
            .options(contains_eager(DeductionList.employer), contains_eager(DeductionList.branch)))


def part_totals(user, lists: list[DeductionList]) -> dict[int, PartTotals]:
    """list id → the user's part of it, for the lists the user answers for only in part (one query)."""
    scope = Scope.of(user)
    partial = {item.id: item for item in lists if not scope.whole_list(item)}
    if not partial:
        return {}
    expected = sa.and_(DeductionLine.expected, DeductionLine.carried_from_id.is_(None))
    rows = db.session.execute(
        sa.select(DeductionLine.list_id,
                  sa.func.count(sa.case((expected, DeductionLine.id))),
                  sa.func.sum(sa.case((expected, sa.func.coalesce(DeductionLine.expected_dues_ore, 0)
                                       + sa.func.coalesce(DeductionLine.expected_insurance_ore, 0)), else_=0)),
                  sa.func.sum(sa.func.coalesce(DeductionLine.reported_dues_ore, 0)
                              + sa.func.coalesce(DeductionLine.reported_insurance_ore, 0)))
        .where(DeductionLine.list_id.in_(partial), DeductionLine.carried_from_id.is_(None),
               scope.where(DeductionLine))
        .group_by(DeductionLine.list_id))
    found = {list_id: PartTotals(0, 0) for list_id in partial}
    for list_id, members, expected_ore, reported_ore in rows:
        sent = partial[list_id].received
        found[list_id] = PartTotals(members or 0, int((reported_ore if sent else expected_ore) or 0))
    return found


def overview(user, page: int = 1, page_size: int = HISTORY_PAGE_SIZE) -> Overview:
    """The employer contact's lists in three groups, each with its payment state (and for a contact of
    some workplaces its own part): a few queries, whatever the number of lists."""
    scope = Scope.of(user)
    has_draft = sa.exists().where(PortalEntry.list_id == DeductionList.id, scope.where(PortalEntry)).label("has_draft")
    open_rows = db.session.execute(
        _lists(user).add_columns(has_draft).where(DeductionList.state == EXPECTED)
        .order_by(DeductionList.period, Employer.name_key, Employer.id, Branch.number)).all()
    handled, count, page, pages = _history_lists(user, page, page_size)
    open_lists = [deduction_list for deduction_list, _ in open_rows]
    payments = list_payments(open_lists + handled)
    parts = part_totals(user, open_lists + handled)
    counts, approvals = _part_counts([item.id for item in open_lists]), _approvals([item.id for item in open_lists])
    not_handled, in_progress = [], []
    for deduction_list, draft in open_rows:
        list_parts_ = _parts(deduction_list, counts[deduction_list.id], approvals[deduction_list.id], scope, {})
        row = ListRow(deduction_list, payments[deduction_list.id], parts.get(deduction_list.id), list_parts_)
        (in_progress if draft or row.my_part_approved else not_handled).append(row)
    history = HistoryPage([ListRow(item, payments[item.id], parts.get(item.id)) for item in handled],
                          count, page, pages)
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

def _workplace_filter(column, workplace: int | None):
    return [column == workplace] if workplace is not None else []


def expected_lines(user, deduction_list: DeductionList, workplace: int | None = None) -> list[DeductionLine]:
    """The members the register expects on the list that the user answers for (not the deviations
    carried in from earlier months: those are the union's), in name order; `workplace`: only its."""
    return db.session.scalars(
        sa.select(DeductionLine).where(DeductionLine.list_id == deduction_list.id, DeductionLine.expected,
                                       DeductionLine.carried_from_id.is_(None), Scope.of(user).where(DeductionLine),
                                       *_workplace_filter(DeductionLine.workplace_id, workplace))
        .order_by(DeductionLine.name, DeductionLine.id)).all()


def entries(user, deduction_list: DeductionList, workplace: int | None = None) -> list[PortalEntry]:
    """The payroll office's saved draft that the user answers for: one entry per person, the added
    persons in the order added."""
    return db.session.scalars(
        sa.select(PortalEntry).where(PortalEntry.list_id == deduction_list.id, Scope.of(user).where(PortalEntry),
                                     *_workplace_filter(PortalEntry.workplace_id, workplace))
        .order_by(PortalEntry.id)).all()


@dataclass(frozen=True)
class EmployerLine:
    """One person of a list as the employer may see it. A person the payroll office added (`added`) has
    only what it typed: no member number, and the same status whatever the union found."""

    workplace_id: int | None
    name: str
    national_id: str
    member_number: int | None
    expected_dues_ore: int | None
    expected_insurance_ore: int | None
    outcome: str  # models.portal.ENTRY_OUTCOMES
    dues_ore: int | None  # deducted
    insurance_ore: int | None
    reason: str | None
    position_bp: int | None
    comment: str | None
    status: str  # N_() text
    added: bool

    @property
    def expected_total_ore(self) -> int | None:
        if self.expected_dues_ore is None:
            return None
        return self.expected_dues_ore + (self.expected_insurance_ore or 0)


def _sent_outcome(line: DeductionLine) -> str:
    if not line.expected:
        return ADDED
    if line.reported_dues_ore is None:
        return NOT_DEDUCTED
    return OTHER_AMOUNT if line.reported_total_ore != line.expected_total_ore else DEDUCTED


def _sent_status(line: DeductionLine) -> str:
    if not line.expected:
        return HANDLED if line.resolution is not None else REGISTERED
    if line.status in DEVIATIONS:
        return HANDLED if line.resolution is not None else REGISTERED
    return IN_ORDER


def sent_lines(user, deduction_list: DeductionList, workplace: int | None = None) -> list[EmployerLine]:
    """What was sent, as the user may see it: the expected members, then the persons added."""
    lines = db.session.scalars(
        sa.select(DeductionLine).where(DeductionLine.list_id == deduction_list.id,
                                       DeductionLine.carried_from_id.is_(None), Scope.of(user).where(DeductionLine),
                                       *_workplace_filter(DeductionLine.workplace_id, workplace))
        .order_by(DeductionLine.expected.desc(), DeductionLine.name, DeductionLine.id)).all()
    result = []
    for line in lines:
        if line.expected:
            result.append(EmployerLine(
                line.workplace_id, line.name, line.national_id, line.member_number, line.expected_dues_ore,
                line.expected_insurance_ore, _sent_outcome(line), line.reported_dues_ore, line.reported_insurance_ore,
                line.employer_reason, line.reported_position_bp if line.employer_reason == "position" else None,
                line.employer_comment, _sent_status(line), False))
        else:  # what the employer typed: the name and number as reported, the amounts, its comment
            result.append(EmployerLine(
                line.workplace_id, line.name, line.national_id, None, None, None, ADDED, line.reported_dues_ore,
                line.reported_insurance_ore, None, None, line.employer_comment, _sent_status(line), True))
    return result


def draft_lines(lines: list[DeductionLine], saved: list[PortalEntry], locked: set) -> list[EmployerLine]:
    """The list as the draft stands (for the export of a list not yet sent): every expected member with
    what the payroll office said (deducted as expected when it said nothing), then the persons added."""
    by_line = {entry.line_id: entry for entry in saved if entry.line_id is not None}
    result = []
    for line in lines:
        entry = by_line.get(line.id)
        outcome = entry.outcome if entry is not None and entry.outcome != ADDED else DEDUCTED
        if outcome == DEDUCTED:
            dues, insurance = line.expected_dues_ore, line.expected_insurance_ore or 0
        elif outcome == OTHER_AMOUNT:
            dues, insurance = entry.dues_ore, entry.insurance_ore
        else:
            dues = insurance = None
        words = entry if outcome != DEDUCTED else None
        result.append(EmployerLine(
            line.workplace_id, line.name, line.national_id, line.member_number, line.expected_dues_ore,
            line.expected_insurance_ore, outcome, dues, insurance, words and words.reason,
            words and words.position_bp, words and words.comment,
            PART_APPROVED if line.workplace_id in locked else DRAFT, False))
    for entry in saved:
        if entry.outcome == ADDED:
            result.append(EmployerLine(
                entry.workplace_id, f"{entry.last_name}, {entry.first_name}", entry.national_id, None, None, None,
                ADDED, entry.dues_ore, entry.insurance_ore, None, None, entry.comment,
                PART_APPROVED if entry.workplace_id in locked else DRAFT, True))
    return result


@dataclass(frozen=True)
class Totals:
    members: int
    expected_ore: int


def scoped_totals(lines: list[DeductionLine]) -> Totals:
    """The expected members and amount of the lines the user answers for."""
    return Totals(len(lines), sum(line.expected_total_ore or 0 for line in lines))


def sent_total_ore(lines: list[EmployerLine]) -> int:
    return sum((line.dues_ore or 0) + (line.insurance_ore or 0) for line in lines)


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


def _expected_amounts(user, list_id: int) -> dict[str, tuple[str, int | None, int]]:
    """national id → (name, member number, expected total) of a list's expected members that the user
    answers for."""
    rows = db.session.execute(
        sa.select(DeductionLine.national_id, DeductionLine.name, DeductionLine.member_number,
                  DeductionLine.expected_dues_ore, DeductionLine.expected_insurance_ore)
        .where(DeductionLine.list_id == list_id, DeductionLine.expected, DeductionLine.carried_from_id.is_(None),
               Scope.of(user).where(DeductionLine)))
    return {nid: (name, number, (dues or 0) + (insurance or 0)) for nid, name, number, dues, insurance in rows}


def month_changes(user, deduction_list: DeductionList) -> MonthChanges:
    """Who is new on the list, who is gone from it, and whose expected amount changed, against the
    previous month's list of the same employer and branch (none when there is no such list); of the
    lines the user answers for."""
    previous = db.session.scalar(sa.select(DeductionList).where(
        DeductionList.period == previous_period(deduction_list.period),
        DeductionList.employer_id == deduction_list.employer_id,
        DeductionList.branch_id == deduction_list.branch_id, Scope.of(user).employer_lists()))
    result = MonthChanges(previous)
    if previous is None:
        return result
    now, before = _expected_amounts(user, deduction_list.id), _expected_amounts(user, previous.id)
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
