"""Employer portal: the payroll officer's lists. The overview (not handled, in progress, handled with
the history of earlier months), one list with a row per expected member (save a draft, approve and
send through a confirmation; filtered by workplace; as CSV or XLSX), the changes since last month with
a bulk confirm, and what to pay with the payments received (models.payment).

Only employer contacts come here (@allow("employer")); every list is loaded through their scope, so
another employer's list is 404, and a contact answering for some workplaces of an employer sees,
enters and approves only those workplaces' lines: its part of the list. The list goes to the union
when every part is approved. The union works the same lists through the deviations pages, which show
the parts and who approved them (`list_approval_parts`)."""
from decimal import Decimal

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models import DeductionList, db
from models.codes import N_
from models.deduction import EXPECTED, list_loads
from models.payment import list_payment
from models.portal import ADDED, EMPLOYER_REASONS, ENTRY_OUTCOMES
from models.receiving import period_text
from models.scope import Scope
from rules.idnumbers import InvalidNumber, format_account, parse_account
from rules.money import format_kroner, format_percent
from web.access import allow
from web.export import money_cell, table_response
from web.pages import render_page

from . import bp, queries, services
from .forms import Sheet, choice_labels

CONFLICT = N_("Noen andre endret listen samtidig. Ingenting ble lagret; last siden på nytt og prøv igjen.")
SEND = "send"  # the list form's button that saves and goes on to the confirmation
WORKPLACE_ARG = "arbeidssted"  # the list page's filter by workplace
EXPORT_FORMATS = ("csv", "xlsx")


def union_account() -> str | None:
    """The union's account number for the employers' payments, formatted; None when misconfigured."""
    try:
        return format_account(parse_account(current_app.config.get("UNION_ACCOUNT") or ""))
    except InvalidNumber:
        current_app.logger.error("UNION_ACCOUNT is not a valid account number")
        return None


@bp.route("")
@allow("employer")
def index():
    overview = queries.overview(current_user, request.args.get("page", 1, type=int))
    return render_page("portal/index.html", "portal/_lists.html", overview=overview)


def _workplace_arg(parts: queries.Parts) -> int | None:
    """The workplace the page is filtered to (`?arbeidssted=`): one of the user's parts, else none."""
    chosen = request.args.get(WORKPLACE_ARG, type=int)
    return chosen if chosen in {part.workplace_id for part in parts.mine} else None


def _only(rows, workplace: int | None) -> list:
    return list(rows) if workplace is None else [row for row in rows if row.workplace_id == workplace]


def _sheet(deduction_list, parts: queries.Parts, workplace: int | None, formdata=None, *, lines=None, saved=None,
           workplaces=None) -> Sheet:
    """The form of the lines the user answers for (filtered to `workplace`), with the rows of approved
    parts locked and the user's workplaces to add a person at."""
    lines = lines if lines is not None else queries.expected_lines(current_user, deduction_list)
    saved = saved if saved is not None else queries.entries(current_user, deduction_list)
    shown_saved = _only(saved, workplace)
    return Sheet(_only(lines, workplace), shown_saved, formdata, locked=parts.locked,
                 workplaces=workplaces if workplaces is not None else queries.my_workplaces(current_user, deduction_list),
                 optional=parts.whole,
                 on_list={line.national_id: line.name for line in lines},
                 other_added=frozenset(entry.national_id for entry in saved
                                       if entry.outcome == ADDED and entry not in shown_saved),
                 default_workplace=workplace)


def _names(parts: queries.Parts, workplaces) -> dict[int, str]:
    """The names of the workplaces the user answers for on this list (the workplace column)."""
    return dict(workplaces) | {part.workplace_id: part.name for part in parts.mine if part.workplace_id is not None}


