"""Withdrawal: the form on a membership, its receipt, the transfer form for another union, and the
"stop deduction" queue with its notices to payroll offices."""
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from models import Membership
from models.scope import Scope
from rules.lifecycle import week_of
from web import clock
from web.access import REGISTER_ROLES, allow
from web.export import table_response
from web.pages import render_page

from . import bp, queries, services
from .forms import PeriodForm, WithdrawalForm

EXPORT_FORMATS = ("csv", "xlsx")


# --- withdrawing a membership -------------------------------------------------------------------

def _code_choices() -> list[tuple]:
    return [("", _("– velg –"))] + [(c.code, f"{c.code} – {c.name}") for c in services.selectable_codes(current_user)]


@bp.route("/<int:membership_id>", methods=["GET", "POST"])
@allow(*REGISTER_ROLES)
def withdraw(membership_id: int):
    membership = Scope.of(current_user).get_or_404(Membership, membership_id, *queries.MEMBERSHIP_LOADS)
    if request.method == "GET" and not membership.active:
        return redirect(url_for("withdrawal.done", membership_id=membership.id))
    form = WithdrawalForm()
    form.code.choices = _code_choices()
    message, status = None, 200
    if form.validate_on_submit():
        try:
            services.withdraw(
                current_user, membership, version=request.form.get("version", 0, type=int),  # garbled is stale
                code=form.code.data, end_date=form.end_date.data, note=form.note.data,
                receiving_union=form.receiving_union.data, today=clock.today(),
            )
        except services.Conflict as error:
            message, status = error.message, 409
            membership = Scope.of(current_user).get_or_404(Membership, membership_id, *queries.MEMBERSHIP_LOADS)
        except services.Refused as error:
            for name, text in error.errors.items():
                if name:
                    form[name].errors.append(text)
                else:
                    message = text
        else:
            flash(_("%(name)s er meldt ut med kode %(code)s, siste dag %(date)s.", name=membership.person.full_name,
                    code=membership.withdrawal_code, date=format(membership.end_date, "%d.%m.%Y")), "success")
            return redirect(url_for("withdrawal.done", membership_id=membership.id), 303)
    if request.method == "GET":
        form.end_date.data = clock.today()
    if request.method == "GET" or status == 409:
        form.version.data = membership.version
    if status == 200 and (form.errors or message):
        status = 422
    return render_page("withdrawal/form.html", status=status, form=form, membership=membership,
                       message=message, months_ahead=services.MONTHS_AHEAD)


@bp.route("/<int:membership_id>/utmeldt")
@allow(*REGISTER_ROLES)
def done(membership_id: int):
    membership = Scope.of(current_user).get_or_404(Membership, membership_id, *queries.MEMBERSHIP_LOADS)
    if membership.active:
        return redirect(url_for("withdrawal.withdraw", membership_id=membership.id))
    start, end = week_of(membership.end_date)
    return render_page("withdrawal/done.html", membership=membership,
                       deceased=membership.withdrawal_code == services.DECEASED,
                       to_other_union=membership.withdrawal_code in services.TO_OTHER_UNION,
                       queue_url=url_for("withdrawal.queue", fra=start.isoformat(), til=end.isoformat()))


@bp.route("/<int:membership_id>/overforingsskjema")
@allow(*REGISTER_ROLES)
def transfer_form(membership_id: int):
    membership = Scope.of(current_user).get_or_404(Membership, membership_id, *queries.MEMBERSHIP_LOADS)
    if membership.withdrawal_code not in services.TO_OTHER_UNION:
        abort(404)  # only a transfer to another union has a transfer form
    held = [i for i in membership.insurances if i.covers(membership.end_date)]
    return render_page("withdrawal/transfer_form.html", membership=membership, insurances=held,
                       receiving_union=queries.receiving_union(membership), today=clock.today())


# --- the "stop deduction" queue -----------------------------------------------------------------

