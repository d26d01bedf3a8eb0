from flask import Blueprint

bp = Blueprint("distribution", __name__, url_prefix="/fordeling", cli_group="distribution")

from . import cli, jobs, views  # noqa: E402,F401
