"""The deduction lists' background jobs (web/jobs.py)."""
from rules.deduction_file import parse_month
from web.jobs import Progress, job

from .services import form_lists

KIND = "lists.form"


@job(KIND)
def form_lists_job(params: dict, progress: Progress) -> dict:
    """Form the expected lists of a month; params: {"period": "YYYY-MM"}. A wrong month or a refusal of
    the rules ends the job with its message (web/jobs.py)."""
    return form_lists(parse_month(str(params.get("period", ""))), progress=progress).as_dict()
