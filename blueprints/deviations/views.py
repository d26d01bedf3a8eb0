"""Deduction lists: one list with its lines, deviations and payment state, handling each deviation in
place (htmx), a note on a line, and posting (framføring) with its confirmation.

Every page works without JavaScript: the line form opens inside the full list page, and a handled
line answers with a redirect back to it. htmx gets the fragments: the table when the filter
changes, the form row, and after an action the row with an out-of-band update of the counts."""
import re

import sqlalchemy as sa
from flask import flash, redirect, url_for
from flask import request as flask_request
from flask_babel import gettext, ngettext
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from models import DeductionList, DuesCode, Employer, db
from models.codes import N_
from models.deduction import DEVIATIONS, LINE_STATUSES, RESOLUTIONS, list_loads
from models.portal import EMPLOYER_REASONS
from models.scope import Scope
from rules.reconcile import AMOUNT, MATCHED, MISSING, UNEXPECTED
from web.access import REGISTER_ROLES, allow
from web.pages import is_htmx, render_page

from . import bp, queries, services
from .forms import LineForm, actions_for, actions_showing, suggestion

ALL, DEVIATION_VIEW = "alle", "avvik"
VIEWS = {  # ?vis=... → the statuses shown (None: every line)
    DEVIATION_VIEW: DEVIATIONS, ALL: None, MATCHED: (MATCHED,), MISSING: (MISSING,),
    UNEXPECTED: (UNEXPECTED,), AMOUNT: (AMOUNT,),
}
VIEW_LABELS = {DEVIATION_VIEW: N_("Avvik"), ALL: N_("Alle"), MATCHED: N_("I orden"), MISSING: N_("Mangler"),
               UNEXPECTED: N_("Ikke forventet"), AMOUNT: N_("Beløpsavvik")}
ORGNR = re.compile(r"\d{9}")
CONFLICT = N_("Noen andre endret listen samtidig. Ingenting ble lagret; last siden på nytt og prøv igjen.")


def list_counts(deduction_list) -> queries.Counts:
    """One aggregate query: the counts stay true after each action without loading the lines."""
    return queries.line_counts([deduction_list.id])[deduction_list.id]


def row_text() -> dict:
    """The words of every row, translated once per page rather than once per line."""
    return {status: gettext(name) for status, name in LINE_STATUSES.items()} | {
        "not_compared": gettext("Ikke sammenlignet"), "handled": gettext("Behandlet"),
        "handle": gettext("Behandle"), "note": gettext("Merknad"), "reported": gettext("Innrapportert"),
        "reported_short": gettext("rapp."), "employer": gettext("Arbeidsgiveren"),
        "accept": gettext("Godta forslaget"),
        "employer_reasons": {key: gettext(name) for key, name in EMPLOYER_REASONS.items()},
        "actions": {key: gettext(name) for key, name in RESOLUTIONS.items()}}


def foreign_texts(found: dict[int, queries.ForeignUnit]) -> dict[int, str]:
    """line id → what the user is told of a person who is a member outside their scope: the unit, nothing
    else (no member number, no card, nothing from the register)."""
    return {line_id: (gettext("Medlem i en annen fagforening (%(unit)s)", unit=unit.label) if unit.is_branch
                      else gettext("Student- eller elevmedlem i %(unit)s", unit=unit.label))
            for line_id, unit in found.items()}


def _foreign(line) -> dict[int, str]:
    """foreign_texts for one line."""
    return foreign_texts(queries.foreign_members(current_user, line.list_id, line.id))


def _view(value: str | None, counts: queries.Counts) -> str:
    """The filter asked for; by default the deviations when the list has any."""
    if value in VIEWS:
        return value
    return DEVIATION_VIEW if counts.deviations else ALL


def _shown(lines, view: str, keep: int | None = None) -> list:
    statuses = VIEWS[view]
    if statuses is None:
        return lines
    return [line for line in lines if line.status in statuses or line.id == keep]


def _page(deduction_list, *, view: str | None = None, editing=None, status: int = 200):
    """The whole list page (also when a line's form is open in it, for a browser without JS)."""
    counts = list_counts(deduction_list)
    view = _view(view, counts)
    lines = queries.list_lines(deduction_list)
    context = {"deduction_list": deduction_list, "counts": counts, "view": view,
               "lines": _shown(lines, view, keep=editing["line"].id if editing else None),
               "editing": editing or {}, "views": VIEW_LABELS, "actions_showing": actions_showing,
               "row_text": row_text(), "suggest": suggestion, "payment": queries.payment_details(deduction_list),
               "foreign": foreign_texts(queries.foreign_members(current_user, deduction_list.id))}
    return render_page("deviations/list.html", "deviations/_list_table.html", status=status, **context)


