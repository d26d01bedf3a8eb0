from flask import Blueprint

bp = Blueprint("members", __name__, url_prefix="/medlemmer", cli_group="members")

from . import changes, cli, views  # noqa: E402,F401
