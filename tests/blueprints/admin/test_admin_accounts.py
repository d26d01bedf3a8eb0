"""Account administration in the browser (/admin/brukere): the central registry creates, blocks, unblocks
and resets accounts of every role and changes their role and scopes; a county does the same for the
branch officers of its branches and gets 404 for anyone else; a branch officer and an employer contact
get 403. Blocking, a new password, a new second factor and a change of scopes end every session of the
account at once.

Fylke Øst has Lag A and Lag B; Fylke Vest has Lag V."""
import json
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from models import AuditLog, RecoveryCode, User
from tests.factories import PASSWORD
from tests.pages import csrf_from, send, sign_in, text
from web import clock

NEW_PASSWORD = "blå-fjord-sykkel-lanterne"


@pytest.fixture
def world(factory):
    east, west = factory.county(name="Fylke Øst"), factory.county(name="Fylke Vest")
    lag_a, lag_b, lag_v = factory.branch(east, name="Lag A"), factory.branch(east, name="Lag B"), \
        factory.branch(west, name="Lag V")
    return SimpleNamespace(
        east=east, west=west, lag_a=lag_a, lag_b=lag_b, lag_v=lag_v,
        central=factory.user("central", username="sentral.admin"),
        county=factory.user("county", counties=[east], username="fylke.ost"),
        anna=factory.user("branch", branches=[lag_a], username="anna.a"),
        vidar=factory.user("branch", branches=[lag_v], username="vidar.v"),
        both=factory.user("branch", branches=[lag_a, lag_v], username="to.fylker"),
        west_county=factory.user("county", counties=[west], username="fylke.vest"),
        employer_contact=factory.user("employer", employers=[factory.employer(name="Aker sykehus HF")],
                                      username="lonn@aker.example"),
    )


def fresh(session, user) -> User:
    session.expire_all()
    return session.get(User, user.id)


def user_named(session, username) -> User | None:
    session.expire_all()
    return session.scalar(sa.select(User).where(User.username == username))


def audit_rows(session, user) -> list[AuditLog]:
    """The account's changes in the audit log (not its logins)."""
    session.expire_all()
    return session.scalars(sa.select(AuditLog).where(AuditLog.entity == "user", AuditLog.entity_id == user.id,
                                                     AuditLog.action != "login").order_by(AuditLog.id)).all()


