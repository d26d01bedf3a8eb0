from flask import Blueprint

bp = Blueprint("transfer", __name__, url_prefix="/overforing")

from . import views  # noqa: E402,F401
