"""The distribution pages (a stub until the pages are built)."""
from web.access import REGISTER_ROLES, allow
from web.pages import render_page

from . import bp


@bp.route("/")
@allow(*REGISTER_ROLES)
def index():
    return render_page("distribution/index.html")
