"""The inbox of message threads: each user sees the threads of the lists in their scope, unread (for
their side) first, then the newest; filtered by state in the URL; paginated; with a fixed number of
queries however many threads there are."""
import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from blueprints.portal import message_queries
from models import DeductionList, ListMessage, ListThread
from models.deduction import list_kid
from tests.pages import sign_in

T0 = datetime(2026, 4, 20, 8, 0)


def rows(client, query: str = "") -> list[tuple[int, bool, str]]:
    """(list id, unread, state) of each row of the inbox, in order."""
    answer = client.get(f"/portal/meldinger{query}")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    return [(int(list_id), css == "unread", state) for list_id, css, state in re.findall(
        r'<tr data-list-id="(\d+)" class="(\w+)">.*?data-state="(\w+)"', page, re.S)]


class Threads:
    def __init__(self, factory):
        self.factory = factory
        self.months = iter(date(2020 + n // 12, n % 12 + 1, 1) for n in range(200))

    def make(self, employer, branch, *, state="open", last_at=T0, last_side="employer", union_read_at=None,
             employer_read_at=None) -> int:
        """A list with a thread whose last message came at `last_at` from `last_side`."""
        period = next(self.months)
        dl = self.factory._add(DeductionList(period=period, employer_id=employer.id, branch_id=branch.id,
                                             kid=list_kid(period, employer.id, branch.number)))
        self.factory._add(ListThread(list_id=dl.id, state=state, last_message_at=last_at,
                                     last_message_side=last_side, union_read_at=union_read_at,
                                     employer_read_at=employer_read_at))
        self.factory._add(ListMessage(list_id=dl.id, side=last_side, author="Noen", body="Hei",
                                      created_at=last_at))
        return dl.id


@pytest.fixture
def world(factory):
    east, west = factory.county(), factory.county()
    a, b, x = factory.branch(east), factory.branch(east), factory.branch(west)
    hospital, bakery = factory.employer(name="Aker sykehus HF"), factory.employer(name="Bakeriet AS")
    return {"a": a, "b": b, "x": x, "hospital": hospital, "bakery": bakery, "east": east, "west": west,
            "threads": Threads(factory)}


def test_each_user_sees_the_threads_of_their_own_lists(app, factory, world):
    make = world["threads"].make
    hospital_a = make(world["hospital"], world["a"])
    hospital_b = make(world["hospital"], world["b"], last_at=T0 - timedelta(hours=1))
    bakery_x = make(world["bakery"], world["x"], last_at=T0 - timedelta(hours=2))
    seen = {
        factory.user("employer", employers=[world["hospital"]]): [hospital_a, hospital_b],
        factory.user("employer", employers=[world["bakery"]]): [bakery_x],
        factory.user("branch", branches=[world["a"]]): [hospital_a],
        factory.user("branch", branches=[world["x"]]): [bakery_x],
        factory.user("county", counties=[world["east"]]): [hospital_a, hospital_b],
        factory.user("county", counties=[world["west"]]): [bakery_x],
        factory.user("central"): [hospital_a, hospital_b, bakery_x],
    }
    for user, expected in seen.items():
        assert [list_id for list_id, *_ in rows(sign_in(app, user))] == expected, user.role


def test_unread_first_then_newest_for_each_side(app, factory, world):
    make, a, hospital = world["threads"].make, world["a"], world["hospital"]
    # From the employer: unread for the union unless the union read it after it came.
    read_by_union = make(hospital, a, last_at=T0, union_read_at=T0 + timedelta(minutes=5))
    older_unread = make(hospital, a, last_at=T0 - timedelta(days=1))
    oldest_unread = make(hospital, a, last_at=T0 - timedelta(days=2), union_read_at=T0 - timedelta(days=3))
    # From the union: never unread for the union; unread for the employer until it reads it.
    answered = make(hospital, a, state="answered", last_side="union", last_at=T0 - timedelta(hours=1))
    officer, contact = factory.user("branch", branches=[a]), factory.user("employer", employers=[hospital])
    with app.app_context():
        assert (message_queries.unread_total(officer), message_queries.unread_total(contact)) == (2, 1)
    assert rows(sign_in(app, officer)) == [
        (older_unread, True, "open"), (oldest_unread, True, "open"),
        (read_by_union, False, "open"), (answered, False, "answered")]
    assert rows(sign_in(app, contact)) == [
        (answered, True, "answered"), (read_by_union, False, "open"), (older_unread, False, "open"),
        (oldest_unread, False, "open")]


def test_the_state_filter_lives_in_the_url(app, factory, world):
    make, a, hospital = world["threads"].make, world["a"], world["hospital"]
    open_one = make(hospital, a)
    answered = make(hospital, a, state="answered", last_side="union", last_at=T0 - timedelta(hours=1))
    closed = make(hospital, a, state="closed", last_side="union", last_at=T0 - timedelta(hours=2))
    client = sign_in(app, factory.user("branch", branches=[a]))
    assert [r[0] for r in rows(client, "?tilstand=open")] == [open_one]
    assert [r[0] for r in rows(client, "?tilstand=answered")] == [answered]
    assert [r[0] for r in rows(client, "?tilstand=closed")] == [closed]
    assert [r[0] for r in rows(client, "?tilstand=tull")] == [open_one, answered, closed]
    page = client.get("/portal/meldinger?tilstand=closed").get_data(as_text=True)
    assert re.search(r'<a href="/portal/meldinger\?tilstand=closed" aria-current="page">Lukket</a>', page)
    empty = sign_in(app, factory.user("branch", branches=[world["x"]])).get("/portal/meldinger?tilstand=open")
    assert "Ingen meldingstråder passer til filteret." in empty.get_data(as_text=True)


def test_the_inbox_is_paginated(app, factory, world, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    make, a, hospital = world["threads"].make, world["a"], world["hospital"]
    ids = [make(hospital, a, last_at=T0 - timedelta(hours=n)) for n in range(5)]
    client = sign_in(app, factory.user("branch", branches=[a]))
    assert [r[0] for r in rows(client)] == ids[:2]
    assert [r[0] for r in rows(client, "?page=2")] == ids[2:4]
    assert [r[0] for r in rows(client, "?page=3")] == ids[4:]
    assert [r[0] for r in rows(client, "?page=99")] == ids[4:]
    page = client.get("/portal/meldinger?page=2").get_data(as_text=True)
    assert "Side 2 av 3" in page and 'href="/portal/meldinger?page=3"' in page


def test_the_inbox_asks_the_database_the_same_number_of_times_for_3_or_30_threads(app, factory, world, connection):
    make, a, hospital = world["threads"].make, world["a"], world["hospital"]
    client = sign_in(app, factory.user("central"))
    client.get("/portal/meldinger")  # the session and the user are loaded once before counting
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def queries_for_inbox() -> int:
        statements.clear()
        sa.event.listen(connection, "before_cursor_execute", count)
        try:
            assert client.get("/portal/meldinger").status_code == 200
        finally:
            sa.event.remove(connection, "before_cursor_execute", count)
        return sum("list_threads" in s for s in statements)

    for _ in range(3):
        make(hospital, a)
    few = queries_for_inbox()
    for _ in range(27):
        make(hospital, a)
    assert len(rows(client)) == 30
    assert queries_for_inbox() == few == 3  # the count, the page's rows and the menu's unread mark


@pytest.mark.parametrize("role", ["employer", "branch", "county", "central"])
def test_every_role_reaches_its_inbox_and_nobody_signed_out_does(app, factory, client, role):
    assert sign_in(app, factory.user(role)).get("/portal/meldinger").status_code == 200
    answer = client.get("/portal/meldinger")
    assert answer.status_code in (302, 303) and "/logg-inn" in answer.headers["Location"]
