"""Employer portal: the payroll officer's lists. The overview (not handled, in progress, handled with
the history of earlier months), one list with a row per expected member (save a draft, approve and
send through a confirmation), the changes since last month with a bulk confirm, and what to pay with
the payments received (models.payment).

Only employer contacts come here (@allow("employer")); every list is loaded through their scope, so
another employer's list is 404. The union works the same lists through the deviations pages."""
from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models import DeductionList, db
from models.deduction import EXPECTED, list_loads
from models.payment import list_payment
from models.portal import EMPLOYER_REASONS, ENTRY_OUTCOMES
from models.receiving import period_text
from models.scope import Scope
from rules.idnumbers import InvalidNumber, format_account, parse_account
from rules.money import format_kroner
from web.access import allow
from web.pages import render_page

from . import bp, queries, services
from .forms import Sheet, choice_labels

CONFLICT = "Noen andre endret listen samtidig. Ingenting ble lagret; last siden på nytt og prøv igjen."
SEND = "send"  # the list form's button that saves and goes on to the confirmation


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


def _list_page(deduction_list, *, sheet: Sheet | None = None, message: str | None = None, status: int = 200):
    """The list: the entry form while it is not sent, what was sent (read-only) afterwards."""
    context = {"deduction_list": deduction_list, "message": message, "account": union_account(),
               "changes": queries.month_changes(current_user, deduction_list),
               "confirmation": queries.changes_confirmation(deduction_list),
               "outcomes": ENTRY_OUTCOMES, "reasons": EMPLOYER_REASONS}
    if deduction_list.state == EXPECTED:
        lines, saved = queries.expected_lines(deduction_list), queries.entries(deduction_list)
        report = services.build_report(lines, saved)
        context |= {"sheet": sheet or Sheet(lines, saved), "report": report, "has_draft": bool(saved),
                    "choices": choice_labels(),
                    "payment": list_payment(deduction_list, report.total_ore)}
    else:
        context |= {"lines": queries.sent_lines(deduction_list), "sent_by": queries.user_name(deduction_list.sent_by),
                    "payment": list_payment(deduction_list)}
    return render_page("portal/list.html", status=status, **context)


@bp.route("/liste/<int:list_id>", methods=["GET", "POST"], endpoint="list")
@allow("employer")
def list_page(list_id: int):
    deduction_list = Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads())
    if request.method == "GET":
        return _list_page(deduction_list)
    if deduction_list.state != EXPECTED:
        return _list_page(deduction_list, message=services.LOCKED, status=422)
    sheet = Sheet(queries.expected_lines(deduction_list), queries.entries(deduction_list), request.form)
    if not sheet.check():
        return _list_page(deduction_list, sheet=sheet, status=422)
    try:
        services.save_draft(current_user, deduction_list, sheet.entries(), sheet.removed())
    except services.Refused as refused:
        return _list_page(deduction_list, message=refused.message, status=422)
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        return _list_page(Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads()), message=CONFLICT, status=409)
    if request.form.get("handling") == SEND:
        return redirect(url_for("portal.send", list_id=deduction_list.id), 303)
    added = sheet.new_name
    flash(f"{added} er lagt til, og utkastet er lagret." if added else
          "Utkastet er lagret. Listen er ikke sendt ennå.", "success")
    return redirect(url_for("portal.list", list_id=deduction_list.id), 303)


def _send_page(deduction_list, *, message: str | None = None, status: int = 200):
    report = services.draft_report(deduction_list)
    return render_page("portal/send.html", status=status, deduction_list=deduction_list, report=report,
                       message=message or (services.unknown_message(report.unknown) if report.unknown else None),
                       account=union_account())


@bp.route("/liste/<int:list_id>/send", methods=["GET", "POST"])
@allow("employer")
def send(list_id: int):
    """GET: what sending will say (the sum to pay, the deviations); POST: send the list."""
    deduction_list = Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads())
    if deduction_list.state != EXPECTED:
        if request.method == "GET":
            return redirect(url_for("portal.list", list_id=deduction_list.id))
        return _list_page(deduction_list, message=services.LOCKED, status=422)
    if request.method == "GET":
        return _send_page(deduction_list)
    try:
        report = services.send(current_user, deduction_list)
    except services.Refused as refused:
        return _send_page(deduction_list, message=refused.message, status=422)
    except StaleDataError:
        db.session.rollback()
        return _list_page(Scope.of(current_user).get_or_404(DeductionList, list_id, *list_loads()), message=CONFLICT, status=409)
    flash(f"Trekklisten for {period_text(deduction_list.period)} er godkjent og sendt til fagforeningen. "
          f"Å betale: {format_kroner(report.total_ore)} kr med KID {deduction_list.kid}.", "success")
    return redirect(url_for("portal.list", list_id=deduction_list.id), 303)


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
            flash("Endringene siden forrige måned er bekreftet.", "success")
            return redirect(url_for("portal.changes", list_id=deduction_list.id), 303)
    return render_page("portal/changes.html", status=status, deduction_list=deduction_list, changes=month,
                       confirmation=queries.changes_confirmation(deduction_list), message=message)
