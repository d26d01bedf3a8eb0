"""The organization area: the dues rate table (with the preview of a new row) and the branches with
their rates over time."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import Branch
from models.dues import RATE_FIELDS
from models.scope import Scope
from web import clock
from web.access import REGISTER_ROLES, allow
from web.pages import render_page

from . import bp, queries, services
from .forms import BranchRateForm, DeleteForm, RateForm

RATE_EDITORS = ("central", "county")  # county for the branches in its county (the scope decides)


@bp.route("/")
@allow(*REGISTER_ROLES)
def index():
    return redirect(url_for("organization.branches"))


# --- the rate table -----------------------------------------------------------------------------

@bp.route("/satser")
@allow(*REGISTER_ROLES)
def rates():
    return render_page("organization/rates.html", rows=queries.rate_rows(clock.today()))


def _rate_form_page(form: RateForm, row=None):
    """Preview or save the row in the form; the page again with the preview or the errors."""
    today = clock.today()
    preview = None
    if form.validate_on_submit():
        try:
            if request.form.get("action") == "save":
                if row is None:
                    services.add_rate(form.rates, form.note.data, current_user)
                    flash(_("Ny satsrad fra %(date)s er lagret.", date=format(form.rates.valid_from, "%d.%m.%Y")), "success")
                else:
                    changes = services.update_rate(row, form.rates, form.note.data, today)
                    flash(_("Satsraden er rettet.") if changes else _("Ingen endringer å lagre."), "success")
                return redirect(url_for("organization.rates"), 303)
            services.check_rate_row(form.rates, row)
            preview = queries.rate_change_preview(form.rates, today, by_branch=form.by_branch.data)
        except services.FieldError as error:
            form[error.field].errors.append(str(error))
    elif row is not None and request.method == "GET" and request.args.get("forhandsvis"):
        preview = queries.rate_change_preview(row.to_rates(), today)
    status = 422 if form.errors else 200
    return render_page("organization/rate_form.html", status=status, form=form, row=row, preview=preview,
                       delete_form=DeleteForm() if row is not None else None)


@bp.route("/satser/ny", methods=["GET", "POST"])
@allow("central")
def new_rate():
    if request.method == "GET" and (last := queries.last_rate()) is not None:
        form = RateForm(data={name: getattr(last, name) for name in RATE_FIELDS})  # most figures stay
    else:
        form = RateForm()
    return _rate_form_page(form)


@bp.route("/satser/<int:rate_id>", methods=["GET", "POST"])
@allow("central")
def edit_rate(rate_id: int):
    row = queries.get_rate(rate_id)
    if row.valid_from <= clock.today():
        return render_page("organization/rate_locked.html", status=409 if request.method == "POST" else 200,
                           row=row, message=services.RateInForce.text())
    form = RateForm(obj=row if request.method == "GET" else None)
    return _rate_form_page(form, row)


@bp.route("/satser/<int:rate_id>/slett", methods=["POST"])
@allow("central")
def delete_rate(rate_id: int):
    row = queries.get_rate(rate_id)
    today = clock.today()
    if row.valid_from <= today:
        return render_page("organization/rate_locked.html", status=409, row=row,
                           message=services.RateInForce.text())
    delete_form = DeleteForm()
    if not delete_form.validate_on_submit():
        return render_page("organization/rate_form.html", status=422, form=RateForm(obj=row, formdata=None),
                           row=row, preview=None, delete_form=delete_form)
    services.delete_rate(row, today)
    flash(_("Satsraden fra %(date)s er slettet.", date=format(row.valid_from, "%d.%m.%Y")), "success")
    return redirect(url_for("organization.rates"), 303)


# --- branches -----------------------------------------------------------------------------------

@bp.route("/fagforeninger")
@allow(*REGISTER_ROLES)
def branches():
    return render_page("organization/branches.html", lines=queries.branches(current_user, clock.today()))


def _branch_page(branch, form: BranchRateForm | None, status: int = 200):
    return render_page("organization/branch.html", status=status, branch=branch, form=form,
                       history=queries.branch_rate_history(branch, clock.today()))


@bp.route("/fagforeninger/<int:branch_id>")
@allow(*REGISTER_ROLES)
def branch(branch_id: int):
    branch = Scope.of(current_user).get_or_404(Branch, branch_id)
    return _branch_page(branch, BranchRateForm() if current_user.role in RATE_EDITORS else None)


@bp.route("/fagforeninger/<int:branch_id>/satser", methods=["POST"])
@allow(*RATE_EDITORS)
def add_branch_rate(branch_id: int):
    branch = Scope.of(current_user).get_or_404(Branch, branch_id)
    form = BranchRateForm()
    if form.validate_on_submit():
        try:
            services.set_branch_rate(branch, form.valid_from.data, form.rate_bp.data, clock.today())
        except services.FieldError as error:
            form[error.field].errors.append(str(error))
        else:
            flash(_("Prosentsatsen fra %(date)s er registrert.", date=format(form.valid_from.data, "%d.%m.%Y")), "success")
            return redirect(url_for("organization.branch", branch_id=branch.id), 303)
    return _branch_page(branch, form, status=422)
