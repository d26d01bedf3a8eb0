from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")

from . import access_views, message_views, views  # noqa: E402,F401
