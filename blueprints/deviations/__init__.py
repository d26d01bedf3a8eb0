from flask import Blueprint

bp = Blueprint("deviations", __name__, url_prefix="/trekklister", cli_group="lists")

from . import cli, jobs, views  # noqa: E402,F401
