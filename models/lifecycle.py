"""What the member routines leave behind: transfers between branches, the county's follow-up
queue, and the history of a membership's type and attachment."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .audit import record
from .base import db, utcnow
from .codes import N_

TRANSFER_STATES = {"pending": N_("Under behandling"), "accepted": N_("Mottatt"), "refused": N_("Avvist")}
FOLLOW_UP_KINDS = {
    "home_reservation": N_("Reservasjon mot hjemforsikring (innmeldt med kode 7)"),
    "pupil_over_20": N_("Elev over 20 år: skal bli student eller hovedmedlem"),
}


class Transfer(db.Model):
    """A member moving between two branches of the union.

    The giving branch ends its membership with withdrawal code 1 and stays responsible until the
    receiving branch accepts (a new membership with enrollment code 1 and the same member number)
    or refuses (the giving membership is opened again)."""

    __tablename__ = "transfers"
    __table_args__ = (
        sa.CheckConstraint("state IN ('pending', 'accepted', 'refused')", name="state"),
        sa.CheckConstraint("from_branch_id <> to_branch_id", name="different_branches"),
        sa.Index("ix_transfers_state_to", "state", "to_branch_id"),
        sa.Index("ix_transfers_state_from", "state", "from_branch_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    from_membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id"))
    to_membership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("memberships.id"))
    from_branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"))
    to_branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"))
    transfer_date: Mapped[date]  # the first day in the receiving branch
    state: Mapped[str] = mapped_column(sa.String(10), default="pending")
    note: Mapped[str | None] = mapped_column(sa.Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    refusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    reminded_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    person: Mapped["Person"] = relationship()  # noqa: F821
    from_membership: Mapped["Membership"] = relationship(foreign_keys=[from_membership_id])  # noqa: F821
    to_membership: Mapped["Membership | None"] = relationship(foreign_keys=[to_membership_id])  # noqa: F821
    from_branch: Mapped["Branch"] = relationship(foreign_keys=[from_branch_id])  # noqa: F821
    to_branch: Mapped["Branch"] = relationship(foreign_keys=[to_branch_id])  # noqa: F821

    __mapper_args__ = {"version_id_col": version}


class FollowUp(db.Model):
    """An item in a county's follow-up queue. One per membership and kind, so routines may run twice."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        sa.UniqueConstraint("membership_id", "kind"),
        sa.Index("ix_follow_ups_county_open", "county_id", "done_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("counties.id"))
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    text: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: the system
    done_at: Mapped[datetime | None]
    done_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    done_note: Mapped[str | None] = mapped_column(sa.Text)

    membership: Mapped["Membership"] = relationship()  # noqa: F821


class MembershipChange(db.Model):
    """A change of a membership's type or attachment from a date: the old and new value."""

    __tablename__ = "membership_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id"), index=True)
    from_date: Mapped[date]
    field: Mapped[str] = mapped_column(sa.String(30))  # membership_type, branch, county, apprentice
    old_value: Mapped[str | None] = mapped_column(sa.String(100))
    new_value: Mapped[str | None] = mapped_column(sa.String(100))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


# Translated where it is raised (gettext).
MEMBERSHIP_CONFLICT = N_("Noen andre har endret dette medlemskapet mens du arbeidet. Last siden på nytt og prøv igjen.")


def mark_notified(user, memberships: list, kind: str, summary: str) -> int:
    """Mark that the payroll office was told to start or stop (`kind`) deducting for these members.

    A mark once set is kept. Flushes, so a concurrent change of a membership raises StaleDataError
    here; audits each new mark. Returns how many were marked now."""
    now = utcnow()
    marked = [m for m in memberships if getattr(m, f"{kind}_notified_at") is None]
    for membership in marked:
        setattr(membership, f"{kind}_notified_at", now)
        setattr(membership, f"{kind}_notified_by", user.id)
    db.session.flush()
    for membership in marked:
        record("update", "membership", membership.id, summary, person_id=membership.person_id,
               changes={f"{kind}_notified_at": [None, now.isoformat(timespec="seconds")],
                        f"{kind}_notified_by": [None, user.username]})
    return len(marked)
