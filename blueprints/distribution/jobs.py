"""The distribution's background job (web/jobs.py)."""
from datetime import date

from models import User, db
from rules.csvfile import ParseError
from rules.deduction_file import parse_period
from web.jobs import JobRefused, Progress, job

from .services import Refused, run_as_dict, run_distribution

KIND = "distribution.run"


@job(KIND)
def distribution_job(params: dict, progress: Progress) -> dict:
    """Run the distribution of a month; params: {"period": "YYYY-MM", "user_id": id}."""
    try:
        year, month = parse_period(str(params.get("period", "")))
    except ParseError as error:
        raise JobRefused(str(error)) from error
    user = db.session.get(User, params.get("user_id"))
    try:
        run = run_distribution(date(year, month, 1), user, progress=progress)
    except Refused as refused:
        raise JobRefused(refused.message) from refused
    if run is None:
        raise JobRefused(f"Ingenting å fordele til og med {month:02d}.{year}: ingen framførte og betalte "
                         "trekklister som ikke er fordelt før.")
    return run_as_dict(run)
