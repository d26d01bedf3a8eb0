"""The distribution pages: the runs, the preview of a new run and its confirmation (a background job with
its progress), a run, each branch's printable report with the members behind every list, and the
central registry's transfer list for the bank. Runs are never changed: there is no edit or delete.

Branch officers and counties see the runs of their own branches and only their branches' figures
(queries.py); only the central registry previews, runs and reads the transfer list."""

from flask import make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models.codes import N_
from models.deduction import month_start, previous_period
from models.receiving import period_text
from rules.distribution import PART_NAMES
from web import clock, jobs
from web.access import REGISTER_ROLES, allow
from web.export import table_response
from web.pages import is_htmx, render_page

from . import bp, queries
from .forms import PeriodForm, RunForm
from .jobs import KIND as JOB_KIND
from .services import plan_distribution

EXPORT_FORMATS = ("csv", "xlsx")
BUSY = N_("En fordeling kjører allerede. Vent til den er ferdig før du starter en ny.")


def _period_form(data=None) -> PeriodForm:
    form = PeriodForm(data)
    if data is None or "periode" not in data:
        form.periode.data = f"{previous_period(month_start(clock.today())):%m.%Y}"
    return form


# --- the runs -------------------------------------------------------------------------------------------

@bp.route("/")
@allow(*REGISTER_ROLES)
def index():
    form = _period_form() if current_user.role == "central" else None
    return render_page("distribution/index.html", runs=queries.runs(current_user), form=form)


# --- the preview and the confirmation -------------------------------------------------------------------

def _preview(form: PeriodForm, run_form: RunForm | None = None, *, message: str | None = None,
             status: int = 200, fragment: str | None = None):
    """The preview page: the month's form, and when the month is valid what a run would distribute
    (not planned when htmx gets the `fragment`, the run form, alone)."""
    plan = rows = None
    if form.period is not None and not (fragment and is_htmx()):
        plan = plan_distribution(form.period)
        rows = queries.preview_rows(plan)
        if run_form is None:
            run_form = RunForm(formdata=None, periode=format(form.period, "%Y-%m"))
    return render_page("distribution/preview.html", fragment, status=status, form=form, plan=plan, rows=rows,
                       run_form=run_form, message=message, busy=jobs.running(JOB_KIND), part_names=PART_NAMES,
                       period_text=period_text, account_text=queries.account_text)


@bp.route("/forhandsvisning")
@allow("central")
def preview():
    form = _period_form(request.args)
    if not form.validate():
        return _preview(form, status=422)
    return _preview(form)


@bp.route("/kjor", methods=["POST"])
@allow("central")
def run():
    """Confirm a run: it starts as a job; the answer is its progress page."""
    run_form = RunForm()
    if not run_form.validate_on_submit():
        form = PeriodForm(formdata=None, periode=run_form.periode.data or "")
        form.validate()
        if run_form.periode.errors:  # the hidden month was tampered with: say it on the month's field
            form.periode.errors = list(run_form.periode.errors)
        return _preview(form, run_form, status=422, fragment="distribution/_run_form.html")
    if jobs.running(JOB_KIND) is not None:
        form = PeriodForm(formdata=None, periode=run_form.periode.data)
        form.validate()
        return _preview(form, run_form, message=_(BUSY), status=409, fragment="distribution/_run_form.html")
    job = jobs.submit(JOB_KIND, {"period": f"{run_form.period:%Y-%m}", "user_id": current_user.id}, current_user)
    target = url_for("distribution.job", job_id=job.id)
    if is_htmx():  # a redirect would be followed inside the request; htmx goes there itself
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


@bp.route("/jobb/<int:job_id>")
@allow("central")
def job(job_id: int):
    found = jobs.get(job_id, JOB_KIND)
    period = found.arguments.get("period") or ""  # YYYY-MM
    label = f"{period[5:]}.{period[:4]}" if len(period) == 7 else period
    return render_page("distribution/job.html", "distribution/_job.html", job=found, period=period,
                       period_label=label)


# --- a run and its reports ------------------------------------------------------------------------------

@bp.route("/<int:run_id>")
@allow(*REGISTER_ROLES)
def run_page(run_id: int):
    run = queries.get_run(current_user, run_id)
    shares = queries.run_shares(current_user, run)
    totals, paid = queries.shares_total(current_user, run, shares)
    return render_page("distribution/run.html", run=run, shares=shares, totals=totals, paid=paid,
                       branch_rows=[(share.branch, share.account, share) for share in shares],
                       held_rows=queries.held_rows(current_user, run), author=queries.run_author(run),
                       part_names=PART_NAMES, account_text=queries.account_text)


@bp.route("/<int:run_id>/avdeling/<int:branch_id>")
@allow(*REGISTER_ROLES)
def branch_report(run_id: int, branch_id: int):
    run = queries.get_run(current_user, run_id)
    share = queries.get_share(current_user, run, branch_id)
    lines, held = queries.branch_lines(run, branch_id)
    if (fmt := request.args.get("format")) in EXPORT_FORMATS:
        name = f"fordeling-{run.id}-{run.period:%Y-%m}-avd-{share.branch.number}"
        return table_response(fmt, name, queries.report_header(), queries.report_rows(lines + held, fmt))
    return render_page("distribution/branch_report.html", run=run, share=share, lines=lines, held=held,
                       held_payment=queries.held_payment, part_names=PART_NAMES, account_text=queries.account_text,
                       today=clock.today())


@bp.route("/<int:run_id>/linje/<int:line_id>/medlemmer")
@allow(*REGISTER_ROLES)
def line_members(run_id: int, line_id: int):
    """The members behind one list of a run: a row under the list for htmx, a page without it."""
    run = queries.get_run(current_user, run_id)
    line = queries.get_line(current_user, run.id, line_id)
    return render_page("distribution/members.html", "distribution/_members_row.html", run=run, line=line,
                       members=queries.line_members(line))


@bp.route("/<int:run_id>/overforinger")
@allow("central")
def transfers(run_id: int):
    run = queries.get_run(current_user, run_id)
    rows = queries.transfers(run)
    if (fmt := request.args.get("format")) in EXPORT_FORMATS:
        return table_response(fmt, f"overforinger-fordeling-{run.id}-{run.period:%Y-%m}", queries.TRANSFER_HEADER,
                              queries.transfer_rows(rows, fmt))
    return render_page("distribution/transfers.html", run=run, rows=rows,
                       total=sum(row.amount_ore for row in rows), missing=sum(1 for row in rows if not row.account),
                       today=clock.today())