@bp.route("/<int:list_id>")
@allow(*REGISTER_ROLES)
def show(list_id: int):
    deduction_list = Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads())
    return _page(deduction_list, view=flask_request.args.get("vis"))


# --- one line: its row, its form, handling it -----------------------------------------------------

def _dues_codes() -> list[tuple[str, str]]:
    names = dict(db.session.execute(
        sa.select(DuesCode.code, DuesCode.name).where(DuesCode.code.in_(services.CODE_CHOICES))).all())
    return [(code, names.get(code, code)) for code in services.CODE_CHOICES]


def _form(line, formdata=None, foreign: bool = False) -> LineForm:
    form = LineForm(formdata=formdata, prefix=f"line{line.id}")
    form.set_choices(line, _dues_codes(), foreign)
    return form


def _enrollment_url(line) -> str:
    """Enrollment filled in from an unexpected line (the enrollment reads the identity number, names and
    workplace from the line, through the scope: no identity number in a URL), coming back to this list's
    deviations."""
    return url_for("enrollment.new", fra_linje=line.id,
                   neste=url_for("deviations.show", list_id=line.list_id, vis=DEVIATION_VIEW))


def _form_answer(line, form: LineForm, *, message: str | None = None, status: int = 200, foreign=None):
    """The form row (htmx), or the list page with the form open in it."""
    foreign = _foreign(line) if foreign is None else foreign
    editing = {"line": line, "form": form, "message": message, "foreign_text": foreign.get(line.id),
               "enrollment_url": _enrollment_url(line) if line.status == UNEXPECTED and not foreign else None}
    if is_htmx():
        return render_page("deviations/_line_form.html", status=status, deduction_list=line.deduction_list,
                           actions_showing=actions_showing, row_text=row_text(), **editing)
    return _page(line.deduction_list, view=flask_request.args.get("vis"), editing=editing, status=status)


def _row_answer(line, *, resolved: bool = False, flash_text: str | None = None):
    """After an action: the row and the counts (htmx), or back to the list."""
    if not is_htmx():
        if flash_text:
            flash(flash_text, "success")
        return redirect(url_for("deviations.show", list_id=line.list_id, _anchor=f"line-{line.id}"), 303)
    deduction_list = line.deduction_list
    return render_page("deviations/_line.html", deduction_list=deduction_list, line=line, just_resolved=resolved,
                       counts=list_counts(deduction_list), oob_counts=True, row_text=row_text(), suggest=suggestion,
                       foreign=_foreign(line))


@bp.route("/<int:list_id>/linjer/<int:line_id>")
@allow(*REGISTER_ROLES)
def line_row(list_id: int, line_id: int):
    """The line's row as it is (closing its form)."""
    line = queries.get_line(current_user, list_id, line_id)
    if not is_htmx():
        return redirect(url_for("deviations.show", list_id=list_id, _anchor=f"line-{line.id}"))
    return render_page("deviations/_line.html", deduction_list=line.deduction_list, line=line, row_text=row_text(),
                       suggest=suggestion, foreign=_foreign(line))


@bp.route("/<int:list_id>/linjer/<int:line_id>/behandle")
@allow(*REGISTER_ROLES)
def line_form(list_id: int, line_id: int):
    line = queries.get_line(current_user, list_id, line_id)
    foreign = _foreign(line)
    form = _form(line, foreign=bool(foreign))
    message = gettext("Listen er framført og kan ikke endres.") if line.deduction_list.posted else None
    return _form_answer(line, form, message=message, foreign=foreign)


def _workplace(form: LineForm):
    """The first workplace of the employer with the typed organization number (None when none was
    typed: the service asks for it); an unknown number is the field's error."""
    text = (form.orgnr.data or "").replace(" ", "")
    if not text:
        return None
    if not ORGNR.fullmatch(text):
        form.add_error("orgnr", gettext("Organisasjonsnummeret skal være 9 siffer."))
        return None
    employer = db.session.scalar(sa.select(Employer).where(Employer.orgnr == text))
    if employer is None:
        form.add_error("orgnr", gettext("Fant ingen arbeidsgiver med organisasjonsnummer %(orgnr)s i registeret.",
                                        orgnr=text))
    elif not employer.workplaces:
        form.add_error("orgnr", gettext("%(employer)s har ingen arbeidssteder i registeret.", employer=employer.name))
    else:
        return employer.workplaces[0]
    return None


