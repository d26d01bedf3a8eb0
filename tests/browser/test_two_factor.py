"""Two-factor login in a real browser: a county user without a second factor is taken to enrolment after
the password, reads the key off the page into "the app" (pyotp), confirms with a code, is shown the ten
recovery codes once, and from then on logs in with a code."""
import re

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from models import User, db

from ..factories import PASSWORD, Factory
from ..pages import second_factor_code

pytestmark = pytest.mark.browser
USERNAME = "fylke.nordland"


@pytest.fixture(scope="session")
def nordland(live_app) -> int:
    """A county of its own and its resource person, who has not set up two-factor login."""
    with live_app.app_context():
        engine = db.engine
    with sa.orm.Session(engine) as session:
        f = Factory(session)
        county = f.county(number=18, name="Nordland")
        f.branch(county, number=1804, name="Bodø Fagforening")
        user_id = f.user("county", counties=[county], username=USERNAME, second_factor=False).id
        session.commit()
    return user_id


def type_password(page):
    page.goto("/logg-inn")
    page.get_by_label("Brukernavn").fill(USERNAME)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()


def test_a_county_user_enrols_and_then_logs_in_with_a_code(page, live_app, nordland):
    type_password(page)
    expect(page).to_have_url(re.compile(r"/konto/tofaktor/ny$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sett opp tofaktor")
    expect(page.get_by_role("navigation", name="Hovedmeny")).to_have_count(0)  # nothing else to reach
    expect(page.get_by_role("img", name="QR-kode for autentiseringsappen")).to_be_visible()

    # Nothing else opens before the enrolment is done.
    page.goto("/medlemmer/")
    expect(page).to_have_url(re.compile(r"/konto/tofaktor/ny\?next="))

    # The person types the key into the app by hand (here: pyotp) and confirms with the code it shows.
    secret = page.locator("#secret").inner_text().replace(" ", "")
    page.get_by_label("Kode").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Bekreft og slå på").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tofaktor er slått på")
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    first_recovery_code = codes.first.inner_text()
    assert re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", first_recovery_code)
    expect(page.get_by_text("Kodene vises bare denne ene gangen.")).to_be_visible()
    page.get_by_role("link", name="Jeg har tatt vare på kodene – fortsett").click()
    expect(page).to_have_url(re.compile(r"/medlemmer/$"))  # the page asked for before enrolment
    expect(page.get_by_role("navigation", name="Hovedmeny")).to_be_visible()

    # The two-factor page says it is on, and does not show the codes again.
    page.get_by_role("link", name="Min konto").click()
    page.get_by_role("link", name="Tofaktorinnlogging").click()
    expect(page.locator("#two-factor-state")).to_contain_text("Slått på siden")
    expect(page.get_by_text(first_recovery_code)).to_have_count(0)
    page.get_by_role("button", name="Logg ut").click()

    # Next time the password leads to the code page; a wrong code is refused, the app's code works.
    type_password(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tofaktorkode")
    page.get_by_role("link", name="Medlemsregister").click()  # the brand link leads back here
    expect(page.get_by_role("heading", level=1)).to_have_text("Tofaktorkode")
    with live_app.app_context():
        assert db.session.get(User, nordland).has_second_factor
    right = second_factor_code(live_app, nordland)
    page.get_by_label("Kode").fill("000000" if right != "000000" else "111111")
    page.get_by_role("button", name="Bekreft").click()
    expect(page.get_by_role("alert")).to_contain_text("Koden stemmer ikke")
    page.get_by_label("Kode").fill(right)
    page.get_by_role("button", name="Bekreft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("God dag, Test county")
    expect(page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Oppfølging")).to_be_visible()
