from flask import render_template

from web.access import REGISTER_ROLES, allow

from . import bp


@bp.route("/")
@allow(*REGISTER_ROLES)
def follow_ups():
    return render_template("error.html", code=501, title="Oppfølging", text="Kommer snart.")
