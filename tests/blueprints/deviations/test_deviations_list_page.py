"""The page of one deduction list: its header, the count of each status, the filter in the URL, the
lines with their colours and reasons, lines carried in from earlier months with their age, a list of
many lines without a query per line, and who may see it.

"Aker sykehus HF" has four members of "Lag A" on its March list: Aas (reported as expected), Berg
(not reported: yellow), Dahl (800 kr reported, over the cap of 749 kr: amount) and Eik (not reported
either); the file also has Ukjent, a person the register does not know (orange)."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.deviations import services
from models import DeductionLine, DeductionList, db
from tests.deviations_files import employer_file, row
from tests.factories import make_national_id
from tests.pages import text
from web.commands import SYSTEM

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)




def line_row(page: str, line_id: int) -> str:
    found = re.search(rf'<tr id="line-{line_id}"[^>]*>.*?</tr>', page, re.S)
    assert found, f"line {line_id} is not on the page"
    return found.group(0)


def shown_lines(page: str) -> set[int]:
    return {int(n) for n in re.findall(r'<tr id="line-(\d+)" class="line ', page)}


def count_of(page: str, name: str) -> int:
    found = re.search(rf'data-count="{name}">(\d+)<', page)
    assert found, f"no count {name}"
    return int(found.group(1))


def form_and_receive(app, employer, branch, period, **file_changes) -> int:
    """Form the list of employer and branch for the period, import the employer's file for it (with
    the changes asked for) as the central registry does, and return the list's id."""
    with app.app_context():
        services.form_lists(period, only=(employer.id, branch.id))
        deduction_list = db.session.scalar(sa.select(DeductionList).where(
            DeductionList.period == period, DeductionList.employer_id == employer.id,
            DeductionList.branch_id == branch.id))
        outcome = services.import_file(SYSTEM, employer_file(deduction_list, **file_changes))
        assert outcome.ok, outcome.errors
        db.session.commit()
        return deduction_list.id


def lines_by_name(session, list_id: int) -> dict[str, DeductionLine]:
    session.expire_all()
    return {line.name.split(",")[0]: line
            for line in session.scalars(sa.select(DeductionLine).where(DeductionLine.list_id == list_id))}


@pytest.fixture
def world(app, factory):
    county, other_county = factory.county(), factory.county()
    a = factory.branch(county, name="Lag A")
    b = factory.branch(county, name="Lag B")
    x = factory.branch(other_county, name="Lag X")
    hospital = factory.employer(name="Aker sykehus HF")
    workplace = factory.workplace(hospital, a, name="Sengepost 3")
    members = {name: factory.member(a, workplace=workplace, first_name="Test", last_name=name)
               for name in ("Aas", "Berg", "Dahl", "Eik")}
    officer = factory.user("branch", branches=[a])
    stranger = make_national_id(date(1990, 2, 3), factory.rng)
    list_id = form_and_receive(
        app, hospital, a, MARCH,
        drop={members["Berg"].person.national_id, members["Eik"].person.national_id},
        change={members["Dahl"].person.national_id: {"kontingent": "800,00"}},
        add=[row(_Key(MARCH, hospital, a), national_id=stranger, last_name="Ukjent", first_name="Ulla",
                 dues_ore=50_000, insurance_ore=12_500)])
    return {"county": county, "other_county": other_county, "a": a, "b": b, "x": x, "hospital": hospital,
            "workplace": workplace, "members": members, "officer": officer, "list_id": list_id,
            "stranger": stranger}


class _Key:
    """What tests.deviations_files.row needs of a list: its period, employer and branch."""

    def __init__(self, period, employer, branch):
        self.period, self.employer, self.branch = period, employer, branch


