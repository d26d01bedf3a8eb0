"""Transfers between branches: start one from the member card, the queue of transfers under way with
accept and refuse, and the monthly report of transfers not yet received with reminders."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import Membership, utcnow
from models.scope import Scope
from web import clock
from web.access import REGISTER_ROLES, allow
from web.pages import render_page

from . import bp, queries, services
from .forms import RefuseForm, StartForm, last_day, parse_month


def _version() -> int:
    return request.form.get("version", 0, type=int)  # garbled counts as stale


@bp.route("/ny/<int:membership_id>", methods=["GET", "POST"])
@allow(*REGISTER_ROLES)
def start(membership_id: int):
    membership = Scope.of(current_user).get_or_404(Membership, membership_id)
    form = StartForm()
    form.to_branch.choices = [("", _("Velg fagforening"))] + queries.receiving_branch_choices(membership)
    problem = services.why_not_transferable(membership)
    error, status = None, 200
    if problem is None and form.validate_on_submit():
        try:
            transfer = services.start_transfer(current_user, membership, form.to_branch.data,
                                               form.transfer_date.data, form.note.data, _version())
        except services.Conflict as conflict:
            error, status = str(conflict), 409
            membership = Scope.of(current_user).get_or_404(Membership, membership_id)
            problem = services.why_not_transferable(membership)
            form.version.data = membership.version
        except services.TransferRefused as refused:
            if refused.field:
                form[refused.field].errors.append(str(refused))
            else:
                error = str(refused)
        else:
            flash(_("Overføringen av %(name)s til %(to_branch)s er startet. Medlemskapet i %(from_branch)s er "
                    "avsluttet med kode 1 %(date)s.", name=membership.person.full_name,
                    to_branch=services.branch_label(transfer.to_branch),
                    from_branch=services.branch_label(membership.branch), date=format(membership.end_date, "%d.%m.%Y")),
                  "success")
            return redirect(url_for("transfer.queue"), 303)
    if request.method == "GET":
        form.version.data = membership.version
        form.transfer_date.data = services.first_of_next_month(clock.today())
    elif status != 409 and (problem or error or form.errors):
        status = 422
    return render_page("transfer/start.html", status=status, form=form, membership=membership,
                       problem=problem, error=error)


def _queue_page(status: int = 200, error: str | None = None, refuse_form: RefuseForm | None = None,
                refusing: int | None = None):
    incoming, outgoing = queries.queue(current_user, utcnow())
    return render_page("transfer/queue.html", status=status, incoming=incoming, outgoing=outgoing,
                       today=clock.today(), error=error, refuse_form=refuse_form or RefuseForm(formdata=None),
                       refusing=refusing)


@bp.route("/")
@allow(*REGISTER_ROLES)
def queue():
    return _queue_page()


@bp.route("/<int:transfer_id>/motta", methods=["POST"])
@allow(*REGISTER_ROLES)
def accept(transfer_id: int):
    transfer = queries.get_transfer(current_user, transfer_id, side="receiving")
    try:
        membership = services.accept_transfer(current_user, transfer, _version())
    except services.Conflict as conflict:
        return _queue_page(409, str(conflict))
    except services.TransferRefused as refused:
        return _queue_page(422, str(refused))
    flash(_("%(name)s (medlemsnr. %(number)s) er tatt imot i %(branch)s fra %(date)s.",
            name=membership.person.full_name, number=membership.member_number,
            branch=services.branch_label(transfer.to_branch), date=format(membership.start_date, "%d.%m.%Y")), "success")
    return redirect(url_for("transfer.queue"), 303)


@bp.route("/<int:transfer_id>/avvis", methods=["POST"])
@allow(*REGISTER_ROLES)
def refuse(transfer_id: int):
    transfer = queries.get_transfer(current_user, transfer_id, side="receiving")
    form = RefuseForm()
    if not form.validate_on_submit():
        return _queue_page(422, refuse_form=form, refusing=transfer.id)
    try:
        services.refuse_transfer(current_user, transfer, _version(), form.reason.data)
    except services.Conflict as conflict:
        return _queue_page(409, str(conflict))
    flash(_("Overføringen er avvist og sendt tilbake til %(branch)s.",
            branch=services.branch_label(transfer.from_branch)), "success")
    return redirect(url_for("transfer.queue"), 303)


def _report_page(month_text: str | None, status: int = 200, error: str | None = None):
    today = clock.today()
    try:
        month = parse_month(month_text, today)
    except ValueError as problem:
        month, status, error = today.replace(day=1), 422, str(problem)
    return render_page("transfer/report.html", status=status, error=error, month=month,
                       rows=queries.not_received(current_user, month), as_of=min(today, last_day(month)))


@bp.route("/rapport")
@allow(*REGISTER_ROLES)
def report():
    return _report_page(request.args.get("maned"))


@bp.route("/<int:transfer_id>/paminnelse", methods=["POST"])
@allow(*REGISTER_ROLES)
def remind(transfer_id: int):
    transfer = queries.get_transfer(current_user, transfer_id, side="giving")
    month = request.form.get("maned") or None
    try:
        services.remind(transfer)
    except services.Conflict as conflict:
        return _report_page(month, 409, str(conflict))
    flash(_("Påminnelse registrert for overføringen til %(branch)s.", branch=services.branch_label(transfer.to_branch)),
          "success")
    return redirect(url_for("transfer.report", maned=month), 303)
