"""Deny by default, and scope as data: who may call which page, and whose members they see.

The endpoint walks are generic: an endpoint another routine adds is checked here without a new test.
"""
import re

import pytest
import sqlalchemy as sa

from app import create_app
from models import Person, PersonNote
from web.access import ALL_ROLES, PUBLIC

from .factories import PASSWORD
from .pages import answer_second_factor, csrf_from

NONEXISTENT = 999999999


def sign_in(flask_app, user):
    """A client of `flask_app` signed in as `user`, with the session's CSRF token at hand."""
    client = flask_app.test_client()
    page = client.get("/logg-inn")
    response = client.post("/logg-inn", data={
        "username": user.username, "password": PASSWORD, "csrf_token": csrf_from(page),
    })
    response = answer_second_factor(flask_app, client, user, response)
    assert response.status_code == 303, response.get_data(as_text=True)
    client.csrf = csrf_from(client.get("/"))
    return client


def main_part(response) -> str:
    """The page's <main>: what differs between two answers, without the URL echoed in the footer."""
    html = response.get_data(as_text=True)
    found = re.search(r"<main\b.*?</main>", html, re.S)
    assert found, html[:500]
    return found.group(0)


def get_urls(flask_app, an_id: int) -> list[tuple[str, str, frozenset | None]]:
    """(endpoint, url, declared roles) of every GET page without parameters or with int parameters."""
    urls = []
    for rule in flask_app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        converters = re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", rule.rule)
        if any(converter != "int" for converter in converters):
            continue
        url = rule.build({argument: an_id for argument in rule.arguments})[1]
        view = flask_app.view_functions[rule.endpoint]
        urls.append((rule.endpoint, url, getattr(view, "allowed_roles", None)))
    return urls


def test_every_endpoint_declares_who_may_call_it(app):
    undeclared = [
        rule.rule for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
    ]
    assert undeclared == []


def test_every_declaration_names_known_roles(app):
    for endpoint, view in app.view_functions.items():
        roles = getattr(view, "allowed_roles", None)
        if endpoint != "static" and roles != PUBLIC:
            assert roles and roles <= ALL_ROLES, endpoint


def test_an_undeclared_endpoint_is_refused_even_to_central(app, factory):
    """A second app on the same (migrated) database, with a route that forgot its declaration.

    Requests in tests use the test's connection whatever app serves them (see conftest), so the
    user made here can sign in to it."""
    throwaway = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret-not-for-production", "SESSION_COOKIE_SECURE": False,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
    })
    throwaway.add_url_rule("/glemt-erklaering", "forgotten", lambda: "hemmelige opplysninger")

    anonymous = throwaway.test_client().get("/glemt-erklaering")
    assert anonymous.status_code == 302 and anonymous.location.startswith("/logg-inn")

    client = sign_in(throwaway, factory.user("central"))
    response = client.get("/glemt-erklaering")
    assert response.status_code == 403
    assert "hemmelige opplysninger" not in response.get_data(as_text=True)
    assert "Du har ikke tilgang til denne siden." in response.get_data(as_text=True)


@pytest.fixture
def an_id(factory) -> int:
    return factory.member().person_id


def test_anonymous_requests_go_to_the_login_page(app, client, an_id):
    wrong = []
    for endpoint, url, roles in get_urls(app, an_id):
        if roles == PUBLIC:
            continue
        response = client.get(url)
        if response.status_code != 302 or not response.location.startswith("/logg-inn"):
            wrong.append((endpoint, url, response.status_code, response.location))
    assert wrong == []


def test_anonymous_htmx_requests_get_401_with_hx_redirect(app, client, an_id):
    wrong = []
    for endpoint, url, roles in get_urls(app, an_id):
        if roles == PUBLIC:
            continue
        response = client.get(url, headers={"HX-Request": "true"})
        if response.status_code != 401 or not response.headers.get("HX-Redirect", "").startswith("/logg-inn"):
            wrong.append((endpoint, url, response.status_code, dict(response.headers)))
    assert wrong == []


def test_the_login_redirect_remembers_the_page(client):
    response = client.get("/medlemmer/?q=berg")
    assert response.status_code == 302
    assert response.location == "/logg-inn?next=/medlemmer/?q%3Dberg"


