"""Deduction lists: forming what the register expects, receiving what employers reported, the
comparison, handling each deviation (fixing the register and the list in one step), and posting.

Each function changes the objects, flushes and audits; the request or command commits.
"""
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from models import (
    Branch,
    DeductionLine,
    DeductionList,
    Employer,
    Employment,
    Membership,
    PaidPeriod,
    Person,
    Workplace,
    changes,
    db,
    record,
    utcnow,
)
from models.base import insert_many
from models.deduction import (
    EXPECTED,
    IN_PROGRESS,
    NOT_PAID_RESOLUTIONS,
    POSTED,
    RECEIVED,
    RESOLUTIONS,
    list_kid,
    next_period,
)
from models.dues import load_member_facts, rate_history
from models.payment import list_payment
from models.receiving import LINE_CHUNK, members_by_national_id, period_text, receive
from models.scope import Scope
from rules.csvfile import RowError
from rules.deduction_file import FileLine, ListKey, read_deduction_file
from rules.dues import DuesError, check_pay, member_dues, rates_on
from rules.money import format_kroner, format_percent, plain_amount
from rules.reconcile import UNEXPECTED, Reported

Refused = changes.Refused
FORM_CHUNK = 200  # lists formed between two progress reports
LEAVE_CODE = "O"
CODE_CHOICES = ("A", "L", "O", "M", "U", "P")  # what a deviation may turn a working member into
# What may be done with a person who is a member outside the user's scope: nothing that reads or changes
# that membership. The employer refunds, or the line waits while the member's branch transfers them.
FOREIGN_ACTIONS = ("not_member", "carried")


def foreign_refusal() -> str:
    return _("Personen er medlem i en annen fagforening. Velg «Ikke medlem» eller «Overført til neste periode», "
             "og be den fagforeningen om å overføre medlemmet.")


# --- forming the expected lists -------------------------------------------------------------------

@dataclass
class FormResult:
    period: date
    lists_created: int = 0
    lines_created: int = 0
    lists_existing: int = 0
    members_without_rate: int = 0  # working members left out: no dues code or no branch rate

    @property
    def message(self) -> str:
        text = _("%(lists)s dannet for %(period)s med %(members)s; %(existing)s fantes fra før og ble ikke endret.",
                 lists=ngettext("%(num)s trekkliste", "%(num)s trekklister", self.lists_created),
                 period=period_text(self.period),
                 members=ngettext("%(num)s medlem", "%(num)s medlemmer", self.lines_created),
                 existing=self.lists_existing)
        if self.members_without_rate:
            text += " " + ngettext(
                "%(num)s medlem med trekk manglet kontingentkode eller fagforeningssats og ble ikke tatt med.",
                "%(num)s medlemmer med trekk manglet kontingentkode eller fagforeningssats og ble ikke tatt med.",
                self.members_without_rate)
        return text

    def as_dict(self) -> dict:
        return {"period": f"{self.period:%Y-%m}", "lists_created": self.lists_created,
                "lines_created": self.lines_created, "lists_existing": self.lists_existing,
                "members_without_rate": self.members_without_rate, "message": self.message}


def _covering(period, day: date) -> sa.ColumnElement[bool]:
    return sa.and_(period.from_date <= day, sa.or_(period.to_date.is_(None), period.to_date >= day))


def _deduction_memberships(day: date, employer_id: int) -> sa.Select:
    """The memberships with a deduction employment at the employer on the day (a subquery)."""
    return (sa.select(Employment.membership_id).join(Workplace, Workplace.id == Employment.workplace_id)
            .where(Workplace.employer_id == employer_id, Employment.payment_method == "deduction",
                   _covering(Employment, day)))


