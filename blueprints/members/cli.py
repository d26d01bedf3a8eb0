"""`flask members ...` commands."""
from . import bp  # noqa: F401
