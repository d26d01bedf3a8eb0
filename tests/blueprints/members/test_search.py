"""The member search: what each filter finds, Norwegian order, pages, htmx fragments, bad input."""
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from models import Person


def names_listed(response) -> list[str]:
    """The names in the result table, in order ("Etternavn, Fornavn")."""
    html = response.get_data(as_text=True)
    return re.findall(r'<a href="/medlemmer/\d+">([^<]+)</a>', html)


@pytest.fixture
def branch(factory):
    return factory.branch()


@pytest.fixture
def officer(factory, branch, login):
    user = factory.user("branch", branches=[branch])
    login(user)
    return user


@pytest.fixture
def central(factory, login):
    user = factory.user("central")
    login(user)
    return user


NORWEGIAN_ORDER = ["Aasen", "Berg", "Ærø", "Øien", "Åsheim"]


@pytest.fixture
def five(factory, branch):
    return {name: factory.member(branch, first_name="Kari", last_name=name)
            for name in ["Øien", "Berg", "Åsheim", "Aasen", "Ærø"]}


def test_sorting_by_name_is_norwegian_order(client, officer, five):
    assert names_listed(client.get("/medlemmer/")) == [f"{n}, Kari" for n in NORWEGIAN_ORDER]
    descending = client.get("/medlemmer/?sort=name&dir=desc")
    assert names_listed(descending) == [f"{n}, Kari" for n in reversed(NORWEGIAN_ORDER)]


@pytest.mark.parametrize("q, expected", [
    ("ær", ["Ærø"]), ("ÆR", ["Ærø"]), ("Ærø", ["Ærø"]), ("øi", ["Øien"]), ("ØIEN", ["Øien"]),
    ("åsh", ["Åsheim"]), ("aa", ["Aasen"]), ("a", ["Aasen"]), ("BERG", ["Berg"]), ("berg kari", ["Berg"]),
    ("  berg   kari ", ["Berg"]), ("bergen", []), ("å", ["Åsheim"]),
])
def test_search_by_name_prefix(client, officer, five, q, expected):
    response = client.get("/medlemmer/", query_string={"q": q})
    assert names_listed(response) == [f"{n}, Kari" for n in expected]
    if not expected:
        assert "Ingen treff." in response.get_data(as_text=True)


def test_search_by_member_number_and_national_id(client, post, officer, five):
    berg = five["Berg"]
    assert names_listed(client.get("/medlemmer/", query_string={"q": str(berg.member_number)})) == ["Berg, Kari"]
    nid = berg.person.national_id
    for q in (nid, f"{nid[:6]} {nid[6:]}"):  # posted by the form: an identity number is never in a URL
        assert names_listed(post("/medlemmer/", {"q": q})) == ["Berg, Kari"]
    assert names_listed(client.get("/medlemmer/", query_string={"q": "123"})) == []


def test_search_by_employer_name_and_orgnr(client, factory, officer, branch, five):
    employer = factory.employer(name="Bærum kommune")
    worker = factory.member(branch, first_name="Per", last_name="Lund", workplace=factory.workplace(employer, branch))
    other = factory.workplace(factory.employer(name="Asker kommune"), branch)
    factory.member(branch, first_name="Pål", last_name="Lie", workplace=other)
    for value in ("Bærum", "bærum kom", employer.orgnr, f"{employer.orgnr[:3]} {employer.orgnr[3:6]} {employer.orgnr[6:]}"):
        response = client.get("/medlemmer/", query_string={"employer": value})
        assert names_listed(response) == ["Lund, Per"], value
    assert "Bærum kommune" in client.get("/medlemmer/?employer=Bærum").get_data(as_text=True)
    assert worker.person_id


def test_a_finished_employment_does_not_count(client, factory, officer, branch, session):
    employer = factory.employer(name="Bærum kommune")
    member = factory.member(branch, last_name="Lund", workplace=factory.workplace(employer, branch))
    member.employments[0].to_date = date(2020, 1, 31)
    session.flush()
    assert names_listed(client.get("/medlemmer/?employer=Bærum")) == []


def test_filter_by_branch_dues_code_type_and_return_mail(client, factory, central, session):
    county = factory.county()
    b1, b2 = factory.branch(county), factory.branch(county)
    factory.member(b1, last_name="Ask", first_name="En")
    factory.member(b2, last_name="Bjerke", first_name="To", dues_code="U")
    factory.member(membership_type="student", county=county, last_name="Dahl", first_name="Tre")
    flagged = factory.member(b1, last_name="Eik", first_name="Fire")
    flagged.person.return_mail = True
    session.flush()

    def found(**query):
        return names_listed(client.get("/medlemmer/", query_string=query))

    assert found(branch=b1.number) == ["Ask, En", "Eik, Fire"]
    assert found(branch=b2.number) == ["Bjerke, To"]
    assert found(branch=b2.number, dues_code="U") == ["Bjerke, To"]
    assert found(branch=b1.number, dues_code="U") == []
    assert "Bjerke, To" in found(dues_code="U") and "Ask, En" not in found(dues_code="U")
    assert "Dahl, Tre" in found(type="student") and "Ask, En" not in found(type="student")
    assert found(branch=b1.number, return_mail="y") == ["Eik, Fire"]


