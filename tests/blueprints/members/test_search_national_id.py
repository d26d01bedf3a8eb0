"""Searching by identity number never puts it in a URL (DOMAIN.md section 8): the search form posts; a
search by name or member number goes on to its own bookmarkable URL, one that may hold an identity number
is answered at once, not pushed into the browser's history, and its results carry it in no link."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.pages import text

URL_ATTRIBUTE = re.compile(r'\s(?:href|action|hx-get|hx-post|hx-push-url|hx-vals)="([^"]*)"')


@pytest.fixture
def branch(factory):
    return factory.branch()


@pytest.fixture
def officer(factory, branch, login):
    user = factory.user("branch", branches=[branch])
    login(user)
    return user


@pytest.fixture
def berg(factory, branch):
    factory.member(branch, first_name="Kari", last_name="Aasen")
    return factory.member(branch, first_name="Kari", last_name="Berg")


def names_listed(response) -> list[str]:
    return re.findall(r'<a href="/medlemmer/\d+">([^<]+)</a>', response.get_data(as_text=True))


def urls_of(response) -> list[str]:
    return URL_ATTRIBUTE.findall(response.get_data(as_text=True))


def test_the_search_form_and_the_start_pages_quick_search_post(client, officer):
    for path in ("/medlemmer/", "/"):
        html = client.get(path).get_data(as_text=True)
        form = re.search(r'<form[^>]*role="search"[^>]*>', html).group(0)
        assert 'method="post"' in form and 'action="/medlemmer/"' in form, path
        assert "hx-get" not in form
        assert re.search(r'name="csrf_token"', html.split(form)[1].split("</form>")[0]), path


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("typed", ["{nid}", "{nid6} {nid5}", " {nid} ", "{full_width}", "{arabic_indic}"])
def test_an_identity_number_is_answered_at_once_and_kept_out_of_every_url(client, post, officer, berg, typed):
    nid = berg.person.national_id
    q = typed.format(nid=nid, nid6=nid[:6], nid5=nid[6:], full_width=nid.translate(FULL_WIDTH),
                     arabic_indic=nid.translate(ARABIC_INDIC))  # the digits people mean, from any keyboard
    for headers in ({}, {"HX-Request": "true"}):
        response = post("/medlemmer/", {"q": q, "status": "active", "sort": "name", "dir": "asc"}, headers=headers)
        assert response.status_code == 200
        assert names_listed(response) == ["Berg, Kari"]
        assert response.headers["HX-Push-Url"] == "false"  # htmx leaves the address bar and history alone
        assert "Location" not in response.headers
        for url in urls_of(response):
            assert nid not in re.sub(r"\D", "", url), url
        assert 'rel="next"' not in response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)  # htmx got the results alone


def test_a_birth_date_and_more_is_kept_out_of_the_url_as_it_is_typed(client, post, officer, berg):
    nid = berg.person.national_id
    for length in range(7, 12):  # a digit at a time, as active search sends it
        response = post("/medlemmer/", {"q": nid[:length]}, headers={"HX-Request": "true"})
        assert response.status_code == 200 and response.headers["HX-Push-Url"] == "false", length
    employer = post("/medlemmer/", {"q": "", "employer": nid}, headers={"HX-Request": "true"})
    assert employer.status_code == 200 and employer.headers["HX-Push-Url"] == "false"


@pytest.mark.parametrize("q", ["berg", "Berg Kari", "{number}"])
def test_a_name_or_member_number_goes_on_to_its_bookmarkable_url(client, post, officer, berg, q):
    q = q.format(number=berg.member_number)
    response = post("/medlemmer/", {"q": q, "status": "active", "branch": "", "sort": "name", "dir": "asc"})
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/medlemmer/"
    assert parse_qs(location.query) == {"q": [q], "status": ["active"], "sort": ["name"], "dir": ["asc"]}
    followed = client.get(response.headers["Location"], headers={"HX-Request": "true"})
    assert names_listed(followed) == ["Berg, Kari"]
    assert "<html" not in followed.get_data(as_text=True)


@pytest.mark.parametrize("query", ["q={nid}", "q={nid6}+{nid5}", "q={nid7}", "employer={nid}",
                                   "q=99999999999999999999999", "employer=99999999999999999999999"])
def test_a_url_holding_an_identity_number_is_not_searched_but_sent_on_without_it(client, officer, berg, query):
    nid = berg.person.national_id
    response = client.get("/medlemmer/?" + query.format(nid=nid, nid6=nid[:6], nid5=nid[6:], nid7=nid[:7])
                          + "&status=all")
    assert response.status_code == 303
    assert response.headers["Location"] == "/medlemmer/?status=all"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Et fødselsnummer skal aldri stå i en nettadresse." in text(page)
    assert nid not in page and nid[:7] not in page


def test_posting_without_the_csrf_token_is_refused(client, officer, berg):
    response = client.post("/medlemmer/", data={"q": berg.person.national_id})
    assert response.status_code == 400
    assert names_listed(response) == []


def test_another_branchs_member_is_not_found_by_identity_number(factory, post, officer):
    other = factory.member(factory.branch(), first_name="Mette", last_name="Annen")
    response = post("/medlemmer/", {"q": other.person.national_id})
    assert response.status_code == 200 and names_listed(response) == []
    assert "Ingen treff." in text(response.get_data(as_text=True))
