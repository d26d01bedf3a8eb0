"""A branch asks for an account for a new officer (name, e-mail, one of its branches); the county of that
branch, or central, approves it once the signed confidentiality declaration is registered (the account's
username is the e-mail, and a temporary password is shown once to the approver), or refuses it with a
note. The branch sees the state of its requests (DOMAIN.md section 1).

Fylke Øst has Lag A and Lag B; Fylke Vest has Lag V."""
import json
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from models import AccountRequest, AuditLog, User
from tests.pages import csrf_from, send, sign_in, text
from web import clock


@pytest.fixture
def world(factory):
    east, west = factory.county(name="Fylke Øst"), factory.county(name="Fylke Vest")
    lag_a, lag_b, lag_v = factory.branch(east, name="Lag A"), factory.branch(east, name="Lag B"), \
        factory.branch(west, name="Lag V")
    return SimpleNamespace(
        east=east, west=west, lag_a=lag_a, lag_b=lag_b, lag_v=lag_v,
        anna=factory.user("branch", branches=[lag_a], username="anna.a"),
        bjorn=factory.user("branch", branches=[lag_b], username="bjorn.b"),
        vidar=factory.user("branch", branches=[lag_v], username="vidar.v"),
        county=factory.user("county", counties=[east], username="fylke.ost"),
        west_county=factory.user("county", counties=[west], username="fylke.vest"),
        central=factory.user("central", username="sentral.admin"),
        employer_contact=factory.user("employer", employers=[factory.employer()], username="lonn@x.example"),
    )


def requests_in(session) -> list[AccountRequest]:
    session.expire_all()
    return session.scalars(sa.select(AccountRequest).order_by(AccountRequest.id)).all()


def user_named(session, username) -> User | None:
    session.expire_all()
    return session.scalar(sa.select(User).where(User.username == username))


def errors(html: str) -> list[str]:
    return [text(e) for e in re.findall(r'<p class="error"[^>]*>(.*?)</p>', html, re.S)]


def ask(client, world, **changes):
    return send(client, "/admin/foresporsler/ny", {"full_name": "Nora Ny", "email": "Nora.Ny@Example.no",
                                                   "branch": str(world.lag_a.id), **changes})


def pending_names(html: str) -> list[str]:
    table = re.search(r'<table class="grid" id="pending-requests">.*?</table>', html, re.S)
    return re.findall(r"<tr>\s*<td>([^<]+)</td>", table.group(0)) if table else []


def test_branch_asks_the_county_approves_and_the_new_officer_logs_in(app, world, session):
    branch = sign_in(app, world.anna)
    form = branch.get("/admin/foresporsler/ny").get_data(as_text=True)
    assert re.search(rf'<option selected value="{world.lag_a.id}">', form)  # the only branch, chosen
    response = ask(branch, world)
    assert response.status_code == 303
    assert "Forespørselen om konto for Nora Ny er sendt til fylkeskretsen." in branch.get(
        response.location).get_data(as_text=True)
    [account_request] = requests_in(session)
    assert (account_request.full_name, account_request.email, account_request.branch_id,
            account_request.requested_by, account_request.state) == (
        "Nora Ny", "nora.ny@example.no", world.lag_a.id, world.anna.id, "pending")

    county = sign_in(app, world.county)
    queue = county.get("/admin/foresporsler").get_data(as_text=True)
    assert pending_names(queue) == ["Nora Ny"]
    page = county.get(f"/admin/foresporsler/{account_request.id}").get_data(as_text=True)
    assert "nora.ny@example.no" in page and "Lag A" in page

    approved = send(county, f"/admin/foresporsler/{account_request.id}",
                    {"action": "approve", "declaration_date": "10.01.2026"})
    assert approved.status_code == 200 and approved.headers["Cache-Control"] == "no-store"
    html = approved.get_data(as_text=True)
    password = re.search(r'<code id="temporary-password">([^<]+)</code>', html).group(1)
    assert "Forespørselen om konto for Nora Ny er godkjent." in text(html)

    nora = user_named(session, "nora.ny@example.no")
    assert (nora.role, nora.full_name, nora.email, nora.declaration_date, nora.blocked) == (
        "branch", "Nora Ny", "nora.ny@example.no", date(2026, 1, 10), False)
    assert [(s.kind, s.ref_id) for s in nora.scopes] == [("branch", world.lag_a.id)]
    account_request = requests_in(session)[0]
    assert (account_request.state, account_request.decided_by, account_request.user_id,
            account_request.declaration_date) == ("approved", world.county.id, nora.id, date(2026, 1, 10))
    summaries = session.scalars(sa.select(AuditLog.summary).where(AuditLog.entity.in_(("user", "account_request")))
                                .order_by(AuditLog.id)).all()
    assert summaries[-2:] == [f"Bruker nora.ny@example.no opprettet med rolle branch fra forespørsel nr. "
                              f"{account_request.id}",
                              "Forespørsel om konto for Nora Ny godkjent: konto nora.ny@example.no"]
    assert all(password not in (row or "") for row in session.scalars(sa.select(AuditLog.changes)))

    new_officer = sign_in(app, nora, password=password)
    assert "Nora Ny" in new_officer.get("/").get_data(as_text=True)
    # the branch sees that it was approved
    mine = text(branch.get("/admin/foresporsler").get_data(as_text=True))
    assert "Godkjent: kontoen er opprettet" in mine and "Ingen forespørsler venter." in mine


