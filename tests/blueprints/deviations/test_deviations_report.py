"""The printable deviation report of a list: only the deviation lines (those carried in from earlier
months with their age), the handling so far, an empty notes column; the same rows as CSV and XLSX."""
import csv
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from blueprints.deviations import services
from models import AuditLog, DeductionLine, DeductionList, db
from tests.deviations_files import csv_bytes, people_rows, reported
from tests.factories import make_national_id

JANUARY, FEBRUARY = date(2026, 1, 1), date(2026, 2, 1)


@pytest.fixture
def world(app, factory):
    """January's list of branch A at the hospital: Aas right, Berg missing (carried on to February with a
    note), Dahl over the cap (accepted), a stranger not expected; February's list received with all three
    right, so that only the deviation carried in from January is open on it."""
    county = factory.county()
    a = factory.branch(county, number=7501, name="Lag A")
    b = factory.branch(county, number=7502, name="Lag B")
    hospital = factory.employer(name="Aker sykehus HF")
    at_hospital = factory.workplace(hospital, a)
    members = {name: factory.member(a, workplace=at_hospital, first_name="Test", last_name=name)
               for name in ("Aas", "Berg", "Dahl")}
    factory.member(b, workplace=factory.workplace(hospital, b), first_name="Test", last_name="Bee")
    stranger = (make_national_id(date(1990, 2, 3), factory.rng), "", "Ukjent", "Ulla", "500,00", "125,00")
    central = factory.user("central")
    with app.app_context():
        services.form_lists(JANUARY)
        outcome = services.import_file(central, csv_bytes(people_rows(JANUARY, hospital, a, [
            reported(members["Aas"]), reported(members["Dahl"], dues="800,00"), stranger])))
        assert outcome.ok, outcome.errors
        january = outcome.lists[0].deduction_list
        by_name = {line.name: line for line in db.session.scalars(
            sa.select(DeductionLine).where(DeductionLine.list_id == january.id))}
        services.resolve(central, by_name["Berg, Test"], "carried", {"note": "Venter på svar fra lønn"})
        services.resolve(central, by_name["Dahl, Test"], "accepted", {})
        services.import_file(central, csv_bytes(people_rows(FEBRUARY, hospital, a, [
            reported(members["Aas"]), reported(members["Berg"]), reported(members["Dahl"])])))
        db.session.commit()
    lists = {(row.period, row.branch_id): row.id for row in factory.session.scalars(sa.select(DeductionList))}
    return {"county": county, "a": a, "b": b, "hospital": hospital, "members": members, "central": central,
            "jan_a": lists[JANUARY, a.id], "feb_a": lists[FEBRUARY, a.id], "jan_b": lists[JANUARY, b.id]}


@pytest.fixture
def officer(factory, world, login):
    user = factory.user("branch", branches=[world["a"]])
    login(user)
    return user


