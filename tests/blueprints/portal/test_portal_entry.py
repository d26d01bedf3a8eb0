"""A payroll officer works a list in the employer portal: the members with their expected amounts, a
draft saved and found again, each outcome, the messages next to the fields (nothing stored), the
confirmation, sending (the list is received and compared, with the employer's words on its lines),
and a sent list locked.

"Sykehuset AS" has three members of "Lag A" on its March 2026 list: Aas, Berg and Dahl, each expected
to pay 749 kr dues (capped) + 125 kr insurance."""
import html
import random
import re
from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.deviations import services as deviations
from models import AuditLog, DeductionLine, DeductionList, Employment, PortalEntry, db
from tests.factories import make_national_id
from tests.pages import text

MARCH = date(2026, 3, 1)




def row_html(page: str, row_id: str) -> str:
    found = re.search(rf'<tr id="{row_id}"[^>]*>.*?</tr>', page, re.S)
    assert found, f"row {row_id} is not on the page"
    return found.group(0)


@pytest.fixture
def world(app, factory):
    branch = factory.branch(factory.county(), name="Lag A")
    employer = factory.employer(name="Sykehuset AS")
    workplace = factory.workplace(employer, branch, name="Sengepost 3")
    members = {name: factory.member(branch, workplace=workplace, first_name="Test", last_name=name)
               for name in ("Aas", "Berg", "Dahl")}
    contact = factory.user("employer", employers=[employer])
    officer = factory.user("branch", branches=[branch])
    with app.app_context():
        deviations.form_lists(MARCH, only=(employer.id, branch.id))
        list_id = db.session.scalar(sa.select(DeductionList.id).where(DeductionList.employer_id == employer.id))
        db.session.commit()
    return {"branch": branch, "employer": employer, "members": members, "contact": contact, "officer": officer,
            "list_id": list_id, "url": f"/portal/liste/{list_id}"}


def lines(session, world) -> dict[str, DeductionLine]:
    session.expire_all()
    return {line.name.split(",")[0]: line for line in session.scalars(
        sa.select(DeductionLine).where(DeductionLine.list_id == world["list_id"]).order_by(DeductionLine.id))}


def saved(session, world) -> dict[str, PortalEntry]:
    session.expire_all()
    return {entry.last_name: entry for entry in session.scalars(
        sa.select(PortalEntry).where(PortalEntry.list_id == world["list_id"]))}


def the_list(session, world) -> DeductionList:
    session.expire_all()
    return session.get(DeductionList, world["list_id"])


def entry_form(session, world, **rows) -> dict:
    """The form as the page sends it: every member deducted as expected, except `rows[name]` (field →
    value, e.g. {"outcome": "not_deducted", "reason": "left"})."""
    data = {}
    for name, line in lines(session, world).items():
        data[f"r{line.id}-outcome"] = "deducted"
        for field, value in rows.get(name, {}).items():
            data[f"r{line.id}-{field}"] = value
    return data


def test_the_page_lists_the_members_with_their_expected_amounts(client, login, world, session):
    login(world["contact"])
    page = client.get(world["url"])
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Trekkliste 03.2026 · Sykehuset AS" in text(body)
    aas = lines(session, world)["Aas"]
    row = row_html(body, f"rad-{aas.id}")
    assert "Aas, Test" in text(row) and aas.national_id[:6] in row and str(aas.member_number) in text(row)
    assert "749,00" in text(row) and "125,00" in text(row)
    # the outcome is a select, deducted as expected by default; the other fields are closed
    assert re.search(r'<option value="deducted" selected>Trukket som forventet</option>', row)
    assert re.search(rf'name="r{aas.id}-dues"[^>]*disabled', row)
    assert re.search(rf'name="r{aas.id}-reason"[^>]*disabled', row)
    assert 'Tilstand' in body and "Ikke behandlet" in text(body)
    assert body.count('class="entry-row') == 3
    assert 'src="/static/js/portal.js"' in body