def test_central_decides_requests_of_every_county(app, world, session):
    ask(sign_in(app, world.vidar), world, branch=str(world.lag_v.id))
    [account_request] = requests_in(session)
    central = sign_in(app, world.central)
    assert pending_names(central.get("/admin/foresporsler").get_data(as_text=True)) == ["Nora Ny"]
    response = send(central, f"/admin/foresporsler/{account_request.id}",
                    {"action": "approve", "declaration_date": "2026-01-10"})
    assert response.status_code == 200
    assert [s.ref_id for s in user_named(session, "nora.ny@example.no").scopes] == [world.lag_v.id]


@pytest.mark.parametrize("date_typed, message", [
    ("", "Skriv datoen da taushetserklæringen ble signert. Ingen konto uten signert taushetserklæring."),
    ((clock.today() + timedelta(days=1)).strftime("%d.%m.%Y"), "Datoen kan ikke være fram i tid."),
    ("32.01.2026", None),
])
def test_no_account_without_the_signed_declaration(app, world, session, date_typed, message):
    ask(sign_in(app, world.anna), world)
    [account_request] = requests_in(session)
    county = sign_in(app, world.county)
    response = send(county, f"/admin/foresporsler/{account_request.id}",
                    {"action": "approve", "declaration_date": date_typed})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ingenting ble lagret." in html
    assert (message in errors(html)) if message else errors(html)
    assert user_named(session, "nora.ny@example.no") is None
    assert requests_in(session)[0].state == "pending"


def test_refusing_needs_a_note_which_the_branch_sees(app, world, session):
    branch = sign_in(app, world.anna)
    ask(branch, world)
    [account_request] = requests_in(session)
    county = sign_in(app, world.county)
    refused = send(county, f"/admin/foresporsler/{account_request.id}", {"action": "refuse", "note": " "})
    assert refused.status_code == 422
    assert "Skriv hvorfor forespørselen avvises." in errors(refused.get_data(as_text=True))
    assert requests_in(session)[0].state == "pending"

    response = send(county, f"/admin/foresporsler/{account_request.id}",
                    {"action": "refuse", "note": "Taushetserklæringen er ikke kommet."})
    assert response.status_code == 303
    account_request = requests_in(session)[0]
    assert (account_request.state, account_request.note, account_request.user_id) == (
        "refused", "Taushetserklæringen er ikke kommet.", None)
    mine = text(branch.get("/admin/foresporsler").get_data(as_text=True))
    assert "Avvist" in mine and "Taushetserklæringen er ikke kommet." in mine
    again = send(county, f"/admin/foresporsler/{account_request.id}",
                 {"action": "approve", "declaration_date": "10.01.2026"})
    assert again.status_code == 422 and "Forespørselen er allerede behandlet." in again.get_data(as_text=True)
    assert user_named(session, "nora.ny@example.no") is None


