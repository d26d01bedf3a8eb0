"""Dues code change, A/L/O letters, the daily routine and the county's follow-up queue, in a real browser."""
import re
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from models import County, db
from rules.lifecycle import add_months
from web import clock

from ..factories import Factory

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class RoutineSeed:
    officer: str
    county_user: str
    central: str
    working_id: int  # person whose code the officer changes to A
    disabled_id: int  # person on U, 70 years old: becomes P when the routine runs
    pupil_name: str  # a pupil of 22, queued for the county by the routine


@pytest.fixture(scope="session")
def routine_seed(live_app, seed) -> RoutineSeed:
    """Members of their own branch, so that no other browser test's counts change."""
    with live_app.app_context():
        engine = db.engine
    today = clock.today()
    with sa.orm.Session(engine) as session:
        f = Factory(session)
        county = session.scalar(sa.select(County).where(County.number == 46))
        branch = f.branch(county, number=4640, name="Os Fagforening")
        working = f.member(branch, dues_code="Y", start=date(2012, 1, 1), first_name="Live", last_name="Lønnsdal",
                           address="Torget 3", postal_code="5200", city="Os")
        disabled = f.member(branch, dues_code="U", start=date(2012, 1, 1), first_name="Ulf", last_name="Uføresen",
                            birth=date(today.year - 70, 3, 1))
        f.member(membership_type="pupil", county=county, first_name="Emma", last_name="Elevsen",
                 birth=date(today.year - 22, 1, 1))
        result = RoutineSeed(
            officer=f.user("branch", branches=[branch], username="lag.os").username,
            county_user=f.user("county", counties=[county], username="fylke.vestland").username,
            central=f.user("central", username="medlemsregisteret").username,
            working_id=working.person_id, disabled_id=disabled.person_id, pupil_name="Elevsen, Emma",
        )
        session.commit()
    return result


def test_officer_puts_a_member_on_a_and_prints_the_income_letter(page, routine_seed, sign_in):
    sign_in(page, routine_seed.officer)
    page.goto(f"/medlemmer/{routine_seed.working_id}")
    page.get_by_role("link", name="Endre kontingentkode").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Endre kontingentkode")
    expect(page.get_by_label("Ny kontingentkode").locator("option[value=W]")).to_have_count(0)

    since = add_months(clock.today(), -7).replace(day=1)
    page.get_by_label("Ny kontingentkode").select_option("A")
    page.get_by_label("Gjelder fra (DD.MM.ÅÅÅÅ)").fill(since.strftime("%d.%m.%Y"))
    page.get_by_role("button", name="Lagre ny kode").click()
    expect(page.get_by_role("status")).to_have_text(f"Kontingentkoden er endret til A fra {since:%d.%m.%Y}.")
    history = page.locator("#tab-panel tbody tr")
    expect(history.first.locator("td").nth(1)).to_have_text("A")
    expect(history.first.locator("td").nth(3)).to_have_text(f"{since:%d.%m.%Y}")

    page.goto("/medlemmer/kontingentkoder/gjennomgang")
    page.get_by_label("Kode").select_option("A")
    page.get_by_label("Mer enn (måneder)").fill("6")
    page.get_by_role("button", name="Vis").click()
    expect(page).to_have_url(re.compile(r"kode=A&mer_enn=6"))
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_label("Brev til Live Lønnsdal").check()
    page.get_by_role("button", name="Skriv brev til de valgte").click()

    letters = page.locator("article.income-letter")
    expect(letters).to_have_count(1)
    expect(letters.locator("address")).to_have_text(re.compile(r"Live Lønnsdal\s*Torget 3\s*5200 Os"))
    expect(letters).to_contain_text("Er du tilbake i arbeid?")


def test_central_runs_the_daily_routine_and_the_county_follows_up(page, routine_seed, sign_in):
    sign_in(page, routine_seed.central)
    page.goto("/rutiner/daglig")
    page.get_by_role("button", name="Kjør daglige rutiner nå").click()
    expect(page.get_by_role("status")).to_contain_text("U→P:")
    expect(page.locator("dd.last-run")).to_contain_text("Daglige rutiner kjørt for")

    page.goto(f"/medlemmer/{routine_seed.disabled_id}?fane=kontingentkoder")
    expect(page.locator("#tab-panel tbody tr").first.locator("td").nth(1)).to_have_text("P")
    page.get_by_role("button", name="Logg ut").click()

    sign_in(page, routine_seed.county_user)
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Oppfølging").click()
    row = page.locator("tbody tr").filter(has_text=routine_seed.pupil_name)
    expect(row).to_contain_text("Elev over 20 år: skal bli student eller hovedmedlem")
    row.get_by_label("Notat (hva ble gjort)").fill("Ringt: blir student til høsten.")
    row.get_by_role("button", name="Ferdig").click()
    expect(page.get_by_role("status")).to_contain_text("Ferdig: Emma Elevsen")
    expect(page.locator("tbody tr").filter(has_text=routine_seed.pupil_name)).to_have_count(0)
