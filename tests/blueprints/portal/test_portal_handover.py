"""Handing over: Ola Olsen, payroll contact for "Aker sykehus HF", names Kari Ny as his successor; she
accepts with the link he passes on and chooses a password; Fylke Øst approves; the access moves to her
account and Ola loses it: his sessions end, and with nothing left his account is blocked."""
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from models import AccessRequest, AuditLog, User, UserScope, UserSession
from tests.factories import PASSWORD
from tests.pages import csrf_from, send, sign_in
from web import clock

CHOSEN = "karis-eget-passord-42"
LINK = re.compile(r'<p class="invitation-link"><a href="(http://localhost/portal/overta/[^"]+)">')





@pytest.fixture
def world(factory, session):
    east = factory.county(name="Fylke Øst")
    lag_a = factory.branch(east, name="Lag A")
    aker, bergen = factory.employer(name="Aker sykehus HF"), factory.employer(name="Bergen kommune")
    ward = factory.workplace(aker, lag_a, name="Sengepost 3")
    kitchen = factory.workplace(aker, lag_a, name="Kjøkkenet")
    ola = factory.user("employer", employers=[aker], username="ola@aker.example")
    ola.full_name = "Ola Olsen"
    session.flush()
    return SimpleNamespace(east=east, lag_a=lag_a, aker=aker, bergen=bergen, ward=ward, kitchen=kitchen, ola=ola,
                           county_officer=factory.user("county", counties=[east]))


def invite(client, name="Kari Ny", email="kari@aker.example", **extra) -> str:
    response = send(client, "/portal/overlevering", {"full_name": name, "email": email, **extra})
    assert response.status_code == 200, response.get_data(as_text=True)
    found = LINK.search(response.get_data(as_text=True))
    assert found, "no invitation link on the page"
    return found.group(1)


def accept(link, app, password=CHOSEN, repeated=None):
    client = app.test_client()
    page = client.get(link)
    assert page.status_code == 200
    return client.post(link, data={"password": password, "password2": repeated or password, "confirm": "y",
                                   "csrf_token": csrf_from(page)})


def approve(app, officer, request_id):
    client = sign_in(app, officer)
    return send(client, f"/portal/foresporsler/{request_id}", {"action": "approve", "declaration_date": "01.03.2026"})


def the_request(session) -> AccessRequest:
    session.expire_all()
    return session.scalar(sa.select(AccessRequest).order_by(AccessRequest.id.desc()))


def test_handover_end_to_end(app, world, session):
    ola = sign_in(app, world.ola)
    page = ola.get("/portal/overlevering").get_data(as_text=True)
    assert "Aker sykehus HF" in page and "hele arbeidsgiveren" in page

    link = invite(ola)
    invitation = the_request(session)
    assert (invitation.state, invitation.takes_over_from, invitation.employer_id, invitation.workplace_ids) == (
        "invited", world.ola.id, world.aker.id, None)
    token = link.rsplit("/", 1)[1]
    assert invitation.token_hash and token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert invitation.county_id == world.east.id

    later = ola.get("/portal/overlevering").get_data(as_text=True)
    assert token not in later and "Invitert, ikke akseptert" in later  # the link is shown once

    # Kari opens the link, sees who invites her to what, and accepts.
    kari_page = app.test_client().get(link).get_data(as_text=True)
    assert "Ola Olsen har invitert deg, Kari Ny" in kari_page and "Aker sykehus HF" in kari_page
    assert "kari@aker.example" in kari_page
    response = accept(link, app)
    assert response.status_code == 303 and response.location == "/portal/tilgang/sendt"
    invitation = the_request(session)
    assert invitation.state == "pending" and invitation.token_hash is None and invitation.password_hash
    assert app.test_client().get(link).status_code == 404  # used once

    # The county sees it as a handover from Ola and approves.
    officer = sign_in(app, world.county_officer)
    queue = officer.get("/portal/foresporsler").get_data(as_text=True)
    assert "Kari Ny" in queue and "Overtar fra Ola Olsen" in queue
    assert approve(app, world.county_officer, invitation.id).status_code == 303

    session.expire_all()
    kari = session.scalar(sa.select(User).where(User.username == "kari@aker.example"))
    assert [(s.kind, s.ref_id) for s in kari.scopes] == [("employer", world.aker.id)]
    old = session.get(User, world.ola.id)
    assert old.scopes == [] and old.blocked
    assert session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
        UserSession.user_id == old.id, UserSession.ended_at.is_(None))) == 0
    audit = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "user", AuditLog.entity_id == old.id,
                                                     AuditLog.action == "update"))
    assert "overleverte tilgangen til Aker sykehus HF til kari@aker.example" in audit.summary

    # Ola's old session is refused; he cannot log in again; Kari can, and has Aker.
    refused = ola.get("/portal/overlevering")
    assert refused.status_code == 302 and refused.location.startswith("/logg-inn")
    anonymous = app.test_client()
    page = anonymous.get("/logg-inn")
    again = anonymous.post("/logg-inn", data={"username": "ola@aker.example", "password": PASSWORD,
                                                      "csrf_token": csrf_from(page)})
    assert again.status_code == 422 and "Kontoen er sperret." in again.get_data(as_text=True)
    kari_client = sign_in(app, kari, password=CHOSEN)
    assert "Aker sykehus HF" in kari_client.get("/portal/overlevering").get_data(as_text=True)


