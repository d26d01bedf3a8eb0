"""The employer portal (DOMAIN.md "Employer portal"): requests for access and handovers, the payroll
office's entries on a list before it is sent, and the messages between employer and union per list."""
import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .codes import N_

# --- access ---------------------------------------------------------------------------------------
INVITED, PENDING, APPROVED, REFUSED = "invited", "pending", "approved", "refused"
REQUEST_STATES = {
    INVITED: N_("Invitert, ikke akseptert"),
    PENDING: N_("Venter på godkjenning"),
    APPROVED: N_("Godkjent"),
    REFUSED: N_("Avvist"),
}


class AccessRequest(db.Model):
    """A payroll officer asks for access to an employer's lists (or, `takes_over_from`, is named by a
    colleague to take over theirs); the county (or central) approves, which makes the account."""

    __tablename__ = "access_requests"
    __table_args__ = (
        sa.CheckConstraint("state IN ('invited', 'pending', 'approved', 'refused')", name="state"),
        sa.Index("ix_access_requests_state_county", "state", "county_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    workplace_ids: Mapped[str | None] = mapped_column(sa.Text)  # JSON list of ids; None: the whole employer
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))  # chosen by the applicant
    county_id: Mapped[int | None] = mapped_column(sa.ForeignKey("counties.id"))  # whose queue it is in
    takes_over_from: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)  # a handover's invitation
    state: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # the account made

    employer: Mapped["Employer"] = relationship()  # noqa: F821

    @property
    def state_name(self) -> str:
        return REQUEST_STATES[self.state]

    @property
    def workplace_id_list(self) -> list[int]:
        return json.loads(self.workplace_ids) if self.workplace_ids else []


# --- the payroll office's entries on a list ------------------------------------------------------
DEDUCTED, OTHER_AMOUNT, NOT_DEDUCTED, ADDED = "deducted", "other_amount", "not_deducted", "added"
ENTRY_OUTCOMES = {
    DEDUCTED: N_("Trukket som forventet"),
    OTHER_AMOUNT: N_("Trukket annet beløp"),
    NOT_DEDUCTED: N_("Ikke trukket"),
    ADDED: N_("Trukket, ikke på listen"),
}
EMPLOYER_REASONS = {
    "left": N_("Sluttet"),
    "leave": N_("Permisjon uten lønn"),
    "sick": N_("Syk med ytelser fra NAV"),
    "position": N_("Endret stillingsprosent"),
    "other": N_("Annet"),
}
# The action the branch is offered, with one click, for the employer's reason (models.deduction.RESOLUTIONS).
SUGGESTED_ACTIONS = {"left": "employment_ended", "leave": "leave", "sick": "carried", "position": "position"}


class PortalEntry(db.Model):
    """What the payroll office says about one person on a list, saved as a draft until the list is
    approved and sent. `line_id` is the expected line; an added person has none. `workplace_id` is the
    expected line's workplace, or the one the contact chose for a person it added: a contact answering
    for some workplaces sees and saves only their entries (models.scope). The same person may be added
    for two workplaces (deducted at both), so an added person is unique per workplace."""

    __tablename__ = "portal_entries"
    __table_args__ = (
        sa.UniqueConstraint("list_id", "line_id", name="uq_portal_entries_list_line"),
        sa.UniqueConstraint("list_id", "national_id", "workplace_id", name="uq_portal_entries_list_person"),
        sa.CheckConstraint("outcome IN ('deducted', 'other_amount', 'not_deducted', 'added')", name="outcome"),
        sa.CheckConstraint("reason IS NULL OR reason IN ('left', 'leave', 'sick', 'position', 'other')",
                           name="reason"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(sa.ForeignKey("deduction_lists.id"))
    line_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deduction_lines.id"))
    workplace_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workplaces.id"))
    national_id: Mapped[str] = mapped_column(sa.String(11))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    outcome: Mapped[str] = mapped_column(sa.String(15))
    dues_ore: Mapped[int | None]
    insurance_ore: Mapped[int | None]
    position_bp: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(sa.String(10))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    @property
    def outcome_name(self) -> str:
        return ENTRY_OUTCOMES[self.outcome]

    @property
    def reason_name(self) -> str:
        return EMPLOYER_REASONS.get(self.reason, "")


class PortalApproval(db.Model):
    """A part of a list approved in the portal: the lines of one workplace (`workplace_id`), approved by a
    contact answering for it, or everything not approved before (`workplace_id` NULL) by a contact
    answering for the whole employer. The list is sent (received by the union) when every part with
    lines is approved; `line_count` and `total_ore` are the part's as approved."""

    __tablename__ = "portal_approvals"
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(sa.ForeignKey("deduction_lists.id"), index=True)
    workplace_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workplaces.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    line_count: Mapped[int] = mapped_column(default=0)
    total_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)


# --- messages per list -----------------------------------------------------------------------------
OPEN, ANSWERED, CLOSED = "open", "answered", "closed"
THREAD_STATES = {OPEN: N_("Åpen"), ANSWERED: N_("Besvart"), CLOSED: N_("Lukket")}
EMPLOYER_SIDE, UNION_SIDE = "employer", "union"


class ListThread(db.Model):
    """The conversation about one list: its state and when each side last read it."""

    __tablename__ = "list_threads"
    __table_args__ = (sa.CheckConstraint("state IN ('open', 'answered', 'closed')", name="state"),)
    list_id: Mapped[int] = mapped_column(sa.ForeignKey("deduction_lists.id"), primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(10), default=OPEN)
    last_message_at: Mapped[datetime | None]
    last_message_side: Mapped[str | None] = mapped_column(sa.String(10))
    employer_read_at: Mapped[datetime | None]
    union_read_at: Mapped[datetime | None]

    messages: Mapped[list["ListMessage"]] = relationship(order_by="ListMessage.id", back_populates="thread")

    @property
    def state_name(self) -> str:
        return THREAD_STATES[self.state]

    def read_at(self, side: str) -> datetime | None:
        """When this side last read the thread (None: never)."""
        return self.employer_read_at if side == EMPLOYER_SIDE else self.union_read_at

    def mark_read(self, side: str, at: datetime) -> None:
        if side == EMPLOYER_SIDE:
            self.employer_read_at = at
        else:
            self.union_read_at = at

    def unread_for(self, side: str) -> bool:
        """A message from the other side came after this side last read the thread."""
        if self.last_message_at is None or self.last_message_side == side:
            return False
        read = self.read_at(side)
        return read is None or read < self.last_message_at


class ListMessage(db.Model):
    __tablename__ = "list_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(sa.ForeignKey("list_threads.list_id"), index=True)
    side: Mapped[str] = mapped_column(sa.String(10))  # employer or union
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    author: Mapped[str] = mapped_column(sa.String(200))  # the name shown, kept as it was
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    thread: Mapped[ListThread] = relationship(back_populates="messages")
