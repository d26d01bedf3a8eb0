"""A person: identity, name, address and contact, with notes. Changes are kept in the audit log."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rules.names import person_name_key

from .base import db, utcnow

# Binary collation on every dialect, so that a prefix range scan uses the index (see rules/names.py).
KeyString = sa.String(250).with_variant(sa.String(250, collation="C"), "postgresql")


class Person(db.Model):
    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(primary_key=True)
    national_id: Mapped[str] = mapped_column(sa.String(11), unique=True)
    birth_date: Mapped[date | None]
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    name_key: Mapped[str] = mapped_column(KeyString, index=True)
    address: Mapped[str | None] = mapped_column(sa.String(200))
    postal_code: Mapped[str | None] = mapped_column(sa.String(4))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    email: Mapped[str | None] = mapped_column(sa.String(200))
    return_mail: Mapped[bool] = mapped_column(default=False, index=True)
    return_mail_since: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        back_populates="person", order_by="Membership.start_date"
    )
    notes: Mapped[list["PersonNote"]] = relationship(
        back_populates="person", order_by="PersonNote.created_at.desc()"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    def set_names(self, first_name: str, last_name: str) -> None:
        self.first_name, self.last_name = first_name, last_name
        self.name_key = person_name_key(last_name, first_name)


class PersonNote(db.Model):
    __tablename__ = "person_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(sa.Text)

    person: Mapped[Person] = relationship(back_populates="notes")
    author: Mapped["User | None"] = relationship()  # noqa: F821