def test_handing_over_one_of_two_employers_keeps_the_other(app, world, factory, session):
    world.ola.scopes.append(UserScope(kind="employer", ref_id=world.bergen.id))
    session.flush()
    ola = sign_in(app, world.ola)
    missing = send(ola, "/portal/overlevering", {"full_name": "Kari Ny", "email": "kari@aker.example"})
    assert missing.status_code == 422
    assert "Velg en av arbeidsgiverne du har ansvar for." in missing.get_data(as_text=True)

    link = invite(ola, employer=str(world.aker.id))
    assert accept(link, app).status_code == 303
    assert approve(app, world.county_officer, the_request(session).id).status_code == 303

    session.expire_all()
    old = session.get(User, world.ola.id)
    assert [(s.kind, s.ref_id) for s in old.scopes] == [("employer", world.bergen.id)] and not old.blocked
    # his scopes changed, so his session ended at once (issue 12: a change of scopes ends every session)
    assert ola.get("/portal/overlevering").status_code == 302
    page = sign_in(app, old).get("/portal/overlevering")
    assert page.status_code == 200  # signed in again, with Bergen only
    assert "Bergen kommune" in page.get_data(as_text=True) and "Aker sykehus HF (" not in page.get_data(as_text=True)


def test_workplace_scopes_move_as_workplaces(app, world, factory, session):
    contact = factory.user("employer", username="wenche@aker.example")
    contact.scopes = [UserScope(kind="workplace", ref_id=world.ward.id)]
    session.flush()
    client = sign_in(app, contact)
    link = invite(client, name="Kari Ny", email="kari@aker.example")
    invitation = the_request(session)
    assert invitation.workplace_id_list == [world.ward.id]
    assert accept(link, app).status_code == 303
    assert approve(app, world.county_officer, invitation.id).status_code == 303
    session.expire_all()
    kari = session.scalar(sa.select(User).where(User.username == "kari@aker.example"))
    assert [(s.kind, s.ref_id) for s in kari.scopes] == [("workplace", world.ward.id)]
    assert session.get(User, contact.id).blocked


def test_an_expired_invitation_is_a_neutral_404(app, world, session):
    ola = sign_in(app, world.ola)
    link = invite(ola)
    invitation = the_request(session)
    invitation.created_at = clock.now_utc() - timedelta(days=15)
    session.flush()
    client = app.test_client()
    response = client.get(link)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Fant ikke siden" in html and "Aker sykehus HF" not in html and "Ola" not in html
    token_post = client.post(link, data={"password": CHOSEN, "password2": CHOSEN, "confirm": "y",
                                         "csrf_token": csrf_from(client.get("/logg-inn"))})
    assert token_post.status_code == 404
    assert the_request(session).state == "invited"
    assert "Utløpt; lag en ny invitasjon" in ola.get("/portal/overlevering").get_data(as_text=True)


def test_an_unknown_token_is_the_same_404(app, world):
    response = app.test_client().get("/portal/overta/" + "x" * 43)
    assert response.status_code == 404 and "Fant ikke siden" in response.get_data(as_text=True)


def test_a_new_invitation_replaces_the_earlier_one(app, world, session):
    ola = sign_in(app, world.ola)
    first = invite(ola, name="Kari Ny", email="kari@aker.example")
    second = invite(ola, name="Knut Ny", email="knut@aker.example")
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200
    session.expire_all()
    states = session.execute(sa.select(AccessRequest.email, AccessRequest.state).order_by(AccessRequest.id)).all()
    assert states == [("kari@aker.example", "refused"), ("knut@aker.example", "invited")]


@pytest.mark.parametrize("email, message", [
    ("ola@aker.example", "Det er din egen e-postadresse."),
    ("kari.aker.example", "E-postadressen er ikke gyldig."),
])
def test_the_handover_form_refuses_bad_input(app, world, session, email, message):
    ola = sign_in(app, world.ola)
    response = send(ola, "/portal/overlevering", {"full_name": "Kari Ny", "email": email})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert not LINK.search(response.get_data(as_text=True))
    assert the_request(session) is None


def test_accepting_needs_equal_passwords(app, world, session):
    link = invite(sign_in(app, world.ola))
    response = accept(link, app, password=CHOSEN, repeated=CHOSEN + "!")
    assert response.status_code == 422
    assert "Passordene er ikke like." in response.get_data(as_text=True)
    invitation = the_request(session)
    assert invitation.state == "invited" and invitation.password_hash is None


def test_an_invitation_from_a_blocked_account_is_not_accepted(app, world, session):
    link = invite(sign_in(app, world.ola))
    session.get(User, world.ola.id).blocked = True
    session.flush()
    assert app.test_client().get(link).status_code == 404


@pytest.mark.parametrize("role", ["branch", "county", "central"])
def test_union_users_cannot_hand_over(app, world, factory, role):
    scopes = {"branch": {"branches": [world.lag_a]}, "county": {"counties": [world.east]}, "central": {}}[role]
    client = sign_in(app, factory.user(role, **scopes))
    assert client.get("/portal/overlevering").status_code == 403
    assert send(client, "/portal/overlevering", {"full_name": "X", "email": "x@y.example"}).status_code == 403
