"""Named counters for numbers that must never be handed out twice, whatever runs at the same time."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import db


class Counter(db.Model):
    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    value: Mapped[int]


def next_number(name: str, highest_in_use: sa.ScalarSelect) -> int:
    """The next number of the counter, above every number already in use.

    The UPDATE locks the counter's row until the transaction ends, so two enrollments at the same
    moment wait for each other instead of getting the same number (SQLite: BEGIN IMMEDIATE does the
    same). Numbers written by imports or the demo are seen through `highest_in_use`."""
    value = db.session.execute(
        sa.update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)
    ).scalar()
    if value is None:
        db.session.add(Counter(name=name, value=0))
        db.session.flush()
        return next_number(name, highest_in_use)
    highest = db.session.scalar(sa.select(highest_in_use)) or 0
    if highest >= value:
        value = highest + 1
        db.session.execute(sa.update(Counter).where(Counter.name == name).values(value=value))
    return value
