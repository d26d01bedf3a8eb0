"""The employer portal's overview: the lists of the contact's employers and workplaces in three groups
(not handled, in progress, handled) with period, branch, members, amount and payment state; the
history of handled lists a page at a time; the payment details of one list; the way in (menu, start
page); and a list of many members without a query per member.

"Sykehuset AS" has members in "Lag A" and "Lag B": its March 2026 lists of both branches are
expected (the payroll office has saved a draft for Lag B), its February list of Lag A was sent
from the portal. "Kommunen" has its own list that the contact must not see."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.deviations import services as deviations
from blueprints.portal import queries
from models import DeductionList, ListPayment, PortalEntry, UserScope, db
from models.deduction import list_kid
from tests.pages import text

FEBRUARY, MARCH = date(2026, 2, 1), date(2026, 3, 1)


def section(page: str, section_id: str) -> str:
    found = re.search(rf'<section [^>]*id="{section_id}".*?</section>', page, re.S)
    assert found, f"no section {section_id}"
    return found.group(0)


def list_of(period, employer, branch) -> DeductionList:
    return db.session.scalar(sa.select(DeductionList).where(
        DeductionList.period == period, DeductionList.employer_id == employer.id, DeductionList.branch_id == branch.id))


@pytest.fixture
def world(app, factory):
    county = factory.county()
    a, b = factory.branch(county, name="Lag A"), factory.branch(county, name="Lag B")
    hospital, town = factory.employer(name="Sykehuset AS"), factory.employer(name="Kommunen")
    ward_a, ward_b = factory.workplace(hospital, a, name="Sengepost A"), factory.workplace(hospital, b, name="Sengepost B")
    town_hall = factory.workplace(town, a, name="Rådhuset")
    for n in range(3):
        factory.member(a, workplace=ward_a, first_name="Test", last_name=f"A{n}")
    for n in range(2):
        factory.member(b, workplace=ward_b, first_name="Test", last_name=f"B{n}")
    factory.member(a, workplace=town_hall, first_name="Test", last_name="Kommune")
    contact = factory.user("employer", employers=[hospital])
    with app.app_context():
        for period in (FEBRUARY, MARCH):
            deviations.form_lists(period)
        ids = {key: list_of(period, employer, branch).id for key, (period, employer, branch) in {
            "feb_a": (FEBRUARY, hospital, a), "mar_a": (MARCH, hospital, a), "mar_b": (MARCH, hospital, b),
            "town": (MARCH, town, a), "feb_b": (FEBRUARY, hospital, b)}.items()}
        db.session.commit()
    return {"a": a, "b": b, "hospital": hospital, "town": town, "ward_a": ward_a, "contact": contact, "ids": ids}


def send(client, post, list_id):
    assert post(f"/portal/liste/{list_id}/send").status_code == 303


def test_the_overview_groups_the_lists(client, login, post, world, session):
    login(world["contact"])
    ids = world["ids"]
    send(client, post, ids["feb_a"])
    send(client, post, ids["feb_b"])
    assert session.scalars(sa.select(PortalEntry)).all() == []  # sending without a draft stores none
    page = client.get(f"/portal/liste/{ids['mar_b']}")
    line_ids = re.findall(r'name="r(\d+)-outcome"', page.get_data(as_text=True))
    assert post(f"/portal/liste/{ids['mar_b']}", {f"r{n}-outcome": "deducted" for n in line_ids}).status_code == 303

    response = client.get("/portal")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    not_handled, in_progress, handled = (section(body, "not-handled"), section(body, "in-progress"),
                                         section(body, "history"))
    assert f'href="/portal/liste/{ids["mar_a"]}"' in not_handled and f'/portal/liste/{ids["mar_b"]}"' not in not_handled
    assert f'href="/portal/liste/{ids["mar_b"]}"' in in_progress
    assert f'href="/portal/liste/{ids["feb_a"]}"' in handled and f'href="/portal/liste/{ids["feb_b"]}"' in handled
    assert f'/portal/liste/{ids["town"]}"' not in body and "Kommunen" not in body

    # each row: period, employer, branch, members, amount, payment state
    row = text(re.search(rf'<tr id="liste-{ids["mar_a"]}">.*?</tr>', not_handled, re.S).group(0))
    branch = world["a"]
    assert row.startswith("03.2026") and "Sykehuset AS" in row and f"{branch.number} Lag A" in row
    assert " 3 " in f" {row} " and "2 622,00 kr" in row and "Ikke betalt" in row and "utestående 2 622,00 kr" in row
    sent = text(re.search(rf'<tr id="liste-{ids["feb_a"]}">.*?</tr>', handled, re.S).group(0))
    assert "02.2026" in sent and "Mottatt" in sent and "2 622,00 kr" in sent and "Ikke betalt" in sent
    assert "Behandlet" in handled and "(2)" in handled


def test_a_workplace_contact_sees_only_that_workplaces_branch(client, login, world, factory, session):
    contact = factory.user("employer")
    session.add(UserScope(user_id=contact.id, kind="workplace", ref_id=world["ward_a"].id))
    session.flush()
    login(contact)
    body = client.get("/portal").get_data(as_text=True)
    ids = world["ids"]
    assert f'/portal/liste/{ids["mar_a"]}"' in body and f'/portal/liste/{ids["feb_a"]}"' in body
    assert f'/portal/liste/{ids["mar_b"]}"' not in body
    assert client.get(f"/portal/liste/{ids['mar_b']}").status_code == 404
    assert client.get(f"/portal/liste/{ids['mar_a']}").status_code == 200


def test_the_history_pages_newest_first(client, login, world, factory, session):
    employer = factory.employer(name="Arkivet AS")
    branch = world["a"]
    for month in range(1, 23):  # 22 posted lists, 2024-01 to 2025-10
        period = date(2024 + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        session.add(DeductionList(period=period, employer_id=employer.id, branch_id=branch.id, state="posted",
                                  kid=list_kid(period, employer.id, branch.number), expected_count=1,
                                  reported_dues_ore=10_000, reported_insurance_ore=2_500))
    session.flush()
    login(factory.user("employer", employers=[employer]))
    first = client.get("/portal").get_data(as_text=True)
    history = section(first, "history")
    assert history.count('<tr id="liste-') == queries.HISTORY_PAGE_SIZE
    periods = re.findall(r'<a href="/portal/liste/\d+">(\d\d\.\d{4})', history)
    assert periods[:2] == ["10.2025", "09.2025"] and "Side 1 av 2" in text(history)
    assert "125,00 kr" in text(history) and "Framført" in text(history)
    assert 'href="/portal?page=2"' in history  # the pager's link is the URL that shows the next page

    second = client.get("/portal?page=2", headers={"HX-Request": "true"})
    body = second.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="history"') and "<html" not in body
    assert re.findall(r'<a href="/portal/liste/\d+">(\d\d\.\d{4})', body) == ["02.2024", "01.2024"]
    assert second.headers["Vary"] == "HX-Request" or "HX-Request" in second.headers["Vary"]


def test_the_list_page_shows_how_to_pay(client, login, post, world, session):
    login(world["contact"])
    list_id = world["ids"]["mar_a"]
    deduction_list = session.get(DeductionList, list_id)
    body = client.get(f"/portal/liste/{list_id}").get_data(as_text=True)
    paying = text(section(body, "paying"))
    assert f"KID {deduction_list.kid}" in paying
    assert "Kontonummer 1503.20.80119" in paying
    assert "Å betale 2 622,00 kr summen i utkastet" in paying
    assert "Innbetalt Ingen innbetalinger registrert ennå" in paying
    assert "Utestående 2 622,00 kr · Ikke betalt" in paying

    # one member not deducted: the draft's sum follows; once sent, the approved sum
    line_ids = re.findall(r'name="r(\d+)-outcome"', body)
    data = {f"r{n}-outcome": "deducted" for n in line_ids} | {f"r{line_ids[0]}-outcome": "not_deducted",
                                                               f"r{line_ids[0]}-reason": "leave"}
    assert post(f"/portal/liste/{list_id}", data).status_code == 303
    paying = text(section(client.get(f"/portal/liste/{list_id}").get_data(as_text=True), "paying"))
    assert "Å betale 1 748,00 kr summen i utkastet" in paying
    send(client, post, list_id)
    paying = text(section(client.get(f"/portal/liste/{list_id}").get_data(as_text=True), "paying"))
    assert "Å betale 1 748,00 kr summen som ble godkjent" in paying and "Utestående 1 748,00 kr" in paying


def test_the_union_account_comes_from_the_configuration(app, client, login, world, monkeypatch):
    login(world["contact"])
    monkeypatch.setitem(app.config, "UNION_ACCOUNT", "8601 11 17947")
    body = client.get(f"/portal/liste/{world['ids']['mar_a']}").get_data(as_text=True)
    assert "Kontonummer 8601.11.17947" in text(section(body, "paying"))
    monkeypatch.setitem(app.config, "UNION_ACCOUNT", "12345678901")  # fails the check digit
    body = client.get(f"/portal/liste/{world['ids']['mar_a']}").get_data(as_text=True)
    assert "ikke satt opp; spør fagforeningen" in text(section(body, "paying"))


def test_payment_state_without_payments_is_not_paid():
    owing = ListPayment(87_400)
    assert (owing.label, owing.paid_ore, owing.owing_ore) == ("Ikke betalt", 0, 87_400)
    assert ListPayment(0).label == "Ingenting å betale"
    assert ListPayment(87_400, [(MARCH, 87_400)]).label == "Betalt"
    assert ListPayment(87_400, [(MARCH, 400)]).label == "Delvis betalt"


def test_the_way_in_for_an_employer_contact(client, login, world):
    login(world["contact"])
    home = client.get("/").get_data(as_text=True)
    nav = re.search(r'<nav aria-label="Hovedmeny">(.*?)</nav>', home, re.S).group(1)
    assert '<a href="/portal" >Trekklister</a>' in nav or re.search(r'<a href="/portal"[^>]*>Trekklister</a>', nav)
    assert "/medlemmer" not in nav and "/trekklister" not in nav
    assert re.search(r'<ul class="tiles">\s*<li><a href="/portal">Trekklister</a>', home)
    portal = client.get("/portal").get_data(as_text=True)
    assert re.search(r'<a href="/portal" aria-current="page">Trekklister</a>', portal)


def test_many_members_render_with_a_fixed_number_of_queries(app, client, login, factory):
    branch = factory.branch()
    sizes = (3, 40)
    employers = [factory.employer() for _ in sizes]
    login(factory.user("employer", employers=employers))
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    def queries_for(employer, members: int) -> int:
        workplace = factory.workplace(employer, branch)
        for n in range(members):
            factory.member(branch, workplace=workplace, last_name=f"Medlem{n:03d}", birth=date(1960 + n % 40, 1, 1))
        with app.app_context():
            deviations.form_lists(MARCH, only=(employer.id, branch.id))
            list_id = list_of(MARCH, employer, branch).id
            db.session.commit()
            engine = db.engine
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(f"/portal/liste/{list_id}")
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert response.get_data(as_text=True).count('class="entry-row') == members
        return len(statements)

    assert queries_for(employers[0], sizes[0]) == queries_for(employers[1], sizes[1])