def _main_employers(day: date, employer_id: int | None) -> dict[int, tuple[int, int, int | None, int]]:
    """membership id → (employer id, position, pay at that employer, workplace) of the employer where the
    member holds the largest deduction position on the day (the sum of positions there; ties: lowest
    id), and the workplace there with the largest position (ties: lowest id), which the line belongs to.
    With `employer_id`, only the members whose main employer that is."""
    query = (
        sa.select(Employment.membership_id, Workplace.employer_id, Employment.workplace_id,
                  sa.func.sum(Employment.position_bp), sa.func.sum(Employment.monthly_pay_ore))
        .join(Workplace, Workplace.id == Employment.workplace_id)
        .where(Employment.payment_method == "deduction", _covering(Employment, day))
        .group_by(Employment.membership_id, Workplace.employer_id, Employment.workplace_id)
    )
    if employer_id is not None:
        query = query.where(Employment.membership_id.in_(_deduction_memberships(day, employer_id)))
    at: dict[tuple[int, int], list] = {}  # (membership, employer) → [position, pay, workplace, its position]
    for membership_id, employer, workplace, position, pay in db.session.execute(query):
        known = at.get((membership_id, employer))
        if known is None:
            at[(membership_id, employer)] = [position, pay, workplace, position]
            continue
        known[0] += position
        known[1] = pay if known[1] is None else known[1] + (pay or 0)
        if (position, -workplace) > (known[3], -known[2]):
            known[2], known[3] = workplace, position
    best: dict[int, tuple[int, int, int | None, int]] = {}
    for (membership_id, employer), (position, pay, workplace, _largest) in at.items():
        known = best.get(membership_id)
        if known is None or (position, -employer) > (known[1], -known[0]):
            best[membership_id] = (employer, position, pay, workplace)
    if employer_id is not None:
        best = {key: value for key, value in best.items() if value[0] == employer_id}
    return best


def rates_for(period: date):
    """The union's rates in force on the month's first day; Refused (field "period") before the first."""
    try:
        return rates_on(rate_history(), period)
    except DuesError as error:
        raise Refused("period", str(error)) from error


def form_lists(period: date, *, only: tuple[int, int] | None = None, progress=None) -> FormResult:
    """Form the expected lists of the month (`period` is its first day) for every employer and
    branch, or only for (employer id, branch id): the branch's members working and paying by
    deduction at the employer on the month's first day, with what they should pay. A list that
    exists already is never changed. Set-based: a few reads, the rules in Python, bulk inserts.
    Refused (field "period") for a month before the first rates."""
    rates = rates_for(period)
    result = FormResult(period)
    existing = set(db.session.execute(
        sa.select(DeductionList.employer_id, DeductionList.branch_id).where(DeductionList.period == period)).all())
    employers = _main_employers(period, only[0] if only else None)
    members = sa.select(Membership.id, Membership.branch_id, Membership.member_number, Membership.person_id,
                        Person.national_id, Person.last_name, Person.first_name) \
        .join(Person, Person.id == Membership.person_id) \
        .where(Membership.start_date <= period,
               sa.or_(Membership.end_date.is_(None), Membership.end_date >= period),
               Membership.branch_id.is_not(None))
    run = db.session.connection().execute  # Core rows: no ORM work per row
    if only:
        # one employer's members in one branch: no list of ids in the SQL but the few found
        members = run(members.where(
            Membership.branch_id == only[1], Membership.id.in_(_deduction_memberships(period, only[0])))).all()
        ids = [row[0] for row in members if row[0] in employers]
        facts = dict(load_member_facts(period, membership_ids=ids)) if ids else {}
    else:
        # only members with a deduction employment on the day; the members streamed after their facts
        deducted = Membership.id.in_(sa.select(Employment.membership_id).where(
            Employment.payment_method == "deduction", _covering(Employment, period)))
        facts = dict(load_member_facts(period, on_day=True, where=deducted))
        members = run(members.where(deducted))

    lines_by_list: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for membership_id, branch_id, number, person_id, national_id, last, first in members:
        employment = employers.get(membership_id)
        member = facts.get(membership_id)
        if employment is None:
            continue
        if member is None:
            result.members_without_rate += 1
            continue
        try:
            dues = member_dues(member, rates, period)
        except DuesError:
            result.members_without_rate += 1
            continue
        if dues.billing != "deduction" or dues.per != "month":
            continue
        key = (employment[0], branch_id)
        if key in existing:
            continue
        lines_by_list[key].append({
            "membership_id": membership_id, "person_id": person_id, "national_id": national_id,
            "member_number": number, "name": f"{last}, {first}", "expected": True,
            "position_bp": employment[1], "pay_basis_ore": employment[2], "workplace_id": employment[3],
            "branch_rate_bp": member.branch_rate_bp, "cap_ore": dues.cap_ore,
            "expected_dues_ore": dues.percentage_part_ore if member.monthly_pay_ore is not None else None,
            "expected_insurance_ore": dues.fixed_ore, "origin_period": period,
        })
    result.lists_existing = len(existing) if not only else int(tuple(only) in existing)
    if only and tuple(only) not in existing:
        lines_by_list.setdefault(tuple(only), [])  # an employer's list with nobody expected is a list too

    branch_numbers = dict(db.session.execute(sa.select(Branch.id, Branch.number)).all())
    keys = sorted(lines_by_list)
    for lines in lines_by_list.values():  # the same order on every database: by name, then membership
        lines.sort(key=lambda line: (line["name"], line["membership_id"]))
    now = utcnow()
    for start in range(0, len(keys), FORM_CHUNK):
        chunk = keys[start:start + FORM_CHUNK]
        rows = [{
            "period": period, "employer_id": employer, "branch_id": branch, "state": EXPECTED,
            "kid": list_kid(period, employer, branch_numbers[branch]), "formed_at": now, "version": 1,
            "expected_count": len(lines_by_list[(employer, branch)]),
            "expected_dues_ore": sum(line["expected_dues_ore"] or 0 for line in lines_by_list[(employer, branch)]),
            "expected_insurance_ore": sum(line["expected_insurance_ore"] for line in lines_by_list[(employer, branch)]),
        } for employer, branch in chunk]
        ids = db.session.execute(
            sa.insert(DeductionList).returning(DeductionList.id, sort_by_parameter_order=True), rows).scalars().all()
        lines = [dict(line, list_id=list_id) for list_id, key in zip(ids, chunk) for line in lines_by_list[key]]
        for line_start in range(0, len(lines), LINE_CHUNK):  # straight to the driver: a third of the time
            insert_many(db.session.connection(), DeductionLine.__table__, lines[line_start:line_start + LINE_CHUNK])
        result.lists_created += len(chunk)
        result.lines_created += len(lines)
        if progress:
            progress(result.lists_created, len(keys))
    return result


