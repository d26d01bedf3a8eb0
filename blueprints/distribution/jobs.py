"""The distribution's background job (web/jobs.py)."""
from models import User, db
from rules.deduction_file import parse_month
from web.jobs import JobRefused, Progress, job

from .services import Plan, run_as_dict, run_distribution

KIND = "distribution.run"


@job(KIND)
def distribution_job(params: dict, progress: Progress) -> dict:
    """Run the distribution of a month; params: {"period": "YYYY-MM", "user_id": id}. A wrong month or a
    refusal of the rules ends the job with its message (web/jobs.py)."""
    period = parse_month(str(params.get("period", "")))
    run = run_distribution(period, db.session.get(User, params.get("user_id")), progress=progress)
    if run is None:
        raise JobRefused(Plan(period).message)
    return run_as_dict(run)
