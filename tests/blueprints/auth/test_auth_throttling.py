"""Login throttling counts the account, however its name is typed, and lets a busy address (a union
office or a county behind one NAT) go on signing in while a guesser spraying many accounts from it
gets one guess per account per window."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import LoginAttempt, utcnow
from tests.factories import PASSWORD
from tests.pages import csrf_from
from web.sessions import ACCOUNT_FAILURES, ADDRESS_FAILURES

THROTTLED = "For mange mislykkede innlogginger. Av sikkerhetshensyn må du vente 15 minutter"
WRONG = "feil-passord-her"
OFFICE = "10.20.30.40"  # one NAT address for a whole office


def attempt(app, username, password, address):
    """One login from `address` in a browser of its own; returns the answer."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    token = csrf_from(client.get("/logg-inn", environ_base=environ))
    return client.post("/logg-inn", data={"username": username, "password": password, "csrf_token": token},
                       environ_base=environ)


def officer(factory, username=None):
    """A branch officer (one branch: no second factor, so a right password signs straight in)."""
    return factory.user("branch", branches=[factory.branch()], username=username)


@pytest.mark.parametrize("username, typed", [
    ("kari.lonn@kommune.no", ["Kari.Lonn@kommune.no", "KARI.LONN@KOMMUNE.NO", " kari.lonn@Kommune.no ",
                              "kari.LONN@kommune.no", "Kari.lonn@Kommune.No"]),
    ("ola.nordmann", ["Ola.Nordmann", "OLA.NORDMANN", "ola.Nordmann", " Ola.nordmann", "OLA.nordmann"]),
])
def test_changing_the_letter_case_does_not_get_round_the_account_lock(app, factory, username, typed):
    officer(factory, username)
    assert len(typed) == ACCOUNT_FAILURES
    for n, variant in enumerate(typed):  # each from an address of its own: only the account can count them
        assert attempt(app, variant, WRONG, f"192.0.2.{n + 1}").status_code == 422
    response = attempt(app, username, PASSWORD, "198.51.100.7")
    assert response.status_code == 422
    assert THROTTLED in response.get_data(as_text=True)


def test_a_plain_username_signs_in_whatever_the_letter_case(app, factory):
    officer(factory, "ola.nordmann")
    assert attempt(app, "Ola.Nordmann", PASSWORD, OFFICE).status_code == 303


def test_five_wrong_passwords_at_one_address_do_not_lock_out_the_next_person_there(app, factory):
    colleagues = [officer(factory) for _ in range(5)]
    for person in colleagues:  # five people at the office each mistype once
        assert attempt(app, person.username, WRONG, OFFICE).status_code == 422
    anne = officer(factory)
    assert attempt(app, anne.username, PASSWORD, OFFICE).status_code == 303
    assert attempt(app, colleagues[0].username, PASSWORD, OFFICE).status_code == 303


def spray(session, address, count, at=None):
    """`count` failed logins of made-up accounts from `address` within the last minutes."""
    at = at or utcnow() - timedelta(minutes=5)
    session.add_all(LoginAttempt(username=f"gjett{n}", remote_addr=address, success=False, at=at)
                    for n in range(count))
    session.flush()


def test_past_the_address_threshold_one_failure_locks_the_account_it_named(app, factory, session):
    target, colleague = officer(factory), officer(factory)
    spray(session, OFFICE, ADDRESS_FAILURES)
    assert attempt(app, target.username, WRONG, OFFICE).status_code == 422
    # The guesser's one guess at this account is spent: even the right password waits, from anywhere.
    response = attempt(app, target.username, PASSWORD, "198.51.100.7")
    assert response.status_code == 422
    assert THROTTLED in response.get_data(as_text=True)
    # A person at the same address whose account was not guessed at signs in as usual.
    assert attempt(app, colleague.username, PASSWORD, OFFICE).status_code == 303


def test_below_the_address_threshold_one_failure_locks_nothing(app, factory, session):
    target = officer(factory)
    spray(session, OFFICE, ADDRESS_FAILURES - 1)
    assert attempt(app, target.username, WRONG, OFFICE).status_code == 422
    assert attempt(app, target.username, PASSWORD, OFFICE).status_code == 303


def test_the_address_count_forgets_failures_older_than_the_window(app, factory, session):
    target = officer(factory)
    spray(session, OFFICE, ADDRESS_FAILURES, at=utcnow() - timedelta(minutes=16))
    assert attempt(app, target.username, WRONG, OFFICE).status_code == 422
    assert attempt(app, target.username, PASSWORD, OFFICE).status_code == 303


def test_attempts_are_counted_under_the_account_not_as_typed(app, factory, session):
    officer(factory, "kari.lonn@kommune.no")
    attempt(app, "  Kari.Lonn@Kommune.NO ", WRONG, OFFICE)
    typed = session.scalars(sa.select(LoginAttempt.username).where(LoginAttempt.remote_addr == OFFICE)).all()
    assert typed == ["kari.lonn@kommune.no"]
