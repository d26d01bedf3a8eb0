"""`flask org ...` commands."""
from . import bp  # noqa: F401