# --- receiving the employer's list ----------------------------------------------------------------

@dataclass
class ListImport:
    deduction_list: DeductionList
    already: bool  # the same lines were imported before: nothing changed
    counts: dict[str, int] = field(default_factory=dict)  # lines by status (every status); empty when already
    rows: int = 0  # the file's lines for this list


@dataclass
class FileImport:
    lists: list[ListImport] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def already(self) -> bool:
        return bool(self.lists) and all(item.already for item in self.lists)

    @property
    def message(self) -> str:
        if self.errors:
            return _("Filen ble avvist med %(num)s feil. Ingenting er lagret.", num=len(self.errors))
        if self.already:
            return _("Filen er allerede importert. Ingenting er endret.")
        new = [item for item in self.lists if not item.already]
        rows = sum(item.rows for item in new)
        text = _("%(lists)s mottatt med %(lines)s.",
                 lists=ngettext("%(num)s trekkliste", "%(num)s trekklister", len(new)),
                 lines=ngettext("%(num)s linje", "%(num)s linjer", rows))
        if len(new) < len(self.lists):
            text += " " + _("%(num)s var allerede importert og ble ikke endret.", num=len(self.lists) - len(new))
        return text

    def as_dict(self) -> dict:
        return {
            "ok": self.ok, "message": self.message, "rows": self.rows,
            "errors": [error.as_dict() for error in self.errors],
            "lists": [{"id": item.deduction_list.id, "period": f"{item.deduction_list.period:%Y-%m}",
                       "orgnr": item.deduction_list.employer.orgnr, "branch": item.deduction_list.branch.number,
                       "already_imported": item.already, "rows": item.rows, "counts": item.counts}
                      for item in self.lists],
        }


def lines_digest(lines: list[FileLine]) -> str:
    """The same reported lines give the same digest, whatever their order or the file's format."""
    keys = sorted((line.national_id, line.member_number or 0, line.last_name, line.first_name,
                   line.position_bp or -1, line.pay_basis_ore or -1, line.dues_ore, line.insurance_ore)
                  for line in lines)
    return hashlib.sha256(repr(keys).encode()).hexdigest()


