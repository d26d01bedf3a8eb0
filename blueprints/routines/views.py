from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import FollowUp
from models.lifecycle import FOLLOW_UP_KINDS
from models.scope import Scope
from web import clock
from web.access import allow
from web.pages import render_page

from . import bp, queries, services
from .forms import DoneForm


def _queue_page(status: int = 200, form: DoneForm | None = None, failed_id: int | None = None):
    result = queries.open_follow_ups(current_user, request.args.get("page", 1, type=int),
                                     current_app.config["PAGE_SIZE"])
    return render_page("routines/follow_ups.html", None, status=status, result=result, kinds=FOLLOW_UP_KINDS,
                       form=form or DoneForm(), failed_id=failed_id)


@bp.route("/")
@allow("county", "central")
def follow_ups():
    return _queue_page()


@bp.route("/<int:follow_up_id>/ferdig", methods=["POST"])
@allow("county", "central")
def mark_done(follow_up_id: int):
    item = Scope.of(current_user).get_or_404(FollowUp, follow_up_id)
    form = DoneForm()
    if not form.validate_on_submit():
        return _queue_page(422, form, item.id)
    try:
        services.mark_done(current_user, item, form.note.data)
    except services.AlreadyDone:
        flash(_("Saken var allerede ferdigmeldt."), "info")
    else:
        flash(_("Ferdig: %(name)s (medlemsnr. %(number)s).", name=item.membership.person.full_name,
                number=item.membership.member_number), "success")
    return redirect(url_for("routines.follow_ups"), 303)


@bp.route("/daglig", methods=["GET", "POST"])
@allow("central")
def daily():
    if request.method == "POST":
        result = services.run_daily(clock.today(), current_user)
        flash(result.message, "success")
        return redirect(url_for("routines.daily"), 303)
    return render_page("routines/daily.html", None, last_run=queries.last_run())
