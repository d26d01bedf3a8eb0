"""The actions that change member data: change, flush, audit. The request commits."""

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from models import Person, PersonNote, db, record
from models.audit import FIELD_LABELS, diff
from rules.names import person_name_key
from web import clock
from web.idnumber import parse_national_id

PERSON_FIELDS = [
    "first_name", "last_name", "national_id", "address", "postal_code", "city", "phone", "email", "return_mail",
]
# Fields a role may change; anything else a form sends for them is ignored.
EDITABLE_BY_ROLE = {
    "central": set(PERSON_FIELDS),
    "county": set(PERSON_FIELDS) - {"national_id"},
    "branch": set(PERSON_FIELDS) - {"national_id"},
}



class EditConflict(Exception):
    """Someone else saved the same person after this form was opened."""


class FieldError(ValueError):
    """A value the database would refuse, told next to its field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def audit_card_read(person: Person, tab: str) -> None:
    record("read", "person", person.id, f"Medlemskort lest ({tab})", person_id=person.id)


def update_person(user, person: Person, data: dict, form_version: int) -> dict:
    """Apply the fields the user's role may change. Returns the changes (empty when nothing changed)."""
    if form_version != person.version:
        raise EditConflict
    allowed = EDITABLE_BY_ROLE.get(user.role, set())
    values = {k: (v if v != "" else None) for k, v in data.items() if k in allowed}
    for required in ("first_name", "last_name", "national_id"):
        if required in values and values[required] is None:
            values.pop(required)
    if "national_id" in values:
        values["birth_date"] = parse_national_id(values["national_id"]).birth_date
    if "return_mail" in values:
        values["return_mail"] = bool(values["return_mail"])
        if values["return_mail"] and not person.return_mail:
            values["return_mail_since"] = clock.today()
        elif not values["return_mail"]:
            values["return_mail_since"] = None
    changes = diff(person, list(values), values)
    if not changes:
        return {}
    if "national_id" in changes and db.session.scalar(
        sa.select(Person.id).where(Person.national_id == values["national_id"], Person.id != person.id)
    ):
        raise FieldError("national_id", _("Fødselsnummeret er allerede registrert på en annen person."))
    for field in changes:
        setattr(person, field, values[field])
    person.name_key = person_name_key(person.last_name, person.first_name)
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise EditConflict from error
    summary = "Personalia endret: " + ", ".join(FIELD_LABELS.get(f, f) for f in changes)
    record("update", "person", person.id, summary, person_id=person.id, changes=changes)
    return changes


def set_return_mail(person: Person, flagged: bool) -> None:
    if person.return_mail == flagged:
        return
    changes = diff(person, ["return_mail", "return_mail_since"],
                   {"return_mail": flagged, "return_mail_since": clock.today() if flagged else None})
    person.return_mail = flagged
    person.return_mail_since = clock.today() if flagged else None
    db.session.flush()
    summary = "Returpost registrert" if flagged else "Returpost fjernet"
    record("update", "person", person.id, summary, person_id=person.id, changes=changes)


def add_note(user, person: Person, text: str) -> PersonNote:
    note = PersonNote(person_id=person.id, author_id=user.id, text=text.strip())
    db.session.add(note)
    db.session.flush()
    record("create", "note", note.id, "Notat lagt til", person_id=person.id, changes={"notat": [None, note.text]})
    return note
