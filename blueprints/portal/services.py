"""The payroll office's actions on a list in the employer portal: saving the draft (what it deducted
for each person), approving its part of the list (a contact answering for some workplaces approves
their lines; when every part is approved, or a contact of the whole employer approves, the list is sent:
it becomes the employer's real list and goes through the comparison of models.receiving, with the
employer's reasons kept on the lines for the branch), and confirming the month's changes.

Each function changes the objects, flushes and audits; the request commits."""
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from models import DeductionLine, DeductionList, PortalEntry, changes, db, record, utcnow
from models.codes import N_
from models.deduction import EXPECTED
from models.portal import (
    ADDED,
    DEDUCTED,
    EMPLOYER_REASONS,
    ENTRY_OUTCOMES,
    NOT_DEDUCTED,
    OTHER_AMOUNT,
    PortalApproval,
)
from models.receiving import period_text, receive
from models.scope import Scope
from rules.money import format_kroner, format_percent
from rules.reconcile import Reported

from . import queries
from .queries import CONFIRMED_SUMMARY, MonthChanges

Refused = changes.Refused
# Marked with N_; translated where they are shown (gettext).
LOCKED = N_("Listen er sendt og kan ikke endres lenger. Skriv til fagforeningen hvis noe må rettes.")
PART_LOCKED = N_("Denne delen av listen er godkjent og kan ikke endres lenger. Skriv til fagforeningen hvis noe må "
                 "rettes.")
# The columns of a PortalEntry that the payroll office's draft sets.
ENTRY_COLUMNS = ("line_id", "workplace_id", "last_name", "first_name", "outcome", "dues_ore", "insurance_ore", "position_bp",
                 "reason", "comment")


@dataclass
class EntryValues:
    """What the payroll office says about one person (the values of a PortalEntry)."""

    national_id: str
    last_name: str
    first_name: str
    outcome: str
    line_id: int | None = None
    workplace_id: int | None = None  # an expected member's is the line's; an added person's is chosen
    dues_ore: int | None = None
    insurance_ore: int | None = None
    position_bp: int | None = None
    reason: str | None = None
    comment: str | None = None


def split_name(name: str) -> tuple[str, str]:
    """A line's "Etternavn, Fornavn" as (last name, first name)."""
    last, _comma, first = name.partition(", ")
    return last, first


def _check_not_sent(deduction_list: DeductionList) -> None:
    if deduction_list.state != EXPECTED:
        raise Refused(None, _(LOCKED))


def describe(entry) -> str:
    """An entry as the audit log shows it: `Ikke trukket (Sluttet): «sluttet 15.02»`."""
    text = ENTRY_OUTCOMES[entry.outcome]
    if entry.outcome in (OTHER_AMOUNT, ADDED):
        text += f" {format_kroner(entry.dues_ore or 0)} + {format_kroner(entry.insurance_ore or 0)} kr"
    if entry.reason:
        text += f" ({EMPLOYER_REASONS[entry.reason]}"
        text += f" {format_percent(entry.position_bp)})" if entry.position_bp is not None else ")"
    if entry.comment:
        text += f": «{entry.comment}»"
    return text


def _who(entry) -> str:
    return f"{entry.last_name}, {entry.first_name} ({entry.national_id})"


def _count_text(counts: Counter) -> str:
    words = {DEDUCTED: "trukket som forventet", OTHER_AMOUNT: "annet beløp", NOT_DEDUCTED: "ikke trukket",
             ADDED: "lagt til"}
    return ", ".join(f"{counts[outcome]} {word}" for outcome, word in words.items() if counts[outcome]) or "ingen"


@dataclass
class SavedDraft:
    created: int = 0
    updated: int = 0
    removed: int = 0
    counts: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


def entry_key(national_id: str, line_id: int | None, workplace_id: int | None) -> tuple:
    """An entry is an expected member's (by line) or a person added for a workplace (by identity number)."""
    return ("line", line_id) if line_id is not None else ("added", national_id, workplace_id)


