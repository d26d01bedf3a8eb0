"""Access to the payroll officer's pages of the employer portal, in both directions: an employer
contact reaches only their own lists (another employer's is 404, as one that does not exist) and
nothing of the register; the union's roles cannot act as an employer (403)."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.deviations import services as deviations
from models import DeductionList, PortalEntry, db
from tests.test_access import get_urls
from web.access import PUBLIC

MARCH = date(2026, 3, 1)
NONEXISTENT = 999999999
PORTAL_PAGES = ("", "/send", "/endringer")


@pytest.fixture
def world(app, factory):
    county = factory.county()
    branch = factory.branch(county)
    mine, theirs = factory.employer(name="Sykehuset AS"), factory.employer(name="Kommunen")
    member = factory.member(branch, workplace=factory.workplace(mine, branch), last_name="Aas")
    factory.member(branch, workplace=factory.workplace(theirs, branch), last_name="Berg")
    with app.app_context():
        deviations.form_lists(MARCH)
        ids = {employer: db.session.scalar(sa.select(DeductionList.id).where(DeductionList.employer_id == employer.id))
               for employer in (mine, theirs)}
        db.session.commit()
    return {"county": county, "branch": branch, "member": member, "contact": factory.user("employer", employers=[mine]),
            "mine": ids[mine], "theirs": ids[theirs]}


@pytest.mark.parametrize("page", PORTAL_PAGES)
def test_another_employers_list_is_404_like_one_that_does_not_exist(client, login, post, world, page, session):
    login(world["contact"])
    assert client.get(f"/portal/liste/{world['mine']}{page}").status_code == 200
    for list_id in (world["theirs"], NONEXISTENT):
        assert client.get(f"/portal/liste/{list_id}{page}").status_code == 404
        assert post(f"/portal/liste/{list_id}{page}", {"handling": "lagre"}).status_code == 404
    session.expire_all()
    assert session.get(DeductionList, world["theirs"]).state == "expected"
    assert session.get(DeductionList, world["theirs"]).changes_confirmed_at is None
    assert session.scalars(sa.select(PortalEntry)).all() == []


def test_the_overview_never_shows_another_employers_list(client, login, world):
    login(world["contact"])
    body = client.get("/portal").get_data(as_text=True)
    assert f"/portal/liste/{world['mine']}\"" in body and f"/portal/liste/{world['theirs']}\"" not in body
    assert "Kommunen" not in body and "Berg" not in body


def test_the_employer_contact_reaches_nothing_of_the_register(app, client, login, world):
    login(world["contact"])
    member = world["member"]
    for url in ("/medlemmer/", f"/medlemmer/{member.person_id}", "/trekklister/", f"/trekklister/{world['mine']}",
                f"/trekklister/{world['mine']}/framfor", "/innmelding/", "/utmelding/", "/organisasjon/"):
        assert client.get(url).status_code in (403, 404), url
    # every page the register has: those not declared for employer contacts are refused
    refused = []
    for endpoint, url, roles in get_urls(app, member.person_id):
        if roles == PUBLIC or "employer" in (roles or ()):
            continue
        if client.get(url).status_code not in (403, 404):
            refused.append(endpoint)
    assert refused == []


def test_the_member_data_on_the_list_page_is_only_the_lists(client, login, world):
    """The contact sees the people on the list (names, numbers, amounts), and no link into the register."""
    login(world["contact"])
    body = client.get(f"/portal/liste/{world['mine']}").get_data(as_text=True)
    assert "Aas, Kari" in body and str(world["member"].member_number) in body
    assert not re.search(r'href="/(medlemmer|trekklister|organisasjon)', body)


@pytest.mark.parametrize("role", ["branch", "county", "central"])
def test_the_unions_roles_cannot_act_as_an_employer(client, login, post, world, factory, role, session):
    user = factory.user(role, branches=[world["branch"]] if role == "branch" else (),
                        counties=[world["county"]] if role == "county" else ())
    login(user)
    assert client.get("/portal").status_code == 403
    for page in PORTAL_PAGES:
        assert client.get(f"/portal/liste/{world['mine']}{page}").status_code == 403
        assert post(f"/portal/liste/{world['mine']}{page}", {"handling": "send"}).status_code == 403
    session.expire_all()
    deduction_list = session.get(DeductionList, world["mine"])
    assert (deduction_list.state, deduction_list.changes_confirmed_at) == ("expected", None)


def test_a_signed_out_visitor_goes_to_the_login_page(client, world):
    for url in ("/portal", f"/portal/liste/{world['mine']}"):
        response = client.get(url)
        assert response.status_code == 302 and "/logg-inn" in response.headers["Location"]