@pytest.mark.parametrize("changes, message", [
    ({"full_name": ""}, "Skriv fullt navn."),
    ({"email": ""}, "Skriv e-postadressen."),
    ({"email": "ikke-en-adresse"}, "E-postadressen er ikke gyldig."),
    ({"email": "ANNA.A"}, "E-postadressen er ikke gyldig."),
    ({"branch": "{lag_b}"}, "Velg en av dine fagforeninger."),
    ({"branch": "abc"}, "Velg en av dine fagforeninger."),
])
def test_refused_requests_are_told_next_to_the_field_and_nothing_is_stored(app, world, session, changes, message):
    changes = {k: v.format(lag_b=world.lag_b.id) for k, v in changes.items()}
    response = ask(sign_in(app, world.anna), world, **changes)
    assert response.status_code == 422
    assert message in errors(response.get_data(as_text=True))
    assert requests_in(session) == []


def test_an_address_with_an_account_or_a_waiting_request_is_refused(app, world, session, factory):
    factory.user("branch", branches=[world.lag_b], username="kari@example.no")
    branch = sign_in(app, world.anna)
    taken = ask(branch, world, email="Kari@example.no")
    assert taken.status_code == 422
    assert "Det finnes allerede en konto med denne e-postadressen." in errors(taken.get_data(as_text=True))
    assert ask(branch, world).status_code == 303
    twice = ask(branch, world)
    assert twice.status_code == 422
    assert "Det venter allerede en forespørsel om konto for denne e-postadressen." in errors(
        twice.get_data(as_text=True))
    assert len(requests_in(session)) == 1


def test_a_username_taken_meanwhile_stops_the_approval(app, world, session, factory):
    ask(sign_in(app, world.anna), world)
    [account_request] = requests_in(session)
    factory.user("branch", branches=[world.lag_b], username="nora.ny@example.no")
    county = sign_in(app, world.county)
    response = send(county, f"/admin/foresporsler/{account_request.id}",
                    {"action": "approve", "declaration_date": "10.01.2026"})
    assert response.status_code == 422
    assert "Brukernavnet «nora.ny@example.no» finnes allerede." in response.get_data(as_text=True)
    assert requests_in(session)[0].state == "pending"


def test_each_sees_only_the_requests_of_their_branches(app, world, session):
    ask(sign_in(app, world.anna), world)
    ask(sign_in(app, world.vidar), world, full_name="Viggo Vest", email="viggo@example.no",
        branch=str(world.lag_v.id))
    nora, viggo = requests_in(session)
    assert "Nora Ny" not in sign_in(app, world.bjorn).get("/admin/foresporsler").get_data(as_text=True)
    assert pending_names(sign_in(app, world.county).get("/admin/foresporsler").get_data(as_text=True)) == ["Nora Ny"]
    assert pending_names(sign_in(app, world.west_county).get("/admin/foresporsler").get_data(as_text=True)) == [
        "Viggo Vest"]
    west = sign_in(app, world.west_county)
    assert west.get(f"/admin/foresporsler/{nora.id}").status_code == 404
    assert send(west, f"/admin/foresporsler/{nora.id}",
                {"action": "approve", "declaration_date": "10.01.2026"}).status_code == 404
    assert requests_in(session)[0].state == "pending"


def test_who_may_ask_and_who_may_decide(app, world, session):
    ask(sign_in(app, world.anna), world)
    [account_request] = requests_in(session)
    branch = sign_in(app, world.anna)
    assert branch.get(f"/admin/foresporsler/{account_request.id}").status_code == 403
    assert send(branch, f"/admin/foresporsler/{account_request.id}",
                {"action": "approve", "declaration_date": "10.01.2026"}).status_code == 403
    for who in (world.county, world.central):
        assert sign_in(app, who).get("/admin/foresporsler/ny").status_code == 403
    employer = sign_in(app, world.employer_contact)
    for url in ("/admin/foresporsler", "/admin/foresporsler/ny", f"/admin/foresporsler/{account_request.id}"):
        assert employer.get(url).status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/admin/foresporsler").status_code == 302
    page = anonymous.get("/logg-inn")
    assert anonymous.post("/admin/foresporsler/ny", data={
        "full_name": "X", "email": "x@example.no", "branch": str(world.lag_a.id),
        "csrf_token": csrf_from(page)}).status_code == 302
    assert user_named(session, "nora.ny@example.no") is None and len(requests_in(session)) == 1
    assert json.loads(session.scalar(sa.select(AuditLog.changes).where(
        AuditLog.entity == "account_request"))) == {"state": [None, "pending"]}