def import_file(user, data: bytes) -> FileImport:
    """Import an employer's file (FORMATS.md section 1): all lists or none. A list not formed yet is
    formed first; one received before with the same lines is left as it is; one received with other
    lines is refused (the branch corrects it by handling its deviations).

    Only the central registry (the page, or the command acting as it) loads employers' files: matching
    a file's identity numbers across the whole register is a privileged act (DESIGN.md "Access"), and
    a branch that could load any file could probe who is a member where."""
    if getattr(user, "role", None) != "central":
        raise Refused(None, _("Bare Medlemsregisteret kan laste inn filer fra arbeidsgivere."))
    parsed = read_deduction_file(data)
    outcome = FileImport(errors=list(parsed.errors), rows=parsed.line_count)
    if not parsed.ok:
        return outcome
    orgnrs = {orgnr for _, orgnr, _ in parsed.lists}
    numbers = {number for _, _, number in parsed.lists}
    employers = {e.orgnr: e for e in db.session.scalars(sa.select(Employer).where(Employer.orgnr.in_(orgnrs)))}
    branches = {b.number: b for b in db.session.scalars(sa.select(Branch).where(Branch.number.in_(numbers)))}

    plan: list[tuple[ListKey, date, Employer, Branch, DeductionList | None, str]] = []
    without_rates: dict[date, str | None] = {}  # period → why no list can be formed for it
    for key, lines in parsed.lists.items():
        (year, month), orgnr, number = key
        row = lines[0].row
        employer, branch = employers.get(orgnr), branches.get(number)
        if employer is None:
            outcome.errors.append(RowError(row, "orgnr", _(
                "Arbeidsgiveren med organisasjonsnummer %(orgnr)s finnes ikke i registeret.", orgnr=orgnr)))
            continue
        if branch is None:
            outcome.errors.append(RowError(row, "avdeling", _("Fagforening nummer %(number)s finnes ikke.", number=number)))
            continue
        period = date(year, month, 1)
        if period not in without_rates:
            without_rates[period] = _refusal(rates_for, period)
        if without_rates[period]:
            outcome.errors.append(RowError(row, "periode", without_rates[period]))
            continue
        existing = _list_of(period, employer.id, branch.id)
        digest = lines_digest(lines)
        if existing is not None and existing.received and existing.file_digest != digest:
            when = (_("framført") if existing.posted
                    else _("mottatt %(date)s", date=format(existing.received_at, "%d.%m.%Y")))
            outcome.errors.append(RowError(row, "periode", _(
                "Listen for %(employer)s / %(branch)s for %(period)s er allerede %(when)s med andre linjer. "
                "Avvik rettes på listen i registeret, ikke med en ny fil.",
                employer=employer.name, branch=branch.name, period=period_text(period), when=when)))
            continue
        plan.append((key, period, employer, branch, existing, digest))
    if outcome.errors:
        outcome.errors.sort(key=lambda error: error.row or 0)
        return outcome

    for key, period, employer, branch, existing, digest in plan:
        rows = len(parsed.lists[key])
        if existing is not None and existing.received:
            outcome.lists.append(ListImport(existing, already=True, rows=rows))
            continue
        if existing is None:
            form_lists(period, only=(employer.id, branch.id))
            existing = _list_of(period, employer.id, branch.id)
        counts = receive(existing, [_reported(line) for line in parsed.lists[key]], source="file", digest=digest,
                         user=user)
        outcome.lists.append(ListImport(existing, already=False, counts=counts, rows=rows))
    return outcome


def _refusal(check, *args) -> str | None:
    """The message of the Refused that `check(*args)` raises, or None when it passes."""
    try:
        check(*args)
    except Refused as refused:
        return refused.message
    return None


def _reported(line: FileLine) -> Reported:
    return Reported(line.row, line.national_id, line.member_number, f"{line.last_name}, {line.first_name}",
                    line.position_bp, line.pay_basis_ore, line.dues_ore, line.insurance_ore)


# --- handling a deviation -------------------------------------------------------------------------

def _visible_membership(user, membership_id: int) -> bool:
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Membership.id == membership_id, Scope.of(user).where(Membership)))))


def foreign_member(user, line: DeductionLine) -> bool:
    """Whether the line's person is a member outside the user's scope (matched by identity number
    when the list came in): then nothing of that membership may be read or changed from the list."""
    return line.membership_id is not None and not _visible_membership(user, line.membership_id)


