"""Payments from the bank's payment file (OCR giro, FORMATS.md section 2; DOMAIN.md section 5 step 6).

A transmission is stored once (data sender and transmission number unique together), with a digest
of its content: the same file imported again changes nothing, another file with the same number is
refused. Each transaction is a `Payment`, signed (reversals and credit notes negative), matched
by its KID to a deduction list, or by hand with a note. A payment whose `list_id` is NULL is
unidentified: it is kept until someone matches it, never dropped. (Invoices arrive with the arrears
issue and will get their own nullable reference beside `list_id`.)"""
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rules.payment_state import OVERPAID, PAID, PARTLY_PAID, PAYMENT_STATES, payment_state, payment_state_terms

from .base import db, sum_int, utcnow
from .codes import N_
from .deduction import EXPECTED, DeductionList

MATCHED_BY_KID, MATCHED_BY_HAND = "kid", "hand"

__all__ = ["MATCHED_BY_HAND", "MATCHED_BY_KID", "ListPayment", "Payment", "PaymentTransmission", "list_amount_sql",
           "list_paid_sql", "list_payment", "list_payments", "paid_ore_for_list", "payment_state"]


class PaymentTransmission(db.Model):
    """One imported payment file (a transmission), with what it held."""

    __tablename__ = "payment_transmissions"
    __table_args__ = (sa.UniqueConstraint("data_sender", "transmission_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    data_sender: Mapped[str] = mapped_column(sa.String(8))
    transmission_number: Mapped[str] = mapped_column(sa.String(7))
    data_recipient: Mapped[str | None] = mapped_column(sa.String(8))
    transmission_date: Mapped[date | None]
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    transaction_count: Mapped[int] = mapped_column(default=0)
    matched_count: Mapped[int] = mapped_column(default=0)
    unidentified_count: Mapped[int] = mapped_column(default=0)
    total_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # signed: reversals subtracted
    bank_total_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # as the end records give it
    # SHA-256 of the file's records (rules.payment_file); NULL for transmissions imported before it was kept
    digest: Mapped[str | None] = mapped_column(sa.String(64))

    payments: Mapped[list["Payment"]] = relationship(back_populates="transmission", order_by="Payment.id")


class Payment(db.Model):
    """One transaction of a payment file: a payment, or a reversal or credit note (negative `amount_ore`)."""

    __tablename__ = "payments"
    __table_args__ = (
        sa.CheckConstraint("matched_by IS NULL OR matched_by IN ('kid', 'hand')", name="matched_by"),
        sa.Index("ix_payments_unidentified", "list_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    transmission_id: Mapped[int] = mapped_column(sa.ForeignKey("payment_transmissions.id"), index=True)
    assignment_number: Mapped[str] = mapped_column(sa.String(7))
    transaction_number: Mapped[int]
    transaction_type: Mapped[int]
    settlement_date: Mapped[date]
    amount_ore: Mapped[int] = mapped_column(sa.BigInteger)  # signed: reversals and credit notes negative
    kid: Mapped[str | None] = mapped_column(sa.String(25), index=True)
    kid_valid: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    list_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deduction_lists.id"))
    matched_by: Mapped[str | None] = mapped_column(sa.String(4))
    matched_at: Mapped[datetime | None]
    matched_by_user: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    free_text: Mapped[str | None] = mapped_column(sa.String(40))
    bank_date: Mapped[date | None]
    debit_account: Mapped[str | None] = mapped_column(sa.String(11))
    archive_reference: Mapped[str | None] = mapped_column(sa.String(9))

    transmission: Mapped[PaymentTransmission] = relationship(back_populates="payments")
    deduction_list: Mapped[DeductionList | None] = relationship()

    @property
    def unidentified(self) -> bool:
        return self.list_id is None

    @property
    def is_reversal(self) -> bool:
        """A reversal (type 18 or 20, rules.payment_file.REVERSAL_TYPES), not a credit note."""
        return self.transaction_type in (18, 20)

    @property
    def is_credit_note(self) -> bool:
        """Another type with the sign '-' (rules.payment_file.Transaction.is_credit_note)."""
        return self.amount_ore < 0 and not self.is_reversal


def paid_ore_for_list(list_id: int) -> int:
    """What has been paid for a deduction list: its payments added, reversals and credit notes subtracted."""
    return db.session.scalar(sa.select(sum_int(Payment.amount_ore)).where(Payment.list_id == list_id)) or 0


@dataclass
class ListPayment:
    """A deduction list's payment state: what is to be paid, each payment registered against it
    (settlement date, signed øre), and what follows (rules/payment_state.py)."""

    amount_ore: int
    payments: list[tuple[date, int]] = field(default_factory=list)

    @property
    def paid_ore(self) -> int:
        return sum(amount for _, amount in self.payments)

    @property
    def owing_ore(self) -> int:
        return max(self.amount_ore - self.paid_ore, 0)

    @property
    def overpaid_ore(self) -> int:
        return max(self.paid_ore - self.amount_ore, 0)

    @property
    def state(self) -> str:
        return payment_state(self.amount_ore, self.paid_ore)

    @property
    def paid(self) -> bool:
        """Paid in full (or more)."""
        return self.state in (PAID, OVERPAID)

    @property
    def label(self) -> str:
        """In Norwegian, marked for translation (templates show it with _())."""
        if self.amount_ore <= 0 and not self.payments:
            return N_("Ingenting å betale")
        return PAYMENT_STATES[self.state]


def list_amount_ore(deduction_list) -> int:
    """What a list asks the employer to pay: what was expected until it is received, then what the
    employer reported."""
    return deduction_list.reported_total_ore if deduction_list.received else deduction_list.expected_total_ore


def list_amount_sql() -> sa.ColumnElement[int]:
    """`list_amount_ore` in SQL, of the enclosing query's DeductionList."""
    return sa.case(
        (DeductionList.state == EXPECTED, DeductionList.expected_dues_ore + DeductionList.expected_insurance_ore),
        else_=DeductionList.reported_dues_ore + DeductionList.reported_insurance_ore)


def list_paid_sql() -> sa.ColumnElement[int]:
    """`ListPayment.paid_ore` in SQL, of the enclosing query's DeductionList: its payments added,
    reversals subtracted, 0 when none. With `list_amount_sql` it gives rules.payment_state's terms to
    a filter or a sort."""
    return sa.func.coalesce(
        sa.select(sum_int(Payment.amount_ore)).where(Payment.list_id == DeductionList.id).scalar_subquery(), 0)


def payment_state_sql() -> sa.ColumnElement[str]:
    """`ListPayment.state` in SQL, of the enclosing query's DeductionList (for filters and counts)."""
    return sa.case(*payment_state_terms(list_amount_sql(), list_paid_sql()), else_=PARTLY_PAID)


def list_payments(lists: Iterable, amounts: dict[int, int] | None = None) -> dict[int, ListPayment]:
    """The payment state of each list, by id, from one query (`amounts`: the amount to pay of a list
    where the caller knows better, as a portal draft's sum)."""
    lists = list(lists)
    amounts = amounts or {}
    states = {dl.id: ListPayment(amounts.get(dl.id, list_amount_ore(dl))) for dl in lists}
    ids = sorted(states)
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            sa.select(Payment.list_id, Payment.settlement_date, Payment.amount_ore)
            .where(Payment.list_id.in_(ids[start:start + 500])).order_by(Payment.settlement_date, Payment.id))
        for list_id, day, amount in rows:
            states[list_id].payments.append((day, amount))
    return states


def list_payment(deduction_list, amount_ore: int | None = None) -> ListPayment:
    amounts = {deduction_list.id: amount_ore} if amount_ore is not None else None
    return list_payments([deduction_list], amounts)[deduction_list.id]