@pytest.fixture
def users_of_every_role(factory):
    branch = factory.branch()
    return {
        "branch": factory.user("branch", branches=[branch]),
        "county": factory.user("county", counties=[branch.county]),
        "central": factory.user("central"),
        "employer": factory.user("employer", employers=[factory.employer()]),
    }


def test_roles_outside_the_declaration_get_403(app, an_id, users_of_every_role):
    wrong, checked = [], 0
    for role, user in users_of_every_role.items():
        client = sign_in(app, user)
        for endpoint, url, roles in get_urls(app, an_id):
            if roles == PUBLIC or role in roles:
                continue
            checked += 1
            response = client.get(url)
            if response.status_code != 403:
                wrong.append((role, endpoint, url, response.status_code))
    assert wrong == []
    assert checked >= 4  # at least the employer role on the member pages


def test_employer_contact_cannot_open_the_member_register(app, factory, an_id):
    client = sign_in(app, factory.user("employer", employers=[factory.employer()]))
    for url in ("/medlemmer/", "/medlemmer/returpost", f"/medlemmer/{an_id}", f"/medlemmer/{an_id}/endre"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Ingen tilgang" in response.get_data(as_text=True)
    assert client.post(f"/medlemmer/{an_id}/notater", data={"text": "x", "csrf_token": client.csrf}).status_code == 403


# --- Scope: a branch officer, a county and the centre -------------------------------------------------


@pytest.fixture
def world(factory):
    """Two counties; county A has branches A1 and A2 and a student, county B has branch B1 and a student."""
    county_a, county_b = factory.county(), factory.county()
    a1, a2, b1 = factory.branch(county_a), factory.branch(county_a), factory.branch(county_b)
    members = {
        "a1": factory.member(a1, first_name="Anne", last_name="Aenes"),
        "a2": factory.member(a2, first_name="Arne", last_name="Aatun"),
        "b1": factory.member(b1, first_name="Bodil", last_name="Bøe", address="Hemmeligveien 7"),
        "student_a": factory.member(membership_type="student", county=county_a, first_name="Siri", last_name="Aas"),
        "student_b": factory.member(membership_type="student", county=county_b, first_name="Stian", last_name="Bø"),
    }
    return {
        "members": members,
        "branches": {"a1": a1, "a2": a2, "b1": b1},
        "branch_officer": factory.user("branch", branches=[a1]),
        "county": factory.user("county", counties=[county_a]),
        "central": factory.user("central"),
    }


CARD_TABS = ["personalia", "medlemskap", "kontingentkoder", "arbeidsforhold", "forsikringer", "notater",
             "historikk", "logg"]


def test_another_branchs_member_is_404_exactly_like_a_nonexistent_id(app, world):
    client = sign_in(app, world["branch_officer"])
    other = world["members"]["b1"].person_id

    def same_as_nonexistent(method, path, data=None):
        if method == "POST":
            data = {**(data or {}), "csrf_token": client.csrf}
        hidden = client.open(path.format(id=other), method=method, data=data)
        missing = client.open(path.format(id=NONEXISTENT), method=method, data=data)
        assert hidden.status_code == missing.status_code == 404, path
        assert main_part(hidden) == main_part(missing), path
        assert "Bøe" not in hidden.get_data(as_text=True)
        assert "Hemmeligveien" not in hidden.get_data(as_text=True)

    same_as_nonexistent("GET", "/medlemmer/{id}")
    for tab in CARD_TABS:
        same_as_nonexistent("GET", "/medlemmer/{id}?fane=" + tab)
    same_as_nonexistent("GET", "/medlemmer/{id}/endre")
    same_as_nonexistent("POST", "/medlemmer/{id}/endre", {
        "version": "1", "first_name": "Endret", "last_name": "Bøe", "address": "Ny vei 1",
    })
    same_as_nonexistent("POST", "/medlemmer/{id}/returpost", {"flagged": "1"})
    same_as_nonexistent("POST", "/medlemmer/{id}/notater", {"text": "Skal ikke lagres"})


def test_nothing_of_another_branchs_member_is_changed_or_logged(app, world, session):
    client = sign_in(app, world["branch_officer"])
    other = world["members"]["b1"].person
    client.post(f"/medlemmer/{other.id}/endre", data={
        "version": str(other.version), "first_name": "Endret", "last_name": "Bøe", "csrf_token": client.csrf,
    })
    client.post(f"/medlemmer/{other.id}/returpost", data={"flagged": "1", "csrf_token": client.csrf})
    client.post(f"/medlemmer/{other.id}/notater", data={"text": "Skal ikke lagres", "csrf_token": client.csrf})
    client.get(f"/medlemmer/{other.id}")

    session.expire_all()
    person = session.get(Person, other.id)
    assert (person.first_name, person.return_mail) == ("Bodil", False)
    assert session.scalar(sa.select(sa.func.count()).select_from(PersonNote).where(
        PersonNote.person_id == other.id)) == 0
    assert session.execute(sa.text("SELECT count(*) FROM audit_log WHERE person_id = :p"), {"p": other.id}).scalar() == 0


def visible(client, membership) -> bool:
    status = client.get(f"/medlemmer/{membership.person_id}").status_code
    assert status in (200, 404)
    return status == 200


def listed(client, membership, **query) -> bool:
    html = client.get("/medlemmer/", query_string={"status": "all", **query}).get_data(as_text=True)
    return f"/medlemmer/{membership.person_id}\"" in html


def test_a_county_sees_its_branches_and_its_students_only(app, world):
    client = sign_in(app, world["county"])
    members = world["members"]
    assert {k for k, m in members.items() if visible(client, m)} == {"a1", "a2", "student_a"}
    assert {k for k, m in members.items() if listed(client, m)} == {"a1", "a2", "student_a"}


def test_a_branch_officer_sees_the_branch_only(app, world):
    client = sign_in(app, world["branch_officer"])
    members = world["members"]
    assert {k for k, m in members.items() if visible(client, m)} == {"a1"}
    assert {k for k, m in members.items() if listed(client, m)} == {"a1"}


def test_central_sees_everyone(app, world):
    client = sign_in(app, world["central"])
    members = world["members"]
    assert all(visible(client, m) for m in members.values())
    assert all(listed(client, m) for m in members.values())


@pytest.mark.parametrize("viewer", ["branch_officer", "county"])
def test_the_search_never_lists_members_out_of_scope(app, world, viewer):
    client = sign_in(app, world[viewer])
    for key in ("b1", "student_b"):
        hidden = world["members"][key]
        for q in (hidden.person.national_id, str(hidden.member_number), hidden.person.last_name,
                  f"{hidden.person.national_id[:6]} {hidden.person.national_id[6:]}"):
            html = client.post("/medlemmer/", data={"q": q, "status": "all", "csrf_token": client.csrf},
                               follow_redirects=True).get_data(as_text=True)  # as the search form sends it
            assert f"/medlemmer/{hidden.person_id}\"" not in html, (key, q)
            assert "Ingen treff." in html, (key, q)
        html = client.get("/medlemmer/returpost").get_data(as_text=True)
        assert f"/medlemmer/{hidden.person_id}\"" not in html


def test_a_shared_person_shows_only_the_memberships_in_scope(app, factory, world):
    """Main member in B1, secondary member in A1: A1's officer sees the person and A1's membership only."""
    b1_membership = world["members"]["b1"]
    secondary = factory.member(world["branches"]["a1"], person=b1_membership.person, membership_type="secondary")
    client = sign_in(app, world["branch_officer"])
    html = client.get(f"/medlemmer/{b1_membership.person_id}?fane=medlemskap").get_data(as_text=True)
    assert str(secondary.member_number) in html
    assert str(b1_membership.member_number) not in html


@pytest.mark.parametrize("method, url, status, title", [
    ("GET", "/finnes-ikke", 404, "Fant ikke siden"),
    ("GET", "/medlemmer/99999999999999999999999", 404, "Fant ikke siden"),
    ("GET", "/logg-ut", 405, "Ikke tillatt"),
])
def test_errors_are_friendly_pages(app, factory, method, url, status, title):
    client = sign_in(app, factory.user("central"))
    response = client.open(url, method=method)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html and "Traceback" not in html
