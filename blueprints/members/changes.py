"""Views for dues code and membership type changes, and the A/L/O review with its income letters."""

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models.codes import MEMBERSHIP_TYPES
from rules.lifecycle import REVIEWED_CODES, type_change_targets
from web import clock
from web.access import REGISTER_ROLES, allow
from web.pages import render_page

from . import bp, change_queries, change_services
from .change_forms import DuesCodeForm, ReviewFilterForm, TypeForm, select_choices
from .services import EditConflict, FieldError


@bp.app_template_global()
def membership_changes(memberships):
    """For the member card: the type and attachment history of the memberships it shows."""
    return change_queries.membership_changes(memberships)


def _form_version() -> int:
    return request.form.get("version", 0, type=int)  # a garbled version counts as stale


def _finish(form, membership, template: str, conflict: bool, **context):
    """The form again: 409 after a conflict (with the stored version), 422 with errors, else 200."""
    if request.method == "GET" or conflict:
        form.version.data = membership.version
    status = 409 if conflict else (422 if form.errors else 200)
    return render_page(template, None, status=status, membership=membership, form=form, conflict=conflict,
                       **context)


@bp.route("/medlemskap/<int:membership_id>/kontingentkode", methods=["GET", "POST"])
@allow(*REGISTER_ROLES)
def change_dues_code(membership_id: int):
    membership = change_queries.active_membership(current_user, membership_id)
    form = DuesCodeForm()
    form.code.choices = select_choices(change_queries.dues_code_choices(current_user.role))
    conflict = False
    if form.validate_on_submit():
        try:
            period = change_services.change_dues_code(current_user, membership, form.code.data, form.from_date.data,
                                                      form.reason.data, _form_version())
        except EditConflict:
            conflict = True
            membership = change_queries.active_membership(current_user, membership_id)
        except FieldError as error:
            form[error.field].errors.append(str(error))
        else:
            flash(_("Kontingentkoden er endret til %(code)s fra %(date)s.", code=period.code,
                    date=format(period.from_date, "%d.%m.%Y")), "success")
            return redirect(url_for("members.card", person_id=membership.person_id, fane="kontingentkoder"), 303)
    return _finish(form, membership, "members/change_dues_code.html", conflict)


@bp.route("/medlemskap/<int:membership_id>/type", methods=["GET", "POST"])
@allow(*REGISTER_ROLES)
def change_type(membership_id: int):
    membership = change_queries.active_membership(current_user, membership_id)
    form = TypeForm()
    targets = type_change_targets(membership.membership_type)
    form.new_type.choices = select_choices((t, _l(MEMBERSHIP_TYPES[t])) for t in targets)
    form.branch.choices = select_choices([("", "–")] + change_queries.branch_choices(current_user))
    if request.method == "GET":
        form.branch.data = membership.branch_id
    conflict = False
    if form.validate_on_submit():
        try:
            change_services.change_type(current_user, membership, form.new_type.data, form.branch.data,
                                        form.from_date.data, form.reason.data, _form_version(), clock.today())
        except EditConflict:
            conflict = True
            membership = change_queries.active_membership(current_user, membership_id)
        except FieldError as error:
            form[error.field].errors.append(str(error))
        else:
            flash(_("Medlemstypen er endret til %(type)s (%(unit)s).", type=_(membership.type_name),
                    unit=membership.unit_name), "success")
            if not change_queries.is_visible(current_user, membership.id):
                flash(_("Medlemskapet hører nå til en enhet utenfor din tilgang."), "info")
                return redirect(url_for("members.search"), 303)
            return redirect(url_for("members.card", person_id=membership.person_id, fane="medlemskap"), 303)
    return _finish(form, membership, "members/change_type.html", conflict)


@bp.route("/kontingentkoder/gjennomgang")
@allow(*REGISTER_ROLES)
def dues_code_review():
    form = ReviewFilterForm(request.args)
    valid = form.validate()  # a wrong number of months is shown next to its field, and not used
    result = change_queries.review(
        current_user, form.kode.data if form.kode.data in REVIEWED_CODES else None,
        form.mer_enn.data if valid else None, clock.today(),
        request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"],
    )
    return render_page("members/change_review.html", None, form=form, result=result)


@bp.route("/kontingentkoder/brev", methods=["GET", "POST"])
@allow(*REGISTER_ROLES)
def dues_code_letters():
    ids = request.values.getlist("ids", type=int)
    if not ids:
        flash(_("Velg minst ett medlem å skrive brev til."), "error")
        return redirect(url_for("members.dues_code_review"), 303)
    rows = change_queries.letter_rows(current_user, ids, clock.today())
    change_services.audit_letters(rows)
    return render_page("members/change_letters.html", None, rows=rows, today=clock.today())
