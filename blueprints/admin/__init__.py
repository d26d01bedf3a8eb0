from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", cli_group="users")

from . import cli, views  # noqa: E402,F401
