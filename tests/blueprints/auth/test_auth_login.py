"""Signing in: who may, the messages, throttling, the redirect after login and the language switch."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import AuditLog, LoginAttempt
from tests.factories import PASSWORD
from tests.pages import csrf_from

THROTTLED = "For mange mislykkede innlogginger. Av sikkerhetshensyn må du vente 15 minutter"


def attempt(client, username, password, query=""):
    token = csrf_from(client.get("/logg-inn"))
    return client.post("/logg-inn" + query, data={"username": username, "password": password, "csrf_token": token})


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_login_lands_on_the_start_page_and_is_audited(client, factory, session):
    user = factory.user("branch", branches=[factory.branch()])
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 303
    assert response.location == "/"
    assert "God dag, Test branch" in client.get("/").get_data(as_text=True)
    row = session.scalar(sa.select(AuditLog).where(AuditLog.user_id == user.id, AuditLog.action == "login"))
    assert row is not None and row.actor == user.username


def test_a_portal_account_named_by_its_e_mail_may_type_it_with_capitals(client, factory):
    employer = factory.employer()
    factory.user("employer", employers=[employer], username="kari.lonn@kommune.no")
    assert attempt(client, "  Kari.Lonn@Kommune.NO", PASSWORD).status_code == 303
    assert signed_in(client)


@pytest.mark.parametrize("which", ["wrong password", "unknown user"])
def test_wrong_credentials_get_one_norwegian_message(client, factory, which):
    user = factory.user("central")
    username, password = (user.username, "feil-passord-her") if which == "wrong password" else ("ukjent", PASSWORD)
    response = attempt(client, username, password)
    assert response.status_code == 422
    assert "Feil brukernavn eller passord." in response.get_data(as_text=True)
    assert not signed_in(client)


def test_an_account_without_a_confidentiality_declaration_cannot_log_in(client, factory):
    user = factory.user("central", declaration_date=None)
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 422
    assert "taushetserklæringen er ikke registrert" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_a_blocked_account_cannot_log_in(client, factory):
    user = factory.user("central", blocked=True)
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 422
    assert "Kontoen er sperret. Kontakt Medlemsregisteret." in response.get_data(as_text=True)
    assert not signed_in(client)


def test_five_failures_for_an_account_refuse_the_sixth_even_with_the_right_password(client, factory):
    user = factory.user("central")
    for _ in range(5):
        assert attempt(client, user.username, "feil-passord-her").status_code == 422
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 422
    assert THROTTLED in response.get_data(as_text=True)
    assert not signed_in(client)


def test_four_failures_do_not_lock_the_account(client, factory):
    user = factory.user("central")
    for _ in range(4):
        attempt(client, user.username, "feil-passord-her")
    assert attempt(client, user.username, PASSWORD).status_code == 303


def test_the_lock_lifts_after_15_minutes(client, factory, session):
    user = factory.user("central")
    for _ in range(5):
        attempt(client, user.username, "feil-passord-her")
    for row in session.scalars(sa.select(LoginAttempt).where(LoginAttempt.username == user.username)):
        row.at -= timedelta(minutes=16)
    session.flush()
    assert attempt(client, user.username, PASSWORD).status_code == 303


def test_login_without_csrf_token_is_refused(client, factory):
    user = factory.user("central")
    client.get("/logg-inn")
    response = client.post("/logg-inn", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "Skjemaet er utløpt eller ugyldig" in response.get_data(as_text=True)
    assert not signed_in(client)


@pytest.mark.parametrize("target", [
    "https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
    "javascript:alert(1)", "",
])
def test_login_never_redirects_off_site(client, factory, target):
    user = factory.user("branch", branches=[factory.branch()])  # one factor
    response = attempt(client, user.username, PASSWORD, query="?" + _query(next=target))
    assert response.status_code == 303
    assert response.location == "/"


def test_login_returns_to_the_page_asked_for(client, factory):
    user = factory.user("branch", branches=[factory.branch()])  # one factor
    response = attempt(client, user.username, PASSWORD, query="?" + _query(next="/medlemmer/?q=berg"))
    assert response.location == "/medlemmer/?q=berg"


def _query(**args) -> str:
    from urllib.parse import urlencode

    return urlencode(args)


def test_a_signed_in_user_asking_for_the_login_page_goes_home(client, factory, login):
    login(factory.user("central"))
    response = client.get("/logg-inn")
    assert response.status_code == 302 and response.location == "/"


def test_language_switch_to_english_and_back(client, factory, login):
    login(factory.user("central"))
    assert '<html lang="nb">' in client.get("/").get_data(as_text=True)
    response = client.post("/sprak", data={"lang": "en", "next": "/medlemmer/", "csrf_token": client.csrf})
    assert response.status_code == 303 and response.location == "/medlemmer/"
    html = client.get("/medlemmer/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert 'value="en" aria-pressed="true"' in html
    client.post("/sprak", data={"lang": "nb", "csrf_token": client.csrf})
    assert '<html lang="nb">' in client.get("/").get_data(as_text=True)


def test_language_switch_ignores_unknown_languages_and_foreign_targets(client):
    token = csrf_from(client.get("/logg-inn"))
    response = client.post("/sprak", data={"lang": "xx", "next": "https://evil.example", "csrf_token": token})
    assert response.status_code == 303 and response.location == "/"
    assert '<html lang="nb">' in client.get("/logg-inn").get_data(as_text=True)
