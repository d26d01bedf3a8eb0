"""An identity number never appears in a URL (DOMAIN.md section 8): not in a link, a form's action, an htmx
request or pushed URL, a redirect, nor in what a GET form would send.

A union with members, posted and paid lists, a list received with deviations (a stranger nobody knows,
whom the branch may enrol from the list, and a member of the other branch), a list the employer has yet
to fill in, a transfer under way, a withdrawal, a distribution run, unidentified payments and returned
mail. Each role signs in (through the shared helper, with its second factor where it has one) and walks
every page reachable from the start page by links, htmx requests and GET forms; every URL it meets, every
redirect and every htmx header is searched for the identity numbers the database holds."""
import re
from collections import deque
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import unquote_plus, urlencode, urlsplit

import pytest
import sqlalchemy as sa

from blueprints.deviations import services as lists
from blueprints.distribution import services as distribution
from blueprints.transfer import services as transfers
from blueprints.withdrawal import services as withdrawals
from models import DeductionLine, DeductionList, Membership, Person, db
from tests.deviations_files import csv_bytes, employer_rows, row
from tests.factories import make_national_id
from tests.pages import sign_in
from tests.payments_world import APRIL, MARCH, committed_world, pay
from web import clock
from web.commands import SYSTEM

MAX_PAGES = 400  # per role
# Attributes that hold a URL (or, for hx-vals, values htmx puts in one).
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete",
                  "hx-push-url", "hx-replace-url", "hx-vals", "hx-vars", "data-url"}
URL_HEADERS = ("Location", "HX-Push-Url", "HX-Replace-Url", "HX-Redirect", "HX-Location", "Content-Location")
SKIPPED = ("/static/", "/logg-ut")  # files, and leaving


