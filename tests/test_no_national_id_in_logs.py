"""No log line of the app writes an identity number (DOMAIN.md section 8). The app's own log calls write
ids and fixed texts only; what could carry one is a traceback: a database error quotes the statement's
values unless the engine hides them, and PostgreSQL names the identity number a unique key refused. So
the engine hides statement values, and every log record masks eleven-digit numbers (web.logredact)."""
import json
import logging
from datetime import date

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


def test_any_log_line_masks_an_identity_number(app, caplog):
    """Whatever writes it, to whichever logger: the message, its arguments, the exception's text."""
    nid = "17058025194"
    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug").info('"%s /medlemmer/?q=%s HTTP/1.1" %s -', "GET", f"{nid[:6]}+{nid[6:]}", 200)
        try:
            raise ValueError(f"Key (national_id)=({nid}) already exists.")
        except ValueError:
            app.logger.exception("Exception on /medlemmer/ [POST]")
        logging.getLogger("web.jobs").warning(f"the account {nid[:6]} {nid[6:]}")
        for separator in ("-", ".", "/", "%20", "%2B", "%2b"):  # as typed, or as a URL carries it
            logging.getLogger("werkzeug").info('"GET /medlemmer/?q=%s HTTP/1.1" 303 -', nid[:6] + separator + nid[6:])
    assert len(caplog.records) == 9
    assert "already exists" in caplog.text and "/medlemmer/?q=" in caplog.text
    assert nid not in caplog.text and nid[:6] not in caplog.text
    assert caplog.text.count("[11 digits]") == 9
