"""Importing the bank's payment file (FORMATS.md section 2) and matching payments by hand.

`import_payment_file` is all or nothing: a file with any error is refused and nothing is stored; a
transmission imported before (same data sender and transmission number, same content) changes nothing,
while the same number with other content is refused (a transmission stored before its digest was kept
is compared by number only). A file whose assignments are for another payee account than the union's
(UNION_ACCOUNTS) is refused; where UNION_ACCOUNTS is not set any account is accepted and the outcome
says so. Each transaction becomes a `Payment` (reversals and credit notes negative), matched by its
KID to a deduction list, or kept unidentified (never dropped) for `match_by_hand`. The caller commits
(or rolls back when refused)."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from models import DeductionList, Payment, PaymentTransmission, changes, db, record, utcnow
from models.base import insert_many
from models.payment import MATCHED_BY_HAND, MATCHED_BY_KID
from rules.csvfile import RowError
from rules.idnumbers import format_account
from rules.money import format_kroner
from rules.payment_file import PaymentFile, read_payment_file
from web.formatting import norwegian_date

KID_CHUNK = 500  # KIDs looked up per query (well under SQLite's bound-parameter limit)
INSERT_CHUNK = 5000


Refused = changes.Refused  # `field`: the match form's field the message belongs to


def _require_central(user) -> None:
    if getattr(user, "role", None) != "central":
        raise Refused(None, _("Bare sentralregisteret kan registrere innbetalinger."))


@dataclass
class PaymentImport:
    errors: list[RowError] = field(default_factory=list)
    already: bool = False
    transmission: PaymentTransmission | None = None
    data_sender: str | None = None
    transmission_number: str | None = None
    transactions: int = 0
    matched: int = 0
    unidentified: int = 0
    total_ore: int = 0  # signed: reversals and credit notes subtracted
    notes: list[str] = field(default_factory=list)  # told with the outcome (an account not checked)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def message(self) -> str:
        if self.errors:
            if len(self.errors) == 1 and self.errors[0].row is None:  # one reason for the whole file, told with it
                return _("Filen ble avvist. Ingenting er lagret.")
            return _("Filen ble avvist med %(num)s feil. Ingenting er lagret.", num=len(self.errors))
        if self.already:
            text = _("Forsendelse %(number)s fra dataavsender %(sender)s er allerede importert. Ingenting er endret.",
                     number=self.transmission_number, sender=self.data_sender)
        else:
            text = _("Forsendelse %(number)s fra dataavsender %(sender)s importert: %(transactions)s transaksjoner, "
                     "%(matched)s koblet til trekkliste med KID, %(unidentified)s uidentifiserte, til sammen "
                     "%(amount)s kr.", number=self.transmission_number, sender=self.data_sender,
                     transactions=self.transactions, matched=self.matched, unidentified=self.unidentified,
                     amount=format_kroner(self.total_ore))
        return " ".join([text, *self.notes])

    def as_dict(self) -> dict:
        return {
            "ok": self.ok, "already_imported": self.already, "message": self.message,
            "data_sender": self.data_sender, "transmission_number": self.transmission_number,
            "transmission_id": self.transmission.id if self.transmission else None,
            "transactions": self.transactions, "matched": self.matched, "unidentified": self.unidentified,
            "total_ore": self.total_ore, "notes": list(self.notes),
            "errors": [error.as_dict() for error in self.errors],
        }


def union_accounts() -> tuple[str, ...]:
    """The accounts the union receives payments on (UNION_ACCOUNTS: 11 digits each, comma-separated;
    blanks and periods within one are ignored), none when it is not set."""
    setting = current_app.config.get("UNION_ACCOUNTS") or ""
    if isinstance(setting, str):
        setting = setting.split(",")
    return tuple(account for account in ("".join(str(a).split()).replace(".", "") for a in setting) if account)


def _payee_errors(parsed: PaymentFile, accounts: tuple[str, ...]) -> list[RowError]:
    """An error for each assignment whose payee account is not one of `accounts`."""
    ours = ", ".join(_account_text(a) for a in accounts)
    return [RowError(a.line, "oppdragskonto", _(
        "Oppdrag %(assignment)s er innbetalinger til konto %(account)s, som ikke er fagforeningens konto "
        "(%(ours)s). Filen er ikke til oss.", assignment=a.assignment_number, account=_account_text(a.account),
        ours=ours)) for a in parsed.assignments if a.account not in accounts]


def _account_text(account: str) -> str:
    try:
        return format_account(account)
    except Exception:  # not a number stdnum can format: shown as it is
        return account


def _other_content(existing: PaymentTransmission) -> RowError:
    return RowError(None, None, _(
        "Forsendelse %(number)s fra dataavsender %(sender)s er allerede importert med et annet innhold "
        "(%(file)s, importert %(date)s). Denne filen er ikke den samme og er ikke importert.",
        number=existing.transmission_number, sender=existing.data_sender, file=existing.file_name or "–",
        date=norwegian_date(existing.imported_at) or "–"))


def _seen_before(outcome: PaymentImport, existing: PaymentTransmission, digest: str | None) -> PaymentImport:
    """The outcome for a transmission number imported before: the same file again changes nothing;
    another file with that number is refused (a transmission without a digest: by number only)."""
    if existing.digest is not None and digest is not None and existing.digest != digest:
        return PaymentImport(errors=[_other_content(existing)], data_sender=outcome.data_sender,
                             transmission_number=outcome.transmission_number)
    outcome.already, outcome.transmission = True, existing
    return outcome


def _lists_by_kid(kids: set[str]) -> dict[str, int]:
    """The deduction list id of each KID that names one."""
    found: dict[str, int] = {}
    ordered = sorted(kids)
    for start in range(0, len(ordered), KID_CHUNK):
        chunk = ordered[start:start + KID_CHUNK]
        found.update(db.session.execute(
            sa.select(DeductionList.kid, DeductionList.id).where(DeductionList.kid.in_(chunk))).all())
    return found


def _existing(data_sender: str, transmission_number: str) -> PaymentTransmission | None:
    return db.session.scalar(sa.select(PaymentTransmission).where(
        PaymentTransmission.data_sender == data_sender,
        PaymentTransmission.transmission_number == transmission_number))


def import_payment_file(user, data: bytes, filename: str | None = None) -> PaymentImport:
    """Read, check and store one payment file: all or nothing; again changes nothing."""
    _require_central(user)
    parsed = read_payment_file(data)
    if not parsed.ok:
        return PaymentImport(errors=list(parsed.errors))
    outcome = PaymentImport(data_sender=parsed.data_sender, transmission_number=parsed.transmission_number)
    existing = _existing(parsed.data_sender, parsed.transmission_number)
    if existing is not None:  # the file imported before stays "already imported" whatever is set since
        return _seen_before(outcome, existing, parsed.digest)
    accounts = union_accounts()
    if accounts:
        errors = _payee_errors(parsed, accounts)
        if errors:
            return PaymentImport(errors=errors, data_sender=parsed.data_sender,
                                 transmission_number=parsed.transmission_number)
    elif parsed.assignments:
        outcome.notes.append(_(
            "Mottakerkontoen (%(accounts)s) er ikke kontrollert: fagforeningens kontoer (UNION_ACCOUNTS) er ikke satt opp.",
            accounts=", ".join(dict.fromkeys(_account_text(a.account) for a in parsed.assignments))))

    kids = _lists_by_kid({t.kid for t in parsed.transactions if t.kid is not None})
    now = utcnow()
    transmission = PaymentTransmission(
        data_sender=parsed.data_sender, transmission_number=parsed.transmission_number,
        data_recipient=parsed.data_recipient, transmission_date=parsed.date, file_name=(filename or None),
        imported_at=now, imported_by=getattr(user, "id", None), bank_total_ore=parsed.bank_total_ore,
        total_ore=parsed.paid_ore, digest=parsed.digest)
    try:
        with db.session.begin_nested():
            db.session.add(transmission)
            db.session.flush()
    except sa.exc.IntegrityError:  # imported meanwhile by someone else
        return _seen_before(outcome, _existing(parsed.data_sender, parsed.transmission_number), parsed.digest)

    rows = []
    valid: dict[str, bool] = {}  # a KID's check digit is checked once per file, however often it is paid
    for assignment in parsed.assignments:
        for t in assignment.transactions:
            list_id = kids.get(t.kid) if t.kid is not None else None
            if t.kid is not None and t.kid not in valid:
                valid[t.kid] = t.kid_valid
            rows.append({
                "transmission_id": transmission.id, "assignment_number": assignment.assignment_number,
                "transaction_number": t.transaction_number, "transaction_type": t.transaction_type,
                "settlement_date": t.settlement_date, "amount_ore": t.amount_ore, "kid": t.kid,
                "kid_valid": valid[t.kid] if t.kid is not None else False, "list_id": list_id,
                "matched_by": MATCHED_BY_KID if list_id is not None else None,
                "matched_at": now if list_id is not None else None, "free_text": t.free_text,
                "bank_date": t.bank_date, "debit_account": t.debit_account,
                "archive_reference": t.archive_reference,
            })
    connection = db.session.connection()  # straight to the driver: the ORM's bulk insert costs more
    for start in range(0, len(rows), INSERT_CHUNK):
        insert_many(connection, Payment.__table__, rows[start:start + INSERT_CHUNK])

    outcome.transactions = len(rows)
    outcome.matched = sum(1 for r in rows if r["list_id"] is not None)
    outcome.unidentified = outcome.transactions - outcome.matched
    outcome.total_ore = parsed.paid_ore
    transmission.transaction_count = outcome.transactions
    transmission.matched_count = outcome.matched
    transmission.unidentified_count = outcome.unidentified
    outcome.transmission = transmission
    record("create", "payment_transmission", transmission.id,
           f"Innbetalingsfil importert: forsendelse {transmission.transmission_number} fra "
           f"{transmission.data_sender}, {outcome.transactions} transaksjoner ({outcome.matched} koblet med KID, "
           f"{outcome.unidentified} uidentifiserte), {format_kroner(outcome.total_ore)} kr",
           user=user)
    db.session.flush()
    return outcome


def match_by_hand(user, payment: Payment, deduction_list: DeductionList, note: str) -> Payment:
    """Match an unidentified payment to a deduction list by hand, with a note saying why (audited). A
    payment matched before (by KID or by hand) is not moved; of two people matching the same payment at
    once, the second is told."""
    _require_central(user)
    note = (note or "").strip()
    if not note:
        raise Refused("note", _("Skriv et notat om hvorfor innbetalingen hører til denne trekklisten."))
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Payment).where(Payment.id == payment.id, Payment.list_id.is_(None))
        .values(list_id=deduction_list.id, matched_by=MATCHED_BY_HAND, matched_at=now,
                matched_by_user=getattr(user, "id", None), note=note)
        .execution_options(synchronize_session=False))
    db.session.refresh(payment)
    if claimed.rowcount != 1:
        raise Refused("list_id", _("Innbetalingen er allerede koblet til en trekkliste."))
    record("update", "payment", payment.id,
           f"Innbetaling på {format_kroner(payment.amount_ore)} kr koblet for hånd til trekkliste "
           f"{deduction_list.kid}", changes={"list_id": [None, deduction_list.id], "note": [None, note]},
           user=user)
    db.session.flush()
    return payment
