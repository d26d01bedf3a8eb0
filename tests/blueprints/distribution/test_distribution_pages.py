"""The distribution pages: the runs, the preview and its confirmation as a job, the run, each branch's
report with the members behind every list (CSV and XLSX too), the transfer list, and who reaches what.

The union of tests/payments_world.py: March 2026 lists posted for 7301 "Fagforening Nord" (1,75 %,
1 950,00 kr: central 1 035,00, local 540,00) and 7302 "Fagforening Sør" (2,00 %, 1 964,00 kr: central
985,55, local 728,45); each member pays 125,00 kr fixed (74 + 26 + 25)."""
import csv
import html
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from blueprints.distribution import services
from models import DistributionLine, DistributionRun, Job, db
from models.job import RUNNING
from tests.pages import sign_in, text
from tests.payments_world import MARCH, committed_world, pay_committed
from web import clock

PREVIEW = "/fordeling/forhandsvisning?periode=2026-03"
CHECKED = "Jeg har kontrollert forhåndsvisningen. Fordelingen kan ikke endres etterpå."


def page_text(response) -> str:
    return text(response.get_data(as_text=True))


def row(page: str, attribute: str, value) -> str:
    found = re.search(rf'<tr {attribute}="{value}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, f"no row {attribute}={value}"
    return text(found.group(1))


def section(page: str, css_class: str) -> str:
    found = re.search(rf'<table class="grid {css_class}">(.*?)</table>', page, re.S)
    assert found, f"no table {css_class}"
    return text(found.group(1))


def runs(session) -> list[DistributionRun]:
    session.expire_all()
    return session.scalars(sa.select(DistributionRun).order_by(DistributionRun.id)).all()


def jobs_of_kind(session) -> list[Job]:
    session.expire_all()
    return session.scalars(sa.select(Job).where(Job.kind == "distribution.run").order_by(Job.id)).all()


@pytest.fixture
def world(app, factory, session):
    return committed_world(app, factory, session)


def distribute(app, session, world) -> DistributionRun:
    """March distributed by the service, as the job does it."""
    with app.app_context():
        run_id = services.run_distribution(MARCH, world.central).id
        db.session.commit()
    return session.get(DistributionRun, run_id)


@pytest.fixture
def paid(app, world):
    pay_committed(app, world, [(world.north_list.kid, 195_000), (world.south_list.kid, 196_400)])
    return world


@pytest.fixture
def run(app, session, paid):
    return distribute(app, session, paid)


def confirm(client, period="2026-03", checked=True, **headers):
    data = {"periode": period, "csrf_token": client.csrf}
    if checked:
        data["bekreftet"] = "y"
    return client.post("/fordeling/kjor", data=data, headers=headers)


# --- the preview ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("period", ["2026-03", "03.2026"])
def test_the_preview_shows_each_branch_to_the_ore(app, paid, period, session):
    client = sign_in(app, paid.central)
    response = client.get(f"/fordeling/forhandsvisning?periode={period}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    north, south = row(page, "data-branch", 7301), row(page, "data-branch", 7302)
    # number, name, account, lists, paid, central, local, home, benefit fund, education fund, excess
    assert north == ("7301 Fagforening Nord 1503.20.80127 1 1 950,00 kr 1 035,00 kr 540,00 kr 222,00 kr 78,00 kr "
                     "75,00 kr 0,00 kr")
    assert south == ("7302 Fagforening Sør 1503.20.80135 1 1 964,00 kr 985,55 kr 728,45 kr 148,00 kr 52,00 kr "
                     "50,00 kr 0,00 kr")
    totals = text(re.search(r'<tr class="totals">(.*?)</tr>', page, re.S).group(1))
    assert totals == "Sum 2 3 914,00 kr 2 020,55 kr 1 268,45 kr 370,00 kr 130,00 kr 125,00 kr 0,00 kr"
    parts = section(page, "distribution-parts")
    assert "Sentral andel 2 020,55 kr" in parts and "Stønadskassa 130,00 kr" in parts and "I alt 3 914,00 kr" in parts
    assert "Ingen delvis betalte trekklister." in text(page)
    assert CHECKED in text(page) and 'hx-confirm="' in page
    assert runs(session) == []  # a preview stores nothing


def test_a_partly_paid_list_is_held_back_and_shown(app, world):
    pay_committed(app, world, [(world.north_list.kid, 195_000), (world.south_list.kid, 100_000)])
    client = sign_in(app, world.central)
    page = client.get(PREVIEW).get_data(as_text=True)
    held = section(page, "distribution-held")
    assert "Sykehuset AS 7302 Fagforening Sør 03.2026 1 964,00 kr 1 000,00 kr 964,00 kr Til trekklisten" in held
    assert f'href="/trekklister/{world.south_list.id}"' in page
    assert row(page, "data-branch", 7302).startswith("7302 Fagforening Sør 1503.20.80135 0 (1 holdt tilbake) 0,00 kr")
    assert "1 trekkliste fordeles: 1 950,00 kr." in text(page)


def test_nothing_to_distribute_and_the_unpaid_lists(app, world):
    client = sign_in(app, world.central)
    response = client.get(PREVIEW)
    assert response.status_code == 200
    shown = page_text(response)
    assert "Ingenting å fordele til og med 03.2026" in shown
    assert "2 framførte trekklister er ikke betalt i det hele tatt og er ikke med." in shown
    assert "Kjør fordelingen" not in shown


@pytest.mark.parametrize("period, message", [
    ("mars", "«mars» er ikke en periode (skriv ÅÅÅÅ-MM eller MM.ÅÅÅÅ)."),
    ("13.2026", "«13.2026» er ikke en gyldig periode (måneden må være 1–12)."),
    ("12.2099", "Måneden har ikke begynt ennå"),
])
def test_a_bad_month_is_refused_next_to_the_field(app, paid, period, message):
    client = sign_in(app, paid.central)
    response = client.get(f"/fordeling/forhandsvisning?periode={period}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(r'<p class="error" id="periode-error">(.*?)</p>', page, re.S)
    assert error and message in html.unescape(error.group(1))
    assert "Kjør fordelingen" not in page


def test_the_index_offers_a_new_distribution_for_last_month_to_the_central_registry(app, world):
    client = sign_in(app, world.central)
    page = client.get("/fordeling/").get_data(as_text=True)
    assert "Ny fordeling" in page and 'action="/fordeling/forhandsvisning"' in page
    last = clock.today().replace(day=1) - timedelta(days=1)
    assert f'value="{last:%m.%Y}"' in page
    assert "Ingen fordelinger ennå." in page
    officer = sign_in(app, world.north_officer).get("/fordeling/").get_data(as_text=True)
    assert "Ny fordeling" not in officer and "forhandsvisning" not in officer


# --- confirming: the job and its page -------------------------------------------------------------------

def test_confirming_without_the_box_is_refused_and_nothing_runs(app, paid, session):
    client = sign_in(app, paid.central)
    response = confirm(client, checked=False)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(r'<p class="error" id="bekreftet-error">(.*?)</p>', page, re.S)
    assert error and "Kryss av for at du har kontrollert forhåndsvisningen." in error.group(1)
    assert runs(session) == [] and jobs_of_kind(session) == []
    # htmx gets the form alone, with the same error
    fragment = confirm(client, checked=False, **{"HX-Request": "true"})
    assert fragment.status_code == 422
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith("<section id=\"run-form\"") and "Kryss av for" in body
    assert runs(session) == []


def test_a_tampered_month_is_refused(app, paid, session):
    client = sign_in(app, paid.central)
    response = confirm(client, period="2099-12")
    assert response.status_code == 422 and "Måneden har ikke begynt ennå" in page_text(response)
    assert runs(session) == [] and jobs_of_kind(session) == []


def test_confirming_runs_the_job_and_its_page_links_the_run(app, paid, session):
    client = sign_in(app, paid.central)
    response = confirm(client)
    assert response.status_code == 303
    job = jobs_of_kind(session)[-1]
    assert response.headers["Location"] == f"/fordeling/jobb/{job.id}"
    (stored,) = runs(session)
    assert (stored.list_count, stored.paid_ore, stored.created_by) == (2, 391_400, paid.central.id)
    assert job.arguments == {"period": "2026-03", "user_id": paid.central.id}
    page = client.get(f"/fordeling/jobb/{job.id}")
    assert page.status_code == 200
    shown = page_text(page)
    assert "Status Ferdig" in shown and "100 %" in shown
    assert f"Fordeling {stored.id} til og med 03.2026: 2 trekklister, 3 914,00 kr fordelt" in shown
    assert f'href="/fordeling/{stored.id}">Se fordelingen</a>' in page.get_data(as_text=True)
    assert 'hx-trigger="every 1s"' not in page.get_data(as_text=True)  # finished: it stops polling
    # htmx polling gets the fragment only
    fragment = client.get(f"/fordeling/jobb/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="job"')


def test_htmx_confirmation_goes_to_the_job_page_by_hx_redirect(app, paid, session):
    client = sign_in(app, paid.central)
    response = confirm(client, **{"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/fordeling/jobb/{jobs_of_kind(session)[-1].id}"
    assert len(runs(session)) == 1


def test_a_second_confirmation_of_the_same_month_fails_with_nothing_to_distribute(app, paid, session):
    client = sign_in(app, paid.central)
    assert confirm(client).status_code == 303
    again = confirm(client)
    assert again.status_code == 303
    job = jobs_of_kind(session)[-1]
    assert job.state == "failed"
    shown = page_text(client.get(again.headers["Location"]))
    assert "Status Feilet" in shown and "Ingenting å fordele til og med 03.2026" in shown
    assert "Tilbake til forhåndsvisningen" in shown
    assert len(runs(session)) == 1


def test_a_run_already_running_is_refused_with_409(app, paid, session):
    busy = Job(kind="distribution.run", params='{"period": "2026-02"}', state=RUNNING)
    session.add(busy)
    session.flush()
    client = sign_in(app, paid.central)
    response = confirm(client)
    assert response.status_code == 409
    assert "En fordeling kjører allerede." in page_text(response)
    assert runs(session) == [] and [job.id for job in jobs_of_kind(session)] == [busy.id]
    assert f'href="/fordeling/jobb/{busy.id}"' in client.get(PREVIEW).get_data(as_text=True)


def test_the_job_page_is_404_for_a_job_of_another_kind(app, world, session):
    other = Job(kind="lists.form", params='{"period": "2026-03"}', state="done")
    session.add(other)
    session.flush()
    client = sign_in(app, world.central)
    assert client.get(f"/fordeling/jobb/{other.id}").status_code == 404
    assert client.get("/fordeling/jobb/999999").status_code == 404


# --- the run --------------------------------------------------------------------------------------------

def test_the_run_page_shows_the_totals_and_every_branch_to_the_central_registry(app, run, paid):
    client = sign_in(app, paid.central)
    page = client.get(f"/fordeling/{run.id}").get_data(as_text=True)
    parts = section(page, "distribution-parts")
    assert parts == ("Sentral andel 2 020,55 kr Lokal andel 1 268,45 kr Hjemforsikring 370,00 kr Stønadskassa 130,00 kr "
                     "Utdanningsfond 125,00 kr Overskytende 0,00 kr I alt 3 914,00 kr")
    assert row(page, "data-branch", 7301).startswith("7301 Fagforening Nord 1503.20.80127 1 1 950,00 kr 1 035,00 kr 540,00 kr")
    assert row(page, "data-branch", 7302).startswith("7302 Fagforening Sør 1503.20.80135 1 1 964,00 kr 985,55 kr 728,45 kr")
    shown = text(page)
    assert f"Fordeling {run.id} til og med 03.2026" in shown and "Kjørt av Test central" in shown
    assert f'href="/fordeling/{run.id}/overforinger"' in page
    assert f'href="/fordeling/{run.id}/avdeling/{run.branches[0].branch_id}"' in page
    index = client.get("/fordeling/").get_data(as_text=True)
    assert text(re.search(r"<tbody>(.*?)</tbody>", index, re.S).group(1)).startswith(
        f"{run.id} til og med 03.2026")
    assert "3 914,00 kr" in index


def test_a_branch_officer_sees_only_the_own_branch_of_a_run(app, run, paid):
    client = sign_in(app, paid.north_officer)
    page = client.get(f"/fordeling/{run.id}").get_data(as_text=True)
    assert 'data-branch="7302"' not in page and "Fagforening Sør" not in page
    assert "Lokal andel 540,00 kr" in section(page, "distribution-parts")
    assert "I alt 1 950,00 kr" in section(page, "distribution-parts")
    assert "overforinger" not in page
    index = client.get("/fordeling/").get_data(as_text=True)
    listed = text(re.search(r"<tbody>(.*?)</tbody>", index, re.S).group(1))
    assert listed == f"{run.id} til og med 03.2026 {clock.oslo_date(run.created_at):%d.%m.%Y} 1 0 1 950,00 kr 540,00 kr"


def test_a_run_without_the_branch_is_404_for_its_officer(app, session, world):
    pay_committed(app, world, [(world.south_list.kid, 196_400)])
    only_south = distribute(app, session, world)
    north = sign_in(app, world.north_officer)
    assert north.get(f"/fordeling/{only_south.id}").status_code == 404
    assert "Ingen fordelinger ennå." in north.get("/fordeling/").get_data(as_text=True)
    assert north.get(f"/fordeling/{only_south.id}/avdeling/{world.south.id}").status_code == 404
    assert sign_in(app, world.south_officer).get(f"/fordeling/{only_south.id}").status_code == 200
    assert sign_in(app, world.central).get("/fordeling/999999").status_code == 404


def test_the_county_sees_both_branches(app, run, paid):
    client = sign_in(app, paid.county_officer)
    page = client.get(f"/fordeling/{run.id}").get_data(as_text=True)
    assert 'data-branch="7301"' in page and 'data-branch="7302"' in page
    for branch in (paid.north, paid.south):
        assert client.get(f"/fordeling/{run.id}/avdeling/{branch.id}").status_code == 200


# --- the branch report ----------------------------------------------------------------------------------

def north_line(session, run, world) -> DistributionLine:
    return session.scalar(sa.select(DistributionLine).where(
        DistributionLine.run_id == run.id, DistributionLine.branch_id == world.north.id))


def test_the_branch_report_of_the_north_officer(app, run, paid, session):
    client = sign_in(app, paid.north_officer)
    response = client.get(f"/fordeling/{run.id}/avdeling/{paid.north.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = text(page)
    assert "Fordelingsrapport for 7301 Fagforening Nord" in shown
    assert "Kontonummer 1503.20.80127" in shown and f"nr. {run.id}, til og med 03.2026" in shown
    assert "Sentral andel 1 035,00 kr Lokal andel 540,00 kr Hjemforsikring 222,00 kr" in section(page, "distribution-parts")
    line = north_line(session, run, paid)
    assert row(page, "data-line", line.id) == (
        f"Sykehuset AS org.nr. {paid.employer.orgnr} 03.2026 Fordelt 3 1 950,00 kr 1 950,00 kr 1 035,00 kr 540,00 kr "
        "375,00 kr 222,00 + 78,00 + 75,00 0,00 kr Vis medlemmer")
    assert "Fagforening Sør" not in page
    assert f'hx-get="/fordeling/{run.id}/linje/{line.id}/medlemmer"' in page
    # the print stylesheet is there for the report
    assert 'href="/static/css/print.css" media="print"' in page


def test_another_branchs_report_is_404(app, run, paid, session):
    south = sign_in(app, paid.south_officer)
    assert south.get(f"/fordeling/{run.id}/avdeling/{paid.north.id}").status_code == 404
    assert south.get(f"/fordeling/{run.id}/avdeling/{paid.north.id}?format=csv").status_code == 404
    assert south.get(f"/fordeling/{run.id}/linje/{north_line(session, run, paid).id}/medlemmer").status_code == 404
    assert south.get(f"/fordeling/{run.id}/avdeling/{paid.south.id}").status_code == 200
    # a branch without a share in the run
    central = sign_in(app, paid.central)
    assert central.get(f"/fordeling/{run.id}/avdeling/999999").status_code == 404


def test_the_members_behind_a_list(app, run, paid, session):
    client = sign_in(app, paid.north_officer)
    line = north_line(session, run, paid)
    url = f"/fordeling/{run.id}/linje/{line.id}/medlemmer"
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith(f'<tr id="members-{line.id}" class="members-row">')
    shown = text(body)
    assert "3 medlemmer på listen fra Sykehuset AS for 03.2026" in shown
    for name in ("Hansen, Anne", "Hansen, Bjørn", "Hansen, Cecilie"):
        assert re.search(rf"{name} \d+ 525,00 kr 125,00 kr", shown), name
    full = client.get(url).get_data(as_text=True)
    assert "<html" in full and "Medlemmer på trekklisten 03.2026 · Sykehuset AS" in text(full)
    assert "Hansen, Cecilie" in full
    assert client.get(f"/fordeling/{run.id + 1}/linje/{line.id}/medlemmer").status_code == 404


def test_the_branch_report_as_csv_and_xlsx(app, run, paid):
    client = sign_in(app, paid.north_officer)
    response = client.get(f"/fordeling/{run.id}/avdeling/{paid.north.id}?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Arbeidsgiver", "Org.nr.", "Måned", "Art", "Medlemmer", "Å betale (kr)", "Betalt (kr)",
                       "Sentral andel (kr)", "Lokal andel (kr)", "Hjemforsikring (kr)", "Stønadskassa (kr)",
                       "Utdanningsfond (kr)", "Overskytende (kr)"]
    assert rows[1:] == [["Sykehuset AS", paid.employer.orgnr, "03.2026", "Fordelt", "3", "1 950,00", "1 950,00",
                         "1 035,00", "540,00", "222,00", "78,00", "75,00", "0,00"]]
    workbook = load_workbook(io.BytesIO(client.get(f"/fordeling/{run.id}/avdeling/{paid.north.id}?format=xlsx").data))
    sheet = list(workbook.active.values)
    assert sheet[1][:2] == ("Sykehuset AS", paid.employer.orgnr)
    assert [float(value) for value in sheet[1][5:]] == [1950.0, 1950.0, 1035.0, 540.0, 222.0, 78.0, 75.0, 0.0]


def test_held_back_and_later_payments_in_the_reports(app, session, world):
    pay_committed(app, world, [(world.north_list.kid, 195_000), (world.south_list.kid, 100_000)])
    first = distribute(app, session, world)
    pay_committed(app, world, [(world.south_list.kid, 96_400), (world.north_list.kid, 2_000)])
    second = distribute(app, session, world)
    county = sign_in(app, world.county_officer)
    run_page = county.get(f"/fordeling/{first.id}").get_data(as_text=True)
    assert ("Sykehuset AS 7302 Fagforening Sør 03.2026 1 964,00 kr 1 000,00 kr 964,00 kr"
            in section(run_page, "distribution-held"))
    report = county.get(f"/fordeling/{first.id}/avdeling/{world.south.id}").get_data(as_text=True)
    assert "Ingen trekklister ble fordelt" in text(report)
    assert "Sykehuset AS org.nr." in section(report, "distribution-held")
    assert "1 964,00 kr 1 000,00 kr 964,00 kr" in section(report, "distribution-held")
    later = county.get(f"/fordeling/{second.id}/avdeling/{world.north.id}").get_data(as_text=True)
    assert "03.2026 Etterbetaling 3 1 950,00 kr 20,00 kr 0,00 kr 0,00 kr 0,00 kr" in section(later, "distribution-lines")
    csv_text = county.get(f"/fordeling/{first.id}/avdeling/{world.south.id}?format=csv").get_data(as_text=True)
    assert ";Holdt tilbake;2;1 964,00;1 000,00;0,00;" in csv_text


# --- the transfer list ----------------------------------------------------------------------------------

def test_the_transfer_list(app, run, paid):
    client = sign_in(app, paid.central)
    page = client.get(f"/fordeling/{run.id}/overforinger").get_data(as_text=True)
    assert row(page, "data-branch", 7301) == (
        f"7301 Fagforening Nord 1503.20.80127 540,00 kr Kontingent 03.2026 fordeling {run.id} avd 7301")
    assert row(page, "data-branch", 7302) == (
        f"7302 Fagforening Sør 1503.20.80135 728,45 kr Kontingent 03.2026 fordeling {run.id} avd 7302")
    assert "Sum, 2 overføringer 1 268,45 kr" in text(page)
    assert "Mangler kontonummer" not in page
    response = client.get(f"/fordeling/{run.id}/overforinger?format=csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows == [["Avdeling", "Navn", "Kontonummer", "Beløp (kr)", "Tekst", "Merknad"],
                    ["7301", "Fagforening Nord", "1503.20.80127", "540,00", f"Kontingent 03.2026 fordeling {run.id} avd 7301", ""],
                    ["7302", "Fagforening Sør", "1503.20.80135", "728,45", f"Kontingent 03.2026 fordeling {run.id} avd 7302", ""]]
    xlsx = load_workbook(io.BytesIO(client.get(f"/fordeling/{run.id}/overforinger?format=xlsx").data))
    assert [float(r[3]) for r in list(xlsx.active.values)[1:]] == [540.0, 728.45]


def test_a_branch_without_an_account_is_flagged(app, world, session):
    world.south.account = None
    session.flush()
    pay_committed(app, world, [(world.north_list.kid, 195_000), (world.south_list.kid, 196_400)])
    run = distribute(app, session, world)
    client = sign_in(app, world.central)
    page = client.get(f"/fordeling/{run.id}/overforinger").get_data(as_text=True)
    assert row(page, "data-branch", 7302).startswith("7302 Fagforening Sør Mangler kontonummer 728,45 kr")
    assert "1 fagforening mangler kontonummer" in text(page)
    csv_text = client.get(f"/fordeling/{run.id}/overforinger?format=csv").get_data(as_text=True)
    assert "7302;Fagforening Sør;;728,45;" in csv_text and csv_text.rstrip().endswith("Mangler kontonummer")


# --- access ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["north_officer", "county_officer", "employer_contact"])
def test_only_the_central_registry_previews_runs_and_reads_transfers(app, session, run, paid, who):
    client = sign_in(app, getattr(paid, who))
    job = Job(kind="distribution.run", params='{"period": "2026-03"}', state="done")
    session.add(job)
    session.flush()
    assert client.get(PREVIEW).status_code == 403
    assert confirm(client).status_code == 403
    assert client.get(f"/fordeling/{run.id}/overforinger").status_code == 403
    assert client.get(f"/fordeling/{run.id}/overforinger?format=csv").status_code == 403
    assert client.get(f"/fordeling/jobb/{job.id}").status_code == 403
    assert len(runs(session)) == 1


def test_the_employer_contact_reaches_no_distribution_page(app, run, paid, session):
    client = sign_in(app, paid.employer_contact)
    line = north_line(session, run, paid)
    for url in ("/fordeling/", f"/fordeling/{run.id}", f"/fordeling/{run.id}/avdeling/{paid.north.id}",
                f"/fordeling/{run.id}/avdeling/{paid.north.id}?format=csv",
                f"/fordeling/{run.id}/linje/{line.id}/medlemmer"):
        assert client.get(url).status_code == 403, url


def test_runs_cannot_be_changed(app):
    """No endpoint of the blueprint changes a run: the only one that writes is the confirmation."""
    writing = {rule.endpoint for rule in app.url_map.iter_rules()
               if rule.endpoint.startswith("distribution.") and rule.methods - {"GET", "HEAD", "OPTIONS"}}
    assert writing == {"distribution.run"}
