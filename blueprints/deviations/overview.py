"""Deduction lists: the overview of all lists, uploading files, forming a month as a job, the deviation report."""

from flask import current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import DeductionList
from models.deduction import list_loads, month_start, previous_period
from models.scope import Scope
from web import clock, jobs
from web.access import REGISTER_ROLES, allow
from web.export import table_response
from web.pages import render_page

from . import bp, overview_queries, queries, services
from .jobs import KIND as FORM_JOB
from .overview_forms import FilterForm, FormMonthForm, UploadForm
from .views import foreign_texts

EXPORT_FORMATS = ("csv", "xlsx")


# --- the overview ---------------------------------------------------------------------------------

BRANCH_FILTER_ROLES = ("county", "central")  # who sees more than a branch or two


def _filter_form() -> FilterForm:
    form = FilterForm(request.args)
    if current_user.role not in BRANCH_FILTER_ROLES:
        del form.fagforening  # neither shown nor read
    return form


def _filters(form: FilterForm) -> overview_queries.Filters:
    return overview_queries.Filters(
        period=form.period, state=form.tilstand.data or None, employer=form.arbeidsgiver.data or None,
        branch_number=form.branch_number, open_only=bool(form.apne.data), payment=form.betaling.data or None)


@bp.route("/")
@allow(*REGISTER_ROLES)
def overview():
    form = _filter_form()
    if not form.validate():
        return render_page("deviations/overview.html", "deviations/_overview.html", status=422, form=form,
                           result=None, earlier=None)
    filters = _filters(form)
    result = overview_queries.overview(current_user, filters, request.args.get("page", 1, type=int),
                                       current_app.config["PAGE_SIZE"])
    earlier = None
    if result.newest is not None:
        earlier = overview_queries.earlier_open(current_user, filters, result.newest, clock.today())
    return render_page("deviations/overview.html", "deviations/_overview.html", form=form, result=result,
                       earlier=earlier)


# --- uploading an employer's file -----------------------------------------------------------------

@bp.route("/last-opp", methods=["GET", "POST"])
@allow("central")  # services.import_file: matching a file across the register is the central registry's
def upload():
    form = UploadForm()
    outcome, status = None, 200
    if form.validate_on_submit():
        data = form.file.data.read()
        if not data:
            form.file.errors.append(_("Filen er tom."))
        else:
            outcome = services.import_file(current_user, data)
    if form.errors or (outcome is not None and not outcome.ok):
        status = 422  # nothing is stored: the request rolls back
    return render_page("deviations/upload.html", status=status, form=form, outcome=outcome,
                       statuses=overview_queries.STATUSES)


# --- forming the lists of a month (the central registry) -------------------------------------------

@bp.route("/dann", methods=["GET", "POST"])
@allow("central")
def form_month():
    form = FormMonthForm()
    message, status = None, 200
    busy = jobs.running(FORM_JOB)
    if form.validate_on_submit():
        if busy is not None:
            message, status = _("Trekklister dannes allerede. Vent til den jobben er ferdig."), 409
        else:
            job = jobs.submit(FORM_JOB, {"period": f"{form.period:%Y-%m}"}, current_user)
            return redirect(url_for("deviations.job", job_id=job.id), 303)
    elif form.errors:
        status = 422
    if request.method == "GET":
        form.periode.data = f"{previous_period(month_start(clock.today())):%m.%Y}"
    return render_page("deviations/form_month.html", status=status, form=form, message=message, busy=busy,
                       job=None)


@bp.route("/jobb/<int:job_id>")
@allow("central")
def job(job_id: int):
    found = jobs.get(job_id, FORM_JOB)
    period = found.arguments.get("period")  # YYYY-MM
    label = f"{period[5:]}.{period[:4]}" if period else ""
    return render_page("deviations/form_month.html", "deviations/_job.html", job=found, period=period,
                       period_label=label, form=None)


# --- the printable deviation report ---------------------------------------------------------------

@bp.route("/<int:list_id>/avviksrapport")
@allow(*REGISTER_ROLES)
def report(list_id: int):
    deduction_list = Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads())
    lines = overview_queries.report_lines(deduction_list)
    foreign = foreign_texts(queries.foreign_members(current_user, deduction_list.id))
    if (fmt := request.args.get("format")) in EXPORT_FORMATS:
        name = (f"avviksrapport-{deduction_list.period:%Y-%m}-{deduction_list.employer.orgnr}-"
                f"{deduction_list.branch.number}")
        return table_response(fmt, name, overview_queries.REPORT_HEADER,
                              overview_queries.report_rows(deduction_list, lines, fmt, foreign))
    return render_page("deviations/report.html", deduction_list=deduction_list, lines=lines, today=clock.today(),
                       foreign=foreign)
