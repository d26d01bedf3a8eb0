"""The distribution's background job (web/jobs.py)."""
from models import User, db
from models.receiving import period_text
from rules.csvfile import ParseError
from rules.deduction_file import parse_month
from web.jobs import JobRefused, Progress, job

from .services import Refused, run_as_dict, run_distribution

KIND = "distribution.run"


@job(KIND)
def distribution_job(params: dict, progress: Progress) -> dict:
    """Run the distribution of a month; params: {"period": "YYYY-MM", "user_id": id}."""
    try:
        period = parse_month(str(params.get("period", "")))
    except ParseError as error:
        raise JobRefused(str(error)) from error
    user = db.session.get(User, params.get("user_id"))
    try:
        run = run_distribution(period, user, progress=progress)
    except Refused as refused:
        raise JobRefused(refused.message) from refused
    if run is None:
        raise JobRefused(f"Ingenting å fordele til og med {period_text(period)}: ingen framførte og betalte "
                         "trekklister som ikke er fordelt før.")
    return run_as_dict(run)
