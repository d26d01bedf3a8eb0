from flask import Blueprint

bp = Blueprint("dues", __name__, cli_group="dues")

from . import cli  # noqa: E402,F401