def test_saving_a_draft_keeps_each_outcome_and_the_list_expected(client, login, post, world, session):
    login(world["contact"])
    data = entry_form(session, world,
                      Berg={"outcome": "not_deducted", "reason": "left", "comment": "Sluttet 15.02"},
                      Dahl={"outcome": "other_amount", "dues": "500,00", "insurance": "125", "reason": "position",
                            "position": "60", "comment": "Redusert stilling"})
    response = post(world["url"], data | {"handling": "lagre"})
    assert response.status_code == 303 and response.headers["Location"] == world["url"]

    entries = saved(session, world)
    assert entries["Aas"].outcome == "deducted" and entries["Aas"].dues_ore is None
    berg = entries["Berg"]
    assert (berg.outcome, berg.reason, berg.comment, berg.dues_ore) == ("not_deducted", "left", "Sluttet 15.02", None)
    dahl = entries["Dahl"]
    assert (dahl.outcome, dahl.dues_ore, dahl.insurance_ore, dahl.reason, dahl.position_bp) == (
        "other_amount", 50_000, 12_500, "position", 6_000)
    assert dahl.line_id == lines(session, world)["Dahl"].id and dahl.updated_by == world["contact"].id
    assert the_list(session, world).state == "expected"
    audit = session.scalars(sa.select(AuditLog).where(AuditLog.entity == "deduction_list")).all()[-1]
    assert "Utkast til trekkliste 03.2026" in audit.summary and audit.user_id == world["contact"].id
    assert "Sluttet 15.02" in audit.changes

    # coming back: the page shows the draft as saved
    body = client.get(world["url"]).get_data(as_text=True)
    assert "Utkastet er lagret" in body
    all_lines = lines(session, world)
    berg_row = row_html(body, f"rad-{all_lines['Berg'].id}")
    assert '<option value="not_deducted" selected>' in berg_row and '<option value="left" selected>' in berg_row
    assert 'value="Sluttet 15.02"' in berg_row
    dahl_row = row_html(body, f"rad-{all_lines['Dahl'].id}")
    assert 'value="500,00"' in dahl_row and 'value="60"' in dahl_row
    assert not re.search(rf'name="r{all_lines["Dahl"].id}-dues"[^>]*disabled', dahl_row)
    assert "Utkast lagret, ikke sendt" in text(body)
    # the draft's sum: Aas 874 + Dahl 625
    assert "Sum i lagret utkast: 1 499,00 kr" in text(body)


def test_saving_again_updates_the_entries_by_identity_number(client, login, post, world, session):
    login(world["contact"])
    post(world["url"], entry_form(session, world, Berg={"outcome": "not_deducted", "reason": "sick"}))
    first = saved(session, world)["Berg"].id
    post(world["url"], entry_form(session, world))
    entries = saved(session, world)
    assert len(entries) == 3
    assert entries["Berg"].id == first and entries["Berg"].outcome == "deducted" and entries["Berg"].reason is None


def test_what_an_outcome_does_not_use_is_ignored(client, login, post, world, session):
    login(world["contact"])
    response = post(world["url"], entry_form(session, world, Aas={
        "outcome": "deducted", "dues": "-5", "insurance": "tull", "reason": "left", "comment": "x" * 900}))
    assert response.status_code == 303
    aas = saved(session, world)["Aas"]
    assert (aas.dues_ore, aas.insurance_ore, aas.reason, aas.comment) == (None, None, None, None)


