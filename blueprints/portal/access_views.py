"""Employer portal, access: the public request for access (with the employer's workplaces loaded by
htmx), the county's queue and decision, handing over to a successor and the successor's acceptance."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import AccessRequest
from models.scope import Scope
from web import clock
from web.access import allow, public
from web.pages import is_htmx, render_page
from web.passwords import MIN_PASSWORD_LENGTH

from . import access_services as services
from . import bp
from .access_forms import AcceptForm, DecideForm, HandoverForm, RequestForm


def _put_errors(form, error: services.Refused) -> str | None:
    """The refusal's message next to its field, or returned when it is for the whole form."""
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
        return None
    return error.message


# --- the public request ---------------------------------------------------------------------------

def _employer_and_workplaces(orgnr: str | None):
    """(employer, its workplaces, the message for the orgnr field) for what was typed so far."""
    if not (orgnr or "").strip():
        return None, [], None
    try:
        employer = services.find_employer(orgnr)
    except services.Refused as error:
        return None, [], error.message
    return employer, services.workplaces_of(employer), None


def _request_page(form: RequestForm, *, status: int = 200, message: str | None = None,
                  fragment: str | None = None, oob: bool = False):
    employer, workplaces, orgnr_error = _employer_and_workplaces(form.orgnr.data)
    if orgnr_error and orgnr_error not in form.orgnr.errors:
        form.orgnr.errors = [*form.orgnr.errors, orgnr_error]
    chosen = {n for n in (form.workplaces.data or ()) if n is not None}
    return render_page("portal/access_request.html", fragment, status=status, form=form, message=message,
                       employer=employer, workplaces=workplaces, chosen=chosen, oob=oob,
                       min_password=MIN_PASSWORD_LENGTH)


@bp.route("/tilgang", methods=["GET", "POST"])
@public
def request_access():
    form = RequestForm()
    if request.method == "POST" and request.form.get("action") == "workplaces":
        return _request_page(form)  # without JavaScript: show the employer's workplaces; nothing is stored
    message = None
    if form.validate_on_submit():
        try:
            services.request_access(
                full_name=form.full_name.data, email=form.email.data, phone=form.phone.data, orgnr=form.orgnr.data,
                workplace_numbers=form.workplaces.data or [], password=form.password.data,
                remote_addr=request.remote_addr)
        except services.Refused as error:
            message = _put_errors(form, error)
        else:
            return redirect(url_for("portal.request_sent"), 303)
    status = 422 if request.method == "POST" else 200
    return _request_page(form, status=status, message=message)


@bp.route("/tilgang/arbeidssteder")
@public
def request_workplaces():
    """The employer's workplaces as checkboxes, for the orgnr typed (htmx); the whole form otherwise."""
    form = RequestForm(formdata=None, orgnr=request.args.get("orgnr", "").strip()[:20])
    return _request_page(form, fragment="portal/_access_workplaces.html", oob=is_htmx())


@bp.route("/tilgang/sendt")
@public
def request_sent():
    return render_page("portal/access_sent.html")


# --- the county's queue and decision -----------------------------------------------------------------

@bp.route("/foresporsler")
@allow("county", "central")
def access_queue():
    pending, decided = services.queue(current_user)
    return render_page("portal/access_queue.html", pending=pending, decided=decided,
                       decided_days=services.DECIDED_SHOWN_DAYS)


@bp.route("/foresporsler/<int:request_id>", methods=["GET", "POST"])
@allow("county", "central")
def access_decide(request_id: int):
    access_request = Scope.of(current_user).get_or_404(AccessRequest, request_id)
    form = DecideForm()
    message, status = None, 200
    if request.method == "POST":
        action = request.form.get("action")
        if not form.validate():
            status = 422
        elif action not in ("approve", "refuse"):
            message, status = _("Velg Godkjenn eller Avvis."), 422
        else:
            try:
                if action == "approve":
                    user = services.approve(current_user, access_request, form.declaration_date.data,
                                            today=clock.today())
                else:
                    services.refuse(current_user, access_request, form.note.data)
            except services.Refused as error:
                message, status = _put_errors(form, error), 422
            else:
                if action == "approve":
                    flash(_("Forespørselen er godkjent: kontoen %(username)s er opprettet.", username=user.username), "success")
                else:
                    flash(_("Forespørselen fra %(name)s er avvist.", name=access_request.full_name), "success")
                return redirect(url_for("portal.access_queue"), 303)
    return render_page("portal/access_decide.html", status=status, form=form, message=message,
                       row=services.row_for(access_request), today=clock.today())


# --- handing over -------------------------------------------------------------------------------------

@bp.route("/overlevering", methods=["GET", "POST"])
@allow("employer")
def handover():
    held = services.responsibilities(current_user)
    choices = [(r.employer.id, f"{r.employer.name} ({r.employer.orgnr})") for r in held]
    form = HandoverForm()
    form.employer.choices = choices
    message, status, link, invitation = None, 200, None, None
    if form.validate_on_submit():
        try:
            invitation, token = services.start_handover(current_user, form.employer.data, form.full_name.data,
                                                        form.email.data)
        except services.Refused as error:
            message = _put_errors(form, error)
        else:
            link = url_for("portal.accept_handover", token=token, _external=True)
            form = HandoverForm(formdata=None)
            form.employer.choices = choices
    if request.method == "POST" and link is None:
        status = 422
    return render_page("portal/handover.html", status=status, form=form, message=message, held=held, link=link,
                       invitation=invitation, open_handovers=services.open_handovers(current_user),
                       expired=services.invitation_expired, days=services.INVITATION_DAYS)


@bp.route("/overta/<token>", methods=["GET", "POST"])
@public
def accept_handover(token: str):
    invitation = services.find_invitation(token)
    form = AcceptForm()
    if form.validate_on_submit():
        services.accept_handover(invitation, form.password.data)
        return redirect(url_for("portal.request_sent"), 303)
    row = services.row_for(invitation)
    return render_page("portal/handover_accept.html", status=422 if request.method == "POST" else 200,
                       form=form, row=row, min_password=MIN_PASSWORD_LENGTH)

