"""The payments pages (a stub until the pages are built)."""
from web.access import allow
from web.pages import render_page

from . import bp


@bp.route("/")
@allow("county", "central")
def index():
    return render_page("payments/index.html")