def report_rows(html: str) -> dict[str, str]:
    """Each line of the report by status: name → the row's HTML."""
    body = re.search(r'<table class="grid report-table">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert body, "no report table"
    rows = re.findall(r'<tr data-status="\w+">(.*?)</tr>', body.group(1), re.S)
    return {re.search(r"<td>([^<]+)</td>", row).group(1): row for row in rows}


def test_the_report_shows_the_list_and_only_its_deviations(client, officer, world, factory):
    response = client.get(f"/trekklister/{world['jan_a']}/avviksrapport")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    jan = factory.session.get(DeductionList, world["jan_a"])
    assert "Aker sykehus HF" in html and world["hospital"].orgnr in html and "7501 Lag A" in html
    assert "01.2026" in html and jan.kid in html
    rows = report_rows(html)
    assert set(rows) == {"Berg, Test", "Dahl, Test", "Ukjent, Ulla"}  # Aas was right: not on the report

    berg = world["members"]["Berg"]
    assert "Mangler på listen" in rows["Berg, Test"] and str(berg.member_number) in rows["Berg, Test"]
    assert berg.person.national_id[:6] + " " + berg.person.national_id[6:] in rows["Berg, Test"]
    assert "874,00 kr" in rows["Berg, Test"] and "Overført til 02.2026" in rows["Berg, Test"]
    assert "Venter på svar fra lønn" in rows["Berg, Test"]
    dahl = rows["Dahl, Test"]
    assert "Beløpsavvik" in dahl and "Prosenttrekket 800,00 er over taket 749,00" in dahl
    assert "925,00 kr" in dahl and "Beløpet godtatt" in dahl
    assert "Ikke forventet" in rows["Ukjent, Ulla"] and "625,00 kr" in rows["Ukjent, Ulla"]


def test_the_report_has_an_empty_notes_column_and_prints(client, officer, world):
    html = client.get(f"/trekklister/{world['jan_a']}/avviksrapport").get_data(as_text=True)
    assert '<th class="notes-col">Notater</th>' in html
    assert html.count('<td class="notes-col"></td>') == 3
    assert "data-print" in html and "css/print.css" in html


def test_a_deviation_carried_in_shows_its_age(client, officer, world):
    html = client.get(f"/trekklister/{world['feb_a']}/avviksrapport").get_data(as_text=True)
    rows = report_rows(html)
    assert set(rows) == {"Berg, Test"}
    assert "åpent i 1 måned (fra 01.2026)" in rows["Berg, Test"]


def test_a_list_not_received_has_no_deviations_yet(client, login, factory, world):
    login(factory.user("county", counties=[world["county"]]))
    html = client.get(f"/trekklister/{world['jan_b']}/avviksrapport").get_data(as_text=True)
    assert "ikke mottatt fra arbeidsgiveren ennå" in html and "report-table" not in html


def test_the_csv_export_has_the_header_and_the_rows(client, officer, world, factory):
    response = client.get(f"/trekklister/{world['jan_a']}/avviksrapport", query_string={"format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "avviksrapport-2026-01-" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert table[0][:4] == ["Navn", "Fødselsnummer", "Medlemsnr.", "Avvik"] and table[0][-1] == "Notater"
    by_name = {row[0]: dict(zip(table[0], row)) for row in table[1:]}
    assert set(by_name) == {"Berg, Test", "Dahl, Test", "Ukjent, Ulla"}
    dahl = by_name["Dahl, Test"]
    assert dahl["Rapportert kontingent (kr)"] == "800,00" and dahl["Forventet kontingent (kr)"] == "749,00"
    assert dahl["Behandling"] == "Beløpet godtatt" and dahl["Notater"] == ""
    assert by_name["Berg, Test"]["Merknad"] == "Venter på svar fra lønn"
    audit = factory.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "export").order_by(AuditLog.id.desc()))
    assert audit is not None and "avviksrapport-2026-01-" in audit.summary and "3 rader" in audit.summary


def test_the_xlsx_export_has_numbers(client, officer, world):
    response = client.get(f"/trekklister/{world['feb_a']}/avviksrapport", query_string={"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header[0] == "Navn" and len(rows) == 1
    row = dict(zip(header, rows[0]))
    assert row["Navn"] == "Berg, Test" and row["Alder (måneder)"] == 1 and row["Åpent siden"] == "01.2026"
    assert float(row["Forventet forsikring (kr)"]) == 125.0


def test_another_branchs_report_is_not_found(client, officer, world):
    assert client.get(f"/trekklister/{world['jan_b']}/avviksrapport").status_code == 404
    assert client.get(f"/trekklister/{world['jan_b']}/avviksrapport", query_string={"format": "csv"}).status_code == 404
    assert client.get("/trekklister/999999/avviksrapport").status_code == 404


def test_an_employer_contact_is_refused(client, login, factory, world):
    login(factory.user("employer", employers=[world["hospital"]]))
    assert client.get(f"/trekklister/{world['jan_a']}/avviksrapport").status_code == 403
