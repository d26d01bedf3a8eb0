"""The payment state of a deduction list on the branch, county and central side: the list page shows
what is to pay, what was paid, what is owing or overpaid, the state, and each payment (date, amount,
by KID or by hand with its note); the overview has a payment column (read with one query per page)
and a payment filter.

The union of tests/payments_world.py: March 2026 lists posted for 7301 "Fagforening Nord"
(1 950,00 kr) and 7302 "Fagforening Sør" (1 964,00 kr), both paid on 20.05.2026 unless a test says
otherwise."""
import re

import pytest
import sqlalchemy as sa

from blueprints.deviations import services
from blueprints.payments import services as payments
from models import DeductionList, Payment, db
from tests.pages import sign_in, text
from tests.payments_world import APRIL, build_world, committed_world, form_and_post, pay, pay_committed


def payment_section(client, list_id: int) -> str:
    response = client.get(f"/trekklister/{list_id}")
    assert response.status_code == 200
    found = re.search(r'<section id="list-payment".*?</section>', response.get_data(as_text=True), re.S)
    assert found, "no payment section on the list page"
    return text(found.group(0))


def overview_cell(page: str, list_id: int) -> str:
    row = re.search(rf'<tr data-list-id="{list_id}">(.*?)</tr>', page, re.S)
    assert row, f"list {list_id} is not in the overview"
    return text(re.search(r'<td class="payment"[^>]*>(.*?)</td>', row.group(1), re.S).group(1))




def overview_ids(page: str) -> set[int]:
    return {int(found) for found in re.findall(r'<tr data-list-id="(\d+)">', page)}


@pytest.fixture
def world(app, factory, session):
    return committed_world(app, factory, session)




# --- the list page --------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["north_officer", "county_officer", "central"])
def test_a_list_paid_in_part_shows_paid_and_owing(app, client, login, world, who):
    pay_committed(app, world, [(world.north_list.kid, 100_000)])
    login(getattr(world, who))
    section = payment_section(client, world.north_list.id)
    assert section.startswith("Betaling Delvis betalt")
    assert "Å betale 1 950,00 kr det arbeidsgiveren rapporterte" in section
    assert "Innbetalt 1 000,00 kr" in section and "Utestående 950,00 kr" in section
    assert f"20.05.2026 1 000,00 kr Med KID {world.north_list.kid}" in section


def test_a_list_without_payments_is_not_paid(app, client, login, world):
    login(world.north_officer)
    section = payment_section(client, world.north_list.id)
    assert "Ikke betalt" in section and "Innbetalt 0,00 kr" in section and "Utestående 1 950,00 kr" in section
    assert "Ingen innbetalinger registrert." in section


def test_a_list_paid_in_full_is_paid(app, client, login, world):
    pay_committed(app, world, [(world.north_list.kid, 150_000)])
    pay_committed(app, world, [(world.north_list.kid, 45_000)])
    login(world.north_officer)
    section = payment_section(client, world.north_list.id)
    assert section.startswith("Betaling Betalt")
    assert "Innbetalt 1 950,00 kr Utestående 0,00 kr" in section
    assert "1 500,00 kr" in section and "450,00 kr" in section  # both payments listed


def test_an_overpaid_list_shows_the_amount_over(app, client, login, world):
    pay_committed(app, world, [(world.south_list.kid, 200_000)])
    login(world.south_officer)
    section = payment_section(client, world.south_list.id)
    assert section.startswith("Betaling Overbetalt")
    assert "Innbetalt 2 000,00 kr For mye betalt 36,00 kr" in section and "Utestående" not in section


def test_a_reversal_is_shown_negative_and_reduces_what_was_paid(app, client, login, world):
    pay_committed(app, world, [(world.north_list.kid, 195_000)])
    pay_committed(app, world, [(world.north_list.kid, -50_000)])
    login(world.county_officer)
    section = payment_section(client, world.north_list.id)
    assert section.startswith("Betaling Delvis betalt")
    assert "-500,00 kr tilbakeført" in section
    assert "Innbetalt 1 450,00 kr Utestående 500,00 kr" in section


