from flask import Blueprint

bp = Blueprint("deviations", __name__, url_prefix="/trekklister", cli_group="lists")

from . import cli, jobs, overview, views  # noqa: E402,F401
