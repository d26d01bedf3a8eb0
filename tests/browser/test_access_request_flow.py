"""A payroll officer asks for access to the employer portal in a real browser: types the employer's
organization number, sees its workplaces appear as they type, ticks the one they are responsible for,
and sends the request. Ticking a workplace moves the focus out of the number field; that must not
fetch the workplaces again, which would untick the box just ticked."""
import random
import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from models import db

from ..factories import Factory

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class AccessSeed:
    orgnr: str


@pytest.fixture(scope="session")
def access_seed(live_app) -> AccessSeed:
    with live_app.app_context():
        f = Factory(db.session)
        f.rng = random.Random("access-request-flow")  # numbers unlike the other seeds'
        county = f.county(number=5490, name="Troms")
        branch = f.branch(county, number=5491, name="Tromsø Fagforening")
        employer = f.employer(name="Tromsø kommune")
        f.workplace(employer, branch, name="Kroken sykehjem")
        f.workplace(employer, branch, name="Mortensnes sykehjem")
        seed = AccessSeed(employer.orgnr)
        db.session.commit()
    return seed


def test_a_payroll_officer_asks_for_access_to_one_workplace(page, live_server, access_seed):
    page.goto("/logg-inn")
    page.get_by_role("link", name="Be om tilgang til arbeidsgiverportalen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Be om tilgang til arbeidsgiverportalen")
    page.get_by_label("Fullt navn").fill("Tone Lønning")
    page.get_by_label("E-post (blir brukernavnet ditt)").fill("tone.lonning@tromso.example")

    page.get_by_label("Arbeidsgiverens organisasjonsnummer").fill(access_seed.orgnr)
    workplaces = page.locator("#workplaces")
    expect(workplaces).to_contain_text("Tromsø kommune")  # shown as typed, nobody pressed a button
    lookups = []
    page.on("request", lambda request: "/tilgang/arbeidssteder" in request.url and lookups.append(request.url))

    kroken = page.get_by_label(re.compile(r"Kroken sykehjem"))
    kroken.check()
    page.get_by_label("Velg passord").fill("et langt passord 2026")
    page.get_by_label("Gjenta passordet").fill("et langt passord 2026")
    expect(kroken).to_be_checked()
    assert lookups == []  # leaving the number field fetched nothing
    expect(page.get_by_label(re.compile(r"Mortensnes sykehjem"))).not_to_be_checked()

    page.get_by_label(re.compile(r"Jeg bekrefter at jeg har ansvar for lønn")).check()
    page.get_by_role("button", name="Send forespørselen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forespørselen er sendt")
    expect(page.get_by_role("status")).to_have_text("Forespørselen er sendt; fylkeskretsen behandler den.")
