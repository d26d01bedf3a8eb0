"""The payments pages: the landing page with the upload of the bank's payment file and the imported
transmissions, a transmission's payments, the unidentified payments and matching one by hand, and
the county's queue of posted lists not paid.

Only the central registry imports, sees transmissions and matches by hand; the counties see the
unidentified payments and their queue. Branch officers and employer contacts see none of it."""

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import Payment, utcnow
from models.codes import N_
from models.scope import Scope
from rules.money import format_kroner
from web import clock, jobs
from web.access import allow
from web.export import money_cell, table_response
from web.pages import render_page

from . import bp, queries, services
from .forms import MatchForm, UploadForm
from .jobs import KIND as JOB_KIND
from .jobs import params as import_params

EXPORT_FORMATS = ("csv", "xlsx")
TRANSACTION_TYPES = {  # FORMATS.md section 2; the template translates them
    10: N_("Giro belastet konto"), 11: N_("Faste oppdrag"), 12: N_("Direkte remittering"),
    13: N_("Bedriftsterminalgiro"), 14: N_("Skrankegiro"), 15: N_("AvtaleGiro"), 16: N_("Telegiro"),
    17: N_("Giro betalt kontant"), 18: N_("Reversering med KID"), 19: N_("Kjøp med KID"),
    20: N_("Reversering med fritekst"), 21: N_("Kjøp med fritekst"),
}


def _page_size() -> int:
    return current_app.config["PAGE_SIZE"]


def _page_number() -> int:
    return request.args.get("page", 1, type=int)


def _unpaid_days() -> int:
    return current_app.config["UNPAID_AFTER_DAYS"]


# --- the landing page and the upload --------------------------------------------------------------

def _index(form: UploadForm | None = None, status: int = 200):
    central = current_user.role == "central"
    return render_page(
        "payments/index.html", "payments/_transmissions.html", status=status,
        form=(form or UploadForm()) if central else None,
        transmissions=queries.transmissions(_page_number(), _page_size()) if central else None,
        unidentified=queries.unidentified_count(),
        unpaid=queries.unpaid_count(current_user, _unpaid_days(), utcnow()), days=_unpaid_days())


@bp.route("/")
@allow("county", "central")
def index():
    return _index()


def _file_name(name: str | None) -> str | None:
    """The file's own name, without the folders some browsers send."""
    return (name or "").replace("\\", "/").rsplit("/", 1)[-1][:255] or None


@bp.route("/last-opp", methods=["GET", "POST"])
@allow("central")
def upload():
    """The file is imported by a background job; the answer is the job's page, which shows the
    outcome: the transmission imported, a file imported before (nothing changed), or a refused file
    with every error and its line (nothing stored)."""
    if request.method == "GET":
        return redirect(url_for("payments.index"))
    form = UploadForm()
    if not form.validate_on_submit():
        return _index(form, status=422)
    data = form.file.data.read()
    if not data:
        form.file.errors.append(_("Filen er tom."))
        return _index(form, status=422)
    job = jobs.submit(JOB_KIND, import_params(current_user, data, _file_name(form.file.data.filename)), current_user)
    return redirect(url_for("payments.job", job_id=job.id), 303)


@bp.route("/import/<int:job_id>")
@allow("central")
def job(job_id: int):
    found = jobs.get(job_id, JOB_KIND)
    return render_page("payments/job.html", "payments/_job.html", job=found,
                       period_label=found.arguments.get("file_name") or "")


# --- a transmission -------------------------------------------------------------------------------

@bp.route("/forsendelse/<int:transmission_id>")
@allow("central")
def transmission(transmission_id: int):
    found = queries.get_transmission(transmission_id)
    result = queries.transmission_payments(found, _page_number(), _page_size())
    return render_page("payments/transmission.html", "payments/_transmission_payments.html", transmission=found,
                       result=result, types=TRANSACTION_TYPES)


# --- unidentified payments and matching one by hand -----------------------------------------------

@bp.route("/uidentifiserte")
@allow("county", "central")
def unidentified():
    result = queries.unidentified(_page_number(), _page_size())
    return render_page("payments/unidentified.html", "payments/_unidentified.html", result=result)


