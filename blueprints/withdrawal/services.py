"""The actions of the withdrawal routine: withdraw a membership, and mark that the payroll office was
told to stop deducting. Each changes the objects, flushes and writes its audit rows; the request
commits. A refused action raises `Refused` (or `Conflict`) before anything is changed.

Withdrawal never deletes anything: the membership gets an end date and a withdrawal code, and its
dues code, employments and insurances that run past that date end on it.
"""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from models import Membership, WithdrawalCode, db, record
from models.audit import diff
from models.codes import INSURANCE_KINDS, N_
from models.lifecycle import MEMBERSHIP_CONFLICT, mark_notified
from rules.lifecycle import add_months

BRANCH_TRANSFER = 1  # done by the transfer routine ("Overfør" on the member card), never here
DECEASED = 2
STRUCK_OFF = 4  # needs a note saying why
TO_OTHER_UNION = frozenset({6, 7})  # needs the receiving union; a transfer form is printed
CENTRAL_ONLY = frozenset({8})  # deleted centrally
MONTHS_AHEAD = 3  # a resignation with notice may end up to three months from today, not later



class Conflict(Exception):
    """The membership changed after the form was opened (optimistic locking)."""

    @property
    def message(self) -> str:
        return _(MEMBERSHIP_CONFLICT)


class Refused(ValueError):
    """Input the routine refuses: {field: message}, the field None for the action as a whole."""

    def __init__(self, errors: dict[str | None, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def code_refusal(user, code: int) -> str | None:
    """Why `user` may not withdraw with `code` here, or None when they may."""
    if code == BRANCH_TRANSFER:
        return _("Kode 1 (overført til annen fagforening) brukes ikke ved utmelding: "
                 "overfør medlemmet med «Overfør til annen fagforening» på medlemskortet.")
    if code in CENTRAL_ONLY and user.role != "central":
        return _("Bare Medlemsregisteret kan melde ut med kode %(code)s (slettet sentralt).", code=code)
    return None


def selectable_codes(user) -> list[WithdrawalCode]:
    """The withdrawal codes `user` may choose in the form (the code table is data)."""
    codes = db.session.scalars(sa.select(WithdrawalCode).order_by(WithdrawalCode.code))
    return [c for c in codes if code_refusal(user, c.code) is None]


CODE_LABEL = N_("Kontingentkode %(code)s")
EMPLOYMENT_LABEL = N_("Arbeidsforhold hos %(employer)s")
RESERVED_LABEL = N_("%(insurance)s (reservasjon)")


def _stored(text: str, **values) -> str:
    """A label as the audit log stores it: in Norwegian, whatever the user's language."""
    return text % values if values else text


def _periods(membership: Membership, say=_stored):
    """(entity, label, period) for each dues code, employment and insurance of the membership; `say`
    makes the label (gettext for a message to the user)."""
    for p in membership.dues_codes:
        yield "dues_code_period", say(CODE_LABEL, code=p.code), p
    for e in membership.employments:
        yield "employment", say(EMPLOYMENT_LABEL, employer=e.workplace.employer.name), e
    for i in membership.insurances:
        label = say(INSURANCE_KINDS[i.kind])
        yield "insurance_period", say(RESERVED_LABEL, insurance=label) if i.reserved else label, i


def _date_problem(membership: Membership, end_date: date, today: date) -> str | None:
    if end_date < membership.start_date:
        return _("Datoen kan ikke være før medlemskapet startet (%(date)s).",
                 date=format(membership.start_date, "%d.%m.%Y"))
    latest = add_months(today, MONTHS_AHEAD)
    if end_date > latest:
        return _("Datoen kan ikke være mer enn tre måneder fram i tid (senest %(date)s).", date=format(latest, "%d.%m.%Y"))
    later = [(p.from_date, label) for _entity, label, p in _periods(membership, _) if p.from_date > end_date]
    if later:
        from_date, label = max(later)
        return _("Medlemskapet har en registrering som starter %(date)s (%(what)s). Datoen kan ikke være før den.",
                 date=format(from_date, "%d.%m.%Y"), what=label)
    return None


def withdraw(user, membership: Membership, *, version: int, code: int | None, end_date: date | None,
             note: str | None, receiving_union: str | None, today: date) -> None:
    """End the membership on `end_date` (its last day) with withdrawal code `code`."""
    if version != membership.version:
        raise Conflict
    if not membership.active:
        raise Refused({None: _("Medlemskapet er allerede avsluttet %(date)s.", date=format(membership.end_date, "%d.%m.%Y"))})
    note, receiving_union = (note or "").strip() or None, (receiving_union or "").strip() or None
    code_row = db.session.get(WithdrawalCode, code) if code is not None else None
    errors: dict[str | None, str] = {}
    if code_row is None:
        errors["code"] = _("Velg en utmeldingskode fra listen.")
    elif refusal := code_refusal(user, code):
        errors["code"] = refusal
    if end_date is None:
        errors["end_date"] = _("Fyll ut datoen.")
    elif problem := _date_problem(membership, end_date, today):
        errors["end_date"] = problem
    if code == STRUCK_OFF and not note:
        errors["note"] = _("Skriv en kort merknad om hvorfor medlemmet strykes (kode 4).")
    if code in TO_OTHER_UNION and not receiving_union:
        errors["receiving_union"] = _("Skriv navnet på forbundet medlemmet går over til (kode 6 og 7).")
    if errors:
        raise Refused(errors)

    if code not in TO_OTHER_UNION:
        receiving_union = None
    lines = [membership.note, f"Mottakende forbund: {receiving_union}" if receiving_union else None, note]
    values = {"end_date": end_date, "withdrawal_code": code, "note": "\n".join(line for line in lines if line) or None}
    changes = diff(membership, list(values), values)
    for field, value in values.items():
        setattr(membership, field, value)
    closed = []
    for entity, label, period in _periods(membership):
        if period.to_date is None or period.to_date > end_date:
            closed.append((entity, label, period, period.to_date))
            period.to_date = end_date
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise Conflict from error

    if receiving_union:
        changes["receiving_union"] = [None, receiving_union]
    record("update", "membership", membership.id,
           f"Utmeldt med kode {code} ({code_row.name}), siste dag {end_date:%d.%m.%Y}",
           person_id=membership.person_id, changes=changes)
    for entity, label, period, old_to in closed:
        record("update", entity, period.id, f"{label} avsluttet {end_date:%d.%m.%Y} ved utmelding",
               person_id=membership.person_id,
               changes={"to_date": [old_to.isoformat() if old_to else None, end_date.isoformat()]})


def mark_stop_notified(user, memberships: list[Membership]) -> int:
    """Mark that the payroll office was told to stop deducting. Returns how many were newly marked."""
    for membership in memberships:
        if membership.active or membership.withdrawal_code == BRANCH_TRANSFER:
            raise Refused({None: _("Medlemsnummer %(number)s står ikke i køen for stopp i trekk.",
                                   number=membership.member_number)})
    try:
        return mark_notified(user, memberships, "stop", "Lønnskontoret varslet om stopp i trekk")
    except StaleDataError as error:
        db.session.rollback()
        raise Conflict from error
