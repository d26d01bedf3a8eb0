"""The deduction lists' background jobs (web/jobs.py)."""
from datetime import date

from web.jobs import Progress, job

from .services import form_lists


@job("lists.form")
def form_lists_job(params: dict, progress: Progress) -> dict:
    """Form the expected lists of a month; params: {"period": "YYYY-MM"}."""
    year, month = map(int, params["period"].split("-"))
    return form_lists(date(year, month, 1), progress=progress).as_dict()
