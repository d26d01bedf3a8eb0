"""Code tables: rows, not constants. Seeded by the first migration; the central registry may add codes."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import db


class DuesCode(db.Model):
    __tablename__ = "dues_codes"
    code: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    pays: Mapped[str] = mapped_column(sa.String(200))


class EnrollmentCode(db.Model):
    __tablename__ = "enrollment_codes"
    code: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(200))


class WithdrawalCode(db.Model):
    __tablename__ = "withdrawal_codes"
    code: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(200))


def N_(text: str) -> str:
    """Marks a label for the translation catalog; it is translated where it is shown (`_()`)."""
    return text


MEMBERSHIP_TYPES = {
    "main": N_("Hovedmedlem"),
    "student": N_("Student"),
    "pupil": N_("Elev"),
    "secondary": N_("Bimedlem"),
}
COUNTY_ATTACHED_TYPES = {"student", "pupil"}

INSURANCE_KINDS = {
    "home": N_("Hjemforsikring"),
    "benefit_fund": N_("Stønadskassa"),
    "education_fund": N_("Utdanningsfond (OUO)"),
    "group": N_("Gruppeliv"),
}

PAYMENT_METHODS = {"deduction": N_("Trekk hos arbeidsgiver"), "invoice": N_("Faktura til medlemmet")}
