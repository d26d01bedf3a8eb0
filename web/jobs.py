"""Running background jobs (models.job.Job): forming a month's lists, payment imports and
distribution runs. A job's progress and result live in its row, so any worker can show them.

`JOB_RUNNER` (config) says where a job runs:
- "thread" (default): a thread of the web process, started when the request that submitted the job
  has committed; the job commits its own progress as it goes. Needs nothing but the database.
- "inline": at once, inside the submitting request or command (tests, and the CLI).

A job function takes its parameters and a `progress(done, total)` callback and returns a JSON-able
result. A refusal (`JobRefused`, or the rules' own: `models.changes.Refused`, `rules.csvfile.ParseError`)
becomes the job's message for the user, any other error a generic one (and the log gets the
traceback).

`wait(job_id)` joins a job's thread in this process (tests; an orderly shutdown).

A job that dies with its process stays "running" in its row; `running()` stops counting it an hour
after it was submitted (`STALE_AFTER`; the longest job, forming a month, takes under a minute), so the
work can be started again.
"""
import json
import logging
import threading
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, abort, current_app

from models import Job, changes, db, utcnow
from models.codes import N_
from models.job import DONE, FAILED, QUEUED, RUNNING
from rules.csvfile import ParseError

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
JOBS: dict[str, Callable[[dict, Progress], dict]] = {}
_threads: dict[int, threading.Thread] = {}  # the jobs this process runs now, for wait()
_lock = threading.Lock()
STALE_AFTER = timedelta(hours=1)
# Stored as it is (Norwegian) and translated where the job is shown (Job.shown_message).
FAILED_MESSAGE = N_("Jobben stoppet på grunn av en feil. Det som var gjort før feilen, er lagret; kjør den på nytt.")


class JobRefused(ValueError):
    """The job's input is refused; the message is for the user (Norwegian), and the result, when given,
    the details for its page (a refused file's errors, say)."""

    def __init__(self, message: str, result: dict | None = None):
        super().__init__(message)
        self.result = result


def job(kind: str):
    """Register a job function under `kind`."""
    def register(function):
        JOBS[kind] = function
        return function
    return register


def submit(kind: str, params: dict, user) -> Job:
    """Store the job and start it (see the module docstring). Returns the row."""
    if kind not in JOBS:
        raise KeyError(kind)
    row = Job(kind=kind, params=json.dumps(params), created_by=user.id if user else None)
    db.session.add(row)
    db.session.flush()
    if current_app.config.get("JOB_RUNNER", "thread") == "inline":
        run(row.id)
        return row
    app, job_id, outcome = current_app._get_current_object(), row.id, {}

    def start(_session) -> None:
        if outcome.setdefault("ended", "committed") != "committed":
            return  # rolled back before: the row is gone, nothing to run
        thread = threading.Thread(target=_run_in_app, args=(app, job_id), name=f"job-{job_id}", daemon=True)
        with _lock:
            _threads[job_id] = thread
        thread.start()

    def cancel(_session) -> None:
        outcome.setdefault("ended", "rolled back")

    sa.event.listen(db.session(), "after_commit", start, once=True)
    sa.event.listen(db.session(), "after_rollback", cancel, once=True)
    return row


def wait(job_id: int, timeout: float | None = None) -> bool:
    """Wait for a job this process runs in a thread; True when it is not running here (any more).
    For tests and orderly shutdowns; pages read the job's row instead."""
    with _lock:
        thread = _threads.get(job_id)
    if thread is None:
        return True
    thread.join(timeout)
    return not thread.is_alive()


def get(job_id: int, kind: str) -> Job:
    """A job of this kind for its progress page; any other id answers 404 (pages check the role)."""
    found = db.session.get(Job, job_id)
    if found is None or found.kind != kind:
        abort(404)
    return found


def running(kind: str) -> Job | None:
    """The newest job of this kind not yet finished and not stale (see the module docstring), if any."""
    return db.session.scalar(sa.select(Job).where(Job.kind == kind, Job.state.in_((QUEUED, RUNNING)),
                                                  Job.created_at > utcnow() - STALE_AFTER)
                             .order_by(Job.id.desc()).limit(1))


def _run_in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run(job_id)
        finally:
            db.session.remove()
            with _lock:
                _threads.pop(job_id, None)


def run(job_id: int) -> None:
    """Run one job to its end, recording progress, result or failure in its row."""
    row = db.session.get(Job, job_id)
    if row is None or row.finished:
        log.warning("job %s not found or finished already; not run", job_id)
        return
    row.state, row.started_at = RUNNING, utcnow()
    db.session.commit()

    def progress(done: int, total: int) -> None:
        row.done, row.total = done, total
        db.session.commit()

    try:
        result = JOBS[row.kind](row.arguments, progress)
    except Exception as error:  # noqa: BLE001 (a failed job is recorded, never lost)
        db.session.rollback()
        row = db.session.get(Job, job_id)
        row.state = FAILED
        if isinstance(error, JobRefused | changes.Refused | ParseError):
            row.message = str(error)
            if getattr(error, "result", None):
                row.result = json.dumps(error.result, ensure_ascii=False)
        else:
            log.exception("job %s (%s) failed", job_id, row.kind)
            row.message = FAILED_MESSAGE
    else:
        row.state = DONE
        row.result = json.dumps(result, ensure_ascii=False)
        row.message = result.get("message")
    row.finished_at = utcnow()
    db.session.commit()
