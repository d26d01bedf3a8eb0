"""Messages per deduction list between the employer and the union (branch, county, central): the
thread of one list with its form, closing it, and the inbox of threads.

The thread page works without JavaScript (a post answers 303 back to it); htmx gets the thread's
fragment back, with an empty form after a message is sent, or the typed text and its error (422)."""
from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from models import DeductionList
from models.deduction import list_loads
from models.portal import THREAD_STATES
from models.scope import Scope
from web.access import ALL_ROLES, REGISTER_ROLES, allow
from web.pages import is_htmx, render_page

from . import bp, message_queries, message_services
from .message_queries import side_of

EVERYONE = tuple(sorted(ALL_ROLES))  # employer contacts and the union's three roles


class MessageForm(FlaskForm):
    """What is typed is checked by message_services.clean_body (required, at most 4 000 characters)."""

    body = TextAreaField(_l("Ny melding"))


def _answer(deduction_list, form: MessageForm, *, status: int = 200, message: str | None = None,
            thread=None, messages=None, new_ids: frozenset[int] = frozenset(), sent: bool = False):
    """The thread page, or for htmx the thread's fragment."""
    if messages is None:
        thread = message_queries.get_thread(deduction_list)
        messages = message_queries.thread_messages(thread)
    return render_page(
        "portal/messages.html", "portal/_thread.html", status=status, deduction_list=deduction_list, thread=thread,
        messages=messages, form=form, message=message, new_ids=new_ids, sent=sent,
        side=side_of(current_user), can_close=side_of(current_user) != "employer",
        max_body=message_services.MAX_BODY)


@bp.route("/liste/<int:list_id>/meldinger", methods=["GET", "POST"])
@allow(*EVERYONE)
def messages(list_id: int):
    """GET: the thread, which the reader's side has then read; POST: write a message."""
    deduction_list = Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads())
    if request.method == "GET":
        thread = message_queries.get_thread(deduction_list)
        side = side_of(current_user)
        read_before = thread.read_at(side) if thread is not None else None
        messages = message_queries.thread_messages(thread)
        new_ids = frozenset(m.id for m in messages
                            if m.side != side and (read_before is None or m.created_at > read_before))
        message_services.mark_read(current_user, thread)
        return _answer(deduction_list, MessageForm(formdata=None), thread=thread, messages=messages, new_ids=new_ids)
    form = MessageForm()
    try:
        message_services.write(current_user, deduction_list, form.body.data)
    except message_services.Refused as refused:
        form.body.errors = [refused.message]
        return _answer(deduction_list, form, status=422)
    if not is_htmx():
        flash(_("Meldingen er sendt."), "success")
        return redirect(url_for("portal.messages", list_id=deduction_list.id, _anchor="thread"), 303)
    return _answer(deduction_list, MessageForm(formdata=None), sent=True)


@bp.route("/liste/<int:list_id>/meldinger/lukk", methods=["POST"])
@allow(*REGISTER_ROLES)
def close_thread(list_id: int):
    """The union closes the thread (an employer contact is refused with 403 by the declaration)."""
    deduction_list = Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads())
    try:
        message_services.close(current_user, deduction_list, message_queries.get_thread(deduction_list))
    except message_services.Refused as refused:
        return _answer(deduction_list, MessageForm(formdata=None), status=422, message=refused.message)
    if not is_htmx():
        flash(_("Meldingstråden er lukket."), "success")
        return redirect(url_for("portal.messages", list_id=deduction_list.id, _anchor="thread"), 303)
    return _answer(deduction_list, MessageForm(formdata=None))


@bp.route("/meldinger")
@allow(*EVERYONE)
def inbox():
    """The threads of the lists in the user's scope; ?tilstand=open|answered|closed filters them."""
    state = request.args.get("tilstand") or None
    if state not in THREAD_STATES:
        state = None
    result = message_queries.inbox(current_user, state, request.args.get("page", 1, type=int),
                                   current_app.config["PAGE_SIZE"])
    return render_page("portal/inbox.html", result=result, state=state, states=THREAD_STATES,
                       side=side_of(current_user))


@bp.app_template_global("list_thread_link")
def list_thread_link(deduction_list) -> tuple:
    """(thread or None, unread messages for the signed-in user's side) for
    templates/portal/_messages_link.html, for pages of any blueprint that show a list the user may see
    (the caller has loaded it through its scope): `{% set thread, unread = list_thread_link(deduction_list) %}`."""
    return message_queries.thread_link(current_user, deduction_list)


@bp.app_template_global("unread_thread_count")
def unread_thread_count() -> int:
    """How many threads in the signed-in user's scope have messages their side has not read (one
    count query; for a menu link to the inbox)."""
    if not current_user.is_authenticated:
        return 0
    return message_queries.unread_total(current_user)
