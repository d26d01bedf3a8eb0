"""Changing a membership's dues code or type: check, change, flush, audit. The request commits.

Both carry the membership's version from the form: a form opened before someone else's change is
refused (EditConflict), never silently applied on top of it.
"""
from datetime import date

from flask_babel import gettext as _
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from models import DuesCodePeriod, Membership, MembershipChange, changes, db, record
from models.codes import COUNTY_ATTACHED_TYPES, MEMBERSHIP_TYPES
from rules.lifecycle import type_change_allowed

from . import change_queries
from .services import EditConflict, FieldError


def _check_version(membership: Membership, form_version: int) -> None:
    if form_version != membership.version:
        raise EditConflict


def _save(membership: Membership) -> None:
    """Flush with a new version of the membership, so that forms opened before this change are stale."""
    flag_modified(membership, "note")  # an UPDATE of the row, which bumps its version
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise EditConflict from error


def change_dues_code(user, membership: Membership, code: str, from_date: date, reason: str | None,
                     form_version: int) -> DuesCodePeriod:
    """The open code period ends the day before `from_date` and the new code starts then."""
    _check_version(membership, form_version)
    try:
        period = changes.change_dues_code(user.role, membership, code, from_date, reason)
    except changes.Refused as error:
        raise FieldError(error.field, error.message) from error
    _save(membership)
    return period


def change_type(user, membership: Membership, new_type: str, branch_id: int | None, from_date: date,
                reason: str | None, form_version: int, today: date) -> list[MembershipChange]:
    """A new membership type from a date, with the attachment it needs: students and pupils belong to
    the county (of the current branch, or the current county), main and secondary members to a branch
    the user may choose."""
    _check_version(membership, form_version)
    old_type = membership.membership_type
    if new_type not in MEMBERSHIP_TYPES:
        raise FieldError("new_type", _("Velg en medlemstype fra listen."))
    if not type_change_allowed(old_type, new_type):
        raise FieldError("new_type", _("Endring fra %(old)s til %(new)s er ikke tillatt.",
                                       old=_(MEMBERSHIP_TYPES[old_type]), new=_(MEMBERSHIP_TYPES[new_type])))
    if new_type == "main" and change_queries.other_active_main(membership):
        raise FieldError("new_type", _("Personen har allerede et annet aktivt hovedmedlemskap."))
    _check_type_change_date(membership, from_date, today)

    if new_type in COUNTY_ATTACHED_TYPES:
        new_branch, new_county = None, membership.county or membership.branch.county
    else:
        new_branch = change_queries.in_scope_branch(user, branch_id)
        if new_branch is None:
            raise FieldError("branch", _("Velg en fagforening du har tilgang til."))
        new_county = None

    values = [("membership_type", old_type, new_type),
              ("branch", _label(membership.branch), _label(new_branch)),
              ("county", _label(membership.county), _label(new_county))]
    if membership.apprentice and new_type != "main":
        values.append(("apprentice", "ja", "nei"))  # an apprentice is a main member marked as such
    rows = [MembershipChange(membership_id=membership.id, from_date=from_date, field=field, old_value=old,
                             new_value=new, reason=reason or None, changed_by=user.id)
            for field, old, new in values if old != new]

    membership.membership_type = new_type
    membership.branch, membership.county = new_branch, new_county
    if new_type != "main":
        membership.apprentice = False
    db.session.add_all(rows)
    _save(membership)

    changes = {row.field: [_shown(row.field, row.old_value), _shown(row.field, row.new_value)] for row in rows}
    changes["from_date"] = [None, from_date.isoformat()]
    if reason:
        changes["note"] = [None, reason]
    record("update", "membership", membership.id,
           f"Medlemstype endret fra {MEMBERSHIP_TYPES[old_type]} til {MEMBERSHIP_TYPES[new_type]} "
           f"fra {from_date:%d.%m.%Y} (medlemsnr. {membership.member_number})",
           person_id=membership.person_id, changes=changes)
    return rows


def _check_type_change_date(membership: Membership, from_date: date, today: date) -> None:
    if from_date > today:
        raise FieldError("from_date", _("Fra-datoen kan ikke være fram i tid: endringen gjelder straks."))
    if from_date < membership.start_date:
        raise FieldError("from_date", _("Fra-datoen kan ikke være før medlemskapet startet (%(date)s).",
                                        date=format(membership.start_date, "%d.%m.%Y")))
    latest = change_queries.latest_change_date(membership)
    if latest and from_date < latest:
        raise FieldError("from_date", _("Fra-datoen kan ikke være før forrige endring av medlemskapet (%(date)s).",
                                        date=format(latest, "%d.%m.%Y")))


def _label(unit) -> str | None:
    return f"{unit.number} {unit.name}"[:100] if unit else None


def _shown(field: str, value: str | None):
    """A history value as the audit log shows it: the type's name, Ja/Nei for the apprentice mark."""
    if field == "membership_type":
        return MEMBERSHIP_TYPES[value]
    return value == "ja" if field == "apprentice" else value


def audit_letters(rows) -> None:
    """Printing the income letters reads names and addresses: one row per member in the audit log."""
    for row in rows:
        record("read", "membership", row.membership_id,
               f"Brev om inntekt skrevet ut (kode {row.code}, medlemsnr. {row.member_number})",
               person_id=row.person_id)