def _check_open(line: DeductionLine) -> None:
    if line.deduction_list.posted:
        raise Refused(None, _("Listen er framført og kan ikke endres."))
    if not line.deviation:
        raise Refused(None, _("Linjen har ikke noe avvik å behandle."))
    if line.resolution is not None:
        raise Refused(None, _("Avviket er allerede behandlet: %(resolution)s.", resolution=line.resolution_text))


def _membership(line: DeductionLine) -> Membership:
    if line.membership is None:
        raise Refused(None, _("Personen er ikke medlem i registeret; velg «Ikke medlem» eller «Nytt medlem»."))
    return line.membership


def _employments_here(line: DeductionLine, day: date) -> list[Employment]:
    """The member's employments at the list's employer in force on the day; refused when none is."""
    employer_id = line.deduction_list.employer_id
    found = [e for e in _membership(line).employments if e.workplace.employer_id == employer_id and e.covers(day)]
    if not found:
        raise Refused("date", _("Medlemmet har ikke noe arbeidsforhold hos %(employer)s %(date)s.",
                                employer=line.deduction_list.employer.name, date=format(day, "%d.%m.%Y")))
    return found


def _no_employment_after(line: DeductionLine, day: date) -> None:
    """Refused when an employment at the list's employer starts after the day: ending or moving the
    one in force then would leave that one open. Such a history is changed on the member card."""
    employer_id = line.deduction_list.employer_id
    later = [e for e in _membership(line).employments if e.workplace.employer_id == employer_id and e.from_date > day]
    if later:
        raise Refused("date", _("Medlemmet har et arbeidsforhold hos %(employer)s som begynner %(date)s, etter "
                                "datoen. Endre det på medlemskortet.",
                                employer=line.deduction_list.employer.name, date=format(later[0].from_date, "%d.%m.%Y")))


def _resolve(user, line: DeductionLine, resolution: str, text: str, note: str | None) -> None:
    old = line.resolution
    old_note = line.note
    line.resolution = resolution
    line.resolution_text = text[:300]
    line.note = note or line.note
    line.resolved_at = utcnow()
    line.resolved_by = user.id
    deduction_list = line.deduction_list
    old_state = deduction_list.state
    if deduction_list.state == RECEIVED:
        deduction_list.state = IN_PROGRESS
    db.session.flush()
    changed = {"resolution": [old, resolution]}
    if line.note != old_note:
        changed["note"] = [old_note, line.note]
    if deduction_list.state != old_state:
        changed["state"] = [old_state, deduction_list.state]
    record("update", "deduction_line", line.id,
           f"Avvik på trekkliste {period_text(deduction_list.period)} ({deduction_list.employer.name}) "
           f"for {line.name}: {text}", person_id=line.person_id, changes=changed, user=user)


def resolve(user, line: DeductionLine, action: str, data: dict) -> None:
    """Handle one deviation: fix the register where the action says so, and mark the line. Raises
    Refused (with the field) when the input does not hold; then nothing is changed: the action runs
    in a savepoint that is rolled back when it is refused half-way."""
    _check_open(line)
    if action not in RESOLUTIONS:
        raise Refused("action", _("Velg hva som skal gjøres med avviket."))
    if action not in FOREIGN_ACTIONS and foreign_member(user, line):
        raise Refused("action", foreign_refusal())
    note = (data.get("note") or "").strip() or None
    handler = _ACTIONS[action]
    with db.session.begin_nested():
        text = handler(user, line, data)
        _resolve(user, line, action, text, note)


def _date(data: dict, field: str = "date") -> date:
    value = data.get(field)
    if not isinstance(value, date):
        raise Refused(field, _("Skriv en dato (dd.mm.åååå)."))
    return value


def _accepted(user, line, data) -> str:
    if line.status == UNEXPECTED and line.membership_id is None:
        raise Refused(None, _("Personen er ikke medlem; velg «Ikke medlem» eller «Nytt medlem»."))
    return RESOLUTIONS["accepted"]


