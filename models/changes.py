"""Changes of a membership's history that more than one routine makes (the member card, the handling
of a deduction list's deviations): each closes the open row and opens the next, and writes the audit
row, and gives the membership a new version (so that a form opened on the member card before the
change is stale). The caller flushes and commits. `Refused` carries the form field the message
belongs to; nothing is changed when it is raised."""
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy.orm.attributes import flag_modified

from rules.lifecycle import ChangeRefused, check_code_change, open_period_end

from .audit import record
from .base import db
from .codes import DuesCode
from .membership import DuesCodePeriod, Employment, Membership


class Refused(ValueError):
    """A change the rules refuse; `field` names the form field the Norwegian message belongs to."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# The audit log's names (models.audit.FIELD_LABELS) of the employment's columns.
AUDIT_NAMES = {"position_bp": "position", "workplace_id": "workplace", "monthly_pay_ore": "monthly_pay"}


def _touch(membership: Membership) -> None:
    """An UPDATE of the membership row at the next flush, which bumps its version."""
    flag_modified(membership, "note")


def change_dues_code(role: str, membership: Membership, code: str, from_date: date,
                     reason: str | None = None, *, user=None) -> DuesCodePeriod:
    """The open code period ends the day before `from_date` and the new code starts then.

    The same from date as the open period's start replaces its code (a correction). `user`: who
    the audit row names (None: the signed-in user, as models.audit.record)."""
    if db.session.get(DuesCode, code) is None:
        raise Refused("code", _("Velg en kontingentkode fra listen."))
    current = membership.current_dues_code
    if current is None:
        raise Refused("code", _("Medlemskapet har ingen gjeldende kontingentkode. Kontakt Medlemsregisteret."))
    try:
        check_code_change(role, current.code, code)
    except ChangeRefused as error:
        raise Refused("code", str(error)) from error
    try:
        end = open_period_end(current.from_date, from_date)
    except ChangeRefused as error:
        raise Refused("from_date", str(error)) from error
    old_code, old_from = current.code, current.from_date
    if end is None:
        current.code = code
        period = current
    else:
        current.to_date = end
        period = DuesCodePeriod(membership=membership, code=code, from_date=from_date)
    db.session.add(period)
    changes = {"dues_code": [old_code, code], "from_date": [old_from.isoformat(), from_date.isoformat()]}
    if reason:
        changes["note"] = [None, reason]
    _touch(membership)
    record("update", "membership", membership.id,
           f"Kontingentkode endret fra {old_code} til {code} fra {from_date:%d.%m.%Y} "
           f"(medlemsnr. {membership.member_number})",
           person_id=membership.person_id, changes=changes, user=user)
    return period


def _check_end(employment: Employment, end: date, field: str) -> None:
    if end < employment.from_date:
        raise Refused(field, _("Datoen kan ikke være før arbeidsforholdet startet (%(date)s).",
                               date=format(employment.from_date, "%d.%m.%Y")))
    if employment.to_date is not None and end > employment.to_date:
        raise Refused(field, _("Arbeidsforholdet er allerede avsluttet %(date)s, før datoen.",
                               date=format(employment.to_date, "%d.%m.%Y")))


def end_employment(membership: Membership, employment: Employment, last_day: date, reason: str, *,
                   user=None) -> None:
    """The employment ends on `last_day`."""
    _check_end(employment, last_day, "end_date")
    old = employment.to_date
    employment.to_date = last_day
    _touch(membership)
    record("update", "employment", employment.id,
           f"Arbeidsforhold hos {employment.workplace.employer.name} avsluttet {last_day:%d.%m.%Y} "
           f"({reason}, medlemsnr. {membership.member_number})",
           person_id=membership.person_id,
           changes={"to_date": [old.isoformat() if old else None, last_day.isoformat()]}, user=user)


def replace_employment(membership: Membership, employment: Employment, from_date: date, reason: str, *,
                       user=None, **new_values) -> Employment:
    """The employment ends the day before `from_date` and a copy with `new_values` starts then
    (another workplace, another position percentage or pay). The same from date as the employment's
    own start changes the row itself (a correction)."""
    _check_end(employment, from_date, "from_date")
    old_values = {key: getattr(employment, key) for key in new_values}
    if from_date == employment.from_date:
        for key, value in new_values.items():
            setattr(employment, key, value)
        successor = employment
    else:
        successor = Employment(
            membership=membership, workplace_id=employment.workplace_id, position_bp=employment.position_bp,
            from_date=from_date, to_date=employment.to_date, payment_method=employment.payment_method,
            monthly_pay_ore=employment.monthly_pay_ore,
        )
        for key, value in new_values.items():
            setattr(successor, key, value)
        employment.to_date = from_date - timedelta(days=1)
        db.session.add(successor)
    _touch(membership)
    db.session.flush()
    record("update", "employment", successor.id,
           f"Arbeidsforhold endret fra {from_date:%d.%m.%Y} ({reason}, medlemsnr. {membership.member_number})",
           person_id=membership.person_id,
           changes={AUDIT_NAMES.get(key, key): [old_values[key], value] for key, value in new_values.items()} | {
               "from_date": [employment.from_date.isoformat(), from_date.isoformat()]}, user=user)
    return successor
