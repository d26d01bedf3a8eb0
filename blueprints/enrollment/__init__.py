from flask import Blueprint

bp = Blueprint("enrollment", __name__, url_prefix="/innmelding")

from . import views  # noqa: E402,F401