def _list_page(deduction_list, *, sheet: Sheet | None = None, message: str | None = None, status: int = 200,
               parts: queries.Parts | None = None):
    """The list: the entry form while it is not sent, what was sent (read-only) afterwards; only the
    lines the user answers for, filtered by workplace on request."""
    parts = parts or queries.list_parts(current_user, deduction_list)
    workplace = _workplace_arg(parts)
    workplaces = queries.my_workplaces(current_user, deduction_list)
    context = {"deduction_list": deduction_list, "message": message, "account": union_account(),
               "changes": queries.month_changes(current_user, deduction_list),
               "confirmation": queries.changes_confirmation(deduction_list),
               "outcomes": ENTRY_OUTCOMES, "reasons": EMPLOYER_REASONS, "parts": parts, "workplace": workplace,
               "workplace_names": _names(parts, workplaces),
               "filters": [(part.workplace_id, part.name) for part in parts.mine if part.workplace_id is not None]}
    if deduction_list.state == EXPECTED:
        lines, saved = queries.expected_lines(current_user, deduction_list), queries.entries(current_user, deduction_list)
        report = services.build_report(lines, saved)
        sheet = sheet or _sheet(deduction_list, parts, workplace, lines=lines, saved=saved, workplaces=workplaces)
        context |= {"sheet": sheet, "report": report,
                    "has_draft": bool(saved), "choices": choice_labels(), "totals": queries.scoped_totals(lines),
                    "payment": list_payment(deduction_list, report.total_ore), "part_amount": report.total_ore}
    else:
        every = queries.sent_lines(current_user, deduction_list)
        context |= {"lines": _only(every, workplace), "sent_by": queries.user_name(deduction_list.sent_by),
                    "payment": list_payment(deduction_list), "part_amount": queries.sent_total_ore(every),
                    "totals": queries.Totals(sum(not line.added for line in every),
                                             sum(line.expected_total_ore or 0 for line in every if not line.added))}
    return render_page("portal/list.html", "portal/_list_body.html", status=status, **context)


EXPORT_HEADER = (N_("Arbeidssted"), N_("Navn"), N_("Fødselsnummer"), N_("Medlemsnr."), N_("Forventet kontingent"),
                 N_("Forventet forsikring"), N_("Utfall"), N_("Kontingent trukket"), N_("Forsikring trukket"),
                 N_("Årsak"), N_("Ny stillingsprosent"), N_("Kommentar"), N_("Status"))


def _export(deduction_list, fmt: str):
    """The list as the page shows it (the user's lines, the filter's workplace), as CSV or XLSX: a person
    the payroll office added only as it was typed."""
    parts = queries.list_parts(current_user, deduction_list)
    workplace = _workplace_arg(parts)
    if deduction_list.state == EXPECTED:
        rows = queries.draft_lines(
            _only(queries.expected_lines(current_user, deduction_list), workplace),
            _only(queries.entries(current_user, deduction_list), workplace), parts.locked)
    else:
        rows = queries.sent_lines(current_user, deduction_list, workplace)
    names = _names(parts, queries.my_workplaces(current_user, deduction_list))
    money = money_cell(fmt)
    percent = (lambda bp: Decimal(bp) / 100) if fmt == "xlsx" else (lambda bp: format_percent(bp).removesuffix(" %"))
    name = (f"trekkliste-{deduction_list.period:%Y-%m}-{deduction_list.employer.orgnr}-"
            f"{deduction_list.branch.number}")
    return table_response(fmt, name, EXPORT_HEADER, [
        [names.get(line.workplace_id, "") if line.workplace_id else "", line.name, line.national_id,
         line.member_number, money(line.expected_dues_ore), money(line.expected_insurance_ore),
         _(ENTRY_OUTCOMES[line.outcome]), money(line.dues_ore), money(line.insurance_ore),
         _(EMPLOYER_REASONS[line.reason]) if line.reason else None,
         percent(line.position_bp) if line.position_bp is not None else None, line.comment, _(line.status)]
        for line in rows])


