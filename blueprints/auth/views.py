from urllib.parse import urlsplit

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import db
from web.access import ALL_ROLES, allow, public
from web.formatting import norwegian_datetime
from web.sessions import end_session, record_attempt, signed_out, start_session, throttled_until
from web.two_factor import CODE, login_step, open_before_second_factor, step_url

from . import bp
from .forms import LoginForm
from .services import audit_login, check_credentials


def _safe_next(target: str | None) -> str:
    """Only a path on this site; anything else goes to the start page.

    Browsers read a backslash as a slash and drop tabs and newlines, so `/\\evil.example` would leave."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and target.isprintable() and not urlsplit(target).netloc):
        return target
    return url_for("home.index")


@bp.route("/logg-inn", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        username = form.username.data.strip()
        until = throttled_until(username, request.remote_addr)
        if until:
            error = _("For mange mislykkede innlogginger. Av sikkerhetshensyn må du vente 15 minutter: "
                      "du kan prøve igjen etter %(when)s.", when=norwegian_datetime(until))
        else:
            user = check_credentials(username, form.password.data)
            if user is None:
                error = _("Feil brukernavn eller passord.")
            elif user.blocked:
                error = _("Kontoen er sperret. Kontakt Medlemsregisteret.")
            elif user.declaration_date is None:
                error = _("Kontoen er ikke aktivert: taushetserklæringen er ikke registrert. "
                          "Kontakt Medlemsregisteret.")
            record_attempt(username, success=user is not None and error is None)
            if error is None:
                start_session(user)
                step = login_step(user)  # two-factor: the code, or the enrolment a required factor waits for
                if step != CODE:
                    audit_login(user)  # with a code, the code page writes it once the code is given
                db.session.commit()
                if step:
                    return redirect(step_url(step, request.args.get("next")), 303)
                return redirect(_safe_next(request.args.get("next")), 303)
            db.session.commit()  # the failed attempt counts even though the page answers 422
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logg-ut", methods=["POST"])
@allow(*ALL_ROLES)
@open_before_second_factor
def logout():
    end_session()
    return signed_out(redirect(url_for("auth.login"), 303))


@bp.route("/sprak", methods=["POST"])
@public
def language():
    lang = request.form.get("lang")
    if lang in ("nb", "en"):
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")), 303)
