"""A workplace-scoped payroll contact in a real browser (issue 12, section 3): the contact of Akutten and
Barneklinikken at "Sykehuset Namsos" opens the March list, sees the workplace column and filter, filters
to Barneklinikken (in place, htmx) and marks Brun not deducted there, approves its part (both its
workplaces, never Kreftavdelingen's lines, which it never sees); the branch officer then sees on the
list page which parts are approved by whom and that Kreftavdelingen's part still waits.

The test has its own county, branch, users, employer and members, so the shared seed stays as other
tests expect."""
import random
import re
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from blueprints.deviations import services
from models import DeductionList, UserScope, db

from ..factories import Factory
from .test_portal_flow import sign_in

pytestmark = pytest.mark.browser

MARCH = date(2026, 3, 1)
EMPLOYER = "Sykehuset Namsos"


@dataclass(frozen=True)
class WorkplaceSeed:
    contact: str
    officer: str
    list_id: int


@pytest.fixture(scope="session")
def workplace_seed(live_app) -> WorkplaceSeed:
    with live_app.app_context():
        f = Factory(db.session)
        f.rng = random.Random("portal-workplaces")  # organization and identity numbers unlike the other seeds'
        branch = f.branch(f.county(name="Namdal"), name="Namsos Fagforening")
        employer = f.employer(name=EMPLOYER)
        wards = {name: f.workplace(employer, branch, name=name)
                 for name in ("Akutten", "Barneklinikken", "Kreftavdelingen")}
        for ward, first, last, birth in (("Akutten", "Anne", "Aune", date(1981, 2, 3)),
                                         ("Barneklinikken", "Berit", "Brun", date(1979, 7, 8)),
                                         ("Barneklinikken", "Bodil", "Bakken", date(1990, 1, 15)),
                                         ("Kreftavdelingen", "Kjell", "Krogh", date(1968, 11, 30))):
            f.member(branch, workplace=wards[ward], first_name=first, last_name=last, birth=birth)
        contact = f.user("employer", username="lonn.akutten")
        contact.full_name = "Lise Lønn"
        for ward in ("Akutten", "Barneklinikken"):
            db.session.add(UserScope(user_id=contact.id, kind="workplace", ref_id=wards[ward].id))
        officer = f.user("branch", branches=[branch], username="lag.namsos")
        services.form_lists(MARCH, only=(employer.id, branch.id))
        list_id = db.session.scalar(sa.select(DeductionList.id).where(DeductionList.employer_id == employer.id))
        seed = WorkplaceSeed(contact.username, officer.username, list_id)
        db.session.commit()
    return seed


def test_a_workplace_contact_approves_only_its_workplaces_lines(page, live_server, workplace_seed):
    # --- the payroll contact of Akutten and Barneklinikken ---------------------------------------------
    sign_in(page, workplace_seed.contact)
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Trekklister").click()
    page.locator("#not-handled").get_by_role("link", name=re.compile(r"^03\.2026")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Trekkliste 03.2026 · {EMPLOYER}")
    rows = page.locator("tr.entry-row")
    expect(rows).to_have_count(3)
    expect(page.locator("main")).not_to_contain_text("Krogh")
    expect(page.locator("main")).not_to_contain_text("Kreftavdelingen")
    expect(rows.filter(has_text="Aune, Anne").locator("td.workplace")).to_have_text("Akutten")
    expect(rows.filter(has_text="Brun, Berit").locator("td.workplace")).to_have_text("Barneklinikken")
    expect(page.locator("#paying")).to_contain_text("Å betale for din del")

    # the filter shows one workplace in place (the URL follows); the outcome keys still work after it
    page.get_by_label("Vis arbeidssted").select_option(label="Barneklinikken")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"arbeidssted=\d+"))
    expect(page.locator("#entry-form")).not_to_contain_text("Aune, Anne")
    brun = page.get_by_role("combobox", name="Utfall Brun, Berit")
    brun.focus()
    page.keyboard.press("i")
    expect(brun).to_have_value("not_deducted")
    reason = page.get_by_role("combobox", name="Årsak Brun, Berit")
    expect(reason).to_be_enabled()
    reason.select_option("leave")

    # approve: the confirmation names both of its workplaces and says another part waits
    page.get_by_role("button", name="Godkjenn din del …").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Godkjenn din del av trekkliste 03.2026")
    expect(page.locator(".approving")).to_have_text("Akutten, Barneklinikken")
    expect(page.locator(".waiting")).to_contain_text("1 del for andre arbeidssteder")
    expect(page.locator(".send-deviations")).to_contain_text("Brun, Berit")
    expect(page.locator("main")).not_to_contain_text("Krogh")
    page.get_by_role("button", name="Godkjenn din del").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Din del av trekklisten for 03.2026 er godkjent (Akutten, Barneklinikken)")
    parts = page.locator("#parts tr.part")
    expect(parts).to_have_count(2)
    expect(parts.filter(has_text="Akutten")).to_contain_text("av Lise Lønn")
    expect(page.locator("#parts")).to_contain_text("1 venter på godkjenning")
    expect(page.locator("#list-state")).to_have_text("Din del er godkjent; venter på resten av listen")
    expect(page.get_by_role("combobox", name="Utfall Aune, Anne")).to_be_disabled()
    expect(page.get_by_role("button", name="Godkjenn din del …")).to_have_count(0)
    page.get_by_role("button", name="Logg ut").click()

    # --- the branch officer sees which part is approved by whom --------------------------------------
    sign_in(page, workplace_seed.officer)
    page.goto(f"/trekklister/{workplace_seed.list_id}")
    approvals = page.locator("#approval-parts tr.part")
    expect(approvals).to_have_count(3)
    expect(approvals.filter(has_text="Akutten")).to_contain_text("Lise Lønn")
    expect(approvals.filter(has_text="Barneklinikken")).to_contain_text("Lise Lønn")
    expect(approvals.filter(has_text="Kreftavdelingen")).to_contain_text("Venter på godkjenning")