def signed_out(client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and "/logg-inn" in response.location


def can_log_in(app, username, password) -> bool:
    client = app.test_client()
    page = client.get("/logg-inn")
    response = client.post("/logg-inn", data={"username": username, "password": password,
                                              "csrf_token": csrf_from(page)})
    return response.status_code == 303


def errors(html: str) -> list[str]:
    return [text(e) for e in re.findall(r'<p class="error"[^>]*>(.*?)</p>', html, re.S)]


def usernames_listed(html: str) -> list[str]:
    table = re.search(r'<table class="grid" id="user-table">.*?</table>', html, re.S)
    return re.findall(r'<a href="/admin/brukere/\d+">([^<]+)</a>', table.group(0)) if table else []


def new_account_form(**changes) -> dict:
    return {"full_name": "Nina Ny", "username": "nina.ny", "email": "Nina@Example.no", "role": "branch",
            "declaration_date": "05.01.2026", "password": NEW_PASSWORD, **changes}


# --- the list -----------------------------------------------------------------------------------

def test_central_lists_every_account_with_role_scopes_and_state(app, world, session):
    session.add(RecoveryCode(user_id=world.anna.id, code_hash="x"))
    client = sign_in(app, world.central)
    html = client.get("/admin/brukere").get_data(as_text=True)
    assert usernames_listed(html) == sorted(
        ["sentral.admin", "fylke.ost", "anna.a", "vidar.v", "to.fylker", "fylke.vest", "lonn@aker.example"])
    row = text(re.search(r"<tr>\s*<td><a[^>]*>vidar\.v</a>.*?</tr>", html, re.S).group(0))
    assert f"{world.lag_v.number} Lag V" in row and "Aktiv" in row and "Aldri" in row
    central_row = text(re.search(r"<tr>\s*<td><a[^>]*>sentral\.admin</a>.*?</tr>", html, re.S).group(0))
    assert "Hele forbundet" in central_row and "Registrert" in central_row  # central logs in with a second factor


def test_filters_by_role_state_and_name(app, world, factory):
    factory.user("branch", branches=[world.lag_b], username="sperret.bruker", blocked=True)
    client = sign_in(app, world.central)
    assert usernames_listed(client.get("/admin/brukere?rolle=county").get_data(as_text=True)) == [
        "fylke.ost", "fylke.vest"]
    assert usernames_listed(client.get("/admin/brukere?status=sperret").get_data(as_text=True)) == [
        "sperret.bruker"]
    assert usernames_listed(client.get("/admin/brukere?q=VIDAR").get_data(as_text=True)) == ["vidar.v"]
    assert "Ingen kontoer passer til filteret." in client.get("/admin/brukere?q=ingen-slik").get_data(as_text=True)
    refused = client.get("/admin/brukere?rolle=admin")
    assert refused.status_code == 422 and "Velg en av rollene i listen." in errors(refused.get_data(as_text=True))


def test_the_list_answers_htmx_with_its_table_only(app, world):
    client = sign_in(app, world.central)
    response = client.get("/admin/brukere?q=anna", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="users">') and "<html" not in html
    assert usernames_listed(html) == ["anna.a"]
    assert "HX-Request" in response.headers["Vary"]


def test_a_county_lists_only_the_officers_of_its_branches(app, world, factory):
    factory.user("branch", branches=[world.lag_a, world.lag_b], username="ab.begge")
    client = sign_in(app, world.county)
    html = client.get("/admin/brukere").get_data(as_text=True)
    # not Vidar (Fylke Vest), nor the officer of Lag A and Lag V, nor counties, central, employer contacts
    assert usernames_listed(html) == ["ab.begge", "anna.a"]
    assert 'name="rolle"' not in html  # a county manages branch officers only


# --- one account --------------------------------------------------------------------------------

def test_the_account_page_shows_scopes_state_last_login_and_second_factor(app, world):
    sign_in(app, world.vidar)
    client = sign_in(app, world.central)
    html = text(client.get(f"/admin/brukere/{world.vidar.id}").get_data(as_text=True))
    assert f"Tilganger {world.lag_v.number} Lag V" in html
    assert "Status Aktiv" in html and "Taushetserklæring 05.01.2026" in html
    assert "Andre faktor Ikke registrert" in html and "Åpne økter 1" in html
    assert "Siste innlogging Aldri" not in html
    county_page = text(client.get(f"/admin/brukere/{world.county.id}").get_data(as_text=True))
    assert "Andre faktor Registrert 05.01.2026" in county_page


# --- creating ----------------------------------------------------------------------------------

def test_central_creates_an_account_with_a_chosen_password_that_can_log_in(app, world, session):
    client = sign_in(app, world.central)
    response = send(client, "/admin/brukere/ny", new_account_form(branches=[str(world.lag_b.id)]))
    assert response.status_code == 303, response.get_data(as_text=True)
    nina = user_named(session, "nina.ny")
    assert response.location.endswith(f"/admin/brukere/{nina.id}")
    assert (nina.full_name, nina.email, nina.role, nina.declaration_date, nina.blocked) == (
        "Nina Ny", "nina@example.no", "branch", date(2026, 1, 5), False)
    assert [(s.kind, s.ref_id) for s in nina.scopes] == [("branch", world.lag_b.id)]
    assert "Kontoen nina.ny er opprettet med passordet du valgte." in client.get(response.location).get_data(
        as_text=True)
    [row] = audit_rows(session, nina)
    assert (row.action, row.actor, row.summary) == ("create", "sentral.admin",
                                                    "Bruker nina.ny opprettet med rolle branch av sentral.admin")
    assert json.loads(row.changes)["tilganger"] == [None, [f"branch:{world.lag_b.id}"]]
    assert NEW_PASSWORD not in row.changes
    assert can_log_in(app, "nina.ny", NEW_PASSWORD)


def test_without_a_password_one_is_made_and_shown_once(app, world, session):
    client = sign_in(app, world.central)
    response = send(client, "/admin/brukere/ny", new_account_form(password="", branches=[str(world.lag_a.id)]))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    password = re.search(r'<code id="temporary-password">([^<]+)</code>', html).group(1)
    assert "vises bare denne ene gangen" in text(html)
    assert password not in (audit_rows(session, user_named(session, "nina.ny"))[0].changes or "")
    assert password not in client.get(f"/admin/brukere/{user_named(session, 'nina.ny').id}").get_data(as_text=True)
    assert can_log_in(app, "nina.ny", password)


def test_central_creates_county_and_employer_accounts(app, world, session, factory):
    employer = factory.employer(name="Bergen kommune")
    client = sign_in(app, world.central)
    assert send(client, "/admin/brukere/ny", new_account_form(
        username="ny.fylke", role="county", counties=[str(world.west.id)])).status_code == 303
    assert [(s.kind, s.ref_id) for s in user_named(session, "ny.fylke").scopes] == [("county", world.west.id)]
    assert send(client, "/admin/brukere/ny", new_account_form(
        username="lonn@bergen.example", role="employer", employers=employer.orgnr)).status_code == 303
    assert [(s.kind, s.ref_id) for s in user_named(session, "lonn@bergen.example").scopes] == [
        ("employer", employer.id)]
    assert send(client, "/admin/brukere/ny", new_account_form(username="ny.sentral", role="central")).status_code == 303
    assert user_named(session, "ny.sentral").scopes == []


@pytest.mark.parametrize("changes, field_message", [
    ({"declaration_date": ""}, "Skriv datoen da taushetserklæringen ble signert."),
    ({"declaration_date": "31.02.2026"}, None),
    ({"username": "anna.a"}, "Brukernavnet «anna.a» finnes allerede."),
    ({"username": "ANNA.A"}, "Brukernavnet «ANNA.A» finnes allerede."),
    ({"password": "kort"}, "Passordet må ha minst 12 tegn."),
    ({"full_name": ""}, "Skriv fullt navn."),
    ({"email": "ikke-en-adresse"}, "E-postadressen er ikke gyldig."),
    ({"branches": []}, "Velg minst én fagforening."),
    ({"branches": ["999999"]}, "Velg bare fra listen."),
    ({"role": "county", "branches": []}, "Velg minst én fylkeskrets."),
    ({"role": "employer", "branches": [], "employers": "123"}, "123: Organisasjonsnummeret skal være 9 siffer."),
    ({"role": "admin"}, "Velg en av rollene i listen."),
])
def test_refused_input_is_told_next_to_the_field_and_nothing_is_stored(app, world, session, changes, field_message):
    client = sign_in(app, world.central)
    before = session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.entity == "user"))
    form = new_account_form(branches=[str(world.lag_a.id)])
    form.update(changes)
    response = send(client, "/admin/brukere/ny", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ingenting ble lagret." in html
    if field_message:
        assert field_message in errors(html)
    else:
        assert errors(html)
    assert user_named(session, form["username"]) is None or form["username"].lower() == "anna.a"
    assert user_named(session, "nina.ny") is None
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.entity == "user")) == before