@bp.route("/liste/<int:list_id>", methods=["GET", "POST"], endpoint="list")
@allow("employer")
def list_page(list_id: int):
    deduction_list = Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads())
    if request.method == "GET":
        if (fmt := request.args.get("format")) in EXPORT_FORMATS:
            return _export(deduction_list, fmt)
        return _list_page(deduction_list)
    if deduction_list.state != EXPECTED:
        return _list_page(deduction_list, message=_(services.LOCKED), status=422)
    parts = queries.list_parts(current_user, deduction_list)
    workplace = _workplace_arg(parts)
    sheet = _sheet(deduction_list, parts, workplace, request.form)
    if not sheet.check():
        return _list_page(deduction_list, sheet=sheet, status=422, parts=parts)
    try:
        services.save_draft(current_user, deduction_list, sheet.entries(), sheet.removed())
    except services.Refused as refused:
        return _list_page(deduction_list, message=refused.message, status=422, parts=parts)
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        return _list_page(Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads()), message=_(CONFLICT), status=409)
    if request.form.get("handling") == SEND:
        return redirect(url_for("portal.send", list_id=deduction_list.id), 303)
    added = sheet.new_name
    flash(_("%(name)s er lagt til, og utkastet er lagret.", name=added) if added else
          _("Utkastet er lagret. Listen er ikke sendt ennå."), "success")
    return redirect(url_for("portal.list", list_id=deduction_list.id, **{WORKPLACE_ARG: workplace}), 303)


def _send_page(deduction_list, *, message: str | None = None, status: int = 200):
    """What approving will do: the user's lines (the sum to pay, the deviations), the parts approved now
    and those approved before or still waiting."""
    parts = queries.list_parts(current_user, deduction_list)
    report = services.draft_report(current_user, deduction_list)
    pending = services.pending_report(current_user, deduction_list, parts)
    if not message and pending.unknown:
        message = services.unknown_message(pending.unknown)
    return render_page("portal/send.html", status=status, deduction_list=deduction_list, report=report,
                       parts=parts, can_approve=not pending.unknown and bool(parts.mine_pending or not parts.parts),
                       message=message, account=union_account())


@bp.route("/liste/<int:list_id>/send", methods=["GET", "POST"])
@allow("employer")
def send(list_id: int):
    """GET: what approving will say (the sum to pay, the deviations, the parts); POST: approve the
    user's part, which sends the list when nothing else waits."""
    deduction_list = Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads())
    if deduction_list.state != EXPECTED:
        if request.method == "GET":
            return redirect(url_for("portal.list", list_id=deduction_list.id))
        return _list_page(deduction_list, message=_(services.LOCKED), status=422)
    if request.method == "GET":
        return _send_page(deduction_list)
    try:
        approved = services.approve(current_user, deduction_list)
    except services.Refused as refused:
        return _send_page(deduction_list, message=refused.message, status=422)
    except StaleDataError:
        db.session.rollback()
        return _list_page(Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads()), message=_(CONFLICT), status=409)
    if approved.sent:  # the KID pays the whole list, not only the part this contact approved
        flash(_("Trekklisten for %(period)s er godkjent og sendt til fagforeningen. Å betale: %(amount)s kr med "
                "KID %(kid)s.", period=period_text(deduction_list.period),
                amount=format_kroner(list_payment(deduction_list).amount_ore), kid=deduction_list.kid), "success")
    else:
        flash(_("Din del av trekklisten for %(period)s er godkjent (%(parts)s). Listen sendes til fagforeningen "
                "når resten av den er godkjent.", period=period_text(deduction_list.period),
                parts=", ".join(part.name for part in approved.parts)), "success")
    return redirect(url_for("portal.list", list_id=deduction_list.id), 303)


@bp.app_template_global("list_approval_parts")
def list_approval_parts(deduction_list) -> queries.Parts:
    """A list's parts by workplace with who approved each and when, for the union's list page (the
    caller has loaded the list through its scope): `{% set parts = list_approval_parts(deduction_list) %}`."""
    return queries.list_parts(current_user, deduction_list)


@bp.route("/liste/<int:list_id>/endringer", methods=["GET", "POST"])
@allow("employer")
def changes(list_id: int):
    """Who is new on the list, who is gone, whose amount changed since last month; POST confirms."""
    deduction_list = Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads())
    month = queries.month_changes(current_user, deduction_list)
    message, status = None, 200
    if request.method == "POST":
        try:
            services.confirm_changes(current_user, deduction_list, month)
        except services.Refused as refused:
            message, status = refused.message, 422
        else:
            flash(_("Endringene siden forrige måned er bekreftet."), "success")
            return redirect(url_for("portal.changes", list_id=deduction_list.id), 303)
    return render_page("portal/changes.html", status=status, deduction_list=deduction_list, changes=month,
                       confirmation=queries.changes_confirmation(deduction_list), message=message)
