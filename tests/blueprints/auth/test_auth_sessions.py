"""Server-side sessions: cookie flags, logout, idling out, blocking, fixation, and CSRF on every POST.

Tests with two browsers make both with `app.test_client()` (`sign_in`): pytest-flask's `client` keeps
its last request's context pushed, and a second client's request would then share its `g` (and so
its signed-in user).
"""
from datetime import timedelta

import sqlalchemy as sa

from models import PersonNote, User, UserSession
from tests.factories import PASSWORD
from tests.pages import answer_second_factor, csrf_from
from tests.test_access import sign_in

COOKIE = "register_session"


def cookie_value(client) -> str:
    return client.get_cookie(COOKIE).value


def goes_to_login(response) -> bool:
    return response.status_code == 302 and response.location.startswith("/logg-inn")


def user_session_of(session, user) -> UserSession:
    return session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)).one()


def test_the_session_cookie_is_httponly_and_samesite_lax(factory, login):
    response = login(factory.user("central"))
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE + "=")]
    assert cookies, response.headers
    attributes = {part.strip().lower() for part in cookies[-1].split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_logout_ends_the_session_on_the_server(app, factory, session):
    user = factory.user("central")
    client = sign_in(app, user)
    stolen = cookie_value(client)
    response = client.post("/logg-ut", data={"csrf_token": client.csrf})
    assert response.status_code == 303 and response.location == "/logg-inn"
    assert goes_to_login(client.get("/"))

    replay = app.test_client()
    replay.set_cookie(COOKIE, stolen)
    assert goes_to_login(replay.get("/medlemmer/"))
    assert user_session_of(session, user).ended_at is not None


def test_a_copied_cookie_works_until_logout(app, factory):
    """The replay test above proves something only if the copied cookie worked before logout."""
    client = sign_in(app, factory.user("central"))
    copy = app.test_client()
    copy.set_cookie(COOKIE, cookie_value(client))
    assert copy.get("/medlemmer/").status_code == 200


def test_thirty_idle_minutes_end_the_session(client, factory, login, session):
    user = factory.user("central")
    login(user)
    assert client.get("/medlemmer/").status_code == 200
    user_session = user_session_of(session, user)
    user_session.last_seen -= timedelta(minutes=31)
    session.flush()

    response = client.get("/medlemmer/")
    assert goes_to_login(response)
    page = client.get(response.location).get_data(as_text=True)
    assert "Økten ble avsluttet etter 30 minutter uten aktivitet. Logg inn igjen." in page
    session.expire_all()
    assert user_session_of(session, user).ended_at is not None


def test_twenty_nine_idle_minutes_keep_the_session(client, factory, login, session):
    user = factory.user("central")
    login(user)
    user_session = user_session_of(session, user)
    user_session.last_seen -= timedelta(minutes=29)
    session.flush()
    assert client.get("/medlemmer/").status_code == 200


def test_a_signed_in_user_who_is_blocked_is_thrown_out_at_the_next_request(client, factory, login, session):
    user = factory.user("central")
    login(user)
    assert client.get("/medlemmer/").status_code == 200
    session.get(User, user.id).blocked = True
    session.flush()
    assert goes_to_login(client.get("/medlemmer/"))
    session.expire_all()
    assert user_session_of(session, user).ended_at is not None


def test_the_session_id_changes_at_login(app, factory, session):
    """An attacker who planted the pre-login cookie does not share the login it leads to."""
    user = factory.user("central")
    victim = app.test_client()
    token = csrf_from(victim.get("/logg-inn"))
    planted = cookie_value(victim)  # the anonymous session (it holds the CSRF token)
    answer_second_factor(app, victim, user, victim.post(
        "/logg-inn", data={"username": user.username, "password": PASSWORD, "csrf_token": token}))
    assert victim.get("/").status_code == 200
    assert cookie_value(victim) != planted

    attacker = app.test_client()
    attacker.set_cookie(COOKIE, planted)
    assert goes_to_login(attacker.get("/"))

    victim.post("/logg-ut", data={"csrf_token": csrf_from(victim.get("/"))})
    sign_in(app, user)
    sessions = session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)).all()
    assert len({s.id for s in sessions}) == 2  # every login a new server session


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, factory, login, session):
    branch = factory.branch()
    member = factory.member(branch)
    login(factory.user("branch", branches=[branch]))
    response = client.post(f"/medlemmer/{member.person_id}/notater", data={"text": "Uten token"})
    assert response.status_code == 400
    assert "Skjemaet er utløpt eller ugyldig. Last siden på nytt og prøv igjen." in response.get_data(as_text=True)
    response = client.post(f"/medlemmer/{member.person_id}/notater",
                           data={"text": "Feil token", "csrf_token": "feil"})
    assert response.status_code == 400
    assert session.scalar(sa.select(sa.func.count()).select_from(PersonNote)) == 0


def test_htmx_post_with_the_token_in_a_header_works(client, factory, login, session):
    branch = factory.branch()
    member = factory.member(branch)
    login(factory.user("branch", branches=[branch]))
    response = client.post(f"/medlemmer/{member.person_id}/notater", data={"text": "Via htmx"},
                           headers={"X-CSRFToken": client.csrf, "HX-Request": "true"})
    assert response.status_code < 400, response.get_data(as_text=True)
    assert session.scalars(sa.select(PersonNote.text)).all() == ["Via htmx"]


def test_logout_without_csrf_token_is_refused(client, factory, login):
    login(factory.user("central"))
    assert client.post("/logg-ut").status_code == 400
    assert client.get("/medlemmer/").status_code == 200