def _employment_ended(user, line, data) -> str:
    """The employments at the list's employer in force on the last day end that day (also a day
    before the list's month: the member left earlier than the list was formed)."""
    last_day = _date(data)
    membership = _membership(line)
    _no_employment_after(line, last_day)
    for employment in _employments_here(line, last_day):
        changes.end_employment(membership, employment, last_day, "avvik på trekkliste", user=user)
    return f"Arbeidsforholdet hos {line.deduction_list.employer.name} avsluttet {last_day:%d.%m.%Y}"


def _moved(user, line, data) -> str:
    """The employments at the list's employer in force on the day the member started at the other
    employer end the day before, and go on at the other employer's workplace."""
    from_date = _date(data)
    workplace = data.get("workplace")
    if not isinstance(workplace, Workplace):
        raise Refused("orgnr", _("Velg den nye arbeidsgiveren (organisasjonsnummer)."))
    if workplace.employer_id == line.deduction_list.employer_id:
        raise Refused("orgnr", _("Det er samme arbeidsgiver som listen gjelder."))
    membership = _membership(line)
    _no_employment_after(line, from_date)
    for employment in _employments_here(line, from_date):
        changes.replace_employment(membership, employment, from_date, "flyttet, avvik på trekkliste", user=user,
                                   workplace_id=workplace.id)
    return f"Flyttet til {workplace.employer.name} ({workplace.name}) fra {from_date:%d.%m.%Y}"


def _dues_code(user, line, data, code: str | None = None) -> str:
    code = code or data.get("code")
    if code not in CODE_CHOICES:
        raise Refused("code", _("Velg en av kodene A, L, O, M, U eller P."))
    from_date = _date(data)
    changes.change_dues_code(user.role, _membership(line), code, from_date, "avvik på trekkliste", user=user)
    return f"Kontingentkode {code} fra {from_date:%d.%m.%Y}"


def _leave(user, line, data) -> str:
    from_date = _date(data)
    _dues_code(user, line, data, LEAVE_CODE)
    return f"Permisjon uten lønn (kode {LEAVE_CODE}) fra {from_date:%d.%m.%Y}"


def _position(user, line, data) -> str:
    from_date = _date(data)
    position = data.get("position_bp")
    if isinstance(position, bool) or not isinstance(position, int) or not 0 < position <= 10_000:
        raise Refused("position", _("Skriv en stillingsprosent over 0 og høyst 100."))
    pay = data.get("monthly_pay_ore")
    if pay is not None:
        try:
            check_pay(pay)
        except DuesError as error:
            raise Refused("monthly_pay", str(error)) from error
    membership = _membership(line)
    found = _employments_here(line, from_date)
    if len(found) > 1:
        raise Refused(None, _("Medlemmet har flere arbeidsforhold hos arbeidsgiveren; endre dem på medlemskortet."))
    employment = found[0]
    if position == employment.position_bp and pay in (None, employment.monthly_pay_ore):
        raise Refused("position", _("Stillingsprosenten er allerede %(percent)s.", percent=format_percent(position))
                      if pay is None else
                      _("Stillingsprosenten er allerede %(percent)s og lønnen den samme.",
                        percent=format_percent(position)))
    values = {"position_bp": position} | ({"monthly_pay_ore": pay} if pay is not None else {})
    changes.replace_employment(membership, employment, from_date, "avvik på trekkliste", user=user, **values)
    text = f"Stillingsprosent {format_percent(position)} fra {from_date:%d.%m.%Y}"
    return text + (f", lønn {format_kroner(pay)} kr" if pay is not None else "")


def _not_member(user, line, data) -> str:
    if line.status != UNEXPECTED:
        raise Refused(None, _("Bare en person som ikke var forventet på listen kan meldes som ikke medlem."))
    amount = line.reported_total_ore or 0
    return f"Ikke medlem: arbeidsgiveren skal refundere {format_kroner(amount)} kr"


def _new_member(user, line, data) -> str:
    """The person has been enrolled since (from the list's link to enrollment): tie the line to the
    new membership."""
    if line.status != UNEXPECTED:
        raise Refused(None, _("Bare en person som ikke var forventet på listen kan meldes inn herfra."))
    found = members_by_national_id([line.national_id], line.deduction_list.branch_id).get(line.national_id)
    if found is None:
        raise Refused(None, _("Personen er ikke innmeldt ennå. Meld inn først (lenken «Meld inn»), og velg så "
                              "«Nytt medlem»."))
    if not _visible_membership(user, found[0]):
        raise Refused("action", foreign_refusal())
    line.membership_id, line.person_id, line.member_number = found
    db.session.flush()
    db.session.expire(line, ["membership"])
    return f"Innmeldt som nytt medlem, medlemsnr. {found[2]}"


