"""A live server on its own database, and Chromium (Debian's) driven through Playwright.

The database is filled once per run and committed; tests that change data change members no other
test looks at. Each test gets a fresh browser context, so no cookies carry over between tests.
"""
import threading
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from models import User, db

from ..conftest import database_url, make_migrated_app
from ..factories import PASSWORD, Factory
from ..pages import second_factor_code

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


@dataclass(frozen=True)
class Seed:
    officer: str  # username of the branch officer for branch A
    edited_id: int  # the branch-A member whose address test 1 changes
    other_branch_id: int  # the branch-B member the officer must not see


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    return make_migrated_app(database_url(tmp_path_factory, "browser"))


@pytest.fixture(scope="session")
def seed(live_app) -> Seed:
    with live_app.app_context():
        engine = db.engine
    with sa.orm.Session(engine) as session:
        f = Factory(session)
        county = f.county(number=46, name="Vestland")
        branch_a = f.branch(county, number=4601, name="Bergen Fagforening")
        branch_b = f.branch(county, number=4621, name="Voss Fagforening")
        workplace = f.workplace(f.employer(name="Haukeland universitetssjukehus"), branch_a, name="Sengepost 3")
        # Name order (æøå after z) and member-number order differ, so a sort shows.
        edited = f.member(branch_a, number=200003, workplace=workplace, first_name="Kari", last_name="Ødegård",
                          birth=date(1979, 3, 14), address="Nygårdsgaten 1", postal_code="5015", city="Bergen")
        f.member(branch_a, number=200001, workplace=workplace, first_name="Per", last_name="Ødegaard",
                 birth=date(1984, 11, 2))
        f.member(branch_a, number=200002, first_name="Åse", last_name="Åsen", birth=date(1991, 6, 30))
        f.member(branch_a, number=200004, first_name="Bjørn", last_name="Ærlig", birth=date(1968, 1, 9))
        f.member(branch_a, number=200005, first_name="Mons", last_name="Strøm", birth=date(1975, 8, 21))
        other = f.member(branch_b, number=300001, first_name="Mette", last_name="Strøm", birth=date(1982, 4, 4))
        officer = f.user("branch", branches=[branch_a], username="lag.bergen")
        result = Seed(officer=officer.username, edited_id=edited.person_id, other_branch_id=other.person_id)
        session.commit()
    return result


@pytest.fixture(scope="session")
def live_server(live_app, seed):
    """The app served on a free port in a daemon thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="nb-NO", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sign_in(live_app):
    """`sign_in(page, username)`: log in through the login form as a person would; an account with
    two-factor login then types the code its authenticator app shows now (tests/pages.py)."""

    def sign_in_as(page, username: str, password: str = PASSWORD):
        with live_app.app_context():
            user = db.session.scalar(sa.select(User).where(User.username == username))
            user_id, enrolled = user.id, user.has_second_factor
        page.goto("/logg-inn")
        page.get_by_label("Brukernavn").fill(username)
        page.get_by_label("Passord").fill(password)
        page.get_by_role("button", name="Logg inn").click()
        if enrolled:
            expect(page.get_by_role("heading", level=1)).to_have_text("Tofaktorkode")
            page.get_by_label("Kode").fill(second_factor_code(live_app, user_id))
            page.get_by_role("button", name="Bekreft").click()
        expect(page.get_by_role("navigation", name="Hovedmeny")).to_be_visible()
        expect(page.get_by_role("button", name="Logg ut")).to_be_visible()

    return sign_in_as


@pytest.fixture
def officer_page(page, seed):
    """A page signed in as the branch-A officer, on the start page."""
    page.goto("/logg-inn")
    page.get_by_label("Brukernavn").fill(seed.officer)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()
    return page