@bp.route("/<int:list_id>/linjer/<int:line_id>/behandle", methods=["POST"])
@allow(*REGISTER_ROLES)
def resolve_line(list_id: int, line_id: int):
    line = queries.get_line(current_user, list_id, line_id)
    foreign = bool(_foreign(line))
    form = _form(line, flask_request.form, foreign)
    form.validate()
    action = form.action.data or ""
    workplace = None
    if line.open and not line.deduction_list.posted:  # else the service says why nothing can be done
        if action not in actions_for(line, foreign):
            form.add_error("action", gettext("Velg hva som skal gjøres med avviket."))
            return _form_answer(line, form, status=422)
        workplace = _workplace(form) if action == "moved" else None
        if form.errors_for(action):
            return _form_answer(line, form, status=422)
    # each action reads only its own values (and the note)
    data = {"date": form.date.data, "code": form.code.data or None, "workplace": workplace,
            "position_bp": form.position.data, "monthly_pay_ore": form.monthly_pay.data, "note": form.note.data}
    try:
        services.resolve(current_user, line, action, data)
    except services.Refused as refused:
        return _form_answer(line, form, message=form.add_error(refused.field, refused.message), status=422)
    except StaleDataError:
        return _form_answer(line, form, message=gettext(CONFLICT), status=409)
    return _row_answer(line, resolved=True, flash_text=f"{line.name}: {line.resolution_text}.")


@bp.route("/<int:list_id>/linjer/<int:line_id>/forslag", methods=["POST"])
@allow(*REGISTER_ROLES)
def accept_suggestion(list_id: int, line_id: int):
    """One click: the action the employer's reason suggests, with its defaults (forms.suggestion).
    When it is refused, the line's form opens with the action chosen and the refusal next to its
    field, so the officer can adjust it."""
    line = queries.get_line(current_user, list_id, line_id)
    foreign = bool(_foreign(line))
    found = suggestion(line, line.deduction_list, foreign)
    if found is None:
        return _form_answer(line, _form(line, foreign=foreign),
                            message=gettext("Det er ikke noe forslag å godta for denne linjen."), status=422)
    try:
        services.resolve(current_user, line, found.action, dict(found.data))
    except services.Refused as refused:
        form = _form(line, foreign=foreign)
        form.action.data = found.action
        form.date.data = found.data.get("date")
        form.position.data = found.data.get("position_bp")
        form.note.data = found.data.get("note")
        return _form_answer(line, form, message=form.add_error(refused.field, refused.message), status=422)
    except StaleDataError:
        return _form_answer(line, _form(line, foreign=foreign), message=gettext(CONFLICT), status=409)
    return _row_answer(line, resolved=True, flash_text=f"{line.name}: {line.resolution_text}.")


@bp.route("/<int:list_id>/linjer/<int:line_id>/merknad", methods=["POST"])
@allow(*REGISTER_ROLES)
def line_note(list_id: int, line_id: int):
    """A note alone, without handling the deviation."""
    line = queries.get_line(current_user, list_id, line_id)
    form = _form(line, flask_request.form, bool(_foreign(line)))
    form.validate()
    if form.note.errors:
        return _form_answer(line, form, status=422)
    try:
        services.set_note(current_user, line, form.note.data or "")
    except services.Refused as refused:
        return _form_answer(line, form, message=form.add_error(refused.field, refused.message), status=422)
    return _row_answer(line, flash_text=gettext("Merknaden for %(name)s er lagret.", name=line.name))


# --- posting --------------------------------------------------------------------------------------

def _confirmation(deduction_list, *, message: str | None = None, status: int = 200):
    counts = list_counts(deduction_list)
    return render_page("deviations/post.html", status=status, deduction_list=deduction_list, counts=counts,
                       payable=services.payable_members(deduction_list), message=message)


@bp.route("/<int:list_id>/framfor", methods=["GET", "POST"])
@allow(*REGISTER_ROLES)
def post_list(list_id: int):
    """GET: what posting will do, or why the list cannot be posted; POST: post it."""
    deduction_list = Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads())
    if flask_request.method == "GET":
        return _confirmation(deduction_list)
    try:
        paid = services.post(current_user, deduction_list)
    except services.Refused as refused:
        return _confirmation(deduction_list, message=refused.message, status=422)
    except StaleDataError:
        db.session.rollback()
        return _confirmation(Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads()),
                             message=gettext(CONFLICT), status=409)
    period = services.period_text(deduction_list.period)
    flash(ngettext("Trekklisten for %(period)s er framført. %(num)s medlem er betalt for %(period)s.",
                   "Trekklisten for %(period)s er framført. %(num)s medlemmer er betalt for %(period)s.",
                   paid, period=period), "success")
    return redirect(url_for("deviations.show", list_id=deduction_list.id), 303)