@pytest.mark.parametrize(("row", "field", "message"), [
    ({"outcome": "other_amount"}, "dues", "Skriv kontingenten som ble trukket."),
    ({"outcome": "other_amount", "dues": "500"}, "insurance", "Skriv forsikringsbeløpet som ble trukket"),
    ({"outcome": "other_amount", "dues": "-500", "insurance": "125"}, "dues", "Beløpet kan ikke være negativt."),
    ({"outcome": "other_amount", "dues": "fem", "insurance": "125"}, "dues", "er ikke et kronebeløp"),
    ({"outcome": "not_deducted"}, "reason", "Velg hvorfor det ikke er trukket."),
    ({"outcome": "not_deducted", "reason": "position"}, "position", "Skriv den nye stillingsprosenten"),
    ({"outcome": "not_deducted", "reason": "position", "position": "140"}, "position", "Skriv den nye stillingsprosenten"),
    ({"outcome": "not_deducted", "reason": "bortreist"}, "reason", "Velg en av årsakene i listen."),
    ({"outcome": "kanskje"}, "outcome", "Velg trukket som forventet, annet beløp eller ikke trukket."),
    ({"outcome": "not_deducted", "reason": "other", "comment": "x" * 501}, "comment", "Høyst 500 tegn."),
])
def test_a_row_that_does_not_hold_gets_its_message_and_nothing_is_stored(client, login, post, world, session,
                                                                         row, field, message):
    login(world["contact"])
    audit_before = session.scalar(sa.select(sa.func.count(AuditLog.id)))
    response = post(world["url"], entry_form(session, world, Berg=row) | {"handling": "lagre"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    berg = lines(session, world)["Berg"]
    found = re.search(rf'<p class="error" id="r{berg.id}-{field}-error">([^<]*)</p>', body)
    assert found and message in html.unescape(found.group(1))
    assert re.search(rf'name="r{berg.id}-{field}"[^>]*aria-invalid="true"', body)
    assert "Ingenting ble lagret" in text(body)
    assert saved(session, world) == {}
    assert session.scalar(sa.select(sa.func.count(AuditLog.id))) == audit_before


def test_adding_a_person_who_is_not_on_the_list(client, login, post, world, session):
    login(world["contact"])
    newcomer = make_national_id(date(1992, 7, 1), random.Random(3))
    response = post(world["url"], entry_form(session, world) | {
        "ny-national_id": newcomer, "ny-last_name": "Ny", "ny-first_name": "Nina", "ny-dues": "400,00",
        "ny-insurance": "125,00", "ny-comment": "Begynte 1. mars"})
    assert response.status_code == 303
    entry = saved(session, world)["Ny"]
    assert (entry.national_id, entry.first_name, entry.outcome, entry.dues_ore, entry.insurance_ore, entry.line_id) == (
        newcomer, "Nina", "added", 40_000, 12_500, None)
    body = client.get(world["url"]).get_data(as_text=True)
    assert "Nina Ny er lagt til" in text(body)
    added = row_html(body, f"lagt-til-{entry.id}")
    assert "Ny, Nina" in text(added) and 'value="400,00"' in added

    # the same person once more, or someone already on the list: refused next to the field
    aas = lines(session, world)["Aas"]
    for number, message in ((newcomer, "Personen er allerede lagt til på listen."),
                            (aas.national_id, "Personen står allerede på listen (Aas, Test).")):
        response = post(world["url"], entry_form(session, world) | {
            "ny-national_id": number, "ny-last_name": "Ny", "ny-first_name": "Nina", "ny-dues": "400",
            "ny-insurance": "0"})
        assert response.status_code == 422
        assert message in text(re.search(r'id="ny-national_id-error">[^<]*<', response.get_data(as_text=True)).group(0))
    assert len(saved(session, world)) == 4

    # removed again
    response = post(world["url"], entry_form(session, world) | {f"n{entry.id}-keep": "remove"})
    assert response.status_code == 303
    assert "Ny" not in saved(session, world)


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"national_id": "12345678901"}, "national_id", "Fødselsnummeret er ikke gyldig"),
    ({"national_id": "123"}, "national_id", "Fødselsnummeret skal være 11 siffer."),
    ({"last_name": ""}, "last_name", "Skriv etternavnet."),
    ({"dues": ""}, "dues", "Skriv kontingenten som ble trukket."),
    ({"dues": "0", "insurance": "0"}, "dues", "det kan ikke være 0"),
])
def test_a_bad_added_person_is_refused_next_to_the_field(client, login, post, world, session, fields, field, message):
    login(world["contact"])
    person = {"national_id": make_national_id(date(1990, 1, 2), random.Random(5)), "last_name": "Ny",
              "first_name": "Nina", "dues": "400", "insurance": "125"} | fields
    response = post(world["url"], entry_form(session, world) | {f"ny-{key}": value for key, value in person.items()})
    assert response.status_code == 422
    found = re.search(rf'id="ny-{field}-error">([^<]*)<', response.get_data(as_text=True))
    assert found and message in html.unescape(found.group(1))
    assert saved(session, world) == {}