def test_status_active_former_and_all(client, factory, officer, branch):
    factory.member(branch, last_name="Aktiv", first_name="Anne")
    factory.member(branch, last_name="Utmeldt", first_name="Ulf", end=date(2024, 6, 30), withdrawal_code=5)

    def found(**query):
        return names_listed(client.get("/medlemmer/", query_string=query))

    assert found() == ["Aktiv, Anne"]  # active is the default
    assert found(status="active") == ["Aktiv, Anne"]
    assert found(status="former") == ["Utmeldt, Ulf"]
    assert found(status="all") == ["Aktiv, Anne", "Utmeldt, Ulf"]
    assert "Utmeldt 30.06.2024" in client.get("/medlemmer/?status=former").get_data(as_text=True)


def test_fifty_a_page_and_the_filters_stay_in_the_page_links(client, factory, officer, branch):
    for n in range(120):
        factory.member(branch, first_name=f"Nr{n:03d}", last_name="Hansen", birth=date(1960, 1, 1) + timedelta(days=n))
    factory.member(branch, first_name="Ikke", last_name="Olsen")  # outside the search
    query = {"q": "hansen", "branch": str(branch.number), "status": "active"}

    first = client.get("/medlemmer/", query_string=query)
    html = first.get_data(as_text=True)
    assert "120 treff" in html and "Side 1 av 3" in html
    assert names_listed(first) == [f"Hansen, Nr{n:03d}" for n in range(50)]

    next_link = re.search(r'<a href="([^"]+)"[^>]*rel="next"', html).group(1).replace("&amp;", "&")
    args = parse_qs(urlsplit(next_link).query)
    assert args["page"] == ["2"]
    assert args["q"] == ["hansen"] and args["branch"] == [str(branch.number)] and args["status"] == ["active"]

    second = client.get(next_link)
    assert names_listed(second) == [f"Hansen, Nr{n:03d}" for n in range(50, 100)]
    third = client.get("/medlemmer/", query_string={**query, "page": "3"})
    assert names_listed(third) == [f"Hansen, Nr{n:03d}" for n in range(100, 120)]
    assert 'rel="next"' not in third.get_data(as_text=True)
    prev_link = re.search(r'<a href="([^"]+)"[^>]*rel="prev"', third.get_data(as_text=True)).group(1)
    assert "q=hansen" in prev_link and "page=2" in prev_link


def test_sort_links_keep_the_filters_and_start_on_page_one(client, officer, five):
    html = client.get("/medlemmer/?q=a&page=1&type=main").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)"[^>]*>Medlemsnr\.', html).group(1).replace("&amp;", "&")
    args = parse_qs(urlsplit(link).query)
    assert args["sort"] == ["number"] and args["q"] == ["a"] and args["type"] == ["main"]
    assert "page" not in args


def test_htmx_gets_the_results_fragment_and_a_browser_the_whole_page(client, officer, five):
    page = client.get("/medlemmer/?q=berg")
    fragment = client.get("/medlemmer/?q=berg", headers={"HX-Request": "true"})
    for response in (page, fragment):
        assert response.status_code == 200
        assert "HX-Request" in response.headers.get("Vary", "")
        assert names_listed(response) == ["Berg, Kari"]
    assert "<html" in page.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "<form" not in fragment.get_data(as_text=True)


def test_a_history_restore_gets_the_whole_page(client, officer, five):
    response = client.get("/medlemmer/?q=berg",
                          headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "page=abc", "page=-3", "page=99999", "page=99999999999999999999999", "sort=bogus", "dir=sideways",
    "status=bogus", "type=bogus", "dues_code=%3Cscript%3E", "branch=abc", "branch=99999999999999999999999",
    "q=%25", "q=_", "q=%27%3B--", "return_mail=maybe",
])
def test_odd_search_input_gives_a_page_not_an_error(client, officer, five, query):
    response = client.get("/medlemmer/?" + query)
    assert response.status_code == 200
    assert "<h1>Medlemmer</h1>" in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["page=abc", "page=99999999999999999999999", "sort=bogus&dir=x"])
def test_odd_input_on_the_return_mail_list_gives_a_page(client, officer, five, query):
    response = client.get("/medlemmer/returpost?" + query)
    assert response.status_code == 200
    assert "<h1>Medlemmer med returpost</h1>" in response.get_data(as_text=True)


def test_like_wildcards_are_not_wildcards(client, officer, five):
    assert names_listed(client.get("/medlemmer/?q=%25")) == []
    assert names_listed(client.get("/medlemmer/?q=_")) == []


def test_return_mail_list_shows_flagged_members_only(client, factory, officer, branch, session):
    factory.member(branch, last_name="Uten", first_name="Retur")
    flagged = factory.member(branch, last_name="Med", first_name="Retur", address="Feil vei 1", postal_code="0150",
                             city="Oslo")
    person = session.get(Person, flagged.person_id)
    person.return_mail, person.return_mail_since = True, date(2026, 2, 3)
    session.flush()
    html = client.get("/medlemmer/returpost").get_data(as_text=True)
    assert "Med, Retur" in html and "Uten, Retur" not in html
    assert "Feil vei 1, 0150 Oslo" in html and "03.02.2026" in html
