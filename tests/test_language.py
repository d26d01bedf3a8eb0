"""Switching the interface to English and back (the catalog is compiled by `make setup`)."""
import re

from .conftest import csrf_from


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
