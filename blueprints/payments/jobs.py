"""The import of a bank's payment file as a background job (web/jobs.py). The file travels in the
job's parameters as text (latin-1, one character per byte, so the bytes come back unchanged) and stays
with the job as the file that was uploaded."""
from models import User, db
from web.jobs import JobRefused, Progress, job

from . import services

KIND = "payments.import"


def params(user, data: bytes, file_name: str | None) -> dict:
    return {"user_id": user.id, "file_name": file_name, "data": data.decode("latin-1")}


@job(KIND)
def import_job(params: dict, progress: Progress) -> dict:
    """All or nothing, as services.import_payment_file; a refused file fails the job with its errors."""
    outcome = services.import_payment_file(db.session.get(User, params.get("user_id")),
                                           params.get("data", "").encode("latin-1"), params.get("file_name"))
    if not outcome.ok:
        raise JobRefused(outcome.message, outcome.as_dict())
    return outcome.as_dict()
