"""Scoped reads of transfers. A transfer is visible to a user whose scope holds its giving or its
receiving branch (a county: its branches; central: all).

The receiving branch may not open the member card while a transfer is pending (the membership is
not theirs yet), so the lists here join the person's name and member number themselves."""
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import aliased

from models import Branch, Membership, Person, Transfer, User, db
from models.scope import Scope
from web.formatting import OSLO

REFUSED_SHOWN_DAYS = 30  # how long the giving branch sees a refusal in its queue


@dataclass(frozen=True)
class TransferRow:
    """One line of the queue or the report: just what they show, read in one query."""

    id: int
    version: int
    state: str
    person_id: int
    first_name: str
    last_name: str
    member_number: int
    from_branch: str
    to_branch: str
    transfer_date: date
    started_at: datetime
    started_by: str | None
    note: str | None
    refusal_reason: str | None
    decided_at: datetime | None
    reminded_at: datetime | None
    receiving: bool  # the user's scope holds the receiving branch: may accept or refuse
    giving: bool  # the user's scope holds the giving branch: may open the card, send reminders

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    def age_days(self, on: date) -> int:
        """Days since the transfer was started, counted on `on`."""
        return (on - oslo_day(self.started_at)).days


def oslo_day(moment: datetime) -> date:
    """The Oslo calendar day of a stored (naive UTC) moment."""
    return moment.replace(tzinfo=UTC).astimezone(OSLO).date()


def _oslo_midnight_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=OSLO).astimezone(UTC).replace(tzinfo=None)


def _branches_in_scope(user) -> sa.Select:
    return sa.select(Branch.id).where(Scope.of(user).where(Branch))


def _rows(user, *conditions) -> list[TransferRow]:
    giving, receiving = aliased(Branch), aliased(Branch)
    in_scope = _branches_in_scope(user)
    stmt = (
        sa.select(
            Transfer.id, Transfer.version, Transfer.state, Transfer.person_id, Person.first_name,
            Person.last_name, Membership.member_number,
            giving.number.cast(sa.String) + " " + giving.name, receiving.number.cast(sa.String) + " " + receiving.name,
            Transfer.transfer_date, Transfer.started_at, User.username, Transfer.note, Transfer.refusal_reason,
            Transfer.decided_at, Transfer.reminded_at,
            Transfer.to_branch_id.in_(in_scope), Transfer.from_branch_id.in_(in_scope),
        )
        .join(Person, Person.id == Transfer.person_id)
        .join(Membership, Membership.id == Transfer.from_membership_id)
        .join(giving, giving.id == Transfer.from_branch_id)
        .join(receiving, receiving.id == Transfer.to_branch_id)
        .outerjoin(User, User.id == Transfer.started_by)
        .where(*conditions)
        .order_by(Transfer.started_at, Transfer.id)
    )
    return [TransferRow(*row[:-2], bool(row[-2]), bool(row[-1])) for row in db.session.execute(stmt)]


def queue(user, now: datetime) -> tuple[list[TransferRow], list[TransferRow]]:
    """(incoming, outgoing), oldest first.

    Incoming ("til oss"): pending transfers to a branch in the user's scope; the user may decide them.
    Outgoing ("fra oss"): pending transfers from a branch in scope to one outside it (a county's
    transfers between its own branches are incoming, as it may decide them), and the refusals of the
    last days, so that the giving branch learns why."""
    in_scope = _branches_in_scope(user)
    incoming = _rows(user, Transfer.state == "pending", Transfer.to_branch_id.in_(in_scope))
    outgoing = _rows(user, Transfer.from_branch_id.in_(in_scope), sa.or_(
        sa.and_(Transfer.state == "pending", Transfer.to_branch_id.not_in(in_scope)),
        sa.and_(Transfer.state == "refused", Transfer.decided_at >= now - timedelta(days=REFUSED_SHOWN_DAYS)),
    ))
    return incoming, outgoing


def not_received(user, month: date) -> list[TransferRow]:
    """The monthly report: transfers still pending that were started before the end of `month`."""
    next_month = (month + timedelta(days=32)).replace(day=1)
    in_scope = _branches_in_scope(user)
    return _rows(user, Transfer.state == "pending", Transfer.started_at < _oslo_midnight_utc(next_month),
                 sa.or_(Transfer.from_branch_id.in_(in_scope), Transfer.to_branch_id.in_(in_scope)))


def get_transfer(user, transfer_id: int, *, side: str) -> Transfer:
    """A transfer whose receiving (`side="receiving"`) or giving branch the user's scope holds, or 404."""
    column = Transfer.to_branch_id if side == "receiving" else Transfer.from_branch_id
    transfer = db.session.scalar(
        sa.select(Transfer).where(Transfer.id == transfer_id, column.in_(_branches_in_scope(user))))
    if transfer is None:
        abort(404)
    return transfer


def receiving_branch_choices(membership: Membership) -> list[tuple[int, str]]:
    """Every branch of the union but the membership's own: a transfer may go anywhere."""
    return [(branch_id, f"{number} {name}") for branch_id, number, name in db.session.execute(
        sa.select(Branch.id, Branch.number, Branch.name)
        .where(Branch.id != membership.branch_id).order_by(Branch.number))]