def test_approve_goes_to_a_confirmation_with_the_sum_and_the_deviations(client, login, post, world, session):
    login(world["contact"])
    response = post(world["url"], entry_form(session, world, Berg={
        "outcome": "not_deducted", "reason": "left", "comment": "Sluttet i februar"}) | {"handling": "send"})
    assert response.status_code == 303 and response.headers["Location"] == f"{world['url']}/send"
    page = client.get(f"{world['url']}/send")
    body = text(page.get_data(as_text=True))
    assert "Godkjenn og send trekkliste 03.2026" in body
    assert "Trukket for 2 personer" in body and "Å betale 1 748,00 kr" in body and "Avvik 1" in body
    assert "Berg, Test" in body and "Ikke trukket" in body and "Sluttet – «Sluttet i februar»" in body
    assert the_list(session, world).state == "expected"


def test_sending_receives_the_list_with_the_comparison_and_the_employers_words(client, login, post, world, session):
    login(world["contact"])
    newcomer = make_national_id(date(1993, 3, 3), random.Random(7))
    post(world["url"], entry_form(session, world,
                                  Berg={"outcome": "not_deducted", "reason": "left", "comment": "Sluttet 28.02"},
                                  Dahl={"outcome": "other_amount", "dues": "800,00", "insurance": "125,00",
                                        "reason": "other", "comment": "Etterbetaling"}) | {
        "ny-national_id": newcomer, "ny-last_name": "Ny", "ny-first_name": "Nina", "ny-dues": "400",
        "ny-insurance": "125"})
    response = post(f"{world['url']}/send")
    assert response.status_code == 303 and response.headers["Location"] == world["url"]

    deduction_list = the_list(session, world)
    assert (deduction_list.state, deduction_list.source, deduction_list.sent_by) == (
        "received", "portal", world["contact"].id)
    assert deduction_list.reported_count == 3  # Aas, Dahl, Nina Ny
    assert deduction_list.reported_total_ore == 87_400 + 92_500 + 52_500
    found = lines(session, world)
    assert (found["Aas"].status, found["Aas"].reported_dues_ore) == ("matched", 74_900)
    berg = found["Berg"]
    assert (berg.status, berg.employer_reason, berg.employer_comment) == ("missing", "left", "Sluttet 28.02")
    dahl = found["Dahl"]
    assert dahl.status == "amount" and "over taket" in dahl.reasons  # 800 kr over the cap of 749 kr
    assert (dahl.reported_dues_ore, dahl.employer_reason, dahl.employer_comment) == (80_000, "other", "Etterbetaling")
    nina = found["Ny"]
    assert (nina.status, nina.expected, nina.national_id, nina.reported_dues_ore) == (
        "unexpected", False, newcomer, 40_000)
    summaries = [row.summary for row in session.scalars(
        sa.select(AuditLog).where(AuditLog.entity == "deduction_list").order_by(AuditLog.id))]
    assert any("godkjent og sendt fra arbeidsgiverportalen" in summary for summary in summaries)
    assert any("mottatt (portal)" in summary for summary in summaries)

    body = client.get(world["url"]).get_data(as_text=True)
    assert "er godkjent og sendt til fagforeningen. Å betale: 2 324,00 kr" in text(body)
    assert "Listen er sendt og låst" in text(body) and "<select" not in body
    assert "Sluttet – «Sluttet 28.02»" in text(body)