def test_a_declaration_in_the_future_is_refused(app, world, session):
    client = sign_in(app, world.central)
    tomorrow = (clock.today() + timedelta(days=1)).strftime("%d.%m.%Y")
    response = send(client, "/admin/brukere/ny", new_account_form(declaration_date=tomorrow,
                                                                  branches=[str(world.lag_a.id)]))
    assert response.status_code == 422
    assert "Datoen kan ikke være fram i tid." in errors(response.get_data(as_text=True))
    assert user_named(session, "nina.ny") is None


def test_a_county_creates_branch_officers_in_its_branches_only(app, world, session):
    client = sign_in(app, world.county)
    page = client.get("/admin/brukere/ny").get_data(as_text=True)
    assert "Lag A" in page and "Lag B" in page and "Lag V" not in page and 'name="role"' not in page
    refused = send(client, "/admin/brukere/ny", new_account_form(branches=[str(world.lag_v.id)]))
    assert refused.status_code == 422
    assert "Velg bare fra listen." in errors(refused.get_data(as_text=True))
    # a role smuggled into the form is not read: the account is a branch officer's
    response = send(client, "/admin/brukere/ny", new_account_form(role="central", branches=[str(world.lag_b.id)]))
    assert response.status_code == 303
    nina = user_named(session, "nina.ny")
    assert nina.role == "branch" and [(s.kind, s.ref_id) for s in nina.scopes] == [("branch", world.lag_b.id)]


# --- blocking and unblocking -----------------------------------------------------------------------

