"""Two-factor login (web/two_factor.py holds the rules): the code after the password, enrolment with a
QR code made here, the ten recovery codes shown once, and the account's two-factor page."""
import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from models import LoginAttempt, db, record
from web import two_factor
from web.access import ALL_ROLES, allow
from web.formatting import norwegian_datetime
from web.sessions import end_session, login_key, record_attempt, throttled_until
from web.two_factor import open_before_second_factor

from . import bp
from .views import _safe_next


class CodeForm(FlaskForm):
    code = StringField(_l("Kode"), validators=[InputRequired(_l("Skriv koden."))],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false",
                                  "autofocus": True})


# --- the code after the password ------------------------------------------------------------------------

def _wrong_codes_in_this_login(user, user_session) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == login_key(user.username), LoginAttempt.success.is_(False),
        LoginAttempt.at >= user_session.created_at)) or 0


def _end_login(message: str):
    end_session()
    flash(message, "error")
    return redirect(url_for("auth.login"), 303)


@bp.route("/logg-inn/kode", methods=["GET", "POST"])
@allow(*ALL_ROLES)
@open_before_second_factor
def second_factor():
    next_url = request.args.get("next")
    step = two_factor.pending_step(current_user)
    if step != two_factor.CODE:
        return redirect(two_factor.step_url(step, next_url) if step else _safe_next(next_url))
    user, user_session = current_user._get_current_object(), two_factor.current_session()
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        if throttled_until(user.username, request.remote_addr):
            return _end_login(_("For mange feil koder. Av sikkerhetshensyn må du vente 15 minutter før du logger "
                                "inn igjen."))
        kind = two_factor.check(user, form.code.data)
        if kind is not None:
            two_factor.mark_given(user_session)
            record_attempt(user.username, success=True)
            if kind == "recovery":
                left = two_factor.unused_recovery_codes(user)
                record("login", "user", user.id, f"{user.username} logget inn med en gjenopprettingskode "
                       f"({left} igjen)", user=user)
                flash(_("Du brukte en gjenopprettingskode; du har %(left)s igjen. Hvis du har mistet "
                        "telefonen, kontakt Medlemsregisteret for å sette opp tofaktor på nytt.", left=left),
                      "info")
            else:
                record("login", "user", user.id, f"{user.username} logget inn med tofaktorkode", user=user)
            return redirect(_safe_next(next_url), 303)
        record_attempt(user.username, success=False)
        db.session.flush()
        if (_wrong_codes_in_this_login(user, user_session) >= two_factor.MAX_WRONG_CODES
                or throttled_until(user.username, request.remote_addr)):
            return _end_login(_("For mange feil koder. Innloggingen er avbrutt; av sikkerhetshensyn må du "
                                "vente 15 minutter før du logger inn igjen."))
        db.session.commit()  # the failure counts although the page answers 422
        error = _("Koden stemmer ikke, eller den er brukt før. Skriv koden som vises i appen nå.")
    status = 422 if request.method == "POST" else 200
    return render_template("auth/second_factor.html", form=form, error=error, next_url=next_url), status


# --- enrolment -------------------------------------------------------------------------------------------

@bp.route("/konto/tofaktor/ny", methods=["GET", "POST"])
@allow(*ALL_ROLES)
@open_before_second_factor
def two_factor_enrol():
    next_url = request.args.get("next")
    user = current_user._get_current_object()
    if two_factor.pending_step(user) == two_factor.CODE:
        return redirect(two_factor.step_url(two_factor.CODE, next_url))
    if user.has_second_factor:
        flash(_("Tofaktor er allerede satt opp for kontoen din."), "info")
        return redirect(url_for("auth.two_factor_status"))
    secret = two_factor.candidate_secret(user)
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        codes = two_factor.confirm_enrolment(user, form.code.data)
        if codes is not None:
            two_factor.mark_given()
            record("change", "user", user.id, f"{user.username} satte opp tofaktorinnlogging", user=user)
            return render_template("auth/recovery_codes.html", codes=codes, next_url=_safe_next(next_url))
        error = _("Koden stemmer ikke. Skriv koden som appen viser nå (den skifter hvert 30. sekund).")
    status = 422 if request.method == "POST" else 200
    return render_template(
        "auth/two_factor_enrol.html", form=form, error=error, required=two_factor.required(user),
        pending=two_factor.pending_step(user) is not None, qr=two_factor.qr_data_uri(user, secret),
        secret=two_factor.grouped(secret), uri=two_factor.provisioning_uri(user, secret),
    ), status


# --- the account's two-factor page --------------------------------------------------------------------

def _status_page(form=None, error=None, status=200):
    user = current_user._get_current_object()
    return render_template(
        "auth/two_factor.html", user=user, form=form or CodeForm(), error=error,
        needed=two_factor.needs_second_factor(user), required=two_factor.required(user),
        waived=two_factor.waived(user), recovery_left=two_factor.unused_recovery_codes(user),
        enrolled_at=norwegian_datetime(user.totp_enrolled_at) if user.totp_enrolled_at else None,
    ), status


@bp.route("/konto/tofaktor")
@allow(*ALL_ROLES)
def two_factor_status():
    return _status_page()


@bp.route("/konto/tofaktor/av", methods=["POST"])
@allow(*ALL_ROLES)
def two_factor_off():
    """Turn two-factor login off, with a code as proof: only for an account that need not have it."""
    user = current_user._get_current_object()
    if not user.has_second_factor:
        return redirect(url_for("auth.two_factor_status"), 303)
    if two_factor.needs_second_factor(user):
        flash(_("Tofaktor er påkrevd for kontoen din og kan ikke slås av."), "error")
        return redirect(url_for("auth.two_factor_status"), 303)
    form = CodeForm()
    if not form.validate_on_submit():
        return _status_page(form, status=422)
    if two_factor.check(user, form.code.data) is None:
        return _status_page(form, _("Koden stemmer ikke, eller den er brukt før."), 422)
    user.reset_second_factor()
    record("change", "user", user.id, f"{user.username} slo av tofaktorinnlogging", user=user)
    flash(_("Tofaktor er slått av. Du logger inn med bare passord."), "success")
    return redirect(url_for("auth.two_factor_status"), 303)
