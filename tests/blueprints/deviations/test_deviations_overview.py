"""The overview of deduction lists (scoped, with the counts of each line status, filters in the URL,
the open deviations of earlier months) and forming a month's lists as a background job.

One employer ("Aker sykehus HF") has members of branch A: Aas (reported right), Berg (not reported),
Dahl (reported 800 kr, over the cap of 749 kr), and the file has a person the register does not know
(Ukjent). December's list of the same employer and branch left Berg open."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from blueprints.deviations import services
from models import DeductionList, Job, db
from models.deduction import months_between
from tests.deviations_files import csv_bytes, people_rows, reported
from tests.factories import make_national_id
from web import clock

JANUARY, DECEMBER = date(2026, 1, 1), date(2025, 12, 1)


@pytest.fixture
def world(app, factory):
    county, other_county = factory.county(), factory.county()
    a = factory.branch(county, number=7101, name="Lag A")
    b = factory.branch(county, number=7102, name="Lag B")
    x = factory.branch(other_county, number=7201, name="Lag X")
    hospital = factory.employer(name="Aker sykehus HF")
    council = factory.employer(name="Bydel Nordstrand")
    at_hospital = factory.workplace(hospital, a)
    members = {name: factory.member(a, workplace=at_hospital, first_name="Test", last_name=name)
               for name in ("Aas", "Berg", "Dahl")}
    factory.member(b, workplace=factory.workplace(hospital, b), first_name="Test", last_name="Bee")
    factory.member(x, workplace=factory.workplace(council, x), first_name="Test", last_name="Ekse")
    stranger = (make_national_id(date(1990, 2, 3), factory.rng), None, "Ukjent", "Ulla", "500,00", "125,00")
    central = factory.user("central")
    with app.app_context():
        services.form_lists(DECEMBER)
        services.form_lists(JANUARY)
        december = services.import_file(central, csv_bytes(people_rows(DECEMBER, hospital, a, [
            reported(members["Aas"]), reported(members["Dahl"])])))
        january = services.import_file(central, csv_bytes(people_rows(JANUARY, hospital, a, [
            reported(members["Aas"]), reported(members["Dahl"], dues="800,00"), stranger])))
        assert december.ok and january.ok, (december.errors, january.errors)
        db.session.commit()
    lists = {(row.period, row.employer_id, row.branch_id): row.id
             for row in factory.session.scalars(sa.select(DeductionList))}
    return {
        "county": county, "a": a, "b": b, "x": x, "hospital": hospital, "council": council, "members": members,
        "central": central,
        "jan_a": lists[JANUARY, hospital.id, a.id], "dec_a": lists[DECEMBER, hospital.id, a.id],
        "jan_b": lists[JANUARY, hospital.id, b.id], "dec_b": lists[DECEMBER, hospital.id, b.id],
        "jan_x": lists[JANUARY, council.id, x.id], "dec_x": lists[DECEMBER, council.id, x.id],
    }


def list_ids(html: str) -> set[int]:
    table = re.search(r'<table class="grid" id="list-table">(.*?)</table>', html, re.S)
    return {int(found) for found in re.findall(r'data-list-id="(\d+)"', table.group(1))} if table else set()


def row_counts(html: str, list_id: int) -> dict[str, str]:
    row = re.search(rf'<tr data-list-id="{list_id}">(.*?)</tr>', html, re.S)
    assert row, f"list {list_id} is not on the page"
    return {name: re.sub(r"<[^>]+>", "", value).strip()
            for name, value in re.findall(r'data-count="(\w+)">(.*?)</td>', row.group(1), re.S)}


def earlier_section(html: str) -> str:
    found = re.search(r'<section class="earlier".*?</section>', html, re.S)
    return found.group(0) if found else ""


# --- who sees what --------------------------------------------------------------------------------

def test_a_branch_officer_sees_only_the_branchs_lists(client, login, factory, world):
    login(factory.user("branch", branches=[world["a"]]))
    response = client.get("/trekklister/")
    assert response.status_code == 200
    assert list_ids(response.get_data(as_text=True)) == {world["jan_a"], world["dec_a"]}


def test_a_county_sees_its_branches_lists(client, login, factory, world):
    login(factory.user("county", counties=[world["county"]]))
    assert list_ids(client.get("/trekklister/").get_data(as_text=True)) == {
        world["jan_a"], world["dec_a"], world["jan_b"], world["dec_b"]}


def test_central_sees_every_list(client, login, world):
    login(world["central"])
    assert list_ids(client.get("/trekklister/").get_data(as_text=True)) >= {
        world[key] for key in ("jan_a", "dec_a", "jan_b", "dec_b", "jan_x", "dec_x")}


def test_an_employer_contact_is_refused(client, login, factory, world):
    login(factory.user("employer", employers=[world["hospital"]]))
    assert client.get("/trekklister/").status_code == 403


def test_the_navigation_leads_to_the_overview(client, login, factory, world):
    login(factory.user("branch", branches=[world["a"]]))
    html = client.get("/medlemmer/").get_data(as_text=True)
    assert 'href="/trekklister/"' in html and ">Trekklister</a>" in html


# --- what a row says ------------------------------------------------------------------------------

def test_a_row_counts_each_kind_of_line_and_the_open_deviations(client, login, factory, world):
    login(factory.user("branch", branches=[world["a"]]))
    html = client.get("/trekklister/").get_data(as_text=True)
    assert row_counts(html, world["jan_a"]) == {"matched": "1", "missing": "1", "unexpected": "1", "amount": "1",
                                                "open": "3"}
    assert row_counts(html, world["dec_a"]) == {"matched": "2", "missing": "1", "unexpected": "0", "amount": "0",
                                                "open": "1"}
    row = re.search(rf'<tr data-list-id="{world["jan_a"]}">(.*?)</tr>', html, re.S).group(1)
    jan = factory.session.get(DeductionList, world["jan_a"])
    assert "01.2026" in row and "Aker sykehus HF" in row and world["hospital"].orgnr in row and "7101 Lag A" in row
    assert "Mottatt" in row and jan.kid in row
    assert "2 622,00 kr" in row  # expected: three members at 749 + 125 kr
    assert "2 424,00 kr" in row  # reported: 874 + 925 + 625 kr
    assert f'href="/trekklister/{jan.id}"' in row and f'href="/trekklister/{jan.id}/avviksrapport"' in row


def test_newest_period_first_then_employer(client, login, world):
    login(world["central"])
    html = client.get("/trekklister/", query_string={"fagforening": ""}).get_data(as_text=True)
    order = [int(found) for found in re.findall(r'data-list-id="(\d+)"', html)]
    mine = [list_id for list_id in order if list_id in {world[k] for k in ("jan_a", "jan_x", "dec_a", "dec_x")}]
    assert mine == [world["jan_a"], world["jan_x"], world["dec_a"], world["dec_x"]]


def test_the_counts_are_one_query_whatever_the_number_of_lists(app, client, login, factory, world):
    login(world["central"])
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/trekklister/", query_string={"periode": "2026-01", "arbeidsgiver": "Aker"})
        few = len(statements)
        for _ in range(4):  # four more lists on the same page
            employer = factory.employer(name="Aker kommune")
            factory.member(world["a"], workplace=factory.workplace(employer, world["a"]))
        with app.app_context():
            services.form_lists(JANUARY)
            db.session.commit()
        statements.clear()
        html = client.get("/trekklister/", query_string={"periode": "2026-01", "arbeidsgiver": "Aker"}
                          ).get_data(as_text=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(list_ids(html)) == 6
    assert len(statements) == few
    assert sum("GROUP BY" in statement and "deduction_lines" in statement for statement in statements) == 1


# --- filters --------------------------------------------------------------------------------------

@pytest.mark.parametrize("period", ["2026-01", "01.2026", "1.2026"])
def test_the_period_filter(client, login, factory, world, period):
    login(factory.user("branch", branches=[world["a"]]))
    assert list_ids(client.get("/trekklister/", query_string={"periode": period}).get_data(as_text=True)) == {
        world["jan_a"]}


def test_the_state_and_open_only_filters(client, login, factory, world):
    login(factory.user("county", counties=[world["county"]]))
    received = client.get("/trekklister/", query_string={"tilstand": "received"}).get_data(as_text=True)
    assert list_ids(received) == {world["jan_a"], world["dec_a"]}
    expected = client.get("/trekklister/", query_string={"tilstand": "expected"}).get_data(as_text=True)
    assert list_ids(expected) == {world["jan_b"], world["dec_b"]}

    with_open = client.get("/trekklister/", query_string={"apne": "y"}).get_data(as_text=True)
    assert list_ids(with_open) == {world["jan_a"], world["dec_a"]}
    assert re.search(r'<input checked[^>]*name="apne"|<input[^>]*name="apne"[^>]*checked', with_open)


def test_the_employer_and_branch_filters(client, login, world):
    login(world["central"])
    by_name = client.get("/trekklister/", query_string={"arbeidsgiver": "bydel nord"}).get_data(as_text=True)
    assert list_ids(by_name) == {world["jan_x"], world["dec_x"]}
    by_orgnr = client.get("/trekklister/", query_string={"arbeidsgiver": world["council"].orgnr}).get_data(as_text=True)
    assert list_ids(by_orgnr) == {world["jan_x"], world["dec_x"]}
    by_branch = client.get("/trekklister/", query_string={"fagforening": "7102"}).get_data(as_text=True)
    assert list_ids(by_branch) == {world["jan_b"], world["dec_b"]}
    assert re.search(r'<input id="fagforening" name="fagforening" type="text" value="7102">', by_branch)


def test_the_branch_filter_is_for_county_and_central_only(client, login, factory, world):
    login(factory.user("branch", branches=[world["a"]]))
    response = client.get("/trekklister/", query_string={"fagforening": "7102"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="fagforening"' not in html
    assert list_ids(html) == {world["jan_a"], world["dec_a"]}  # ignored: still the officer's own lists


@pytest.mark.parametrize("args, field, message", [
    ({"periode": "13.2026"}, "periode", "måneden må være 1–12"),
    ({"periode": "januar"}, "periode", "skriv ÅÅÅÅ-MM eller MM.ÅÅÅÅ"),
    ({"tilstand": "lost"}, "tilstand", "Velg en av tilstandene"),
    ({"fagforening": "A7"}, "fagforening", "Skriv fagforeningens nummer med sifre"),
])
def test_a_bad_filter_is_told_next_to_the_filter(client, login, world, args, field, message):
    login(world["central"])
    response = client.get("/trekklister/", query_string=args)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error and message in error.group(1)
    assert list_ids(html) == set()


def test_htmx_gets_the_table_fragment_and_the_page_is_bookmarkable(client, login, factory, world):
    login(factory.user("branch", branches=[world["a"]]))
    fragment = client.get("/trekklister/", query_string={"periode": "2026-01"}, headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith(("{", "<section id=\"lists\""))
    assert list_ids(html) == {world["jan_a"]}
    assert fragment.headers["Vary"] == "HX-Request" or "HX-Request" in fragment.headers["Vary"]
    page = client.get("/trekklister/").get_data(as_text=True)
    assert 'hx-get="/trekklister/"' in page and 'hx-push-url="true"' in page and 'hx-target="#lists"' in page


def test_the_pager(app, client, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login(world["central"])
    first = client.get("/trekklister/", query_string={"arbeidsgiver": "A"}).get_data(as_text=True)
    second = client.get("/trekklister/", query_string={"arbeidsgiver": "A", "page": 2}).get_data(as_text=True)
    assert "Side 1 av" in first and "Side 2 av" in second
    assert len(list_ids(first)) == 2 and list_ids(first).isdisjoint(list_ids(second))
    assert 'rel="next"' in first and "page=2" in first


# --- open deviations of earlier months ------------------------------------------------------------

def test_open_deviations_of_earlier_months_are_shown_with_their_age(client, login, factory, world):
    login(factory.user("branch", branches=[world["a"]]))
    html = client.get("/trekklister/").get_data(as_text=True)
    section = earlier_section(html)
    assert "Åpne avvik fra tidligere måneder" in section
    age = months_between(DECEMBER, clock.today().replace(day=1))
    rows = re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>")[1], re.S)
    assert len(rows) == 1  # Berg on December's list; January's deviations are in the newest period shown
    assert "Berg, Test" in rows[0] and "12.2025" in rows[0] and "Mangler på listen" in rows[0]
    assert f"{age} måneder" in rows[0] or f"{age} måned" in rows[0]
    assert f'href="/trekklister/{world["dec_a"]}"' in rows[0]


def test_a_handled_deviation_is_no_longer_open(app, client, login, factory, world):
    with app.app_context():
        line = db.session.scalar(sa.select(services.DeductionLine).where(
            services.DeductionLine.list_id == world["dec_a"], services.DeductionLine.status == "missing"))
        line.resolution, line.resolution_text = "accepted", "Godtatt"
        db.session.commit()
    login(factory.user("branch", branches=[world["a"]]))
    html = client.get("/trekklister/").get_data(as_text=True)
    assert earlier_section(html) == ""
    assert row_counts(html, world["dec_a"])["open"] == "0"


def test_no_earlier_deviations_when_the_oldest_month_is_shown(client, login, factory, world):
    login(factory.user("branch", branches=[world["a"]]))
    html = client.get("/trekklister/", query_string={"periode": "12.2025"}).get_data(as_text=True)
    assert earlier_section(html) == ""


# --- forming a month (central) --------------------------------------------------------------------

def test_central_forms_a_month_and_sees_the_result(client, login, post, factory, world):
    login(world["central"])
    page = client.get("/trekklister/dann").get_data(as_text=True)
    last_month = (clock.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    assert f'value="{last_month:%m.%Y}"' in page
    assert 'href="/trekklister/dann"' in client.get("/trekklister/").get_data(as_text=True)

    response = post("/trekklister/dann", {"periode": "02.2026"})
    assert response.status_code == 303
    job_id = int(re.fullmatch(r"/trekklister/jobb/(\d+)", response.headers["Location"]).group(1))
    job = factory.session.get(Job, job_id)
    assert job.state == "done" and job.kind == "lists.form"
    formed = factory.session.scalars(sa.select(DeductionList).where(DeductionList.period == date(2026, 2, 1))).all()
    assert {(row.employer_id, row.branch_id) for row in formed} >= {
        (world["hospital"].id, world["a"].id), (world["hospital"].id, world["b"].id),
        (world["council"].id, world["x"].id)}

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "trekklister dannet for 02.2026" in html
    assert 'value="100"' in html and "Ferdig" in html
    assert 'href="/trekklister/?periode=2026-02"' in html
    assert 'hx-trigger="every 1s"' not in html


def test_forming_again_while_a_job_runs_is_refused(client, login, post, factory, world):
    running = factory._add(Job(kind="lists.form", params='{"period": "2026-02"}', state="running", done=3,
                               total=10))
    login(world["central"])
    response = post("/trekklister/dann", {"periode": "02.2026"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Trekklister dannes allerede" in html and f'href="/trekklister/jobb/{running.id}"' in html
    assert factory.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1


@pytest.mark.parametrize("month, message", [
    ("13.2026", "måneden må være 1–12"), ("", "Skriv måneden"), ("01.2999", "Måneden har ikke begynt ennå")])
def test_a_bad_month_is_told_and_no_job_made(client, login, post, factory, world, month, message):
    login(world["central"])
    response = post("/trekklister/dann", {"periode": month})
    assert response.status_code == 422
    error = re.search(r'<p class="error" id="periode-error">([^<]*)</p>', response.get_data(as_text=True))
    assert error and message in error.group(1)
    assert factory.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_a_running_job_page_polls_itself_and_a_finished_one_does_not(client, login, factory, world):
    running = factory._add(Job(kind="lists.form", params='{"period": "2026-02"}', state="running", done=3,
                               total=10))
    login(world["central"])
    page = client.get(f"/trekklister/jobb/{running.id}").get_data(as_text=True)
    assert f'hx-get="/trekklister/jobb/{running.id}" hx-trigger="every 1s"' in page
    assert '<progress max="100" value="30"' in page and "3 av 10 lister" in page and "Kjører" in page
    fragment = client.get(f"/trekklister/jobb/{running.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'hx-trigger="every 1s"' in fragment

    running.state, running.done, running.message = "failed", 3, "Perioden finnes ikke."
    factory.session.flush()
    fragment = client.get(f"/trekklister/jobb/{running.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' not in fragment and "Feilet" in fragment and "Perioden finnes ikke." in fragment


@pytest.mark.parametrize("role", ["branch", "county"])
def test_only_central_forms_lists_and_sees_jobs(client, login, post, factory, world, role):
    job = factory._add(Job(kind="lists.form", params='{"period": "2026-02"}', state="done"))
    login(factory.user(role, branches=[world["a"]] if role == "branch" else [],
                       counties=[world["county"]] if role == "county" else []))
    assert client.get("/trekklister/dann").status_code == 403
    assert post("/trekklister/dann", {"periode": "02.2026"}).status_code == 403
    assert client.get(f"/trekklister/jobb/{job.id}").status_code == 403
    assert 'href="/trekklister/dann"' not in client.get("/trekklister/").get_data(as_text=True)
    assert factory.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1


def test_another_kind_of_job_is_not_found_here(client, login, factory, world):
    other = factory._add(Job(kind="payments.import", params="{}", state="done"))
    login(world["central"])
    assert client.get(f"/trekklister/jobb/{other.id}").status_code == 404
    assert client.get("/trekklister/jobb/999999").status_code == 404