def _chosen_list(form: MatchForm, suggestions: list[queries.Suggestion]):
    """The list named by the typed KID or the chosen suggestion; else an error next to the field."""
    chosen = None
    if form.list_id.data and not form.list_id.errors:
        chosen = next((s.deduction_list for s in suggestions if s.deduction_list.id == int(form.list_id.data)), None)
        if chosen is None:
            form.add_error("list_id", _("Velg en av trekklistene i listen."))
    if form.kid.data and not form.kid.errors:
        by_kid = queries.list_by_kid(current_user, form.kid.data)
        if by_kid is None:
            form.add_error("kid", _("Fant ingen trekkliste med KID %(kid)s.", kid=form.kid.data))
        elif chosen is not None and chosen.id != by_kid.id:
            form.add_error("kid", _("KID-en hører til en annen trekkliste enn den som er valgt. Velg én av dem."))
        chosen = by_kid
    if not (form.list_id.data or form.kid.data):
        form.add_error("list_id", _("Velg en trekkliste eller skriv KID-en til trekklisten."))
    return chosen


def _match_page(payment, form: MatchForm | None, suggestions, *, message: str | None = None, status: int = 200):
    return render_page("payments/match.html", status=status, payment=payment, form=form, suggestions=suggestions,
                       message=message, types=TRANSACTION_TYPES)


@bp.route("/<int:payment_id>/koble", methods=["GET", "POST"])
@allow("central")
def match(payment_id: int):
    payment = Scope.of(current_user).get_or_404(Payment, payment_id, *queries.PAYMENT_LOADS)
    if payment.list_id is not None:  # matched already (by KID or by hand): the page shows the list
        message = _("Innbetalingen er allerede koblet til en trekkliste.") if request.method == "POST" else None
        return _match_page(payment, None, [], message=message, status=422 if message else 200)
    suggestions = queries.suggestions(current_user, payment)
    form = MatchForm()
    if request.method == "GET":
        return _match_page(payment, form, suggestions)
    form.validate()
    chosen = _chosen_list(form, suggestions)
    if form.errors:
        return _match_page(payment, form, suggestions, status=422)
    try:
        services.match_by_hand(current_user, payment, chosen, form.note.data)
    except services.Refused as refused:  # next to its field (list_id, note), else above the form
        if refused.field:
            form.add_error(refused.field, refused.message)
        return _match_page(payment, form, suggestions, message=None if refused.field else refused.message,
                           status=422)
    flash(_("Innbetalingen på %(amount)s kr er koblet til trekklisten for %(employer)s, %(branch)s, %(period)s.",
            amount=format_kroner(payment.amount_ore), employer=chosen.employer.name,
            branch=" ".join((str(chosen.branch.number), chosen.branch.name)), period=format(chosen.period, "%m.%Y")), "success")
    return redirect(url_for("payments.unidentified"), 303)


# --- the county's queue: posted lists not paid -----------------------------------------------------

UNPAID_HEADER = [N_("Arbeidsgiver"), N_("Org.nr."), N_("Fagforening"), N_("Periode"), "KID", N_("Beløp (kr)"),
                 N_("Betalt (kr)"), N_("Skyldig (kr)"), N_("Betalingsstatus"), N_("Framført"),
                 N_("Dager siden framføring")]


def _unpaid_rows(rows: list[queries.UnpaidRow], fmt: str):
    money = money_cell(fmt)
    for row in rows:
        dl, state = row.deduction_list, row.payment
        yield [dl.employer.name, dl.employer.orgnr, f"{dl.branch.number} {dl.branch.name}", f"{dl.period:%m.%Y}",
               dl.kid, money(state.amount_ore), money(state.paid_ore), money(state.owing_ore), _(state.label),
               clock.oslo_date(dl.posted_at), row.days]


@bp.route("/ubetalte")
@allow("county", "central")
def unpaid():
    days, now = _unpaid_days(), utcnow()
    if (fmt := request.args.get("format")) in EXPORT_FORMATS:
        result = queries.unpaid(current_user, days, now, None, _page_size())
        return table_response(fmt, f"ubetalte-trekklister-{clock.today():%Y-%m-%d}", UNPAID_HEADER,
                              _unpaid_rows(result.rows, fmt))
    result = queries.unpaid(current_user, days, now, _page_number(), _page_size())
    return render_page("payments/unpaid.html", "payments/_unpaid.html", result=result, days=days)
