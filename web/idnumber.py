"""The app's reading of identity numbers: rules.idnumbers with the app's setting for synthetic test numbers.

ALLOW_SYNTHETIC_NATIONAL_IDS (False unless set; never in production) lets synthetic test numbers
(month + 80) through. Forms, imports, the portal and enrollment import parse_national_id from here,
so the setting is read in one place and the rules stay free of Flask.
"""
from flask import current_app, has_app_context

from rules import idnumbers
from rules.idnumbers import InvalidNumber, NationalId

__all__ = ["InvalidNumber", "NationalId", "parse_national_id", "synthetic_allowed"]


def synthetic_allowed() -> bool:
    return bool(has_app_context() and current_app.config.get("ALLOW_SYNTHETIC_NATIONAL_IDS", False))


def parse_national_id(value: str) -> NationalId:
    return idnumbers.parse_national_id(value, allow_synthetic=synthetic_allowed())
