"""The payroll office's actions on a list in the employer portal: saving the draft (what it deducted
for each person), sending the list (it becomes the employer's real list and goes through the
comparison of models.receiving, with the employer's reasons kept on the lines for the branch), and
confirming the month's changes.

Each function changes the objects, flushes and audits; the request commits."""
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from models import DeductionLine, DeductionList, PortalEntry, changes, db, record, utcnow
from models.deduction import EXPECTED
from models.portal import ADDED, DEDUCTED, EMPLOYER_REASONS, ENTRY_OUTCOMES, NOT_DEDUCTED, OTHER_AMOUNT
from models.receiving import period_text, receive
from rules.money import format_kroner, format_percent
from rules.reconcile import Reported

from .queries import CONFIRMED_SUMMARY, MonthChanges, entries, expected_lines

Refused = changes.Refused
LOCKED = "Listen er sendt og kan ikke endres lenger. Skriv til fagforeningen hvis noe må rettes."
# The columns of a PortalEntry that the payroll office's draft sets.
ENTRY_COLUMNS = ("line_id", "last_name", "first_name", "outcome", "dues_ore", "insurance_ore", "position_bp",
                 "reason", "comment")


@dataclass
class EntryValues:
    """What the payroll office says about one person (the values of a PortalEntry)."""

    national_id: str
    last_name: str
    first_name: str
    outcome: str
    line_id: int | None = None
    dues_ore: int | None = None
    insurance_ore: int | None = None
    position_bp: int | None = None
    reason: str | None = None
    comment: str | None = None


def split_name(name: str) -> tuple[str, str]:
    """A line's "Etternavn, Fornavn" as (last name, first name)."""
    last, _, first = name.partition(", ")
    return last, first


def _check_not_sent(deduction_list: DeductionList) -> None:
    if deduction_list.state != EXPECTED:
        raise Refused(None, LOCKED)


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


def save_draft(user, deduction_list: DeductionList, rows: list[EntryValues], remove: tuple[int, ...] = ()) -> SavedDraft:
    """Save the payroll office's draft: one PortalEntry per person, created or updated by identity
    number; `remove`: the ids of added persons taken off again. The list stays expected."""
    _check_not_sent(deduction_list)
    existing = {entry.national_id: entry for entry in entries(deduction_list)}
    result = SavedDraft()
    changed: dict[str, list] = {}
    for values in rows:
        new = {column: getattr(values, column) for column in ENTRY_COLUMNS}
        entry = existing.get(values.national_id)
        if entry is None:
            entry = PortalEntry(list_id=deduction_list.id, national_id=values.national_id, updated_by=user.id, **new)
            db.session.add(entry)
            existing[values.national_id] = entry
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
    incoming = {values.national_id for values in rows}
    for entry in [entry for entry in existing.values()
                  if entry.id in remove and entry.outcome == ADDED and entry.national_id not in incoming]:
        changed[_who(entry)] = [describe(entry), None]
        del existing[entry.national_id]
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
    the members deducted "as expected" whose expected dues the register does not know."""

    reported: list[Reported] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

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
    by_id = {entry.national_id: entry for entry in saved}
    report = Report()

    def add(national_id, member_number, name, position_bp, dues, insurance):
        report.reported.append(Reported(len(report.reported) + 1, national_id, member_number, name, position_bp,
                                        None, dues, insurance))

    for line in lines:
        entry = by_id.get(line.national_id)
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
        add(entry.national_id, None, name, None, entry.dues_ore or 0, entry.insurance_ore or 0)
        report.deviations.append(Deviation(name, entry.national_id, ADDED, None,
                                           (entry.dues_ore or 0) + (entry.insurance_ore or 0), entry.reason, None,
                                           entry.comment))
    return report


def draft_report(deduction_list: DeductionList) -> Report:
    return build_report(expected_lines(deduction_list), entries(deduction_list))


def unknown_message(names: list[str]) -> str:
    shown = "; ".join(names[:5]) + (f" og {len(names) - 5} til" if len(names) > 5 else "")
    return (f"Registeret kjenner ikke forventet kontingent for {shown}. Velg «Annet beløp trukket» og skriv "
            "beløpet som ble trukket.")


def send(user, deduction_list: DeductionList) -> Report:
    """Approve and send the list: every person deducted is reported (the expected amounts, or those
    the payroll office typed), the list is compared with what the register expects, and the
    employer's reason, comment and new position go onto each person's line for the branch."""
    _check_not_sent(deduction_list)
    saved = entries(deduction_list)
    report = build_report(expected_lines(deduction_list), saved)
    if report.unknown:
        raise Refused(None, unknown_message(report.unknown))
    counts = receive(deduction_list, report.reported, source="portal", user=user)
    deduction_list.sent_by = user.id
    line_ids = dict(db.session.execute(
        sa.select(DeductionLine.national_id, DeductionLine.id).where(
            DeductionLine.list_id == deduction_list.id, DeductionLine.carried_from_id.is_(None))).all())
    words = [{"id": line_ids[entry.national_id], "employer_reason": entry.reason, "employer_comment": entry.comment,
              "reported_position_bp": entry.position_bp}
             for entry in saved
             if entry.outcome != DEDUCTED and (entry.reason or entry.comment) and entry.national_id in line_ids]
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
        raise Refused(None, "Endringene er allerede bekreftet.")
    if not month.count:
        raise Refused(None, "Det er ingen endringer å bekrefte.")
    now = utcnow()
    deduction_list.changes_confirmed_at = now
    db.session.flush()
    record("update", "deduction_list", deduction_list.id,
           f"{CONFIRMED_SUMMARY} for trekkliste {period_text(deduction_list.period)} "
           f"({deduction_list.employer.name} / {deduction_list.branch.name}): {len(month.new)} nye, "
           f"{len(month.gone)} ikke lenger på listen, {len(month.changed)} med endret beløp",
           changes={"changes_confirmed_at": [None, now.isoformat(timespec="seconds")]}, user=user)
