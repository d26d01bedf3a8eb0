from flask import Blueprint

bp = Blueprint("withdrawal", __name__, url_prefix="/utmelding")

from . import views  # noqa: E402,F401