def save_draft(user, deduction_list: DeductionList, rows: list[EntryValues], remove: tuple[int, ...] = ()) -> SavedDraft:
    """Save the payroll office's draft: one PortalEntry per person, created or updated (an expected
    member by line, an added person by identity number and workplace); `remove`: the ids of added persons
    taken off again. Only the lines and entries the user answers for, in parts not yet approved (a line
    keeps its workplace; an added person gets one of the user's). The list stays expected."""
    _check_not_sent(deduction_list)
    locked = queries.list_parts(user, deduction_list).locked
    lines = {line.id: line for line in queries.expected_lines(user, deduction_list)}
    allowed = {workplace_id for workplace_id, _ in queries.my_workplaces(user, deduction_list)}
    if Scope.of(user).whole_list(deduction_list):
        allowed.add(None)
    existing = {entry_key(entry.national_id, entry.line_id, entry.workplace_id): entry
                for entry in queries.entries(user, deduction_list)}
    result = SavedDraft()
    changed: dict[str, list] = {}
    for values in rows:
        if values.line_id is not None:
            line = lines.get(values.line_id)
            if line is None:  # not on the list, or not the user's: the same answer
                raise Refused(None, _("Personen står ikke på listen. Last siden på nytt."))
            values.workplace_id = line.workplace_id
        elif values.workplace_id not in allowed:
            raise Refused("workplace", _("Velg et av arbeidsstedene dine."))
        if values.workplace_id in locked:
            raise Refused(None, _(PART_LOCKED))
        new = {column: getattr(values, column) for column in ENTRY_COLUMNS}
        key = entry_key(values.national_id, values.line_id, values.workplace_id)
        entry = existing.get(key)
        if entry is None:
            entry = PortalEntry(list_id=deduction_list.id, national_id=values.national_id, updated_by=user.id, **new)
            db.session.add(entry)
            existing[key] = entry
            result.created += 1
            if values.outcome != DEDUCTED:
                changed[_who(entry)] = [None, describe(entry)]
            continue
        if all(getattr(entry, column) == value for column, value in new.items()):
            continue
        before = describe(entry)
        for column, value in new.items():
            setattr(entry, column, value)
        entry.updated_by = user.id
        result.updated += 1
        changed[_who(entry)] = [before, describe(entry)]
    incoming = {entry_key(values.national_id, values.line_id, values.workplace_id) for values in rows}
    for key, entry in [(key, entry) for key, entry in existing.items()
                       if entry.id in remove and entry.outcome == ADDED and key not in incoming]:
        if entry.workplace_id in locked:
            raise Refused(None, _(PART_LOCKED))
        changed[_who(entry)] = [describe(entry), None]
        del existing[key]
        db.session.delete(entry)
        result.removed += 1
    db.session.flush()
    result.counts = Counter(entry.outcome for entry in existing.values())
    if result.changed:
        record("update", "deduction_list", deduction_list.id,
               f"Utkast til trekkliste {period_text(deduction_list.period)} for {deduction_list.employer.name} / "
               f"{deduction_list.branch.name} lagret i arbeidsgiverportalen: {_count_text(result.counts)}",
               changes=changed or None, user=user)
    return result


# --- what the list says when it is sent -------------------------------------------------------------

@dataclass(frozen=True)
class Deviation:
    """A person whom the payroll office did not deduct as expected."""

    name: str
    national_id: str
    outcome: str
    expected_ore: int | None
    reported_ore: int | None
    reason: str | None
    position_bp: int | None
    comment: str | None

    @property
    def outcome_name(self) -> str:
        return ENTRY_OUTCOMES[self.outcome]

    @property
    def reason_name(self) -> str:
        return EMPLOYER_REASONS.get(self.reason or "", "")


@dataclass
class Report:
    """The list as the draft would send it: a Reported line per person deducted, the deviations, and
    the members deducted "as expected" whose expected dues the register does not know. `workplaces`:
    reported row → workplace of each person added; `added_rows`: entry id → its reported row."""

    reported: list[Reported] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    workplaces: dict[int, int | None] = field(default_factory=dict)
    added_rows: dict[int, int] = field(default_factory=dict)

    @property
    def dues_ore(self) -> int:
        return sum(line.dues_ore for line in self.reported)

    @property
    def insurance_ore(self) -> int:
        return sum(line.insurance_ore for line in self.reported)

    @property
    def total_ore(self) -> int:
        return self.dues_ore + self.insurance_ore


