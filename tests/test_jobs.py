"""The background job runner (web/jobs.py): a job's progress, result and failure are kept in its row;
inline it runs at once, in a thread it starts only when the submitting transaction has committed."""
import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import County, Job, changes, db, utcnow
from rules.csvfile import ParseError
from web import jobs

from .conftest import database_url, make_migrated_app


@pytest.fixture
def registered(monkeypatch):
    """Register job functions for one test only: registered(kind, function)."""
    def register(kind, function):
        monkeypatch.setitem(jobs.JOBS, kind, function)
    return register


def counties_named(name: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(County).where(County.name == name))


def test_an_inline_job_records_its_progress_and_result(app_ctx, registered):
    seen = []

    def count_to_three(params, progress):
        for done in range(1, 4):
            progress(done, 3)
            itself = jobs.running("test.count")  # the row, as another worker reads it
            seen.append((itself.state, itself.done, itself.total))
        return {"message": f"Talte til {params['to']}.", "counted": 3}

    registered("test.count", count_to_three)
    row = jobs.submit("test.count", {"to": 3}, None)
    db.session.expire_all()
    stored = db.session.get(Job, row.id)
    assert stored.state == "done" and stored.finished
    assert (stored.done, stored.total, stored.percent) == (3, 3, 100)
    assert stored.outcome == {"message": "Talte til 3.", "counted": 3}
    assert stored.message == "Talte til 3."
    assert stored.arguments == {"to": 3}
    assert stored.started_at is not None and stored.finished_at >= stored.started_at
    assert seen == [("running", 1, 3), ("running", 2, 3), ("running", 3, 3)]
    assert jobs.running("test.count") is None


def test_a_refused_job_fails_with_the_message_for_the_user(app_ctx, registered):
    def refuse(params, progress):
        raise jobs.JobRefused("Perioden 13.2026 finnes ikke.")

    registered("test.refuse", refuse)
    row = jobs.submit("test.refuse", {}, None)
    db.session.expire_all()
    stored = db.session.get(Job, row.id)
    assert stored.state == "failed" and stored.finished
    assert stored.message == "Perioden 13.2026 finnes ikke."
    assert stored.result is None and stored.finished_at is not None


@pytest.mark.parametrize("refusal", [changes.Refused(None, "Måneden er allerede fordelt."),
                                     ParseError("Måneden er allerede fordelt.")])
def test_a_refusal_of_the_rules_is_the_jobs_message(app_ctx, registered, caplog, refusal):
    def refuse(params, progress):
        raise refusal

    registered("test.rules-refuse", refuse)
    with caplog.at_level(logging.ERROR, logger="web.jobs"):
        row = jobs.submit("test.rules-refuse", {}, None)
    db.session.expire_all()
    stored = db.session.get(Job, row.id)
    assert stored.state == "failed" and stored.message == "Måneden er allerede fordelt."
    assert caplog.records == []  # a refusal is no error to log


def test_a_refused_job_keeps_the_details_it_gives_for_its_page(app_ctx, registered):
    def refuse(params, progress):
        db.session.add(County(number=9904, name="Aldri lagret"))
        db.session.flush()
        raise jobs.JobRefused("Filen ble avvist med 1 feil.", {"errors": [{"row": 7, "message": "Feil sum"}]})

    registered("test.refuse-details", refuse)
    row = jobs.submit("test.refuse-details", {}, None)
    db.session.expire_all()
    stored = db.session.get(Job, row.id)
    assert stored.state == "failed" and stored.message == "Filen ble avvist med 1 feil."
    assert stored.outcome == {"errors": [{"row": 7, "message": "Feil sum"}]}
    assert db.session.scalar(sa.select(County).where(County.number == 9904)) is None  # rolled back