def test_blocking_needs_a_reason_and_ends_every_session_of_the_account(app, world, session):
    vidars_client = sign_in(app, world.vidar)
    client = sign_in(app, world.central)
    page = client.get(f"/admin/brukere/{world.vidar.id}/sperr").get_data(as_text=True)
    assert "Sperre kontoen til Test branch (vidar.v)?" in text(page)

    refused = send(client, f"/admin/brukere/{world.vidar.id}/sperr", {"reason": "  "})
    assert refused.status_code == 422
    assert "Skriv hvorfor kontoen sperres." in errors(refused.get_data(as_text=True))
    assert not fresh(session, world.vidar).blocked and not signed_out(vidars_client)

    response = send(client, f"/admin/brukere/{world.vidar.id}/sperr", {"reason": "Sluttet i fagforeningen."})
    assert response.status_code == 303
    assert "Kontoen vidar.v er sperret, og alle øktene er avsluttet." in client.get(response.location).get_data(
        as_text=True)
    assert fresh(session, world.vidar).blocked
    assert signed_out(vidars_client)
    assert not can_log_in(app, "vidar.v", PASSWORD)
    row = audit_rows(session, world.vidar)[-1]
    assert row.summary == "Bruker vidar.v sperret: Sluttet i fagforeningen."
    assert json.loads(row.changes) == {"sperret": [False, True], "begrunnelse": [None, "Sluttet i fagforeningen."]}
    assert not signed_out(client)  # the admin's own session goes on

    again = send(client, f"/admin/brukere/{world.vidar.id}/sperr", {"reason": "igjen"})
    assert again.status_code == 422 and "Kontoen vidar.v er allerede sperret." in again.get_data(as_text=True)


def test_unblocking_lets_the_account_log_in_again(app, world, session, factory):
    blocked = factory.user("branch", branches=[world.lag_a], username="sperret.bruker", blocked=True)
    client = sign_in(app, world.county)
    assert "Opphev sperringen" in client.get(f"/admin/brukere/{blocked.id}").get_data(as_text=True)
    response = send(client, f"/admin/brukere/{blocked.id}/opphev-sperring")
    assert response.status_code == 303
    assert not fresh(session, blocked).blocked
    assert audit_rows(session, blocked)[-1].summary == "Sperringen av bruker sperret.bruker opphevet"
    assert can_log_in(app, "sperret.bruker", PASSWORD)


def test_nobody_blocks_their_own_account_here(app, world, session):
    client = sign_in(app, world.central)
    assert "Dette er din egen konto." in client.get(f"/admin/brukere/{world.central.id}").get_data(as_text=True)
    response = send(client, f"/admin/brukere/{world.central.id}/sperr", {"reason": "prøver"})
    assert response.status_code == 422
    assert "Du kan ikke gjøre dette med din egen konto her." in response.get_data(as_text=True)
    assert not fresh(session, world.central).blocked


# --- resets --------------------------------------------------------------------------------------------

def test_a_new_password_is_shown_once_and_ends_the_sessions(app, world, session):
    annas_client = sign_in(app, world.anna)
    client = sign_in(app, world.county)
    assert "Det gamle passordet slutter å virke" in client.get(
        f"/admin/brukere/{world.anna.id}/nytt-passord").get_data(as_text=True)
    response = send(client, f"/admin/brukere/{world.anna.id}/nytt-passord")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = re.search(r'<code id="temporary-password">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    assert signed_out(annas_client)
    assert not can_log_in(app, "anna.a", PASSWORD)
    assert can_log_in(app, "anna.a", password)
    row = audit_rows(session, world.anna)[-1]
    assert row.summary == "Passordet til bruker anna.a tilbakestilt" and password not in row.changes


def test_resetting_the_second_factor_forgets_it_and_ends_the_sessions(app, world, session):
    session.add(RecoveryCode(user_id=world.west_county.id, code_hash="x"))
    session.flush()
    others_client = sign_in(app, world.west_county)
    client = sign_in(app, world.central)
    assert "Nullstill andre faktor" in client.get(f"/admin/brukere/{world.west_county.id}").get_data(as_text=True)
    response = send(client, f"/admin/brukere/{world.west_county.id}/nullstill-andre-faktor")
    assert response.status_code == 303
    assert "Andre faktor for fylke.vest er nullstilt" in client.get(response.location).get_data(as_text=True)
    account = fresh(session, world.west_county)
    assert (account.totp_secret, account.totp_enrolled_at, account.has_second_factor) == (None, None, False)
    assert session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == account.id)) == 0
    assert signed_out(others_client)
    assert audit_rows(session, account)[-1].summary == "Andre faktor for bruker fylke.vest nullstilt"
    again = send(client, f"/admin/brukere/{world.west_county.id}/nullstill-andre-faktor")
    assert again.status_code == 422 and "har ingen andre faktor å nullstille" in again.get_data(as_text=True)


