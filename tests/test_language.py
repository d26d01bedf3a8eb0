"""Switching the interface to English and back (the catalog is compiled by `make setup`)."""
import re
from datetime import date

from blueprints.deviations import services as deviations
from models import db

from .pages import csrf_from


def nav(html: str) -> str:
    found = re.search(r'<nav aria-label="[^"]*">(.*?)</nav>', html, re.S)
    assert found, "no navigation on the page"
    return found.group(1)


def test_officer_switches_to_english_and_back(factory, client, login, post):
    branch = factory.branch()
    factory.member(branch, first_name="Åse", last_name="Bækkelund")
    login(factory.user("branch", branches=[branch]))

    norwegian = client.get("/medlemmer/").get_data(as_text=True)
    assert ">Medlemmer</a>" in nav(norwegian)

    response = post("/sprak", {"lang": "en", "next": "/medlemmer/"})
    assert response.status_code == 303 and response.headers["Location"] == "/medlemmer/"

    english = client.get("/medlemmer/").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert ">Members</a>" in nav(english)
    assert ">Returned mail</a>" in nav(english)
    assert "Name, member number or national identity number" in english  # a form label (lazy)
    assert "1 result" in english and "Bækkelund, Åse" in english  # a plural form, and data stays as it is

    post("/sprak", {"lang": "nb", "next": "/medlemmer/"})
    assert ">Medlemmer</a>" in nav(client.get("/medlemmer/").get_data(as_text=True))


def test_language_can_be_chosen_before_logging_in(client):
    page = client.get("/logg-inn")
    client.post("/sprak", data={"lang": "en", "next": "/logg-inn", "csrf_token": csrf_from(page)})
    english = client.get("/logg-inn").get_data(as_text=True)
    assert "<h1>Log in</h1>" in english
    assert "Username" in english and "Brukernavn" not in english


def test_unknown_language_is_ignored(client, login, post, factory):
    login(factory.user("branch", branches=[factory.branch()]))
    post("/sprak", {"lang": "xx", "next": "/"})
    assert '<html lang="nb">' in client.get("/").get_data(as_text=True)


def test_deduction_lists_and_the_employer_portal_in_english(app, factory, client, login, post):
    branch = factory.branch(name="Lag A")
    hospital = factory.employer(name="Sykehuset AS")
    factory.member(branch, workplace=factory.workplace(hospital, branch), first_name="Åse", last_name="Bækkelund")
    with app.app_context():
        deviations.form_lists(date(2026, 3, 1))
        db.session.commit()

    login(factory.user("branch", branches=[branch]))
    post("/sprak", {"lang": "en", "next": "/trekklister/"})
    overview = client.get("/trekklister/").get_data(as_text=True)
    assert ">Deduction lists</a>" in nav(overview)
    assert "<h1>Deduction lists</h1>" in overview and "1 deduction list" in overview
    assert "<th>State</th>" in overview and ">Open deviations</th>" in overview and ">Missing</th>" in overview
    assert "<td>Expected</td>" in overview and "Sykehuset AS" in overview  # a list state (N_), and data as it is
    assert "Tilstand" not in overview and "Åpne avvik" not in overview

    post("/logg-ut")
    login(factory.user("employer", employers=[hospital]))
    post("/sprak", {"lang": "en", "next": "/portal"})
    portal = client.get("/portal").get_data(as_text=True)
    assert ">Deduction lists</a>" in nav(portal) and ">Hand over responsibility</a>" in nav(portal)
    assert "<h1>Deduction lists</h1>" in portal
    assert "Not handled" in portal and "No drafts." in portal and "No lists have been sent yet." in portal
    assert "Not paid" in portal and "outstanding" in portal  # the payment state (N_)
    assert "Ikke behandlet" not in portal and "Trekklistene" not in portal
