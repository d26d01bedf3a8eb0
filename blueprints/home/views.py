from flask import render_template
from flask_login import current_user

from web.access import ALL_ROLES, allow

from . import bp


@bp.route("/")
@allow(*ALL_ROLES)
def index():
    return render_template("home/index.html", user=current_user)