def build_report(lines: list[DeductionLine], saved: list[PortalEntry]) -> Report:
    """What the list says with the saved draft: a member with no entry is deducted as expected."""
    by_line = {entry.line_id: entry for entry in saved if entry.line_id is not None}
    report = Report()

    def add(national_id, member_number, name, position_bp, dues, insurance) -> int:
        row = len(report.reported) + 1
        report.reported.append(Reported(row, national_id, member_number, name, position_bp, None, dues, insurance))
        return row

    for line in lines:
        entry = by_line.get(line.id)
        outcome = entry.outcome if entry is not None and entry.outcome != ADDED else DEDUCTED
        report.counts[outcome] += 1
        if outcome == DEDUCTED:
            if line.expected_dues_ore is None:
                report.unknown.append(line.name)
                continue
            add(line.national_id, line.member_number, line.name, None, line.expected_dues_ore,
                line.expected_insurance_ore or 0)
            continue
        reported = None
        if outcome == OTHER_AMOUNT:
            reported = (entry.dues_ore or 0) + (entry.insurance_ore or 0)
            add(line.national_id, line.member_number, line.name, entry.position_bp, entry.dues_ore or 0,
                entry.insurance_ore or 0)
        report.deviations.append(Deviation(line.name, line.national_id, outcome, line.expected_total_ore, reported,
                                           entry.reason, entry.position_bp, entry.comment))
    for entry in saved:
        if entry.outcome != ADDED:
            continue
        name = f"{entry.last_name}, {entry.first_name}"
        report.counts[ADDED] += 1
        row = add(entry.national_id, None, name, None, entry.dues_ore or 0, entry.insurance_ore or 0)
        report.workplaces[row] = entry.workplace_id
        report.added_rows[entry.id] = row
        report.deviations.append(Deviation(name, entry.national_id, ADDED, None,
                                           (entry.dues_ore or 0) + (entry.insurance_ore or 0), entry.reason, None,
                                           entry.comment))
    return report


def _of_workplaces(lines, saved, workplaces: set) -> tuple[list, list]:
    return ([line for line in lines if line.workplace_id in workplaces],
            [entry for entry in saved if entry.workplace_id in workplaces])


def draft_report(user, deduction_list: DeductionList) -> Report:
    """The draft of the lines the user answers for (for a contact of the whole employer, the list)."""
    return build_report(queries.expected_lines(user, deduction_list), queries.entries(user, deduction_list))


def pending_report(user, deduction_list: DeductionList, parts) -> Report:
    """The draft of what approving would approve now: the user's parts not yet approved."""
    keys = {part.workplace_id for part in parts.mine_pending}
    return build_report(*_of_workplaces(queries.expected_lines(user, deduction_list),
                                        queries.entries(user, deduction_list), keys))


def unknown_message(names: list[str]) -> str:
    shown = "; ".join(names[:5])
    if len(names) > 5:
        shown = _("%(names)s og %(num)s til", names=shown, num=len(names) - 5)
    return _("Registeret kjenner ikke forventet kontingent for %(names)s. Velg «Annet beløp trukket» og skriv "
             "beløpet som ble trukket.", names=shown)


@dataclass
class Approved:
    report: Report  # the lines the user answers for, as approved
    parts: list  # queries.Part approved now
    sent: bool  # every part approved: the list went to the union


