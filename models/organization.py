"""Counties, branches (with their effective-dated dues rate), sections, employers and workplaces."""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db


class AddressMixin:
    address: Mapped[str | None] = mapped_column(sa.String(200))
    postal_code: Mapped[str | None] = mapped_column(sa.String(4))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    email: Mapped[str | None] = mapped_column(sa.String(200))


class County(AddressMixin, db.Model):
    __tablename__ = "counties"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    notes: Mapped[str | None] = mapped_column(sa.Text)

    branches: Mapped[list["Branch"]] = relationship(back_populates="county", order_by="Branch.number")


class Branch(AddressMixin, db.Model):
    __tablename__ = "branches"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("counties.id"), index=True)
    founded: Mapped[date | None]
    account: Mapped[str | None] = mapped_column(sa.String(11))
    notes: Mapped[str | None] = mapped_column(sa.Text)

    county: Mapped[County] = relationship(back_populates="branches")
    rates: Mapped[list["BranchRate"]] = relationship(
        back_populates="branch", order_by="BranchRate.valid_from", cascade="all, delete-orphan"
    )


class BranchRate(db.Model):
    """The branch's total dues percentage from a date, in hundredths of a percent (175 = 1,75 %)."""

    __tablename__ = "branch_rates"
    __table_args__ = (sa.UniqueConstraint("branch_id", "valid_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"))
    valid_from: Mapped[date]
    rate_bp: Mapped[int]

    branch: Mapped[Branch] = relationship(back_populates="rates")


class Section(db.Model):
    __tablename__ = "sections"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))


class Employer(AddressMixin, db.Model):
    __tablename__ = "employers"
    id: Mapped[int] = mapped_column(primary_key=True)
    orgnr: Mapped[str] = mapped_column(sa.String(9), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_key: Mapped[str] = mapped_column(sa.String(200), index=True)
    payroll_email: Mapped[str | None] = mapped_column(sa.String(200))
    notes: Mapped[str | None] = mapped_column(sa.Text)

    workplaces: Mapped[list["Workplace"]] = relationship(back_populates="employer", order_by="Workplace.number")


class Workplace(AddressMixin, db.Model):
    __tablename__ = "workplaces"
    __table_args__ = (sa.UniqueConstraint("employer_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id"))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branches.id"), index=True)

    employer: Mapped[Employer] = relationship(back_populates="workplaces")
    branch: Mapped[Branch | None] = relationship()