class Page(HTMLParser):
    """The URLs of a page: every URL attribute (with its element), and the query each GET form would send
    with the values it holds now."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str]] = []  # (attribute, value)
        self.get_forms: list[list] = []  # [action, [(name, value), ...]]
        self._open_get_forms: list[list] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name in URL_ATTRIBUTES and value:
                self.attributes.append((name, value))
        if tag == "form":
            self._open_get_forms.append([attrs.get("action") or "", []] if (attrs.get("method") or "get").lower() == "get"
                                        else None)
        elif tag in ("input", "textarea") and self._open_get_forms and self._open_get_forms[-1] is not None:
            if attrs.get("name") and attrs.get("value"):
                self._open_get_forms[-1][1].append((attrs["name"], attrs["value"]))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "form" and self._open_get_forms:
            form = self._open_get_forms.pop()
            if form is not None:
                self.get_forms.append(form)


def national_ids_in(value: str, known: set[str]) -> set[str]:
    """The known identity numbers a URL holds, written in any way a browser sends them (percent-encoded,
    spaces as + or %20, with the space the register prints)."""
    digits = re.sub(r"\s+", "", unquote_plus(value))
    return {run[i:i + 11] for run in re.findall(r"\d{11,}", digits) for i in range(len(run) - 10)} & known


def local(url: str) -> str | None:
    """A same-site path (with its query) worth fetching, else None."""
    if not url or url.startswith(("//", "#", "javascript:", "mailto:", "data:")):
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc not in ("", "localhost"):
        return None
    if not parts.path.startswith("/") or parts.path.startswith(SKIPPED) or "format=" in parts.query:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, known: set[str]) -> tuple[list[str], set[str]]:
    """Walk the pages from the start page; returns (the places an identity number was found, the paths
    fetched)."""
    found: list[str] = []
    seen: set[tuple[str, bool]] = set()
    queue = deque([("/", False, "start")])
    fetched: set[str] = set()
    while queue and len(seen) < MAX_PAGES:
        url, htmx, came_from = queue.popleft()
        if (url, htmx) in seen:
            continue
        seen.add((url, htmx))
        response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
        fetched.add(url)
        for header in URL_HEADERS:
            if value := response.headers.get(header):
                if leaked := national_ids_in(value, known):
                    found.append(f"{header} of {url} (from {came_from}): {value} {sorted(leaked)}")
        if 300 <= response.status_code < 400:
            if target := local(response.headers.get("Location", "")):
                queue.append((target, htmx, url))
            continue
        if response.status_code != 200 or not response.mimetype.startswith("text/html"):
            continue
        page = Page()
        page.feed(response.get_data(as_text=True))
        for name, value in page.attributes:
            if leaked := national_ids_in(value, known):
                found.append(f'{name}="{value}" on {url}{" (htmx)" if htmx else ""} {sorted(leaked)}')
            if name in ("href", "hx-get") and (target := local(value)):
                queue.append((target, name == "hx-get", url))
        for action, values in page.get_forms:
            query = urlencode(values)
            if leaked := national_ids_in(query, known):
                found.append(f"the GET form {action or url} on {url} would send {query} {sorted(leaked)}")
            if target := local(action or url):
                queue.append((target, False, url))
    return found, fetched


@pytest.fixture
def world(app, factory, session):
    """tests/payments_world.py (March posted for 7301 Nord and 7302 Sør), and then, committed:
    - April: Nord's list received from a file with Anne left off, Dag (a member of Sør) and a stranger
      added; Sør's list formed but not yet filled in by the employer;
    - March paid and distributed, an unidentified payment whose text holds Eva's identity number;
    - Cecilie being transferred from Nord to Sør, Bjørn withdrawn to another union, Eva with returned mail."""
    world = committed_world(app, factory, session)
    stranger = make_national_id(date(1990, 2, 3), factory.rng)
    with app.app_context():
        members = {m.person.first_name: m for m in db.session.scalars(sa.select(Membership))}
        nid = {name: m.person.national_id for name, m in members.items()}
        lists.form_lists(APRIL)
        north_april = db.session.scalar(sa.select(DeductionList).where(
            DeductionList.period == APRIL, DeductionList.branch_id == world.north.id))
        target = type("Target", (), {"period": APRIL, "employer": world.employer, "branch": world.north})
        outcome = lists.import_file(SYSTEM, lists_file(north_april, drop={nid["Anne"]}, add=[
            row(target, national_id=stranger, last_name="Fremmed", first_name="Frida", dues_ore=40_000),
            row(target, national_id=nid["Dag"], last_name="Hansen", first_name="Dag", dues_ore=40_000)]))
        assert outcome.ok, outcome.errors

        pay(world, [(world.north_list.kid, 195_000), (world.south_list.kid, 196_400)])
        pay(world, [(None, 12_300)], free_text=f"Kontingent for {nid['Eva']}")
        distribution.run_distribution(MARCH, world.central)

        cecilie = members["Cecilie"]
        transfers.start_transfer(world.north_officer, cecilie, world.south.id, first_of_next_month(), None,
                                 cecilie.version)
        bjorn = members["Bjørn"]
        withdrawals.withdraw(world.north_officer, bjorn, version=bjorn.version, code=6, end_date=clock.today(),
                             note="Går over til et annet forbund", receiving_union="Et annet forbund",
                             today=clock.today())
        members["Eva"].person.return_mail = True
        db.session.commit()
    return world


def lists_file(deduction_list, *, drop, add) -> bytes:
    return csv_bytes(employer_rows(deduction_list, drop=drop, add=add))


def first_of_next_month() -> date:
    today = clock.today()
    return (today.replace(day=28) + timedelta(days=4)).replace(day=1)


def known_national_ids(session) -> set[str]:
    """Every identity number the database holds: persons', and those of people on lists (strangers too)."""
    session.expire_all()
    return set(session.scalars(sa.select(Person.national_id))) | set(
        session.scalars(sa.select(DeductionLine.national_id)))


@pytest.mark.parametrize("who, must_reach", [
    ("north_officer", ("/trekklister/", "/behandle", "/medlemmer/", "/innmelding/", "/overforing/", "/utmelding/")),
    ("county_officer", ("/trekklister/", "/behandle", "/medlemmer/", "/innbetalinger/", "/fordeling/")),
    ("central", ("/trekklister/", "/behandle", "/medlemmer/", "/innbetalinger/uidentifiserte", "/fordeling/")),
    ("employer_contact", ("/portal/liste/",)),
])
def test_no_page_of_any_role_puts_an_identity_number_in_a_url(app, world, session, who, must_reach):
    known = known_national_ids(session)
    assert len(known) >= 6
    client = sign_in(app, getattr(world, who))

    found, fetched = crawl(client, known)

    assert found == [], "\n".join(found)
    for part in must_reach:  # the walk got where the people are
        assert any(part in path for path in fetched), (part, sorted(fetched)[:50])
