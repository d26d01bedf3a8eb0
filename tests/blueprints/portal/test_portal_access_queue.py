"""The county's queue of requests for access, and its decision: approving makes a personal employer
account that logs in with the password chosen in the request; refusing needs a note.

Fylke Øst has "Aker sykehus HF" (workplaces "Sengepost 3" and "Kjøkkenet" of Lag A); Fylke Vest has
"Bergen kommune" (workplace "Rådhuset" of Lag V)."""
import json
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from blueprints.deviations import services as deviations
from models import AccessRequest, AuditLog, DeductionList, User, UserScope, db
from tests.pages import send, sign_in
from web import clock
from web.passwords import hash_password

CHOSEN = "mitt-eget-passord-123"
MARCH = date(2026, 3, 1)





@pytest.fixture
def world(factory, session, app):
    east, west = factory.county(name="Fylke Øst"), factory.county(name="Fylke Vest")
    lag_a, lag_v = factory.branch(east, name="Lag A"), factory.branch(west, name="Lag V")
    aker, bergen = factory.employer(name="Aker sykehus HF"), factory.employer(name="Bergen kommune")
    ward = factory.workplace(aker, lag_a, name="Sengepost 3")
    kitchen = factory.workplace(aker, lag_a, name="Kjøkkenet")
    town_hall = factory.workplace(bergen, lag_v, name="Rådhuset")
    with app.app_context():
        chosen_hash = hash_password(CHOSEN)

    def request(name, email, employer, county, workplaces=(), days_old=0, **fields):
        row = AccessRequest(full_name=name, email=email, employer_id=employer.id, county_id=county.id,
                            workplace_ids=json.dumps([w.id for w in workplaces]) if workplaces else None,
                            password_hash=chosen_hash, state=fields.pop("state", "pending"),
                            created_at=clock.now_utc() - timedelta(days=days_old), **fields)
        session.add(row)
        session.flush()
        return row

    return SimpleNamespace(
        east=east, west=west, lag_a=lag_a, lag_v=lag_v, aker=aker, bergen=bergen, ward=ward, kitchen=kitchen,
        town_hall=town_hall,
        lise=request("Lise Lønn", "lise@aker.example", aker, east, [ward], days_old=5),
        per=request("Per Persen", "per@aker.example", aker, east, days_old=12),
        vera=request("Vera Vest", "vera@bergen.example", bergen, west, days_old=2),
        county_officer=factory.user("county", counties=[east]),
        central=factory.user("central"),
        request=request,
    )


def pending_names(html: str) -> list[str]:
    table = re.search(r'<table class="grid access-queue">.*?</table>', html, re.S)
    if not table:
        return []
    return re.findall(r'aria-label="Behandle forespørselen fra ([^"]+)"', table.group(0))


# --- the queue ------------------------------------------------------------------------------------

def test_the_county_sees_its_own_counties_requests_oldest_first(app, world):
    client = sign_in(app, world.county_officer)
    html = client.get("/portal/foresporsler").get_data(as_text=True)
    assert pending_names(html) == ["Per Persen", "Lise Lønn"]
    assert "Vera Vest" not in html and "Bergen kommune" not in html
    assert "Sengepost 3" in html and "Hele arbeidsgiveren" in html  # Lise's workplace; Per's whole employer
    assert re.search(r'<td class="num">12</td>', html) and re.search(r'<td class="num">5</td>', html)


def test_central_sees_every_request(app, world):
    client = sign_in(app, world.central)
    html = client.get("/portal/foresporsler").get_data(as_text=True)
    assert pending_names(html) == ["Per Persen", "Lise Lønn", "Vera Vest"]


