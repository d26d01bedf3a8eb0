"""The employer portal in a real browser: the payroll officer of "Sykehuset Levanger" approves the
March list with one deviation, using the keyboard (Moe was not deducted: he left, "Sluttet"), and
sends it; the branch officer opens the list, sees the employer's reason with the suggested action,
accepts it with one click (the employment ends the day before March) and posts the list.

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
from models import DeductionList, db

from ..factories import PASSWORD, Factory

pytestmark = pytest.mark.browser

MARCH = date(2026, 3, 1)
EMPLOYER = "Sykehuset Levanger"


@dataclass(frozen=True)
class PortalSeed:
    contact: str
    officer: str
    list_id: int


@pytest.fixture(scope="session")
def portal_seed(live_app) -> PortalSeed:
    with live_app.app_context():
        f = Factory(db.session)
        f.rng = random.Random("portal-flow")  # organization and identity numbers unlike the other seeds'
        branch = f.branch(f.county(name="Innherred"), name="Levanger Fagforening")
        employer = f.employer(name=EMPLOYER)
        workplace = f.workplace(employer, branch, name="Kirurgisk klinikk")
        f.member(branch, workplace=workplace, first_name="Lise", last_name="Lund", birth=date(1983, 9, 12))
        f.member(branch, workplace=workplace, first_name="Mads", last_name="Moe", birth=date(1977, 1, 23))
        contact = f.user("employer", employers=[employer], username="lonn.levanger")
        officer = f.user("branch", branches=[branch], username="lag.levanger")
        services.form_lists(MARCH, only=(employer.id, branch.id))
        list_id = db.session.scalar(sa.select(DeductionList.id).where(DeductionList.employer_id == employer.id))
        seed = PortalSeed(contact.username, officer.username, list_id)
        db.session.commit()
    return seed


def sign_in(page, username):
    page.goto("/logg-inn")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()


def test_payroll_officer_sends_a_deviation_and_the_branch_accepts_the_suggestion(page, live_server, portal_seed):
    # --- the payroll officer ---------------------------------------------------------------------
    sign_in(page, portal_seed.contact)
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Trekklister").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trekklister")
    waiting = page.locator("#not-handled")
    expect(waiting).to_contain_text(EMPLOYER)
    expect(waiting).to_contain_text("Ikke betalt")
    waiting.get_by_role("link", name=re.compile(r"^03\.2026")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Trekkliste 03.2026 · {EMPLOYER}")
    expect(page.locator("#paying")).to_contain_text("1 748,00 kr")
    expect(page.locator("#paying")).to_contain_text("Ingen innbetalinger registrert ennå")

    lund = page.get_by_role("combobox", name="Utfall Lund, Lise")
    moe = page.get_by_role("combobox", name="Utfall Moe, Mads")
    lund_dues = page.get_by_role("textbox", name="Kontingent trukket Lund, Lise")
    expect(lund).to_have_value("deducted")
    expect(lund_dues).to_be_disabled()

    # "a" on a row opens its amounts with the expected ones to edit; "d" closes them again
    lund.focus()
    page.keyboard.press("a")
    expect(lund).to_have_value("other_amount")
    expect(lund_dues).to_be_enabled()
    expect(lund_dues).to_have_value("749,00")
    page.keyboard.press("d")
    expect(lund).to_have_value("deducted")
    expect(lund_dues).to_be_disabled()

    # Tab goes from one member's outcome to the next one's; "i": not deducted, then the reason and comment
    page.keyboard.press("Tab")
    expect(moe).to_be_focused()
    page.keyboard.press("i")
    expect(moe).to_have_value("not_deducted")
    expect(page.get_by_role("textbox", name="Kontingent trukket Moe, Mads")).to_be_disabled()
    page.keyboard.press("Tab")
    reason = page.get_by_role("combobox", name="Årsak Moe, Mads")
    expect(reason).to_be_focused()
    page.keyboard.press("s")
    expect(reason).to_have_value("left")
    expect(page.get_by_role("textbox", name="Ny stillingsprosent Moe, Mads")).to_be_disabled()
    page.keyboard.press("Tab")
    comment = page.get_by_role("textbox", name="Kommentar Moe, Mads")
    expect(comment).to_be_focused()
    page.keyboard.type("Sluttet 28.02")

    # Approve and send, through the confirmation
    page.get_by_role("button", name="Godkjenn og send …").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Godkjenn og send trekkliste 03.2026")
    expect(page.locator(".send-totals")).to_contain_text("874,00 kr")
    expect(page.locator(".deviation-count")).to_have_text("1")
    expect(page.locator(".send-deviations")).to_contain_text("Sluttet – «Sluttet 28.02»")
    page.get_by_role("button", name="Send listen").click()
    expect(page.get_by_role("status")).to_contain_text("Trekklisten for 03.2026 er godkjent og sendt til fagforeningen.")
    expect(page.locator("main")).to_contain_text("Listen er sendt og låst")
    expect(page.locator("#paying")).to_contain_text("874,00 kr")
    expect(page.locator("select")).to_have_count(0)
    page.get_by_role("button", name="Logg ut").click()

    # --- the branch officer ------------------------------------------------------------------------
    sign_in(page, portal_seed.officer)
    page.goto(f"/trekklister/{portal_seed.list_id}")
    row = page.locator("#lines tbody tr.line").filter(has_text="Moe, Mads")
    expect(row).to_contain_text("Mangler på listen")
    expect(row).to_contain_text("Arbeidsgiveren: Sluttet – «Sluttet 28.02»")
    expect(row).to_contain_text("siste dag 28.02.2026")
    counts = page.locator("#list-counts")
    expect(counts.locator('[data-count="open"]')).to_have_text("1")
    row.get_by_role("button", name=re.compile("Godta forslaget: Arbeidsforholdet avsluttet")).click()

    handled = page.locator("#lines tbody tr.line").filter(has_text="Moe, Mads")
    expect(handled).to_contain_text(f"Arbeidsforholdet hos {EMPLOYER} avsluttet 28.02.2026")
    expect(handled).to_contain_text("Behandlet")
    expect(handled.get_by_role("button", name=re.compile("Godta forslaget"))).to_have_count(0)
    expect(counts.locator('[data-count="open"]')).to_have_text("0")

    page.get_by_role("link", name=re.compile("Framfør listen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Framfør trekkliste 03.2026")
    page.get_by_role("button", name="Framfør listen").click()
    expect(page.get_by_role("status")).to_have_text(
        "Trekklisten for 03.2026 er framført. 1 medlem er betalt for 03.2026.")
    expect(page.locator("#list-counts")).to_contain_text("Listen ble framført")