def test_a_broken_job_fails_keeping_what_it_committed_and_logs_the_error(app_ctx, registered, caplog):
    def break_halfway(params, progress):
        db.session.add(County(number=9901, name="Før fremdriften"))
        progress(1, 2)  # commits what is done so far
        db.session.add(County(number=9902, name="Etter fremdriften"))
        db.session.flush()
        raise RuntimeError("disk full")

    registered("test.break", break_halfway)
    with caplog.at_level(logging.ERROR, logger="web.jobs"):
        row = jobs.submit("test.break", {}, None)
    db.session.expire_all()
    stored = db.session.get(Job, row.id)
    assert stored.state == "failed"
    assert stored.message.startswith("Jobben stoppet på grunn av en feil.")
    assert "disk full" not in stored.message  # no technical details for the user ...
    assert "disk full" in caplog.text  # ... but in the log, with the traceback
    assert (stored.done, stored.total) == (1, 2)
    assert counties_named("Før fremdriften") == 1 and counties_named("Etter fremdriften") == 0


def test_running_finds_the_newest_unfinished_job_of_a_kind(app_ctx):
    old = Job(kind="test.kind", state="running")
    newer = Job(kind="test.kind", state="queued")
    finished = Job(kind="test.kind", state="done")
    other = Job(kind="test.other", state="running")
    db.session.add_all([old, newer, finished, other])
    db.session.flush()
    assert jobs.running("test.kind") is newer
    newer.state = old.state = "failed"
    db.session.flush()
    assert jobs.running("test.kind") is None
    assert jobs.running("test.other") is other


def test_a_job_whose_process_died_stops_blocking_after_an_hour(app_ctx):
    dead = Job(kind="test.kind", state="running", created_at=utcnow() - jobs.STALE_AFTER - timedelta(minutes=1))
    db.session.add(dead)
    db.session.flush()
    assert jobs.running("test.kind") is None
    dead.created_at = utcnow() - jobs.STALE_AFTER + timedelta(minutes=1)
    db.session.flush()
    assert jobs.running("test.kind") is dead


def test_an_unknown_kind_is_a_programming_error(app_ctx):
    with pytest.raises(KeyError):
        jobs.submit("test.nobody-registered-this", {}, None)


@pytest.fixture(scope="module")
def threaded_app(tmp_path_factory):
    """An app on a database of its own whose jobs run in threads, as in production: the job's thread
    gets its own connection, and commits are real (the other tests share one rolled-back connection)."""
    return make_migrated_app(database_url(tmp_path_factory, "jobs"), JOB_RUNNER="thread")


@pytest.fixture
def real_session(threaded_app, monkeypatch):
    """Flask-SQLAlchemy's own sessions (one per app context, each on a pooled connection) instead of
    the test's shared connection, for as long as the test runs."""
    monkeypatch.setattr(db, "session", db._make_scoped_session({}))


def test_a_thread_job_starts_only_after_the_commit_and_records_its_result(threaded_app, real_session, registered):
    calls = []

    def work(params, progress):
        calls.append(params["n"])
        progress(1, 1)
        return {"message": "Ferdig i tråd."}

    registered("test.thread", work)
    with threaded_app.app_context():
        row = jobs.submit("test.thread", {"n": 7}, None)
        job_id = row.id
        assert jobs.wait(job_id)  # no thread before the commit ...
        assert calls == [] and row.state == "queued"
        db.session.commit()  # ... the commit starts it (reading nothing here: a read would begin a
        assert jobs.wait(job_id, timeout=30)  # transaction, and on SQLite every one begins IMMEDIATE)
        stored = db.session.get(Job, job_id)
        assert calls == [7]
        assert stored.state == "done" and stored.message == "Ferdig i tråd." and stored.percent == 100


def test_a_thread_job_rolled_back_with_its_request_never_runs(threaded_app, real_session, registered):
    calls = []
    registered("test.thread", lambda params, progress: calls.append(1) or {})
    with threaded_app.app_context():
        job_id = jobs.submit("test.thread", {}, None).id
        db.session.rollback()  # the request failed: the job's row is gone
        db.session.add(County(number=9903, name="Senere arbeid"))
        db.session.commit()  # a later commit in the same session must not start it
        assert jobs.wait(job_id, timeout=30)
        assert calls == []
        assert db.session.get(Job, job_id) is None
