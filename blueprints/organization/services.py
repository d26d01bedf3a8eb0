"""The actions of the organization area that change data: check, change, flush, audit. The request
commits."""
from datetime import date

from flask_babel import gettext as _

from models import Branch, BranchRate, DuesRate, db, record
from models.audit import diff
from models.codes import N_
from models.dues import RATE_FIELDS, rate_history
from rules.dues import DuesError, Rates, check_branch_rate, rates_on
from rules.money import format_percent

from . import queries


class FieldError(ValueError):
    """A value refused for what else is registered, told next to its field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class RateInForce(Exception):
    """A row of the rate table that is already in force cannot be changed or deleted."""

    MESSAGE = N_("Satsraden gjelder allerede og kan ikke endres eller slettes. Legg inn en ny rad i stedet.")

    @classmethod
    def text(cls) -> str:
        return _(cls.MESSAGE)


def _values(rates: Rates, note: str | None) -> dict:
    return {"valid_from": rates.valid_from, **{name: getattr(rates, name) for name in RATE_FIELDS},
            "note": note or None}


def check_rate_row(rates: Rates, row: DuesRate | None = None) -> None:
    """A new row (or the correction of the future row `row`) must come after the last other row."""
    previous = queries.last_rate(exclude=row)
    if previous is not None and rates.valid_from <= previous.valid_from:
        raise FieldError("valid_from", _("Satsene må gjelde fra en dato etter den siste raden i tabellen (%(date)s).",
                                         date=format(previous.valid_from, "%d.%m.%Y")))


def _check_editable(row: DuesRate, today: date) -> None:
    if row.valid_from <= today:
        raise RateInForce


def add_rate(rates: Rates, note: str | None, user) -> DuesRate:
    check_rate_row(rates)
    values = _values(rates, note)
    row = DuesRate(**values, created_by=user.id)
    db.session.add(row)
    db.session.flush()
    record("create", "dues_rate", row.id, f"Ny rad i satstabellen fra {rates.valid_from:%d.%m.%Y}",
           changes=diff(DuesRate(), list(values), values))
    return row


def update_rate(row: DuesRate, rates: Rates, note: str | None, today: date) -> dict:
    """Correct a row not yet in force. Returns the changes (empty when nothing changed)."""
    _check_editable(row, today)
    check_rate_row(rates, row)
    values = _values(rates, note)
    changes = diff(row, list(values), values)
    if changes:
        for name in changes:
            setattr(row, name, values[name])
        db.session.flush()
        record("update", "dues_rate", row.id, f"Satsraden fra {row.valid_from:%d.%m.%Y} rettet",
               changes=changes)
    return changes


def delete_rate(row: DuesRate, today: date) -> None:
    _check_editable(row, today)
    fields = ["valid_from", *RATE_FIELDS, "note"]
    record("delete", "dues_rate", row.id, f"Satsraden fra {row.valid_from:%d.%m.%Y} slettet",
           changes=diff(row, fields, dict.fromkeys(fields)))
    db.session.delete(row)
    db.session.flush()


def set_branch_rate(branch: Branch, valid_from: date, rate_bp: int, today: date) -> BranchRate:
    """Register the branch's total percentage from a date, or correct the one registered for that date
    when it is not yet in force. Refused below the minimum of the rate row in force on the date."""
    last = branch.rates[-1] if branch.rates else None
    if last is not None and valid_from < last.valid_from:
        raise FieldError("valid_from", _("Satsen kan ikke gjelde fra før den siste registrerte satsen (%(date)s).",
                                         date=format(last.valid_from, "%d.%m.%Y")))
    if last is not None and valid_from == last.valid_from and last.valid_from <= today:
        raise FieldError("valid_from", _("Satsen fra %(date)s gjelder allerede og kan ikke endres: velg en senere "
                                         "dato.", date=format(last.valid_from, "%d.%m.%Y")))
    try:
        rates = rates_on(rate_history(), valid_from)
    except DuesError as error:
        raise FieldError("valid_from", str(error)) from error
    try:
        check_branch_rate(rate_bp, rates)
    except DuesError as error:
        raise FieldError("rate_bp", str(error)) from error

    where = f"{branch.number} {branch.name}"
    if last is not None and valid_from == last.valid_from:
        changes = diff(last, ["rate_bp"], {"rate_bp": rate_bp})
        last.rate_bp = rate_bp
        db.session.flush()
        if changes:
            record("update", "branch_rate", last.id, f"Prosentsatsen for {where} fra {valid_from:%d.%m.%Y} "
                   f"rettet til {format_percent(rate_bp)}", changes=changes)
        return last
    values = {"branch_id": branch.id, "valid_from": valid_from, "rate_bp": rate_bp}
    row = BranchRate(**values)
    branch.rates.append(row)
    db.session.flush()
    record("create", "branch_rate", row.id,
           f"Prosentsatsen for {where} satt til {format_percent(rate_bp)} fra {valid_from:%d.%m.%Y}",
           changes=diff(BranchRate(), list(values), values))
    return row
