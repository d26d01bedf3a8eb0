"""A branch officer withdraws a member from the member card and finds them in the stop-deduction queue
under their employer, then marks the employer as notified.

The test has its own branch, officer and member, so the shared seed's members stay as other tests expect.
"""
import random
import re
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from models import db
from web import clock

from ..factories import PASSWORD, Factory

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class WithdrawalSeed:
    officer: str
    person_id: int
    member_number: int


@pytest.fixture(scope="session")
def withdrawal_seed(live_app) -> WithdrawalSeed:
    with live_app.app_context():
        engine = db.engine
    with sa.orm.Session(engine) as session:
        f = Factory(session)
        f.rng = random.Random("withdrawal-flow")  # org. and identity numbers unlike the shared seed's
        branch = f.branch(f.county(name="Agder"), name="Kristiansand Fagforening")
        workplace = f.workplace(f.employer(name="Sørlandet sykehus HF"), branch, name="Kirurgisk post")
        member = f.member(branch, workplace=workplace, first_name="Trond", last_name="Utvik",
                          birth=date(1972, 2, 29), start=date(2010, 8, 1))
        officer = f.user("branch", branches=[branch], username="lag.kristiansand")
        seed = WithdrawalSeed(officer.username, member.person_id, member.member_number)
        session.commit()
    return seed


def test_officer_withdraws_a_member_and_finds_them_in_the_stop_queue(page, live_server, withdrawal_seed):
    page.goto("/logg-inn")
    page.get_by_label("Brukernavn").fill(withdrawal_seed.officer)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()

    page.goto("/medlemmer/")
    page.get_by_label("Navn, medlemsnummer eller fødselsnummer").fill("Utvik")
    expect(page).to_have_url(re.compile(r"q=Utvik"))  # the list has narrowed (as a person would wait)
    page.get_by_role("link", name="Utvik, Trond").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trond Utvik")

    page.get_by_role("link", name="Meld ut").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meld ut Trond Utvik")
    today = clock.today().strftime("%d.%m.%Y")
    expect(page.get_by_label("Siste dag som medlem")).to_have_value(today)

    # Without a code the form says so next to the field, and nothing happens.
    page.get_by_role("button", name="Meld ut").click()
    expect(page.locator("#code-error")).to_have_text("Velg en utmeldingskode.")

    page.get_by_label("Utmeldingskode").select_option("5")
    page.get_by_label("Merknad").fill("Sa opp skriftlig")
    page.get_by_role("button", name="Meld ut").click()

    expect(page.get_by_role("status")).to_have_text(f"Trond Utvik er meldt ut med kode 5, siste dag {today}.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trond Utvik er meldt ut")

    page.get_by_role("link", name="Gå til Stopp trekk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stopp trekk")
    group = page.get_by_role("region", name="Sørlandet sykehus HF")
    row = group.get_by_role("row").filter(has_text="Utvik, Trond")
    expect(row).to_contain_text(str(withdrawal_seed.member_number))
    expect(row).to_contain_text(today)
    expect(row).to_contain_text("Kirurgisk post")

    group.get_by_role("button", name=re.compile("Marker alle som varslet")).click()
    expect(page.get_by_role("status")).to_have_text("1 medlem markert som varslet om stopp i trekk.")
    group = page.get_by_role("region", name="Sørlandet sykehus HF")
    expect(group).to_contain_text("Alle varslet")
    expect(group.get_by_role("row").filter(has_text="Utvik, Trond")).to_contain_text(withdrawal_seed.officer)

    # The stop notice for the payroll office is one click away.
    group.get_by_role("link", name="Stoppvarsel til lønnskontoret").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stopp i trekk av fagforeningskontingent")
    expect(page.locator("article")).to_contain_text("for mye trukket skal refunderes til medlemmet av arbeidsgiver")
    expect(page.locator("article tbody tr")).to_have_count(1)
    expect(page.locator("article tbody tr")).to_contain_text("Utvik, Trond")