# What a carried line takes along: who it is, what was expected and reported, the deviation found.
CARRIED_COLUMNS = (
    "membership_id", "person_id", "national_id", "member_number", "name", "position_bp", "pay_basis_ore",
    "branch_rate_bp", "cap_ore", "expected_dues_ore", "expected_insurance_ore", "reported_row",
    "reported_position_bp", "reported_pay_basis_ore", "reported_dues_ore", "reported_insurance_ore",
    "status", "reasons",
)


def _carried(user, line, data) -> str:
    """The deviation waits: a copy of the line goes to the same employer's and branch's list of the
    next month (formed now if it is not yet), open, with the note, where it must be handled or
    carried again. The copy keeps the month the deviation was first found."""
    note = (data.get("note") or "").strip()
    if not note:
        raise Refused("note", _("Skriv en merknad om hvorfor avviket overføres."))
    source = line.deduction_list
    period = next_period(source.period)
    target = _list_of(period, source.employer_id, source.branch_id)
    if target is not None and target.posted:
        raise Refused(None, _("Listen for %(period)s er allerede framført; avviket kan ikke overføres dit.",
                                period=period_text(period)))
    if target is None:
        form_lists(period, only=(source.employer_id, source.branch_id))
        target = _list_of(period, source.employer_id, source.branch_id)
    copy = DeductionLine(list_id=target.id, expected=False, carried_from_id=line.id, note=note,
                         origin_period=line.origin_period or source.period,
                         **{column: getattr(line, column) for column in CARRIED_COLUMNS})
    db.session.add(copy)
    return f"Overført til {period_text(period)}"


def _list_of(period: date, employer_id: int, branch_id: int) -> DeductionList | None:
    return db.session.scalar(sa.select(DeductionList).where(
        DeductionList.period == period, DeductionList.employer_id == employer_id,
        DeductionList.branch_id == branch_id))


_ACTIONS = {
    "accepted": _accepted, "employment_ended": _employment_ended, "moved": _moved, "dues_code": _dues_code,
    "leave": _leave, "position": _position, "not_member": _not_member, "new_member": _new_member,
    "carried": _carried,
}


def set_note(user, line: DeductionLine, note: str) -> None:
    if line.deduction_list.posted:
        raise Refused("note", _("Listen er framført og kan ikke endres."))
    old = line.note
    line.note = note.strip() or None
    db.session.flush()
    record("update", "deduction_line", line.id, f"Merknad på trekkliste for {line.name}",
           person_id=line.person_id, changes={"note": [old, line.note]}, user=user)


# --- posting --------------------------------------------------------------------------------------

def open_deviations(deduction_list: DeductionList) -> int:
    """How many of the list's deviations nobody has handled yet."""
    return db.session.scalar(sa.select(sa.func.count()).where(
        DeductionLine.list_id == deduction_list.id, DeductionLine.open)) or 0


def _payments(deduction_list: DeductionList) -> sa.Select:
    """(membership id, month, dues, insurance) of each member posting makes paid up: the members the
    employer deducted for, except persons not ours and deviations carried to the next month, and
    except members paid for that month already (by another list): one ledger row per membership and
    month. A deviation carried in from an earlier month and now settled pays up the month it was
    reported for (its origin), not this list's month."""
    carried = DeductionLine.carried_from_id.is_not(None)
    month = sa.case((carried, DeductionLine.origin_period), else_=sa.literal(deduction_list.period, sa.Date))
    already = sa.select(PaidPeriod.id).where(PaidPeriod.membership_id == DeductionLine.membership_id,
                                             PaidPeriod.period == month)
    return (
        sa.select(DeductionLine.membership_id, month, sa.func.sum(DeductionLine.reported_dues_ore),
                  sa.func.sum(sa.func.coalesce(DeductionLine.reported_insurance_ore, 0)))
        .where(DeductionLine.list_id == deduction_list.id, DeductionLine.membership_id.is_not(None),
               DeductionLine.reported_dues_ore.is_not(None),
               sa.or_(DeductionLine.resolution.is_(None), DeductionLine.resolution.not_in(NOT_PAID_RESOLUTIONS)),
               ~already.exists())
        .group_by(DeductionLine.membership_id, month)
    )