def test_the_page_shows_the_header_the_counts_and_each_status(client, login, world, session):
    login(world["officer"])
    page = client.get(f"/trekklister/{world['list_id']}?vis=alle")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    lines = lines_by_name(session, world["list_id"])

    assert "Trekkliste 03.2026 · Aker sykehus HF" in text(body)
    facts = text(re.search(r'<dl class="facts list-facts">.*?</dl>', body, re.S).group(0))
    deduction_list = session.get(DeductionList, world["list_id"])
    assert world["hospital"].orgnr in facts and deduction_list.kid in facts
    assert "Mottatt" in facts and "Under behandling" not in facts
    # expected: four members at 749 + 125 kr; reported: Aas 874, Dahl 925, Ukjent 625
    assert "4 medlemmer, 3 496,00 kr" in facts
    assert "3 linjer, 2 424,00 kr" in facts

    assert (count_of(body, "matched"), count_of(body, "missing"), count_of(body, "unexpected"),
            count_of(body, "amount"), count_of(body, "open")) == (1, 2, 1, 1, 4)

    aas = line_row(body, lines["Aas"].id)
    assert 'class="line status-matched"' in aas and "I orden" in text(aas)
    assert "Behandle" not in text(aas)  # nothing to handle; a note can still be written
    assert f'href="/medlemmer/{world["members"]["Aas"].person_id}"' in aas
    assert text(aas).count("749,00 kr") == 1 and "874,00 kr" in text(aas)

    berg = line_row(body, lines["Berg"].id)
    assert "status-missing" in berg and "Mangler på listen" in text(berg) and "Behandle" in text(berg)
    nid = world["members"]["Berg"].person.national_id
    assert f"{nid[:6]} {nid[6:]}" in text(berg)

    dahl = line_row(body, lines["Dahl"].id)
    assert "status-amount" in dahl and "Beløpsavvik" in text(dahl)
    assert "Prosenttrekket 800,00 er over taket 749,00" in text(dahl)

    ukjent = line_row(body, lines["Ukjent"].id)
    assert "status-unexpected" in ukjent and "Ikke forventet" in text(ukjent)
    assert "/medlemmer/" not in ukjent  # not a member: no card to link to

    # open deviations: the list cannot be posted yet
    assert "4 avvik må behandles før listen kan framføres." in text(body)
    assert 'id="post-button"' not in body
    # the keyboard help and the list's script
    assert "flytter mellom linjene" in text(body) and "js/deviations.js" in body


def test_the_filter_is_in_the_url_and_defaults_to_the_deviations(client, login, world, session):
    login(world["officer"])
    lines = lines_by_name(session, world["list_id"])
    ids = {name: line.id for name, line in lines.items()}
    url = f"/trekklister/{world['list_id']}"

    default = client.get(url).get_data(as_text=True)
    assert shown_lines(default) == {ids["Berg"], ids["Dahl"], ids["Eik"], ids["Ukjent"]}
    assert re.search(r'aria-current="page"[^>]*>Avvik<', default)

    expected = {"alle": set(ids.values()), "matched": {ids["Aas"]}, "missing": {ids["Berg"], ids["Eik"]},
                "unexpected": {ids["Ukjent"]}, "amount": {ids["Dahl"]}, "tull": shown_lines(default)}
    for view, shown in expected.items():
        assert shown_lines(client.get(f"{url}?vis={view}").get_data(as_text=True)) == shown, view

    # htmx gets the table alone, with links that push the filter into the URL
    fragment = client.get(f"{url}?vis=missing", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="lines">') and "<html" not in body
    assert shown_lines(body) == {ids["Berg"], ids["Eik"]}
    assert 'hx-push-url="true"' in body and "HX-Request" in fragment.headers["Vary"]


def test_a_list_without_deviations_shows_all_lines_and_the_posting_button(app, client, login, factory):
    branch = factory.branch()
    employer = factory.employer(name="Rett Trekk AS")
    member = factory.member(branch, workplace=factory.workplace(employer, branch), last_name="Riktig")
    officer = factory.user("branch", branches=[branch])
    list_id = form_and_receive(app, employer, branch, MARCH)

    login(officer)
    body = client.get(f"/trekklister/{list_id}").get_data(as_text=True)
    assert len(shown_lines(body)) == 1 and "Riktig, Kari" in text(body)
    assert re.search(r'aria-current="page"[^>]*>Alle<', body)
    assert f'<a class="button primary" id="post-button" href="/trekklister/{list_id}/framfor">' in body
    assert member.member_number  # the member is on it


def test_a_list_not_yet_received_says_so(app, client, login, factory):
    branch = factory.branch()
    employer = factory.employer()
    factory.member(branch, workplace=factory.workplace(employer, branch))
    officer = factory.user("branch", branches=[branch])
    with app.app_context():
        services.form_lists(MARCH, only=(employer.id, branch.id))
        db.session.commit()
    list_id = factory.session.scalar(sa.select(DeductionList.id).where(DeductionList.employer_id == employer.id))
    login(officer)
    body = client.get(f"/trekklister/{list_id}").get_data(as_text=True)
    assert "Forventet" in text(body) and "Ikke mottatt ennå" in text(body)
    assert "Listen er ikke mottatt fra arbeidsgiveren ennå og kan ikke framføres." in text(body)
    assert "Ikke sammenlignet" in text(body)


def test_a_deviation_carried_forward_shows_its_age_on_a_later_list(app, client, login, post, world, session):
    login(world["officer"])
    lines = lines_by_name(session, world["list_id"])
    berg = lines["Berg"]
    response = post(f"/trekklister/{world['list_id']}/linjer/{berg.id}/behandle",
                    {f"line{berg.id}-action": "carried", f"line{berg.id}-note": "Venter på svar fra lønn"},
                    headers={"HX-Request": "true"})
    assert response.status_code == 200
    # April's list got formed and a copy of Berg's line; received in May, seen in May (age from March)
    april = session.scalar(sa.select(DeductionList).where(
        DeductionList.period == APRIL, DeductionList.employer_id == world["hospital"].id))
    carried = session.scalar(sa.select(DeductionLine).where(
        DeductionLine.list_id == april.id, DeductionLine.carried_from_id == berg.id))
    assert carried.origin_period == MARCH and carried.status == "missing" and carried.resolution is None
    body = client.get(f"/trekklister/{april.id}?vis=alle").get_data(as_text=True)
    row_text = text(line_row(body, carried.id))
    assert "overført fra 03.2026 (1 mnd)" in row_text
    assert "Venter på svar fra lønn" in row_text
    assert count_of(body, "open") == 1


def test_many_lines_render_with_a_fixed_number_of_queries(app, client, login, factory):
    """The row template touches no relationship of a line: the queries do not grow with the lines."""
    branch = factory.branch()
    officer = factory.user("branch", branches=[branch])
    statements: list[str] = []

    def count_statements(*args):
        statements.append(args[2])

    def queries_for(lines: int) -> int:
        employer = factory.employer()
        workplace = factory.workplace(employer, branch)
        for n in range(lines):
            factory.member(branch, workplace=workplace, last_name=f"Medlem{n:03d}",
                           birth=date(1960 + n % 40, 1 + n % 12, 1 + n % 28))
        list_id = form_and_receive(app, employer, branch, MARCH, drop=set())
        with app.app_context():
            engine = db.engine
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count_statements)
        try:
            response = client.get(f"/trekklister/{list_id}?vis=alle")
        finally:
            sa.event.remove(engine, "before_cursor_execute", count_statements)
        assert response.status_code == 200
        assert len(shown_lines(response.get_data(as_text=True))) == lines
        return len(statements)

    login(officer)
    assert queries_for(3) == queries_for(40)