def test_another_amount_within_the_rules_is_matched(client, login, post, world, session):
    login(world["contact"])
    post(world["url"], entry_form(session, world, Aas={"outcome": "other_amount", "dues": "749,50",
                                                       "insurance": "125,00"}))
    post(f"{world['url']}/send")
    aas = lines(session, world)["Aas"]
    assert (aas.status, aas.reported_dues_ore) == ("matched", 74_950)  # within 1 kr of what is expected


def test_a_not_deducted_member_with_a_new_position_keeps_it_for_the_branch(client, login, post, world, session):
    login(world["contact"])
    post(world["url"], entry_form(session, world, Berg={"outcome": "not_deducted", "reason": "position",
                                                        "position": "40"}))
    post(f"{world['url']}/send")
    berg = lines(session, world)["Berg"]
    assert (berg.status, berg.employer_reason, berg.reported_position_bp) == ("missing", "position", 4_000)


def test_a_list_sent_without_a_draft_is_every_member_deducted_as_expected(client, login, post, world, session):
    login(world["contact"])
    assert client.get(f"{world['url']}/send").status_code == 200
    assert post(f"{world['url']}/send").status_code == 303
    assert {line.status for line in lines(session, world).values()} == {"matched"}


def test_a_sent_list_is_locked(client, login, post, world, session):
    login(world["contact"])
    post(f"{world['url']}/send")
    received_at = the_list(session, world).received_at
    for url, data in ((world["url"], entry_form(session, world, Aas={"outcome": "not_deducted", "reason": "left"})),
                      (f"{world['url']}/send", {})):
        response = post(url, data)
        assert response.status_code == 422
        assert "Listen er sendt og kan ikke endres lenger" in text(response.get_data(as_text=True))
    assert saved(session, world) == {}
    deduction_list = the_list(session, world)
    assert deduction_list.received_at == received_at and deduction_list.reported_count == 3
    # the confirmation page is no longer offered
    assert client.get(f"{world['url']}/send").headers["Location"] == world["url"]


def test_a_member_without_known_dues_needs_the_amount_deducted(app, client, login, post, factory, session):
    """The register does not know the member's pay: "deducted as expected" has no amount to send."""
    branch = factory.branch()
    employer = factory.employer(name="Vikarbyrået AS")
    member = factory.member(branch, last_name="Uten", first_name="Lønn")
    factory._add(Employment(membership_id=member.id, workplace_id=factory.workplace(employer, branch).id,
                            from_date=date(2015, 1, 1), position_bp=10_000, payment_method="deduction"))
    with app.app_context():
        deviations.form_lists(MARCH, only=(employer.id, branch.id))
        list_id = db.session.scalar(sa.select(DeductionList.id).where(DeductionList.employer_id == employer.id))
        db.session.commit()
    line = session.scalar(sa.select(DeductionLine).where(DeductionLine.list_id == list_id))
    assert line.expected_dues_ore is None
    login(factory.user("employer", employers=[employer]))
    url = f"/portal/liste/{list_id}"
    assert "ukjent" in text(row_html(client.get(url).get_data(as_text=True), f"rad-{line.id}"))

    response = post(url, {f"r{line.id}-outcome": "deducted"})
    assert response.status_code == 422
    assert "Registeret kjenner ikke forventet kontingent" in text(response.get_data(as_text=True))
    confirmation = client.get(f"{url}/send").get_data(as_text=True)
    assert "Registeret kjenner ikke forventet kontingent for Uten, Lønn" in text(confirmation)
    assert "Send listen" not in confirmation
    refused = post(f"{url}/send")
    assert refused.status_code == 422 and session.get(DeductionList, list_id).state == "expected"

    assert post(url, {f"r{line.id}-outcome": "other_amount", f"r{line.id}-dues": "512,40",
                      f"r{line.id}-insurance": "125"}).status_code == 303
    assert post(f"{url}/send").status_code == 303
    session.expire_all()
    assert session.get(DeductionLine, line.id).reported_dues_ore == 51_240
