"""Payments from the bank's payment file (OCR giro, FORMATS.md section 2; DOMAIN.md section 5 step 6).

A transmission is stored once (data sender and transmission number unique together): the same file
imported again changes nothing. Each transaction is a `Payment`, signed (reversals negative), matched
by its KID to a deduction list, or by hand with a note. A payment whose `list_id` is NULL is
unidentified: it is kept until someone matches it, never dropped. (Invoices arrive with the arrears
issue and will get their own nullable reference beside `list_id`.)"""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rules.payment_state import payment_state

from .base import db, utcnow

MATCHED_BY_KID, MATCHED_BY_HAND = "kid", "hand"

__all__ = ["MATCHED_BY_HAND", "MATCHED_BY_KID", "Payment", "PaymentTransmission", "paid_ore_for_list",
           "payment_state"]


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

    payments: Mapped[list["Payment"]] = relationship(back_populates="transmission", order_by="Payment.id")


class Payment(db.Model):
    """One transaction of a payment file: a payment, or a reversal (negative `amount_ore`)."""

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
    amount_ore: Mapped[int] = mapped_column(sa.BigInteger)  # signed: reversals negative
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
    deduction_list: Mapped["DeductionList | None"] = relationship()  # noqa: F821

    @property
    def unidentified(self) -> bool:
        return self.list_id is None

    @property
    def is_reversal(self) -> bool:
        return self.amount_ore < 0 or self.transaction_type in (18, 20)


def paid_ore_for_list(list_id: int) -> int:
    """What has been paid for a deduction list: its payments added, reversals subtracted."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_ore), 0)).where(Payment.list_id == list_id)) or 0
