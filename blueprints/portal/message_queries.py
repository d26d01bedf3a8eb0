"""The reads behind the messages per deduction list: one list's thread, the link to it with its
number of unread messages, and the inbox of threads. Every read of lists passes through
models.scope.Scope (employer contacts by employer and workplace, the union by branch)."""
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from models import Branch, DeductionList, Employer, ListMessage, ListThread, User, db
from models.codes import N_
from models.portal import EMPLOYER_SIDE, THREAD_STATES, UNION_SIDE
from models.scope import Scope
from web.pages import page_bounds

# Who wrote a message, as the other side reads it: the employer, or the union by the author's role.
SIDE_NAMES = {"employer": N_("Arbeidsgiver"), "branch": N_("Fagforeningen"), "county": N_("Fylkeskretsen"),
              "central": N_("Medlemsregisteret")}


def side_of(user) -> str:
    """The side of the conversation a user writes and reads for."""
    return EMPLOYER_SIDE if user.role == "employer" else UNION_SIDE


def get_thread(deduction_list: DeductionList) -> ListThread | None:
    """The list's thread (None before its first message); always reached through a scoped list."""
    return db.session.get(ListThread, deduction_list.id)


@dataclass
class Message:
    id: int
    side: str
    author: str
    author_role: str | None  # None when the account is gone
    body: str
    created_at: datetime

    @property
    def side_name(self) -> str:
        if self.side == EMPLOYER_SIDE:
            return SIDE_NAMES["employer"]
        return SIDE_NAMES.get(self.author_role or "branch", SIDE_NAMES["branch"])


def thread_messages(thread: ListThread | None) -> list[Message]:
    """The thread's messages, oldest first, each with its author's role (one query)."""
    if thread is None:
        return []
    rows = db.session.execute(
        sa.select(ListMessage.id, ListMessage.side, ListMessage.author, User.role, ListMessage.body,
                  ListMessage.created_at)
        .outerjoin(User, User.id == ListMessage.user_id)
        .where(ListMessage.list_id == thread.list_id)
        .order_by(ListMessage.created_at, ListMessage.id))
    return [Message(*row) for row in rows]


def _read_at(side: str):
    return ListThread.employer_read_at if side == EMPLOYER_SIDE else ListThread.union_read_at


def unread_condition(side: str) -> sa.ColumnElement[bool]:
    """A condition on ListThread, the SQL form of ListThread.unread_for(side)."""
    read_at = _read_at(side)
    return sa.and_(ListThread.last_message_at.is_not(None), ListThread.last_message_side != side,
                   sa.or_(read_at.is_(None), read_at < ListThread.last_message_at))


def unread_count(thread: ListThread | None, side: str) -> int:
    """How many messages from the other side came after `side` last read the thread."""
    if thread is None or not thread.unread_for(side):
        return 0
    read_at = thread.read_at(side)
    conditions = [ListMessage.list_id == thread.list_id, ListMessage.side != side]
    if read_at is not None:
        conditions.append(ListMessage.created_at > read_at)
    return db.session.scalar(sa.select(sa.func.count(ListMessage.id)).where(*conditions)) or 0


def thread_link(user, deduction_list: DeductionList) -> tuple[ListThread | None, int]:
    """(thread or None, number of unread messages for the user's side): what
    templates/portal/_messages_link.html needs. The list must already be one the user may see."""
    thread = get_thread(deduction_list)
    return thread, unread_count(thread, side_of(user))


# --- the inbox ------------------------------------------------------------------------------------

@dataclass
class InboxRow:
    list_id: int
    period: date
    employer: str
    orgnr: str
    branch_number: int
    branch: str
    state: str
    last_message_at: datetime | None
    last_message_side: str | None
    unread: bool

    @property
    def state_name(self) -> str:
        return THREAD_STATES[self.state]


@dataclass
class InboxPage:
    rows: list[InboxRow]
    count: int
    page: int
    pages: int


def _inbox_conditions(user, state: str | None) -> list[sa.ColumnElement[bool]]:
    conditions = [Scope.of(user).where(DeductionList)]
    if state in THREAD_STATES:
        conditions.append(ListThread.state == state)
    return conditions


def _joined(stmt: sa.Select) -> sa.Select:
    return (stmt.select_from(ListThread)
            .join(DeductionList, DeductionList.id == ListThread.list_id)
            .join(Employer, Employer.id == DeductionList.employer_id)
            .join(Branch, Branch.id == DeductionList.branch_id))


def inbox(user, state: str | None, page: int, page_size: int) -> InboxPage:
    """The threads of the lists in the user's scope: unread (for the user's side) first, then the
    newest message first; one query for the page's rows (threads joined to the scoped lists)."""
    conditions = _inbox_conditions(user, state)
    count = db.session.scalar(_joined(sa.select(sa.func.count())).where(*conditions)) or 0
    page, pages = page_bounds(count, page, page_size)
    unread = sa.case((unread_condition(side_of(user)), 1), else_=0)
    rows = db.session.execute(
        _joined(sa.select(ListThread.list_id, DeductionList.period, Employer.name, Employer.orgnr, Branch.number,
                          Branch.name, ListThread.state, ListThread.last_message_at, ListThread.last_message_side,
                          unread))
        .where(*conditions)
        .order_by(unread.desc(), ListThread.last_message_at.desc(), ListThread.list_id.desc())
        .limit(page_size).offset((page - 1) * page_size))
    return InboxPage([InboxRow(*row[:-1], unread=bool(row[-1])) for row in rows], count, page, pages)


def unread_total(user) -> int:
    """How many threads in the user's scope have unread messages for the user's side (for a menu)."""
    return db.session.scalar(
        _joined(sa.select(sa.func.count())).where(Scope.of(user).where(DeductionList), unread_condition(side_of(user)))) or 0