def test_decided_requests_of_the_last_30_days_are_shown_below(app, world):
    world.request("Gammel Avvist", "gammel@aker.example", world.aker, world.east, state="refused",
                  decided_at=clock.now_utc() - timedelta(days=40), decision_note="For lenge siden")
    world.request("Ny Avvist", "ny@aker.example", world.aker, world.east, state="refused",
                  decided_at=clock.now_utc() - timedelta(days=3), decision_note="Ukjent person")
    html = sign_in(app, world.county_officer).get("/portal/foresporsler").get_data(as_text=True)
    decided = re.search(r'<table class="grid access-decided">.*?</table>', html, re.S).group(0)
    assert "Ny Avvist" in decided and "Ukjent person" in decided and "Avvist" in decided
    assert "Gammel Avvist" not in html
    assert "Ny Avvist" not in pending_names(html)


@pytest.mark.parametrize("role", ["branch", "employer"])
def test_a_branch_officer_and_an_employer_contact_are_refused(app, world, factory, role):
    user = (factory.user("branch", branches=[world.lag_a]) if role == "branch"
            else factory.user("employer", employers=[world.aker]))
    client = sign_in(app, user)
    assert client.get("/portal/foresporsler").status_code == 403
    assert client.get(f"/portal/foresporsler/{world.lise.id}").status_code == 403
    assert send(client, f"/portal/foresporsler/{world.lise.id}",
                {"action": "approve", "declaration_date": "01.02.2026"}).status_code == 403


# --- approving ------------------------------------------------------------------------------------

def test_approving_makes_an_account_that_logs_in_with_the_chosen_password(app, world, factory, session):
    factory.member(world.lag_a, workplace=world.ward, first_name="Anne", last_name="Aker")
    factory.member(world.lag_v, workplace=world.town_hall, first_name="Bjørn", last_name="Bergen")
    with app.app_context():
        deviations.form_lists(MARCH)
        lists = {employer_id: list_id for list_id, employer_id in db.session.execute(
            sa.select(DeductionList.id, DeductionList.employer_id).where(DeductionList.period == MARCH))}
        db.session.commit()
    client = sign_in(app, world.county_officer)
    page = client.get(f"/portal/foresporsler/{world.lise.id}").get_data(as_text=True)
    assert "lise@aker.example" in page and "Sengepost 3" in page

    response = send(client, f"/portal/foresporsler/{world.lise.id}",
                    {"action": "approve", "declaration_date": "02.03.2026"})
    assert response.status_code == 303 and response.location == "/portal/foresporsler"
    assert "kontoen lise@aker.example er opprettet" in client.get(response.location).get_data(as_text=True)

    session.expire_all()
    user = session.scalar(sa.select(User).where(User.username == "lise@aker.example"))
    assert (user.role, user.full_name, user.email, user.declaration_date) == (
        "employer", "Lise Lønn", "lise@aker.example", date(2026, 3, 2))
    assert [(s.kind, s.ref_id) for s in user.scopes] == [("workplace", world.ward.id)]
    stored = session.get(AccessRequest, world.lise.id)
    assert (stored.state, stored.user_id, stored.decided_by) == ("approved", user.id, world.county_officer.id)
    assert stored.decided_at is not None and stored.password_hash is None
    actions = session.execute(sa.select(AuditLog.entity, AuditLog.action).where(
        AuditLog.user_id == world.county_officer.id, AuditLog.action != "login")).all()
    assert set(actions) == {("user", "create"), ("access_request", "update")}

    contact = sign_in(app, user, password=CHOSEN)
    portal = contact.get("/portal").get_data(as_text=True)
    assert f'href="/portal/liste/{lists[world.aker.id]}"' in portal
    assert f'/portal/liste/{lists[world.bergen.id]}"' not in portal and "Bergen kommune" not in portal
    assert contact.get(f"/portal/liste/{lists[world.bergen.id]}").status_code == 404
    handover = contact.get("/portal/overlevering").get_data(as_text=True)
    assert "Aker sykehus HF" in handover and "Sengepost 3" in handover and "Kjøkkenet" not in handover
    assert contact.get("/medlemmer/").status_code == 403


