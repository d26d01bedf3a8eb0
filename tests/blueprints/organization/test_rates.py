"""The dues rate table in the organization area: who sees it, how the central registry adds, corrects
and deletes a row, what bad input is told, and the preview of what a new row changes."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditLog, DuesRate, Employment
from web import clock

TODAY = clock.today()
NEXT_MARCH = date(TODAY.year + 1, 3, 1)

# The 2022 row with new figures: the cap reference and home insurance up, the benefit fund down.
NEW_ROW = {
    "valid_from": f"{NEXT_MARCH:%d.%m.%Y}", "minimum_bp": "1,45", "central_bp": "1,15",
    "step50_ore": "46 000", "home_ore": "80", "benefit_fund_ore": "20,00", "education_fund_ore": "25",
    "pensioner_yearly_ore": "300", "student_half_year_ore": "250", "note": "Nye satser",
}


def main_part(response) -> str:
    found = re.search(r"<main\b.*?</main>", response.get_data(as_text=True), re.S)
    assert found
    return found.group(0)


def field_error(response, field) -> str | None:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True))
    return found.group(1) if found else None


def rate_count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(DuesRate))


@pytest.fixture
def central(factory, login):
    user = factory.user("central")
    login(user)
    return user


# --- the table ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["branch", "county", "central"])
def test_every_register_role_reads_the_rate_table(factory, client, login, role):
    branch = factory.branch()
    login(factory.user(role, branches=[branch] if role == "branch" else [],
                       counties=[branch.county] if role == "county" else []))
    page = main_part(client.get("/organisasjon/satser"))
    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1], re.S)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", rows[0], re.S)]
    # newest first: valid from, minimum, central share, cap reference, cap at minimum, home, benefit,
    # education, fixed in all, low fixed, pensioners, students
    assert cells[:12] == ["01.01.2022", "1,45 %", "1,15 %", "42 827,59 kr", "621,00 kr", "74,00 kr",
                          "26,00 kr", "25,00 kr", "125,00 kr", "51,00 kr", "300,00 kr", "250,00 kr"]
    assert "Gjelder nå" in cells[12]
    assert "01.03.2008" in rows[1] and "444,00 kr" in rows[1] and "97,00 kr" in rows[1] and "36,00 kr" in rows[1]
    assert ("Ny satsrad" in page) == (role == "central")


@pytest.mark.parametrize("role", ["branch", "county"])
def test_only_the_central_registry_adds_rows(factory, client, login, post, session, role):
    branch = factory.branch()
    login(factory.user(role, branches=[branch] if role == "branch" else [],
                       counties=[branch.county] if role == "county" else []))
    before = rate_count(session)
    assert client.get("/organisasjon/satser/ny").status_code == 403
    assert post("/organisasjon/satser/ny", {**NEW_ROW, "action": "save"}).status_code == 403
    assert rate_count(session) == before


# --- adding a row -------------------------------------------------------------------------------

def test_the_form_starts_from_the_last_row(central, client):
    html = client.get("/organisasjon/satser/ny").get_data(as_text=True)
    assert 'name="step50_ore" required type="text" value="42 827,59"' in html
    assert 'name="valid_from" required type="text" value=""' in html


def test_central_adds_a_row_typed_the_norwegian_way(central, client, post, session):
    response = post("/organisasjon/satser/ny", {**NEW_ROW, "action": "save"})
    assert response.status_code == 303 and response.headers["Location"] == "/organisasjon/satser"
    row = session.scalar(sa.select(DuesRate).where(DuesRate.valid_from == NEXT_MARCH))
    assert (row.minimum_bp, row.central_bp, row.step50_ore, row.home_ore, row.benefit_fund_ore,
            row.education_fund_ore, row.pensioner_yearly_ore, row.student_half_year_ore) == (
        145, 115, 4_600_000, 8000, 2000, 2500, 30_000, 25_000)
    assert row.created_by == central.id and row.note == "Nye satser"
    audit = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "dues_rate", AuditLog.entity_id == row.id))
    assert audit.action == "create" and audit.user_id == central.id and "01.03." in audit.summary
    assert dict((k, new) for k, _, new in audit.change_list)["step50_ore"] == 4_600_000

    page = main_part(client.get("/organisasjon/satser"))
    assert f"{NEXT_MARCH:%d.%m.%Y}" in page and "Kommende" in page and "46 000,00 kr" in page
    assert "125,00 kr" in page and "45,00 kr" in page  # fixed 80 + 20 + 25, low fixed 20 + 25


@pytest.mark.parametrize("changes, field, message", [
    ({"valid_from": f"15.03.{TODAY.year + 1}"}, "valid_from", "Datoen må være den første dagen i en måned."),
    ({"valid_from": "01.01.2022"}, "valid_from", "Satsene må gjelde fra en dato etter den siste raden i tabellen (01.01.2022)."),
    ({"valid_from": "01.03.2021"}, "valid_from", "Satsene må gjelde fra en dato etter den siste raden i tabellen (01.01.2022)."),
    ({"valid_from": "i morgen"}, "valid_from", "er ikke en dato"),
    ({"home_ore": "-74"}, "home_ore", "Beløpet kan ikke være negativt."),
    ({"step50_ore": "mange penger"}, "step50_ore", "«mange penger» er ikke et kronebeløp"),
    ({"step50_ore": "42 827,595"}, "step50_ore", "er ikke et kronebeløp"),
    ({"central_bp": "1,50"}, "central_bp", "Den sentrale andelen (1,5 %) kan ikke være større enn minstesatsen (1,45 %)."),
    ({"minimum_bp": "12"}, "minimum_bp", "Prosentsatsen må være mellom 0 og 10 %, ikke 12 %."),
    ({"minimum_bp": "en og en halv"}, "minimum_bp", "er ikke en prosentsats"),
    ({"pensioner_yearly_ore": ""}, "pensioner_yearly_ore", "Fyll ut feltet."),
])
@pytest.mark.parametrize("action", ["save", "preview"])
def test_bad_input_is_told_next_to_its_field_and_nothing_is_stored(central, post, session, changes, field,
                                                                   message, action):
    before = rate_count(session)
    response = post("/organisasjon/satser/ny", {**NEW_ROW, **changes, "action": action})
    assert response.status_code == 422
    assert message in (field_error(response, field) or ""), main_part(response)
    assert "Ingenting ble lagret" in main_part(response)
    assert 'id="preview"' not in main_part(response)
    assert rate_count(session) == before
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.entity == "dues_rate")) == 0


def test_what_was_typed_is_shown_again(central, post):
    html = post("/organisasjon/satser/ny", {**NEW_ROW, "step50_ore": "mange penger", "action": "save"}).get_data(
        as_text=True)
    assert 'value="mange penger"' in html and 'value="80"' in html


# --- the preview --------------------------------------------------------------------------------

@pytest.fixture
def members(factory, session):
    """Five active members with known dues under the 2022 rates and under NEW_ROW (branch rate 1,75 %)."""
    east, west = factory.branch(name="Østre", rate_bp=175), factory.branch(name="Vestre", rate_bp=175)
    capped = factory.member(east, workplace=factory.workplace(branch=east))  # 45 000 kr a month
    # 749 (cap) + 125 = 874,00 now; 787,50 (under the new cap of 805) + 125 = 912,50: 38,50 more
    reserved = factory.member(east, workplace=factory.workplace(branch=east))
    session.execute(sa.update(Employment).where(Employment.membership_id == reserved.id)
                    .values(monthly_pay_ore=2_000_000))
    for insurance in reserved.insurances:
        insurance.reserved = insurance.kind == "home"
    # 350 + 51 = 401,00 now; 350 + 45 = 395,00: 6,00 less
    factory.member(west, dues_code="P", birth=date(1960, 3, 3))  # 300 a year, 25,00 a month: the same
    factory.member(west, dues_code="L")  # 74 + 26 now, 80 + 20 then: 100,00 a month, the same
    no_code = factory.member(west)
    no_code.dues_codes[0].to_date = date(2015, 12, 31)
    session.flush()
    return {"east": east, "west": west, "capped": capped, "no_code": no_code}


def preview_value(response, name) -> str:
    found = re.search(rf'<dd id="preview-{name}">(.*?)</dd>', response.get_data(as_text=True), re.S)
    assert found, main_part(response)
    return " ".join(found.group(1).split())


def test_the_preview_tells_who_pays_more_or_less_and_stores_nothing(central, post, session, members):
    before = rate_count(session)
    response = post("/organisasjon/satser/ny", {**NEW_ROW, "action": "preview"})
    assert response.status_code == 200
    assert [preview_value(response, name) for name in ("more", "less", "same", "failed", "change")] == [
        "1", "1", "2", "1", "32,50 kr"]
    assert preview_value(response, "biggest") == (
        f"38,50 kr for medlem {members['capped'].member_number} (fra 874,00 kr til 912,50 kr per måned)")
    failures = re.search(r'<ul id="preview-failures">(.*?)</ul>', response.get_data(as_text=True), re.S).group(1)
    assert f"Medlem {members['no_code'].member_number}: Medlemskapet har ingen kontingentkode" in failures
    assert 'id="preview-branches"' not in response.get_data(as_text=True)
    assert rate_count(session) == before


def test_the_preview_per_branch(central, post, members):
    response = post("/organisasjon/satser/ny", {**NEW_ROW, "by_branch": "y", "action": "preview"})
    table = re.search(r'<table class="grid" id="preview-branches">(.*?)</table>',
                      response.get_data(as_text=True), re.S).group(1)
    rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)]
    east, west = members["east"], members["west"]
    assert rows == [
        [f"{east.number} Østre", "1", "1", "0", "0", "32,50 kr"],
        [f"{west.number} Vestre", "0", "0", "2", "1", "0,00 kr"],
    ]


def test_a_branch_below_a_new_minimum_cannot_be_computed(central, post, members):
    response = post("/organisasjon/satser/ny", {**NEW_ROW, "minimum_bp": "1,80", "action": "preview"})
    assert preview_value(response, "failed") == "3"  # the two working members and the one without a code
    assert "Prosentsatsen 1,75 % er under minstesatsen 1,8 %." in response.get_data(as_text=True)


# --- a row not yet in force may be corrected or deleted, one in force not ------------------------

@pytest.fixture
def future_row(central, post, session):
    post("/organisasjon/satser/ny", {**NEW_ROW, "action": "save"})
    return session.scalar(sa.select(DuesRate).where(DuesRate.valid_from == NEXT_MARCH))


def test_a_future_row_is_previewed_and_corrected(future_row, client, post, session, members):
    preview = client.get(f"/organisasjon/satser/{future_row.id}?forhandsvis=1")
    assert preview_value(preview, "change") == "32,50 kr"

    response = post(f"/organisasjon/satser/{future_row.id}", {**NEW_ROW, "home_ore": "81", "action": "save"})
    assert response.status_code == 303
    session.refresh(future_row)
    assert future_row.home_ore == 8100
    audit = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "dues_rate", AuditLog.action == "update"))
    assert audit.change_list == [("home_ore", 8000, 8100)]


def test_a_future_row_is_deleted_only_when_confirmed(future_row, client, post, session):
    row_id = future_row.id
    stored = sa.select(sa.func.count()).select_from(DuesRate).where(DuesRate.id == row_id)
    refused = post(f"/organisasjon/satser/{row_id}/slett", {})
    assert refused.status_code == 422
    assert field_error(refused, "confirm") == "Kryss av for å bekrefte at raden skal slettes."
    assert session.scalar(stored) == 1

    response = post(f"/organisasjon/satser/{row_id}/slett", {"confirm": "y"})
    assert response.status_code == 303
    assert session.scalar(stored) == 0
    page = main_part(client.get("/organisasjon/satser"))
    assert f"Satsraden fra {NEXT_MARCH:%d.%m.%Y} er slettet." in page
    assert f"{NEXT_MARCH:%d.%m.%Y}" not in page.split("<tbody>")[1]
    audit = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "dues_rate", AuditLog.action == "delete"))
    assert ("step50_ore", 4_600_000, None) in audit.change_list


def test_a_row_in_force_can_be_neither_corrected_nor_deleted(central, client, post, session):
    row = session.scalar(sa.select(DuesRate).where(DuesRate.valid_from == date(2022, 1, 1)))
    assert "kan ikke endres" in main_part(client.get(f"/organisasjon/satser/{row.id}"))
    changed = post(f"/organisasjon/satser/{row.id}", {**NEW_ROW, "valid_from": "01.01.2022", "action": "save"})
    deleted = post(f"/organisasjon/satser/{row.id}/slett", {"confirm": "y"})
    assert changed.status_code == deleted.status_code == 409
    session.refresh(row)
    assert row.home_ore == 7400


def test_an_unknown_row_is_404(central, client):
    assert client.get("/organisasjon/satser/999999").status_code == 404


@pytest.mark.parametrize("role", ["branch", "county", "central"])
def test_the_navigation_leads_to_the_organization_area(factory, client, login, role):
    login(factory.user(role))
    nav = re.search(r'<nav aria-label="Hovedmeny">(.*?)</nav>', client.get("/").get_data(as_text=True), re.S)
    assert re.search(r'<a href="/organisasjon/fagforeninger"[^>]*>Organisasjon</a>', nav.group(1))
