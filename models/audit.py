"""The append-only audit log: who read or changed what, when, with old and new values."""
import json
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .codes import N_

# How the fields that audit rows name are shown to users (marked for translation; change_list translates).
FIELD_LABELS = {
    "first_name": N_("Fornavn"), "last_name": N_("Etternavn"), "national_id": N_("Fødselsnummer"),
    "address": N_("Adresse"), "postal_code": N_("Postnummer"), "city": N_("Poststed"), "phone": N_("Telefon"),
    "email": N_("E-post"), "return_mail": N_("Returpost"), "return_mail_since": N_("Returpost siden"),
    "birth_date": N_("Fødselsdato"), "start_date": N_("Innmeldt"), "enrollment_code": N_("Innmeldingskode"),
    "end_date": N_("Utmeldt"), "withdrawal_code": N_("Utmeldingskode"), "note": N_("Merknad"),
    "receiving_union": N_("Mottakende forbund"), "from_date": N_("Fra"), "to_date": N_("Til"),
    "code": N_("Kontingentkode"), "dues_code": N_("Kontingentkode"), "membership_type": N_("Medlemstype"),
    "branch": N_("Fagforening"), "county": N_("Fylkeskrets"), "section": N_("Seksjon"), "apprentice": N_("Lærling"),
    "earlier_union": N_("Tidligere forbund"), "earlier_union_start": N_("Medlem der fra"),
    "start_notified_at": N_("Varslet om trekk"), "start_notified_by": N_("Varslet av"),
    "stop_notified_at": N_("Varslet om stopp"), "stop_notified_by": N_("Varslet av"), "state": N_("Status"),
    "refusal_reason": N_("Begrunnelse"), "workplace": N_("Arbeidssted"), "position": N_("Stilling"),
    "payment_method": N_("Betaling"), "monthly_pay": N_("Månedslønn"), "reserved": N_("Reservert"), "kind": N_("Type"),
    "notat": N_("Notat"), "reminded_at": N_("Påminnet"), "member_number": N_("Medlemsnummer"),
    "insurances": N_("Forsikringer"),
}

ACTIONS = {"read": N_("Lest"), "create": N_("Opprettet"), "update": N_("Endret"), "delete": N_("Slettet"),
           "login": N_("Innlogget")}


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_person_at", "person_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(10))
    entity: Mapped[str] = mapped_column(sa.String(50))
    entity_id: Mapped[int | None]
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"))
    summary: Mapped[str] = mapped_column(sa.String(500))
    changes: Mapped[str | None] = mapped_column(sa.Text)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))

    user: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def change_list(self) -> list[tuple[str, object, object]]:
        """(what changed as users call it, in their language, old value, new value)."""
        return [(gettext(FIELD_LABELS[k]) if k in FIELD_LABELS else k, v[0], v[1]) for k, v in json.loads(self.changes or "{}").items()]


def diff(obj, fields: list[str], new_values: dict) -> dict:
    """The fields whose value would change, as {field: [old, new]} with JSON-friendly values."""
    out = {}
    for field in fields:
        if field in new_values and getattr(obj, field) != new_values[field]:
            out[field] = [_plain(getattr(obj, field)), _plain(new_values[field])]
    return out


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def record(action: str, entity: str, entity_id: int | None, summary: str, *,
           person_id: int | None = None, changes: dict | None = None, user=None) -> AuditLog:
    """Add one audit row to the session. `user=None` means the signed-in user, else the system."""
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    row = AuditLog(
        user_id=user.id if user else None,
        actor=user.username if user else "system",
        action=action,
        entity=entity,
        entity_id=entity_id,
        person_id=person_id,
        summary=summary[:500],
        changes=json.dumps(changes, ensure_ascii=False) if changes else None,
        remote_addr=request.remote_addr if has_request_context() else None,
    )
    db.session.add(row)
    return row


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _audit_is_append_only(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditLog):
            raise RuntimeError("The audit log is append-only")
