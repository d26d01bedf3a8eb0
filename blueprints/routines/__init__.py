from flask import Blueprint

bp = Blueprint("routines", __name__, url_prefix="/rutiner", cli_group="routines")

from . import cli, views  # noqa: E402,F401