def test_a_payment_matched_by_hand_shows_its_note(app, client, login, world):
    pay_committed(app, world, [(None, 195_000)], free_text="Trekk mars Nord")
    with app.app_context():
        payment = db.session.scalar(sa.select(Payment).where(Payment.list_id.is_(None)))
        payments.match_by_hand(world.central, payment, db.session.get(DeductionList, world.north_list.id),
                               "Betalt uten KID; lønnskontoret bekreftet")
        db.session.commit()
    login(world.north_officer)
    section = payment_section(client, world.north_list.id)
    assert section.startswith("Betaling Betalt")
    assert "For hånd av Test central" in section
    assert "«Betalt uten KID; lønnskontoret bekreftet»" in section


def test_another_branchs_officer_and_the_employer_do_not_reach_the_list(app, client, login, world):
    pay_committed(app, world, [(world.north_list.kid, 100_000)])
    login(world.south_officer)
    assert client.get(f"/trekklister/{world.north_list.id}").status_code == 404
    assert client.get(f"/trekklister/{world.south_list.id}").status_code == 200
    assert sign_in(app, world.employer_contact).get(f"/trekklister/{world.north_list.id}").status_code == 403


# --- the overview ---------------------------------------------------------------------------------

def test_the_overview_has_a_payment_column(app, client, login, world):
    pay_committed(app, world, [(world.north_list.kid, 100_000)])
    login(world.county_officer)
    page = client.get("/trekklister/").get_data(as_text=True)
    assert "<th>Betaling</th>" in page
    assert overview_cell(page, world.north_list.id) == "Delvis betalt innbetalt 1 000,00 kr"
    assert overview_cell(page, world.south_list.id) == "Ikke betalt"
    page = sign_in(app, world.north_officer).get("/trekklister/").get_data(as_text=True)
    assert overview_ids(page) == {world.north_list.id}


def test_the_overview_reads_the_payments_with_one_query(app, client, login, world):
    pay_committed(app, world, [(world.north_list.kid, 100_000), (world.south_list.kid, 196_400)])
    login(world.central)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine

    def payment_queries() -> tuple[int, int]:
        """(lists shown, statements reading the payments table) of the overview page."""
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            page = client.get("/trekklister/").get_data(as_text=True)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(overview_ids(page)), sum("FROM payments" in statement for statement in statements)

    assert payment_queries() == (2, 1)
    with app.app_context():
        april_north, _ = form_and_post(world, APRIL)
        pay(world, [(april_north.kid, 195_000)])
        db.session.commit()
    assert payment_queries() == (4, 1)


@pytest.mark.parametrize("state, expected", [
    ("partly_paid", {"north"}), ("paid", {"south"}), ("unpaid", set()), ("overpaid", set()), ("", {"north", "south"}),
])
def test_the_payment_filter(app, client, login, world, state, expected):
    pay_committed(app, world, [(world.north_list.kid, 100_000), (world.south_list.kid, 196_400)])
    login(world.county_officer)
    response = client.get("/trekklister/", query_string={"betaling": state})
    assert response.status_code == 200
    ids = {"north": world.north_list.id, "south": world.south_list.id}
    assert overview_ids(response.get_data(as_text=True)) == {ids[name] for name in expected}


def test_the_payment_filter_agrees_with_the_list_page(app, client, login, world):
    pay_committed(app, world, [(world.north_list.kid, 195_000), (world.north_list.kid, -195_000), (world.south_list.kid, 200_000)])
    login(world.central)
    unpaid = client.get("/trekklister/", query_string={"betaling": "unpaid"}).get_data(as_text=True)
    assert overview_ids(unpaid) == {world.north_list.id}
    assert overview_cell(unpaid, world.north_list.id) == "Ikke betalt innbetalt 0,00 kr"
    overpaid = client.get("/trekklister/", query_string={"betaling": "overpaid"}).get_data(as_text=True)
    assert overview_ids(overpaid) == {world.south_list.id}
    assert overview_cell(overpaid, world.south_list.id) == "Overbetalt innbetalt 2 000,00 kr"


def test_a_bad_payment_filter_is_told_next_to_the_filter(app, client, login, world):
    login(world.county_officer)
    response = client.get("/trekklister/", query_string={"betaling": "kanskje"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert re.search(r'<p class="error" id="betaling-error">Velg en av betalingstilstandene i listen.</p>', body)
    assert 'data-list-id=' not in body


def test_the_show_json_gives_a_negative_amount_paid_exactly(factory, app_ctx):
    world = build_world(factory)
    pay(world, [(world.north_list.kid, -5)])  # a reversal alone
    assert services.list_as_dict(world.north_list, [])["list"]["payment"]["paid"] == "-0.05"
