"""A branch officer works a deduction list in a real browser, with the keyboard where it makes sense:
the March list of "Stavanger universitetssjukehus" has one member reported as expected (Lund) and one
the employer did not report (Moe, yellow). Moe's employment ended in February: the officer handles the
line as "employment ended", sees it on Moe's member card, comes back and posts the list.

The test has its own county, branch, officer, employer and members, so the shared seed stays as other
tests expect."""
import random
import re
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from blueprints.deviations import services
from models import DeductionList, db
from tests.deviations_files import employer_file
from web.commands import SYSTEM

from ..factories import PASSWORD, Factory

pytestmark = pytest.mark.browser

MARCH = date(2026, 3, 1)
EMPLOYER = "Stavanger universitetssjukehus"


@dataclass(frozen=True)
class ListSeed:
    officer: str
    list_id: int
    missing_person_id: int
    missing_member_number: int


@pytest.fixture(scope="session")
def list_seed(live_app) -> ListSeed:
    with live_app.app_context():
        f = Factory(db.session)
        f.rng = random.Random("deviations-flow")  # org. and identity numbers unlike the other seeds'
        branch = f.branch(f.county(name="Rogaland"), name="Stavanger Fagforening")
        employer = f.employer(name=EMPLOYER)
        workplace = f.workplace(employer, branch, name="Akuttmottaket")
        f.member(branch, workplace=workplace, first_name="Lise", last_name="Lund", birth=date(1983, 9, 12))
        moe = f.member(branch, workplace=workplace, first_name="Mads", last_name="Moe", birth=date(1977, 1, 23))
        officer = f.user("branch", branches=[branch], username="lag.stavanger")
        services.form_lists(MARCH, only=(employer.id, branch.id))
        deduction_list = db.session.scalar(sa.select(DeductionList).where(DeductionList.employer_id == employer.id))
        outcome = services.import_file(SYSTEM, employer_file(deduction_list, drop={moe.person.national_id}))
        assert outcome.ok, outcome.errors
        seed = ListSeed(officer.username, deduction_list.id, moe.person_id, moe.member_number)
        db.session.commit()
    return seed


def test_officer_handles_a_missing_line_with_the_keyboard_and_posts_the_list(page, live_server, list_seed):
    page.goto("/logg-inn")
    page.get_by_label("Brukernavn").fill(list_seed.officer)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()

    list_url = f"/trekklister/{list_seed.list_id}"
    page.goto(list_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Trekkliste 03.2026 · {EMPLOYER}")
    counts = page.locator("#list-counts")
    expect(counts.locator('[data-count="matched"]')).to_have_text("1")
    expect(counts.locator('[data-count="missing"]')).to_have_text("1")
    expect(counts.locator('[data-count="open"]')).to_have_text("1")
    expect(page.get_by_role("link", name=re.compile("Framfør listen"))).to_have_count(0)

    # The filter swaps the table in place and puts itself in the URL.
    page.locator(".line-filter").get_by_role("link", name="Alle", exact=True).click()
    expect(page).to_have_url(re.compile(r"vis=alle"))
    expect(page.locator("#lines tbody tr.line")).to_have_count(2)
    page.locator(".line-filter").get_by_role("link", name="Avvik", exact=True).click()
    expect(page).to_have_url(re.compile(r"vis=avvik"))
    rows = page.locator("#lines tbody tr.line")
    expect(rows).to_have_count(1)
    moe = rows.filter(has_text="Moe, Mads")
    expect(moe).to_contain_text("Mangler på listen")

    # j focuses the first line; Enter opens its form with the focus on the first control.
    page.locator("body").press("j")
    expect(moe).to_be_focused()
    page.keyboard.press("Enter")
    form = page.get_by_role("form", name="Behandle Moe, Mads")
    action = form.get_by_label("Hva er årsaken?")
    expect(action).to_be_focused()
    # Escape closes it again and gives the focus back to the line
    page.keyboard.press("Escape")
    expect(form).to_have_count(0)
    expect(moe).to_be_focused()
    page.keyboard.press("Enter")
    expect(action).to_be_focused()

    action.select_option(label="Arbeidsforholdet avsluttet")
    date_field = form.get_by_label("Dato: siste dag i arbeidsforholdet")
    expect(date_field).to_be_visible()
    expect(form.get_by_label("Organisasjonsnummeret til den nye arbeidsgiveren")).to_be_hidden()
    # Enter without a date: the message comes next to the field, and nothing is done.
    page.keyboard.press("Tab")
    expect(date_field).to_be_focused()
    page.keyboard.press("Enter")
    expect(form.locator(".error")).to_have_text("Skriv en dato (dd.mm.åååå).")
    expect(date_field).to_be_focused()
    page.keyboard.type("28.02.2026")
    page.keyboard.press("Enter")

    # The row comes back handled, the counts follow, and the focus moves on to posting.
    handled = page.locator("#lines tbody tr.line").filter(has_text="Moe, Mads")
    expect(handled).to_contain_text(f"Arbeidsforholdet hos {EMPLOYER} avsluttet 28.02.2026")
    expect(handled).to_contain_text("Behandlet")
    expect(counts.locator('[data-count="open"]')).to_have_text("0")
    post_button = page.get_by_role("link", name=re.compile("Framfør listen"))
    expect(post_button).to_be_focused()

    # The member card shows the employment ended.
    handled.get_by_role("link", name=str(list_seed.missing_member_number)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mads Moe")
    page.get_by_role("navigation", name="Medlemskort").get_by_role("link", name="Arbeidsforhold").click()
    employment = page.locator("#tab-panel tbody tr").filter(has_text=EMPLOYER)
    expect(employment).to_contain_text("Akuttmottaket")
    expect(employment).to_contain_text("28.02.2026")

    # Back to the list, and post it through the confirmation.
    page.goto(list_url)
    page.get_by_role("link", name=re.compile("Framfør listen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Framfør trekkliste 03.2026")
    expect(page.locator("main")).to_contain_text("1 medlem blir betalt for 03.2026.")
    page.get_by_role("button", name="Framfør listen").click()

    expect(page.get_by_role("status")).to_have_text("Trekklisten for 03.2026 er framført. 1 medlem er betalt for 03.2026.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Trekkliste 03.2026 · {EMPLOYER}")
    expect(page.locator("#list-counts")).to_contain_text("Listen ble framført")
    expect(page.locator(".list-facts")).to_contain_text("Framført")
    expect(page.locator("[data-open-form]")).to_have_count(0)
