""""Min konto" for every role: one's own active sessions (where, when) with ending one or all of them,
and changing one's own password."""
from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from models import db
from web.access import ALL_ROLES, allow
from web.formatting import norwegian_datetime
from web.pages import render_page
from web.passwords import MIN_PASSWORD_LENGTH, verify_password
from web.sessions import end_session, record_attempt, signed_out, throttled_until

from . import account_services as services
from . import bp
from .account_forms import EndSessionForm, PasswordChangeForm


def _account_page(status: int = 200):
    return render_page("auth/account.html", status=status,
                       sessions=services.active_sessions(current_user, session.get("sid")),
                       end_form=EndSessionForm())


@bp.route("/konto/")
@allow(*ALL_ROLES)
def account():
    return _account_page()


@bp.route("/konto/okter/avslutt", methods=["POST"])
@allow(*ALL_ROLES)
def account_end_session():
    form = EndSessionForm()
    if not form.validate_on_submit():
        return _account_page(400)
    user_session = services.find_session(current_user, form.session.data)
    if user_session is None:
        flash(_("Økten er allerede avsluttet."), "info")
        return redirect(url_for("auth.account"), 303)
    if user_session.id == session.get("sid"):
        end_session()
        return signed_out(redirect(url_for("auth.login"), 303))
    services.end_one_session(current_user, user_session)
    flash(_("Økten fra %(address)s er avsluttet.", address=user_session.remote_addr or _("ukjent adresse")),
          "success")
    return redirect(url_for("auth.account"), 303)


@bp.route("/konto/logg-ut-overalt", methods=["POST"])
@allow(*ALL_ROLES)
def account_logout_everywhere():
    services.end_every_session(current_user)
    logout_user()
    session.clear()
    flash(_("Du er logget ut overalt, også her. Logg inn igjen for å fortsette."), "info")
    return signed_out(redirect(url_for("auth.login"), 303))


@bp.route("/konto/passord", methods=["GET", "POST"])
@allow(*ALL_ROLES)
def account_password():
    form = PasswordChangeForm()
    error = None
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if until := throttled_until(user.username):
            error = _("For mange feil passord. Av sikkerhetshensyn må du vente 15 minutter: du kan prøve igjen "
                      "etter %(time)s.", time=norwegian_datetime(until))
        elif not verify_password(user.password_hash, form.current.data):
            # A wrong current password counts as a failed login: the page must not be a way to guess it.
            record_attempt(user.username, success=False)
            db.session.commit()  # counted although the page answers 422
            form.current.errors.append(_("Feil passord."))
        elif form.password.data == form.current.data:
            form.password.errors.append(_("Det nye passordet må være et annet enn det du har nå."))
        else:
            ended = services.change_password(user, form.password.data, keep=session.get("sid"))
            flash(_("Passordet er endret. De andre øktene dine (%(n)s) er avsluttet.", n=ended) if ended
                  else _("Passordet er endret."), "success")
            return redirect(url_for("auth.account"), 303)
    status = 422 if request.method == "POST" else 200
    return render_page("auth/account_password.html", status=status, form=form, error=error,
                       min_password=MIN_PASSWORD_LENGTH)
