"""The deduction lists' background jobs (web/jobs.py)."""
from datetime import date

from rules.csvfile import ParseError
from rules.deduction_file import parse_period
from web.jobs import JobRefused, Progress, job

from .services import Refused, form_lists


@job("lists.form")
def form_lists_job(params: dict, progress: Progress) -> dict:
    """Form the expected lists of a month; params: {"period": "YYYY-MM"}."""
    try:
        year, month = parse_period(str(params.get("period", "")))
    except ParseError as error:
        raise JobRefused(str(error)) from error
    try:
        return form_lists(date(year, month, 1), progress=progress).as_dict()
    except Refused as refused:
        raise JobRefused(refused.message) from refused
