"""The central registry distributes a month's dues in a real browser: it uploads the bank's payment file
and watches its import job reach the end, opens Fordeling, asks for the preview of 01.2024, is stopped when it confirms without ticking the box, ticks it, confirms (accepting
the dialog), watches the job's progress page reach the end, opens the run and a branch's report, and
expands the members behind a list.

The seed is the test's own: county 7790 with branches 7791 "Hammerfest Fagforening" (1,75 %: two members
at 30 000 kr, 1 300,00 kr, central 690,00, local 360,00) and 7792 "Alta Fagforening" (2,00 %: one member
at 40 000 kr, 925,00 kr, central 460,00, local 340,00), one employer, January 2024 lists posted, and
the bank's file that pays them. An early month, so that no other browser test's lists are in its run."""
import random
import re
from dataclasses import dataclass
from datetime import date

import pytest
from playwright.sync_api import expect

from models import Employment, db
from rules.payment_file import Transaction, build_payment_file
from tests.payments_world import post_list

from ..factories import Factory

pytestmark = pytest.mark.browser

JANUARY = date(2024, 1, 1)
EMPLOYER = "Finnmarkssykehuset HF"


@dataclass(frozen=True)
class DistributionSeed:
    central: str
    north_id: int
    payment_file: bytes


@pytest.fixture(scope="session")
def distribution_seed(live_app) -> DistributionSeed:
    with live_app.app_context():
        f = Factory(db.session)
        f.rng = random.Random("distribution-flow")  # org. and identity numbers unlike the other seeds'
        county = f.county(number=7790, name="Finnmark")
        north = f.branch(county, number=7791, name="Hammerfest Fagforening", rate_bp=175)
        south = f.branch(county, number=7792, name="Alta Fagforening", rate_bp=200)
        north.account, south.account = "15032080127", "15032080135"
        employer = f.employer(name=EMPLOYER)
        people = {north: (("Sigrid", "Isaksen"), ("Nils", "Mathisen")), south: (("Ravna", "Eira"),)}
        pay = {north: 3_000_000, south: 4_000_000}
        for branch, names in people.items():
            workplace = f.workplace(employer, branch, name=f"Klinikk {branch.name.split()[0]}")
            for first, last in names:
                member = f.member(branch, first_name=first, last_name=last, birth=date(1981, 4, 12))
                f._add(Employment(membership_id=member.id, workplace_id=workplace.id, from_date=date(2015, 1, 1),
                                  position_bp=10_000, payment_method="deduction", monthly_pay_ore=pay[branch]))
        central = f.user("central", username="sentral.fordeling")
        transactions = []
        for number, branch in enumerate((north, south), start=1):
            deduction_list = post_list(central, employer, branch, JANUARY)
            transactions.append(Transaction(transaction_type=10, transaction_number=number,
                                            settlement_date=date(2024, 3, 20),
                                            amount_ore=deduction_list.reported_total_ore, kid=deduction_list.kid))
        assert [t.amount_ore for t in transactions] == [130_000, 92_500]
        seed = DistributionSeed(central.username, north.id,
                                build_payment_file(transactions, transmission_number="7790001"))
        db.session.commit()
    return seed


def test_central_registry_previews_confirms_and_reads_a_distribution(page, live_server, distribution_seed, sign_in):
    sign_in(page, distribution_seed.central)

    # The bank's file is imported in the background; its page follows the job to the outcome.
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Innbetalinger").click()
    page.get_by_label("Innbetalingsfil fra banken (OCR giro)").set_input_files(
        {"name": "ocr-januar.txt", "mimeType": "text/plain", "buffer": distribution_seed.payment_file})
    page.get_by_role("button", name="Importer filen").click()
    expect(page).to_have_url(re.compile(r"/innbetalinger/import/\d+$"))
    expect(page.locator("#job")).to_contain_text("ocr-januar.txt")
    expect(page.locator("#job [data-state]")).to_have_text("Ferdig", timeout=20_000)
    expect(page.locator("#job").get_by_role("status")).to_contain_text(
        "2 transaksjoner, 2 koblet til trekkliste med KID, 0 uidentifiserte, til sammen 2 225,00 kr")
    page.get_by_role("link", name="Se forsendelsen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("7790001")

    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Fordeling").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fordeling")
    month = page.get_by_label("Til og med måned")
    month.fill("01.2024")
    page.get_by_role("button", name="Vis forhåndsvisning").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Forhåndsvisning: fordeling til og med 01.2024")
    expect(page).to_have_url(re.compile(r"/fordeling/forhandsvisning\?periode=01\.2024"))
    north = page.locator('tr[data-branch="7791"]')
    expect(north).to_contain_text("Hammerfest Fagforening")
    expect(north.locator('[data-part="central_ore"]')).to_have_text("690,00 kr")
    expect(north.locator('[data-part="local_ore"]')).to_have_text("360,00 kr")
    south = page.locator('tr[data-branch="7792"]')
    expect(south.locator('[data-part="central_ore"]')).to_have_text("460,00 kr")
    expect(south.locator('[data-part="local_ore"]')).to_have_text("340,00 kr")

    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    confirm_button = page.get_by_role("button", name="Kjør fordelingen")
    # Without the box: the confirmation comes back with the reason next to the box, and nothing runs.
    confirm_button.click()
    expect(page.locator("#bekreftet-error")).to_have_text("Kryss av for at du har kontrollert forhåndsvisningen.")
    expect(page).to_have_url(re.compile(r"/fordeling/forhandsvisning"))

    page.get_by_label("Jeg har kontrollert forhåndsvisningen. Fordelingen kan ikke endres etterpå.").check()
    page.get_by_role("button", name="Kjør fordelingen").click()

    # The progress page follows the job to its end by itself.
    expect(page).to_have_url(re.compile(r"/fordeling/jobb/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Fordeling til og med 01.2024")
    expect(page.locator("#job [data-state]")).to_have_text("Ferdig", timeout=20_000)
    expect(page.locator("#job").get_by_role("status")).to_contain_text("2 trekklister, 2 225,00 kr fordelt")
    assert len(dialogs) == 2 and all("kan ikke endres etterpå" in message for message in dialogs)

    page.get_by_role("link", name="Se fordelingen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Fordeling \d+ til og med 01\.2024"))
    run_north = page.locator('tr[data-branch="7791"]')
    expect(run_north.locator('[data-part="local_ore"]')).to_have_text("360,00 kr")
    expect(page.get_by_role("link", name="Overføringsliste til banken")).to_be_visible()

    run_north.get_by_role("link", name="Hammerfest Fagforening").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fordelingsrapport for 7791 Hammerfest Fagforening")
    expect(page.locator("dl.facts")).to_contain_text("1503.20.80127")
    listed = page.locator("table.distribution-lines tbody tr[data-line]")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(EMPLOYER)
    expect(listed).to_contain_text("1 300,00 kr")

    # The members behind the list open under it, in place.
    url = page.url
    listed.get_by_role("link", name="Vis medlemmer").click()
    members = page.locator("tr.members-row table.distribution-members tbody tr")
    expect(members).to_have_count(2)
    expect(members.nth(0)).to_contain_text("Isaksen, Sigrid")
    expect(members.nth(1)).to_contain_text("Mathisen, Nils")
    expect(members.nth(0)).to_contain_text("525,00 kr")
    assert page.url == url