def payable_members(deduction_list: DeductionList) -> int:
    """How many ledger rows posting the list would write (the count post() returns)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(_payments(deduction_list).subquery())) or 0


def post(user, deduction_list: DeductionList) -> int:
    """Post (framføre) the list: refused while a deviation is open; locks the list and makes each
    member on it paid up for the month. Returns the number of members made paid up."""
    if deduction_list.posted:
        raise Refused(None, _("Listen er allerede framført."))
    if not deduction_list.received:
        raise Refused(None, _("Listen er ikke mottatt fra arbeidsgiveren ennå og kan ikke framføres."))
    if open_count := open_deviations(deduction_list):
        raise Refused(None, _("%(num)s avvik er ikke behandlet. Behandle dem før listen framføres.", num=open_count))
    now = utcnow()
    rows = [{"membership_id": membership_id, "period": month, "list_id": deduction_list.id,
             "dues_ore": dues, "insurance_ore": insurance, "created_at": now}
            for membership_id, month, dues, insurance in db.session.execute(_payments(deduction_list))]
    for start in range(0, len(rows), LINE_CHUNK):
        db.session.connection().execute(PaidPeriod.__table__.insert(), rows[start:start + LINE_CHUNK])
    old_state = deduction_list.state
    deduction_list.state = POSTED
    deduction_list.posted_at = now
    deduction_list.posted_by = user.id
    db.session.flush()
    record("update", "deduction_list", deduction_list.id,
           f"Trekkliste {period_text(deduction_list.period)} for {deduction_list.employer.name} / "
           f"{deduction_list.branch.name} framført: {len(rows)} medlem{'mer' if len(rows) != 1 else ''} "
           "betalt for perioden",
           changes={"state": [old_state, POSTED]}, user=user)
    return len(rows)


STATUS_WORDS = {"matched": "i orden", "missing": "mangler", "unexpected": "ikke forventet", "amount": "beløpsavvik"}


def counts_text(counts: dict[str, int]) -> str:
    """`2 i orden, 1 mangler`: the statuses that occur, in the order of STATUS_WORDS."""
    return ", ".join(f"{counts[status]} {word}" for status, word in STATUS_WORDS.items() if counts.get(status))


def _kroner_text(ore: int | None) -> str | None:
    """`"633.00"`, `"-0.05"`: the amount as the commands' JSON gives it (exact, a point as decimal mark)."""
    return None if ore is None else plain_amount(ore)


def list_as_dict(deduction_list: DeductionList, lines: list[DeductionLine]) -> dict:
    """`flask lists show --json` (FORMATS.md section 4)."""
    payment = list_payment(deduction_list)
    return {
        "list": {
            "id": deduction_list.id, "period": f"{deduction_list.period:%Y-%m}",
            "employer": {"orgnr": deduction_list.employer.orgnr, "name": deduction_list.employer.name},
            "branch": {"number": deduction_list.branch.number, "name": deduction_list.branch.name},
            "state": deduction_list.state, "kid": deduction_list.kid,
            "expected_count": deduction_list.expected_count,
            "expected": _kroner_text(deduction_list.expected_total_ore),
            "reported_count": deduction_list.reported_count,
            "reported_dues": _kroner_text(deduction_list.reported_dues_ore),
            "reported_insurance": _kroner_text(deduction_list.reported_insurance_ore),
            "payment": {"state": payment.state, "amount": _kroner_text(payment.amount_ore),
                        "paid": _kroner_text(payment.paid_ore)},
        },
        "lines": [{
            "national_id": line.national_id, "member_number": line.member_number, "name": line.name,
            "status": line.status, "expected": _kroner_text(line.expected_total_ore),
            "reported_dues": _kroner_text(line.reported_dues_ore),
            "reported_insurance": _kroner_text(line.reported_insurance_ore),
            "reasons": line.reason_list, "resolution": line.resolution, "note": line.note,
            "carried_from_period": f"{line.origin_period:%Y-%m}" if line.carried_from_id else None,
        } for line in lines],
    }