def _period(formdata) -> tuple[PeriodForm, date | None, date | None]:
    """The period asked for (this week when none), or None, None with the form's errors."""
    form = PeriodForm(formdata)
    form.validate()
    if form.errors:
        return form, None, None
    start = form.fra.data or week_of(clock.today())[0]
    end = form.til.data or start + timedelta(days=6)
    if end < start:
        form.til.errors.append(_("Til-datoen kan ikke være før fra-datoen."))
        return form, None, None
    form.fra.data, form.til.data = start, end
    form.fra.raw_data = form.til.raw_data = None  # show the period used, also when a default filled in
    return form, start, end


def _period_args(start: date, end: date) -> dict:
    return {"fra": start.isoformat(), "til": end.isoformat()}


@bp.route("/")
@allow(*REGISTER_ROLES)
def queue():
    form, start, end = _period(request.args)
    if start is None:
        return render_page("withdrawal/queue.html", "withdrawal/_queue.html", status=422, form=form, groups=[])
    groups = queries.stop_queue(current_user, start, end)
    if (fmt := request.args.get("format")) in EXPORT_FORMATS:
        return table_response(fmt, f"stopp-trekk-{start}-{end}", queries.EXPORT_HEADER, queries.export_rows(groups))
    length = end - start + timedelta(days=1)
    return render_page(
        "withdrawal/queue.html", "withdrawal/_queue.html", form=form, groups=groups, start=start, end=end,
        period=_period_args(start, end),
        previous=_period_args(start - length, start - timedelta(days=1)),
        following=_period_args(end + timedelta(days=1), end + length),
    )


@bp.route("/stopp/<int:employer_id>/varsel")
@allow(*REGISTER_ROLES)
def notice(employer_id: int):
    employer = queries.get_employer(employer_id)
    form, start, end = _period(request.args)
    if start is None:
        return render_page("withdrawal/queue.html", "withdrawal/_queue.html", status=422, form=form, groups=[])
    groups = queries.stop_queue(current_user, start, end, employer_id=employer.id)
    if (fmt := request.args.get("format")) in EXPORT_FORMATS:
        return table_response(fmt, f"stopp-trekk-{employer.orgnr}-{start}-{end}", queries.EXPORT_HEADER,
                              queries.export_rows(groups))
    rows = groups[0].rows if groups else []
    return render_page("withdrawal/notice.html", employer=employer, rows=rows, start=start, end=end,
                       period=_period_args(start, end), units=sorted({row.unit for row in rows}), today=clock.today())


def _marked(count: int, start: date, end: date):
    if count:
        flash(ngettext("%(num)s medlem markert som varslet om stopp i trekk.",
                       "%(num)s medlemmer markert som varslet om stopp i trekk.", count), "success")
    else:
        flash(_("Alle var allerede markert som varslet."), "success")
    return redirect(url_for("withdrawal.queue", **_period_args(start, end)), 303)


@bp.route("/stopp/<int:employer_id>/varslet", methods=["POST"])
@allow(*REGISTER_ROLES)
def mark_group(employer_id: int):
    employer = queries.get_employer(employer_id)
    form, start, end = _period(request.form)
    if start is None:
        return render_page("withdrawal/queue.html", status=422, form=form, groups=[])
    groups = queries.stop_queue(current_user, start, end, employer_id=employer.id)
    try:
        count = services.mark_stop_notified(current_user, queries.memberships_of(groups))
    except services.Conflict as error:
        return render_template("error.html", code=409, title=_("Ikke lagret"), text=error.message), 409
    return _marked(count, start, end)


@bp.route("/stopp/medlem/<int:membership_id>/varslet", methods=["POST"])
@allow(*REGISTER_ROLES)
def mark_member(membership_id: int):
    membership = Scope.of(current_user).get_or_404(Membership, membership_id, *queries.MEMBERSHIP_LOADS)
    form, start, end = _period(request.form)
    if start is None:
        start, end = week_of(membership.end_date or clock.today())
    try:
        count = services.mark_stop_notified(current_user, [membership])
    except services.Refused as error:
        return render_template("error.html", code=422, title=_("Ikke lagret"), text=str(error)), 422
    except services.Conflict as error:
        return render_template("error.html", code=409, title=_("Ikke lagret"), text=error.message), 409
    return _marked(count, start, end)
