"""A real server's access log, and the browser's addresses and history, never hold an identity number
(DOMAIN.md section 8), however the officer searches by one: typing it into the member search (htmx asks at
every pause), pressing Enter, or the start page's quick search."""
import logging
import re
from urllib.parse import unquote_plus

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from models import Person, db
from web import logredact

pytestmark = pytest.mark.browser

SEARCH_LABEL = "Navn, medlemsnummer eller fødselsnummer"


class Captured(logging.Handler):
    """Every log line written while it is attached: the server's access log (werkzeug) and the app's."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def log_lines():
    captured = Captured()
    access_log = logging.getLogger("werkzeug")
    level = access_log.level
    access_log.setLevel(logging.INFO)  # werkzeug logs each request at INFO
    logging.getLogger().addHandler(captured)
    try:
        yield captured.lines
    finally:
        logging.getLogger().removeHandler(captured)
        access_log.setLevel(level)


def holds(text: str, nid: str) -> bool:
    """Whether `text` holds the identity number, or its first seven digits (a birth date and more), written
    as a browser or a log writes it: percent-encoded, with a space or + after the birth date, or not."""
    return re.search(rf"{nid[:6]}[\s+]*{nid[6]}", unquote_plus(text)) is not None


def test_searching_by_identity_number_leaves_it_in_no_log_line_address_or_history(officer_page, live_app, seed,
                                                                                  log_lines):
    page = officer_page
    with live_app.app_context():
        nid = db.session.scalar(sa.select(Person.national_id).where(Person.id == seed.edited_id))
    addresses: list[str] = []
    page.on("request", lambda request: addresses.append(request.url))
    page.on("framenavigated", lambda frame: addresses.append(frame.url))
    results = page.locator("#results tbody tr")

    # typed into the member search a digit at a time; htmx asks as the officer pauses
    page.goto("/medlemmer/")
    expect(results).to_have_count(5)
    search = page.get_by_label(SEARCH_LABEL)
    search.press_sequentially(f"{nid[:6]} {nid[6:]}", delay=40)
    expect(results).to_have_count(1)
    expect(results.locator("td:first-child a")).to_have_text(["Ødegård, Kari"])
    addresses.append(page.url)
    search.press("Enter")
    expect(results).to_have_count(1)
    addresses.append(page.url)
    history = page.evaluate("history.length")

    # the start page's quick search, a plain form: the answer is a whole page
    page.get_by_role("link", name="Medlemsregister").click()
    page.get_by_label("Finn medlem").fill(nid)
    page.get_by_role("button", name="Søk").click()
    expect(results.locator("td:first-child a")).to_have_text(["Ødegård, Kari"])
    addresses.append(page.url)

    # back through the history, as far as the searches went
    for _ in range(3):
        page.go_back()
        addresses.append(page.url)

    assert any("/medlemmer/" in line for line in log_lines), log_lines  # the access log was read
    # nothing to find, and nothing the logs' mask (web.logredact) had to hide
    assert [line for line in log_lines if holds(line, nid) or logredact.MASK in line] == []
    assert [address for address in addresses if holds(address, nid)] == []
    assert any('"POST /medlemmer/ ' in line for line in log_lines)
    assert history >= 2
