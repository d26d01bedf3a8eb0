"""Messages per deduction list between the employer and the union: writing, reading, closing.

Each function changes the objects, flushes and audits (reading only marks the thread read); the
request commits. The list must already have been loaded through Scope.get_or_404 (scoped)."""
import sqlalchemy as sa
from flask_babel import gettext as _

from models import ListMessage, ListThread, changes, db, record, utcnow
from models.deduction import DeductionList
from models.portal import ANSWERED, CLOSED, EMPLOYER_SIDE, OPEN, THREAD_STATES
from models.receiving import period_text

from .message_queries import side_of

Refused = changes.Refused
MAX_BODY = 4000
SUMMARY_BODY = 80  # the most of a message's text the audit log keeps


def _list_text(deduction_list: DeductionList) -> str:
    return (f"trekklisten {period_text(deduction_list.period)} for {deduction_list.employer.name} "
            f"({deduction_list.branch.number} {deduction_list.branch.name})")


def _excerpt(body: str) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= SUMMARY_BODY else flat[:SUMMARY_BODY - 1] + "…"


def clean_body(body: str | None) -> str:
    """The message's text as it is kept (trailing spaces and empty edge lines gone), or Refused."""
    text = "\n".join(line.rstrip() for line in (body or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    text = text.strip("\n")
    if not text.strip():
        raise Refused("body", _("Skriv en melding."))
    if len(text) > MAX_BODY:
        raise Refused("body", _("Meldingen kan være høyst 4 000 tegn (den har %(count)s).",
                                count=format(len(text), ",").replace(",", " ")))
    return text


def _thread_for_writing(deduction_list: DeductionList) -> ListThread:
    """The list's thread, made on the first message. Two first messages at once: the second finds the
    thread the first made (the savepoint keeps the request's other work)."""
    thread = db.session.get(ListThread, deduction_list.id)
    if thread is not None:
        return thread
    try:
        with db.session.begin_nested():
            thread = ListThread(list_id=deduction_list.id, state=OPEN)
            db.session.add(thread)
    except sa.exc.IntegrityError:
        thread = db.session.get(ListThread, deduction_list.id, populate_existing=True)
    return thread


def write(user, deduction_list: DeductionList, body: str | None) -> ListMessage:
    """Add a message to the list's thread. From the employer the thread becomes open (again); from the
    union, answered. The writer's side has read the thread by writing in it."""
    text = clean_body(body)
    side = side_of(user)
    thread = _thread_for_writing(deduction_list)
    old_state = thread.state if thread.last_message_at is not None else None
    now = utcnow()
    message = ListMessage(list_id=thread.list_id, side=side, user_id=user.id,
                          author=(user.full_name or "").strip() or user.username, body=text, created_at=now)
    db.session.add(message)
    thread.state = OPEN if side == EMPLOYER_SIDE else ANSWERED
    thread.last_message_at, thread.last_message_side = now, side
    thread.mark_read(side, now)
    db.session.flush()
    who = "arbeidsgiveren" if side == EMPLOYER_SIDE else "fagforeningen"
    changed = {"state": [THREAD_STATES[old_state] if old_state else None, THREAD_STATES[thread.state]]}
    record("create", "list_message", message.id,
           f"Melding fra {who} om {_list_text(deduction_list)}: «{_excerpt(text)}»",
           changes=changed if changed["state"][0] != changed["state"][1] else None, user=user)
    return message


def mark_read(user, thread: ListThread | None) -> None:
    """The reader's side has now read the thread (not audited: nothing of the register changes)."""
    if thread is None:
        return
    thread.mark_read(side_of(user), utcnow())
    db.session.flush()


def close(user, deduction_list: DeductionList, thread: ListThread | None) -> bool:
    """The union closes the thread; True when it changed. Either side reopens it by writing."""
    if side_of(user) == EMPLOYER_SIDE:
        raise Refused(None, _("Bare fagforeningen kan lukke en meldingstråd."))
    if thread is None or thread.last_message_at is None:
        raise Refused(None, _("Det er ingen meldinger å lukke."))
    if thread.state == CLOSED:
        return False
    old = thread.state
    thread.state = CLOSED
    thread.union_read_at = utcnow()
    db.session.flush()
    record("update", "list_thread", thread.list_id, f"Meldingstråden om {_list_text(deduction_list)} er lukket",
           changes={"state": [THREAD_STATES[old], THREAD_STATES[CLOSED]]}, user=user)
    return True
