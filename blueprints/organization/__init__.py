from flask import Blueprint

bp = Blueprint("organization", __name__, url_prefix="/organisasjon", cli_group="org")

from . import cli, views  # noqa: E402,F401