@pytest.mark.parametrize("who", ["other_branch", "other_county"])
def test_another_branch_or_county_gets_404_for_the_list_its_lines_and_posting(client, login, post, world, factory,
                                                                                session, who):
    user = (factory.user("branch", branches=[world["b"]]) if who == "other_branch"
            else factory.user("county", counties=[world["other_county"]]))
    line = lines_by_name(session, world["list_id"])["Berg"]
    base = f"/trekklister/{world['list_id']}"
    login(user)
    for url in (base, f"{base}/framfor", f"{base}/linjer/{line.id}", f"{base}/linjer/{line.id}/behandle"):
        assert client.get(url).status_code == 404, url
    for url in (f"{base}/framfor", f"{base}/linjer/{line.id}/behandle", f"{base}/linjer/{line.id}/merknad"):
        assert post(url, {f"line{line.id}-action": "accepted"}).status_code == 404, url
    session.expire_all()
    assert session.get(DeductionLine, line.id).resolution is None
    assert session.get(DeductionList, world["list_id"]).state == "received"


def test_a_line_of_another_list_is_404_through_this_list(app, client, login, world, factory, session):
    """A line is always loaded through its list: another list's line id answers 404."""
    employer = factory.employer()
    factory.member(world["a"], workplace=factory.workplace(employer, world["a"]))
    other_list = form_and_receive(app, employer, world["a"], MARCH, drop=set())
    other_line = session.scalar(sa.select(DeductionLine.id).where(DeductionLine.list_id == other_list))
    login(world["officer"])
    assert client.get(f"/trekklister/{world['list_id']}/linjer/{other_line}/behandle").status_code == 404
    assert client.get(f"/trekklister/{other_list}/linjer/{other_line}/behandle").status_code == 200


def test_an_employer_contact_is_refused(client, login, post, world, factory, session):
    contact = factory.user("employer", employers=[world["hospital"]])
    line = lines_by_name(session, world["list_id"])["Berg"]
    login(contact)
    base = f"/trekklister/{world['list_id']}"
    for url in (base, f"{base}/framfor", f"{base}/linjer/{line.id}/behandle"):
        assert client.get(url).status_code in (403, 404), url
    for url in (f"{base}/framfor", f"{base}/linjer/{line.id}/behandle", f"{base}/linjer/{line.id}/merknad"):
        assert post(url, {f"line{line.id}-action": "accepted", f"line{line.id}-note": "x"}).status_code in (403, 404)
    session.expire_all()
    assert session.get(DeductionLine, line.id).resolution is None and session.get(DeductionLine, line.id).note is None


@pytest.mark.parametrize("role", ["county", "central"])
def test_the_county_of_the_branch_and_the_central_registry_see_the_list(client, login, world, factory, role):
    login(factory.user("county", counties=[world["county"]]) if role == "county" else factory.user("central"))
    response = client.get(f"/trekklister/{world['list_id']}")
    assert response.status_code == 200
    assert "Aker sykehus HF" in text(response.get_data(as_text=True))