# --- role and scopes --------------------------------------------------------------------------------

def test_central_changes_role_and_scopes_and_the_sessions_end(app, world, session):
    vidars_client = sign_in(app, world.vidar)
    client = sign_in(app, world.central)
    page = client.get(f"/admin/brukere/{world.vidar.id}/tilgang").get_data(as_text=True)
    assert re.search(rf'<option selected value="{world.lag_v.id}">|<option value="{world.lag_v.id}" selected', page)
    response = send(client, f"/admin/brukere/{world.vidar.id}/tilgang",
                    {"role": "county", "counties": [str(world.west.id)]})
    assert response.status_code == 303, response.get_data(as_text=True)
    account = fresh(session, world.vidar)
    assert account.role == "county" and [(s.kind, s.ref_id) for s in account.scopes] == [("county", world.west.id)]
    assert signed_out(vidars_client)
    assert json.loads(audit_rows(session, account)[-1].changes) == {
        "rolle": ["branch", "county"], "tilganger": [[f"branch:{world.lag_v.id}"], [f"county:{world.west.id}"]]}
    unchanged = send(client, f"/admin/brukere/{world.vidar.id}/tilgang",
                     {"role": "county", "counties": [str(world.west.id)]})
    assert unchanged.status_code == 422 and "Ingenting er endret." in unchanged.get_data(as_text=True)


def test_a_county_moves_an_officer_between_its_own_branches_only(app, world, session):
    annas_client = sign_in(app, world.anna)
    client = sign_in(app, world.county)
    refused = send(client, f"/admin/brukere/{world.anna.id}/tilgang", {"branches": [str(world.lag_v.id)]})
    assert refused.status_code == 422 and "Velg bare fra listen." in errors(refused.get_data(as_text=True))
    assert [s.ref_id for s in fresh(session, world.anna).scopes] == [world.lag_a.id]
    assert not signed_out(annas_client)

    response = send(client, f"/admin/brukere/{world.anna.id}/tilgang",
                    {"branches": [str(world.lag_b.id)], "role": "central"})
    assert response.status_code == 303
    account = fresh(session, world.anna)
    assert account.role == "branch" and [s.ref_id for s in account.scopes] == [world.lag_b.id]
    assert signed_out(annas_client)


# --- who may do what --------------------------------------------------------------------------------

ACTIONS = ["", "/sperr", "/opphev-sperring", "/nytt-passord", "/nullstill-andre-faktor", "/tilgang"]


@pytest.mark.parametrize("suffix", ACTIONS)
@pytest.mark.parametrize("target", ["vidar", "both", "west_county", "central", "employer_contact"])
def test_a_county_gets_404_for_accounts_outside_its_branches(app, world, session, suffix, target):
    account = getattr(world, target)
    client = sign_in(app, world.county)
    assert client.get(f"/admin/brukere/{account.id}{suffix}").status_code == 404
    if suffix:
        assert send(client, f"/admin/brukere/{account.id}{suffix}", {"reason": "x"}).status_code == 404
    assert not fresh(session, account).blocked


@pytest.mark.parametrize("url", ["/admin/brukere", "/admin/brukere/ny", "/admin/brukere/{id}",
                                 "/admin/brukere/{id}/sperr", "/admin/brukere/{id}/tilgang"])
@pytest.mark.parametrize("who", ["anna", "employer_contact"])
def test_branch_officers_and_employer_contacts_are_refused(app, world, session, url, who):
    client = sign_in(app, getattr(world, who))
    url = url.format(id=world.vidar.id)
    assert client.get(url).status_code == 403
    if url not in ("/admin/brukere", f"/admin/brukere/{world.vidar.id}"):  # pages without a form
        assert send(client, url, {"reason": "x", "branches": [str(world.lag_a.id)]}).status_code == 403
    assert not fresh(session, world.vidar).blocked


def test_the_menu_links_the_accounts_for_county_and_central_and_the_requests_for_a_branch(app, world):
    assert 'href="/admin/brukere"' in sign_in(app, world.county).get("/").get_data(as_text=True)
    assert 'href="/admin/brukere"' in sign_in(app, world.central).get("/").get_data(as_text=True)
    branch_home = sign_in(app, world.anna).get("/").get_data(as_text=True)
    assert 'href="/admin/foresporsler"' in branch_home and 'href="/admin/brukere"' not in branch_home
