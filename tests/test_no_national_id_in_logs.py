"""No log line of the app writes an identity number (DOMAIN.md section 8). The app's own log calls write
ids and fixed texts only; what could carry one is a traceback: a database error quotes the statement's
values unless the engine hides them. A job that fails on such an error logs its traceback without them."""
import json
import logging
from datetime import date

import pytest
import sqlalchemy as sa

from models import Job, Person, db
from web import jobs


def test_a_failing_jobs_traceback_holds_no_identity_number(app, factory, monkeypatch, caplog):
    taken = factory.person(first_name="Tatt", last_name="Nummer", birth=date(1975, 6, 7)).national_id

    def add_the_same_person_again(params, progress):
        person = Person(national_id=params["national_id"], birth_date=date(1975, 6, 7))
        person.set_names("Dobbel", "Person")
        db.session.add(person)
        db.session.flush()  # the unique identity number refuses it
        return {}

    monkeypatch.setitem(jobs.JOBS, "test.duplicate_person", add_the_same_person_again)
    with app.app_context():
        row = Job(kind="test.duplicate_person", params=json.dumps({"national_id": taken}))
        db.session.add(row)
        db.session.commit()
        with caplog.at_level(logging.ERROR, logger="web.jobs"):
            jobs.run(row.id)
        assert db.session.get(Job, row.id).state == "failed"

    [record] = [r for r in caplog.records if r.name == "web.jobs"]
    assert record.exc_info and "IntegrityError" in caplog.text  # the traceback is logged
    assert taken not in caplog.text


def test_a_database_error_does_not_quote_the_values(app, factory):
    taken = factory.person(first_name="Tatt", last_name="Nummer").national_id
    with app.app_context():
        with pytest.raises(sa.exc.IntegrityError) as raised:
            db.session.execute(sa.insert(Person).values(
                national_id=taken, birth_date=date(1980, 5, 17), first_name="A", last_name="B", name_key="b a"))
        db.session.rollback()
    assert taken not in str(raised.value)
