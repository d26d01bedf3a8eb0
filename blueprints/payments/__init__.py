from flask import Blueprint

bp = Blueprint("payments", __name__, url_prefix="/innbetalinger", cli_group="payments")

from . import cli, views  # noqa: E402,F401