def _take_turn(deduction_list: DeductionList) -> None:
    """Approving a part changes the list: its version goes up first. Of two contacts approving the last two
    parts at once, the second waits for the first and is then told (StaleDataError, the page's 409),
    instead of each seeing the other's part as waiting and the list never being sent."""
    taken = db.session.execute(
        sa.update(DeductionList)
        .where(DeductionList.id == deduction_list.id, DeductionList.version == deduction_list.version)
        .values(version=DeductionList.version + 1).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise StaleDataError(f"deduction list {deduction_list.id} was changed meanwhile")
    set_committed_value(deduction_list, "version", deduction_list.version + 1)


def approve(user, deduction_list: DeductionList) -> Approved:
    """Approve the user's part of the list: the lines of its workplaces not approved yet, or for a
    contact of the whole employer everything not approved yet. The approval is recorded per part (who,
    when, lines and amount); when every part with lines is approved the whole list is sent."""
    _check_not_sent(deduction_list)
    _take_turn(deduction_list)
    parts = queries.list_parts(user, deduction_list)
    now = parts.mine_pending
    if parts.parts and not now:
        raise Refused(None, _("Det er ingenting å godkjenne for arbeidsstedene dine på denne listen."))
    lines, saved = queries.expected_lines(user, deduction_list), queries.entries(user, deduction_list)
    keys = {part.workplace_id for part in now}
    pending = build_report(*_of_workplaces(lines, saved, keys))
    if pending.unknown:
        raise Refused(None, unknown_message(pending.unknown))
    at = utcnow()
    if parts.whole:
        db.session.add(PortalApproval(list_id=deduction_list.id, workplace_id=None, user_id=user.id, approved_at=at,
                                      line_count=sum(part.lines for part in now), total_ore=pending.total_ore))
    else:
        workplaces = [(part.workplace_id, part.lines) for part in now] or [
            (workplace_id, 0) for workplace_id, _name in queries.my_workplaces(user, deduction_list)]
        for workplace_id, count in workplaces:
            part_report = build_report(*_of_workplaces(lines, saved, {workplace_id}))
            db.session.add(PortalApproval(list_id=deduction_list.id, workplace_id=workplace_id, user_id=user.id,
                                          approved_at=at, line_count=count, total_ore=part_report.total_ore))
    db.session.flush()
    names = ", ".join(part.name for part in now) or "listen uten linjer"
    record("update", "deduction_list", deduction_list.id,
           f"Trekkliste {period_text(deduction_list.period)} for {deduction_list.employer.name} / "
           f"{deduction_list.branch.name}: {'alt som gjensto' if parts.whole else names} godkjent i "
           f"arbeidsgiverportalen ({_count_text(pending.counts)}; {format_kroner(pending.total_ore)} kr)",
           changes={"approved": [None, names]}, user=user)
    waiting = [part for part in parts.pending if part.workplace_id not in keys]
    sent = parts.whole or not waiting
    if sent:
        _send_whole(user, deduction_list)
    return Approved(build_report(lines, saved), now, sent)


def send(user, deduction_list: DeductionList) -> Report:
    """Approve (and, when nothing else waits, send) the list: what the user answers for, as reported."""
    return approve(user, deduction_list).report


def _send_whole(user, deduction_list: DeductionList) -> Report:
    """Every part is approved: the whole list is reported (the expected amounts, or those the payroll
    offices typed), compared with what the register expects, and the employer's reason, comment and new
    position go onto each person's line for the branch. The list's own lines and entries, whoever
    approved them: this is the list the union receives, not a page anyone sees."""
    all_lines = db.session.scalars(
        sa.select(DeductionLine).where(DeductionLine.list_id == deduction_list.id, DeductionLine.expected,
                                       DeductionLine.carried_from_id.is_(None))
        .order_by(DeductionLine.name, DeductionLine.id)).all()
    saved = db.session.scalars(
        sa.select(PortalEntry).where(PortalEntry.list_id == deduction_list.id).order_by(PortalEntry.id)).all()
    report = build_report(all_lines, saved)
    if report.unknown:
        raise Refused(None, unknown_message(report.unknown))
    counts = receive(deduction_list, report.reported, source="portal", user=user, workplaces=report.workplaces)
    deduction_list.sent_by = user.id
    added_lines = dict(db.session.execute(
        sa.select(DeductionLine.reported_row, DeductionLine.id).where(
            DeductionLine.list_id == deduction_list.id, DeductionLine.carried_from_id.is_(None),
            DeductionLine.expected.is_(False), DeductionLine.reported_row.is_not(None))).all())
    words = []
    for entry in saved:
        if entry.outcome == DEDUCTED or not (entry.reason or entry.comment):
            continue
        line_id = entry.line_id if entry.outcome != ADDED else added_lines.get(report.added_rows.get(entry.id))
        if line_id is not None:
            words.append({"id": line_id, "employer_reason": entry.reason, "employer_comment": entry.comment,
                          "reported_position_bp": entry.position_bp})
    if words:
        db.session.execute(sa.update(DeductionLine), words)
    db.session.flush()
    db.session.expire_all()
    record("update", "deduction_list", deduction_list.id,
           f"Trekkliste {period_text(deduction_list.period)} for {deduction_list.employer.name} / "
           f"{deduction_list.branch.name} godkjent og sendt fra arbeidsgiverportalen: {_count_text(report.counts)}; "
           f"å betale {format_kroner(report.total_ore)} kr ({counts['missing']} mangler, "
           f"{counts['unexpected']} ikke forventet, {counts['amount']} beløpsavvik)",
           changes={"state": [EXPECTED, deduction_list.state], "sent_by": [None, user.id]}, user=user)
    return report


def confirm_changes(user, deduction_list: DeductionList, month: MonthChanges) -> None:
    """The payroll office confirms the month's changes (new, gone, changed amount) all at once."""
    if deduction_list.changes_confirmed_at is not None:
        raise Refused(None, _("Endringene er allerede bekreftet."))
    if not month.count:
        raise Refused(None, _("Det er ingen endringer å bekrefte."))
    now = utcnow()
    deduction_list.changes_confirmed_at = now
    db.session.flush()
    record("update", "deduction_list", deduction_list.id,
           f"{CONFIRMED_SUMMARY} for trekkliste {period_text(deduction_list.period)} "
           f"({deduction_list.employer.name} / {deduction_list.branch.name}): {len(month.new)} nye, "
           f"{len(month.gone)} ikke lenger på listen, {len(month.changed)} med endret beløp",
           changes={"changes_confirmed_at": [None, now.isoformat(timespec="seconds")]}, user=user)