def test_a_request_without_workplaces_gives_the_whole_employer(app, world, session):
    client = sign_in(app, world.central)
    assert send(client, f"/portal/foresporsler/{world.per.id}",
                {"action": "approve", "declaration_date": "02.03.2026"}).status_code == 303
    session.expire_all()
    user = session.scalar(sa.select(User).where(User.username == "per@aker.example"))
    assert [(s.kind, s.ref_id) for s in user.scopes] == [("employer", world.aker.id)]


@pytest.mark.parametrize("value, message", [
    ("", "Skriv datoen da taushetserklæringen ble signert."),
    ((clock.today() + timedelta(days=1)).strftime("%d.%m.%Y"), "Datoen kan ikke være fram i tid."),
])
def test_approving_needs_the_declaration_date_not_in_the_future(app, world, session, value, message):
    client = sign_in(app, world.county_officer)
    response = send(client, f"/portal/foresporsler/{world.lise.id}", {"action": "approve", "declaration_date": value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(AccessRequest, world.lise.id).state == "pending"
    assert session.scalar(sa.select(User).where(User.username == "lise@aker.example")) is None


def test_a_username_already_taken_stores_nothing(app, world, factory, session):
    factory.user("employer", employers=[world.bergen], username="Lise@aker.example")
    client = sign_in(app, world.county_officer)
    assert "Brukernavnet finnes" in client.get("/portal/foresporsler").get_data(as_text=True)
    response = send(client, f"/portal/foresporsler/{world.lise.id}",
                    {"action": "approve", "declaration_date": "02.03.2026"})
    assert response.status_code == 422
    assert "Brukernavnet «lise@aker.example» finnes allerede. Ingen konto ble opprettet." in response.get_data(
        as_text=True)
    session.expire_all()
    assert session.get(AccessRequest, world.lise.id).state == "pending"
    assert session.scalar(sa.select(sa.func.count()).select_from(User).where(
        sa.func.lower(User.username) == "lise@aker.example")) == 1


# --- refusing -------------------------------------------------------------------------------------

def test_refusing_needs_a_note_and_is_audited(app, world, session):
    client = sign_in(app, world.county_officer)
    url = f"/portal/foresporsler/{world.per.id}"
    response = send(client, url, {"action": "refuse", "note": "  "})
    assert response.status_code == 422
    assert "Skriv hvorfor forespørselen avvises." in response.get_data(as_text=True)

    assert send(client, url, {"action": "refuse", "note": "Ikke ansatt i lønningsavdelingen"}).status_code == 303
    session.expire_all()
    stored = session.get(AccessRequest, world.per.id)
    assert (stored.state, stored.decision_note, stored.user_id) == ("refused", "Ikke ansatt i lønningsavdelingen", None)
    assert session.scalar(sa.select(User).where(User.username == "per@aker.example")) is None
    audit = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "access_request",
                                                     AuditLog.entity_id == world.per.id))
    assert audit.action == "update" and audit.user_id == world.county_officer.id

    again = send(client, url, {"action": "approve", "declaration_date": "02.03.2026"})
    assert again.status_code == 422  # a decided request stays decided
    assert session.scalar(sa.select(User).where(User.username == "per@aker.example")) is None


# --- another county's request -------------------------------------------------------------------------

def test_a_county_officer_cannot_see_or_decide_another_countys_request(app, world, session):
    client = sign_in(app, world.county_officer)
    url = f"/portal/foresporsler/{world.vera.id}"
    assert client.get(url).status_code == 404
    assert send(client, url, {"action": "approve", "declaration_date": "02.03.2026"}).status_code == 404
    assert send(client, url, {"action": "refuse", "note": "Nei"}).status_code == 404
    missing = client.get("/portal/foresporsler/999999").get_data(as_text=True)
    hidden = client.get(url).get_data(as_text=True)
    assert re.search(r"<main.*</main>", missing, re.S).group(0) == re.search(r"<main.*</main>", hidden, re.S).group(0)
    session.expire_all()
    assert session.get(AccessRequest, world.vera.id).state == "pending"
    assert session.scalar(sa.select(sa.func.count()).select_from(UserScope).where(
        UserScope.kind == "employer", UserScope.ref_id == world.bergen.id)) == 0
