"""The payment state in the employer portal (models.payment): the list page's paying details with the
payments received (date and amount, reversals negative), what was paid in all, what is owing or
overpaid and the state; the overview's payment column, read with one query for all the lists shown;
and another employer's contact still gets 404.

The union of tests/payments_world.py: the March 2026 lists of "Sykehuset AS" posted for 7301
"Fagforening Nord" (1 950,00 kr) and 7302 "Fagforening Sør" (1 964,00 kr); the bank's payments are
settled 20.05.2026."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.deviations import services as lists
from models import db
from tests.pages import text
from tests.payments_world import APRIL, committed_world, form_and_post, pay, pay_committed

MAY = date(2026, 5, 1)




@pytest.fixture
def world(app, factory, session):
    return committed_world(app, factory, session)




def paying(client, list_id: int) -> str:
    response = client.get(f"/portal/liste/{list_id}")
    assert response.status_code == 200
    found = re.search(r'<section class="paying" id="paying".*?</section>', response.get_data(as_text=True), re.S)
    assert found, "no paying details on the list page"
    return text(found.group(0))


def overview_cell(page: str, list_id: int) -> str:
    row = re.search(rf'<tr id="liste-{list_id}">(.*?)</tr>', page, re.S)
    assert row, f"list {list_id} is not in the overview"
    return text(re.search(r'<td class="payment">(.*?)</td>', row.group(1), re.S).group(1))


def test_a_list_paid_in_part_shows_the_payment_paid_and_owing(app, client, login, world):
    pay_committed(app, world, [(world.north_list.kid, 100_000)])
    login(world.employer_contact)
    details = paying(client, world.north_list.id)
    assert f"KID {world.north_list.kid}" in details
    assert "Å betale 1 950,00 kr summen som ble godkjent" in details
    assert "Innbetalt 20.05.2026: 1 000,00 kr Sum innbetalt 1 000,00 kr" in details
    assert "Utestående 950,00 kr · Delvis betalt" in details
    page = client.get("/portal").get_data(as_text=True)
    assert overview_cell(page, world.north_list.id) == "Delvis betalt innbetalt 1 000,00 kr utestående 950,00 kr"
    assert overview_cell(page, world.south_list.id) == "Ikke betalt utestående 1 964,00 kr"


def test_a_list_paid_in_full_is_paid(app, client, login, world):
    pay_committed(app, world, [(world.south_list.kid, 96_400)])
    pay_committed(app, world, [(world.south_list.kid, 100_000)])
    login(world.employer_contact)
    details = paying(client, world.south_list.id)
    assert "Innbetalt 20.05.2026: 964,00 kr 20.05.2026: 1 000,00 kr Sum innbetalt 1 964,00 kr" in details
    assert "Utestående 0,00 kr · Betalt" in details
    page = client.get("/portal").get_data(as_text=True)
    assert overview_cell(page, world.south_list.id) == "Betalt innbetalt 1 964,00 kr"


def test_an_overpaid_list_shows_the_amount_over(app, client, login, world):
    pay_committed(app, world, [(world.north_list.kid, 200_000)])
    login(world.employer_contact)
    details = paying(client, world.north_list.id)
    assert "Sum innbetalt 2 000,00 kr For mye betalt 50,00 kr · Overbetalt" in details
    assert "Utestående" not in details
    page = client.get("/portal").get_data(as_text=True)
    assert overview_cell(page, world.north_list.id) == "Overbetalt innbetalt 2 000,00 kr for mye betalt 50,00 kr"


def test_a_reversal_is_shown_negative_and_reduces_what_was_paid(app, client, login, world):
    pay_committed(app, world, [(world.north_list.kid, 195_000)])
    pay_committed(app, world, [(world.north_list.kid, -50_000)])
    login(world.employer_contact)
    details = paying(client, world.north_list.id)
    assert "20.05.2026: 1 950,00 kr 20.05.2026: -500,00 kr tilbakeført" in details
    assert "Sum innbetalt 1 450,00 kr Utestående 500,00 kr · Delvis betalt" in details


def test_a_list_not_paid_says_so(app, client, login, world):
    login(world.employer_contact)
    details = paying(client, world.north_list.id)
    assert "Innbetalt Ingen innbetalinger registrert ennå Sum innbetalt 0,00 kr" in details
    assert "Utestående 1 950,00 kr · Ikke betalt" in details


def test_the_overview_reads_the_payments_of_all_lists_with_one_query(app, client, login, world):
    pay_committed(app, world, [(world.north_list.kid, 100_000)])
    with app.app_context():
        april_north, _ = form_and_post(world, APRIL)  # two more handled lists
        pay(world, [(april_north.kid, 195_000)])
        april_id = april_north.id
        for branch in (world.north, world.south):  # and two May lists not handled yet
            lists.form_lists(MAY, only=(world.employer.id, branch.id))
        db.session.commit()
        engine = db.engine
    login(world.employer_contact)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get("/portal").get_data(as_text=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert page.count('<td class="payment">') == 6
    assert overview_cell(page, april_id) == "Betalt innbetalt 1 950,00 kr"
    assert sum("FROM payments" in statement for statement in statements) == 1


def test_another_employers_contact_gets_404(app, client, login, world, factory):
    pay_committed(app, world, [(world.north_list.kid, 100_000)])
    login(factory.user("employer", employers=[factory.employer(name="Kommunen")]))
    assert client.get(f"/portal/liste/{world.north_list.id}").status_code == 404
    assert "Sykehuset AS" not in client.get("/portal").get_data(as_text=True)
