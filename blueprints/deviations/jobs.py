"""The deduction lists' background jobs (web/jobs.py)."""
from rules.csvfile import ParseError
from rules.deduction_file import parse_month
from web.jobs import JobRefused, Progress, job

from .services import Refused, form_lists

KIND = "lists.form"


@job(KIND)
def form_lists_job(params: dict, progress: Progress) -> dict:
    """Form the expected lists of a month; params: {"period": "YYYY-MM"}."""
    try:
        period = parse_month(str(params.get("period", "")))
    except ParseError as error:
        raise JobRefused(str(error)) from error
    try:
        return form_lists(period, progress=progress).as_dict()
    except Refused as refused:
        raise JobRefused(refused.message) from refused
