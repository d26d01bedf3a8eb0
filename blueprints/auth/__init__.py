from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import account, two_factor, views  # noqa: E402,F401
