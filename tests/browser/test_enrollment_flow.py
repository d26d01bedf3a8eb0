"""A branch officer enrolls a member, finds them in the new-members queue under their employer, marks
the employer notified and sees the mark."""
import random
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from models import db

from ..factories import PASSWORD, Factory, make_national_id, make_orgnr

pytestmark = pytest.mark.browser
OFFICER = "lag.askoy"


@pytest.fixture(scope="session")
def askoy(live_app):
    """A branch of its own, with an employer and an officer: the member enrolled here changes no list that
    another browser test counts."""
    with live_app.app_context():
        engine = db.engine
    with sa.orm.Session(engine) as session:
        f = Factory(session)
        branch = f.branch(f.county(number=8047, name="Askøy og Øygarden"), number=8631, name="Askøy Fagforening")
        f.workplace(f.employer(name="Askøy kommune", orgnr=make_orgnr(random.Random(8631))), branch, name="Kleppestø sykehjem")
        f.user("branch", branches=[branch], username=OFFICER)
        session.commit()


@pytest.fixture
def askoy_page(page, askoy):
    page.goto("/logg-inn")
    page.get_by_label("Brukernavn").fill(OFFICER)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()
    return page


def oslo_today() -> date:
    return datetime.now(ZoneInfo("Europe/Oslo")).date()


def test_officer_enrolls_a_member_and_marks_the_employer_notified(askoy_page):
    page = askoy_page
    national_id = make_national_id(date(1993, 7, 21), random.Random(20260302))
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Innmelding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Innmelding")

    page.get_by_label("Fødselsnummer (11 siffer)").fill(national_id)
    page.get_by_role("button", name="Neste").click()
    expect(page.get_by_text("Ny person i registeret: får nytt medlemsnummer.")).to_be_visible()
    expect(page.get_by_label("Tilknytning")).to_have_value(re.compile(r"^branch-\d+$"))  # the officer's branch

    page.get_by_label("Fornavn").fill("Sigrid")
    page.get_by_label("Etternavn").fill("Innmeldt")
    page.get_by_label("Adresse").fill("Kalfarveien 31")
    page.get_by_label("Postnummer").fill("5018")
    page.get_by_label("Poststed").fill("Bergen")
    page.get_by_label("Seksjon").select_option(label="1 Helse og sosial")
    page.get_by_label("Arbeidssted", exact=True).select_option(label="Kleppestø sykehjem")
    page.get_by_label("Stillingsprosent").fill("80")
    page.get_by_label("Månedslønn, kr (brutto)").fill("42 000")
    page.get_by_role("button", name="Meld inn").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sigrid Innmeldt")
    expect(page.get_by_role("status")).to_contain_text("Sigrid Innmeldt er meldt inn med medlemsnummer")
    page.get_by_role("link", name="Skriv ut velkomstbrevet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen som medlem!")
    expect(page.locator("article.letter")).to_contain_text("Askøy Fagforening")

    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Innmelding").click()
    page.get_by_role("link", name="Nye medlemmer til trekk").click()
    group = page.locator("section.employer-group").filter(
        has=page.get_by_role("heading", name=re.compile("^Askøy kommune")))
    row = group.locator("tr").filter(has_text="Innmeldt, Sigrid")
    expect(row).to_contain_text(f"{national_id[:6]} {national_id[6:]}")
    expect(row).to_contain_text("80 %")
    expect(row).to_contain_text("1,75 %")

    group.get_by_role("button", name="Merk gruppen som varslet").click()
    expect(page.get_by_role("status")).to_contain_text("1 medlem hos Askøy kommune er merket som varslet.")
    expect(page.locator("tr").filter(has_text="Innmeldt, Sigrid")).to_have_count(0)  # notified: off the list

    page.get_by_label("Vis også varslede").check()
    page.get_by_role("button", name="Vis").click()
    expect(page).to_have_url(re.compile(r"varslede=y"))
    expect(page.locator("tr").filter(has_text="Innmeldt, Sigrid")).to_contain_text(
        f"Varslet {oslo_today():%d.%m.%Y} av Test branch")
