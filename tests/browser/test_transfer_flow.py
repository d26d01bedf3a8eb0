"""A transfer between two branches in a real browser: the giving branch's officer starts it from the
member card, the receiving branch's officer (signed in in a browser of their own) accepts it in the
queue and then finds the member in the branch's member search.

The test has its own county, branches, officers and member, so the shared seed stays as other tests expect.
"""
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from models import db
from web import clock

from ..factories import PASSWORD, Factory

pytestmark = pytest.mark.browser

SEARCH_LABEL = "Navn, medlemsnummer eller fødselsnummer"


@dataclass(frozen=True)
class TransferSeed:
    giving_officer: str
    receiving_officer: str
    receiving_branch: str  # "number name", as the branch is offered in the form
    person_id: int
    member_number: int


@pytest.fixture(scope="session")
def transfer_seed(live_app) -> TransferSeed:
    with live_app.app_context():
        engine = db.engine
    with sa.orm.Session(engine) as session:
        f = Factory(session)
        f.rng = random.Random("transfer-flow")  # org. and identity numbers unlike the shared seed's
        county = f.county(name="Trøndelag")
        giving = f.branch(county, name="Trondheim Fagforening")
        receiving = f.branch(county, name="Steinkjer Fagforening")
        workplace = f.workplace(f.employer(name="St. Olavs hospital HF"), giving, name="Barneklinikken")
        member = f.member(giving, workplace=workplace, first_name="Ingrid", last_name="Hovde",
                          birth=date(1985, 9, 12), start=date(2012, 4, 1))
        seed = TransferSeed(
            giving_officer=f.user("branch", branches=[giving], username="lag.trondheim").username,
            receiving_officer=f.user("branch", branches=[receiving], username="lag.steinkjer").username,
            receiving_branch=f"{receiving.number} {receiving.name}",
            person_id=member.person_id, member_number=member.member_number,
        )
        session.commit()
    return seed


def sign_in(page, username):
    page.goto("/logg-inn")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()


def test_a_transfer_is_started_by_one_branch_and_accepted_by_the_other(page, browser, live_server, transfer_seed):
    seed = transfer_seed
    first_of_next_month = (clock.today().replace(day=1) + timedelta(days=32)).replace(day=1)
    last_day_here = first_of_next_month - timedelta(days=1)

    # The giving branch starts the transfer from the member card.
    sign_in(page, seed.giving_officer)
    page.goto("/medlemmer/")
    page.get_by_label(SEARCH_LABEL).fill("Hovde")
    # A person clicks once the list has narrowed; a row pressed while the list is replaced is lost.
    expect(page).to_have_url(re.compile(r"q=Hovde"))
    page.get_by_role("link", name="Hovde, Ingrid").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ingrid Hovde")
    page.get_by_role("link", name="Overfør til annen fagforening").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overfør til annen fagforening")
    date_field = page.get_by_label("Overføringsdato")
    expect(date_field).to_have_value(first_of_next_month.strftime("%d.%m.%Y"))

    page.get_by_role("button", name="Start overføringen").click()  # no branch chosen: told, nothing stored
    expect(page.locator("#to_branch-error")).to_have_text("Velg fagforeningen medlemmet skal overføres til.")

    page.get_by_label("Mottakende fagforening", exact=True).select_option(label=seed.receiving_branch)
    page.get_by_label("Merknad til mottakende fagforening").fill("Har flyttet til Steinkjer")
    page.get_by_role("button", name="Start overføringen").click()

    expect(page.get_by_role("status")).to_contain_text(
        f"Overføringen av Ingrid Hovde til {seed.receiving_branch} er startet.")
    expect(page.get_by_role("status")).to_contain_text(f"kode 1 {last_day_here:%d.%m.%Y}")
    outgoing = page.get_by_role("region", name="Fra oss").get_by_role("row").filter(has_text="Hovde, Ingrid")
    expect(outgoing).to_contain_text(seed.receiving_branch)
    expect(outgoing).to_contain_text("Venter på mottak")

    # The receiving branch, in a browser of its own, sees the name and number but not the card yet.
    context = browser.new_context(base_url=live_server, locale="nb-NO", viewport={"width": 1280, "height": 900})
    try:
        receiving = context.new_page()
        sign_in(receiving, seed.receiving_officer)
        assert receiving.goto(f"/medlemmer/{seed.person_id}").status == 404
        receiving.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Overføringer").click()
        incoming = receiving.get_by_role("region", name="Til oss").get_by_role("row").filter(has_text="Hovde, Ingrid")
        expect(incoming).to_contain_text(str(seed.member_number))
        expect(incoming).to_contain_text("Trondheim Fagforening")
        expect(incoming).to_contain_text("Har flyttet til Steinkjer")
        incoming.get_by_role("button", name="Ta imot").click()

        expect(receiving.get_by_role("status")).to_have_text(
            f"Ingrid Hovde (medlemsnr. {seed.member_number}) er tatt imot i {seed.receiving_branch} "
            f"fra {first_of_next_month:%d.%m.%Y}.")
        expect(receiving.get_by_role("region", name="Til oss")).to_contain_text("Ingen overføringer venter på oss.")

        # Now the member is the receiving branch's: found in its member search, with the same number.
        receiving.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Medlemmer").click()
        receiving.get_by_label(SEARCH_LABEL).fill(str(seed.member_number))
        expect(receiving).to_have_url(re.compile(rf"q={seed.member_number}"))
        receiving.get_by_role("link", name="Hovde, Ingrid").click()
        expect(receiving).to_have_url(re.compile(rf"/medlemmer/{seed.person_id}$"))
        expect(receiving.get_by_role("heading", level=1)).to_have_text("Ingrid Hovde")
        expect(receiving.locator("header.card-head")).to_contain_text(f"{seed.member_number} · {seed.receiving_branch}")
    finally:
        context.close()

    # The giving branch's queue no longer lists the transfer as waiting.
    page.reload()
    expect(page.get_by_role("region", name="Fra oss")).not_to_contain_text("Hovde, Ingrid")
