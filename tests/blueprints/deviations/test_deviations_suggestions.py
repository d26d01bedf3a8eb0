"""The employer's reasons on the branch's list page (sent from the employer portal), and the action
each suggests, accepted with one click through services.resolve.

The March 2026 list of "Sykehuset AS" for "Lag A", sent from the portal with these members not
deducted: Aas (left, «Sluttet 15.02»), Berg (leave), Dahl (changed position, 60 %), Eik (sick), Fjeld
(other, «Ukjent grunn») and Hval (left, but employed from 1 March, so the suggested last day
does not hold); Gran was deducted as expected."""
import html
import re
from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.deviations import services
from blueprints.deviations.forms import CARRIED_NOTE, suggestion
from blueprints.portal import services as portal
from models import AuditLog, DeductionLine, DeductionList, DuesCodePeriod, Employment, db
from tests.pages import text

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)
HX = {"HX-Request": "true"}
REASONS = {
    "Aas": ("left", None, "Sluttet 15.02"), "Berg": ("leave", None, None), "Dahl": ("position", 6_000, None),
    "Eik": ("sick", None, None), "Fjeld": ("other", None, "Ukjent grunn"), "Hval": ("left", None, None),
}




def line_row(page: str, line_id: int) -> str:
    found = re.search(rf'<tr id="line-{line_id}"[^>]*>.*?</tr>', page, re.S)
    assert found, f"line {line_id} is not on the page"
    return found.group(0)


def send_from_portal(app, contact, employer, branch, reasons: dict) -> int:
    """Form the March list and send it from the portal with `reasons[last name]` = (reason, position,
    comment) for the members not deducted; returns the list's id."""
    with app.app_context():
        services.form_lists(MARCH, only=(employer.id, branch.id))
        deduction_list = db.session.scalar(sa.select(DeductionList).where(
            DeductionList.employer_id == employer.id, DeductionList.branch_id == branch.id))
        rows = []
        for line in deduction_list.lines:
            last, first = portal.split_name(line.name)
            reason, position, comment = reasons.get(last, (None, None, None))
            rows.append(portal.EntryValues(line.national_id, last, first, "not_deducted" if reason else "deducted",
                                           line_id=line.id, reason=reason, position_bp=position, comment=comment))
        portal.save_draft(contact, deduction_list, rows)
        portal.send(contact, deduction_list)
        db.session.commit()
        return deduction_list.id


@pytest.fixture
def world(app, factory):
    branch = factory.branch(factory.county(), name="Lag A")
    employer = factory.employer(name="Sykehuset AS")
    workplace = factory.workplace(employer, branch, name="Sengepost 3")
    members = {name: factory.member(branch, workplace=workplace, first_name="Test", last_name=name)
               for name in ("Aas", "Berg", "Dahl", "Eik", "Fjeld", "Gran")}
    members["Hval"] = factory.member(branch, first_name="Test", last_name="Hval", start=date(2026, 3, 1),
                                     workplace=workplace)
    contact = factory.user("employer", employers=[employer])
    officer = factory.user("branch", branches=[branch])
    list_id = send_from_portal(app, contact, employer, branch, REASONS)
    return {"branch": branch, "employer": employer, "members": members, "officer": officer, "contact": contact,
            "list_id": list_id, "url": f"/trekklister/{list_id}"}


def lines(session, world) -> dict[str, DeductionLine]:
    session.expire_all()
    return {line.name.split(",")[0]: line for line in session.scalars(
        sa.select(DeductionLine).where(DeductionLine.list_id == world["list_id"]))}


def accept_url(world, line) -> str:
    return f"{world['url']}/linjer/{line.id}/forslag"


def employments(session, membership) -> list[tuple]:
    session.expire_all()
    return [(e.position_bp, e.from_date, e.to_date) for e in session.scalars(
        sa.select(Employment).where(Employment.membership_id == membership.id).order_by(Employment.from_date))]


def test_the_branch_sees_the_employers_reason_and_the_suggested_action(client, login, world, session):
    login(world["officer"])
    body = client.get(f"{world['url']}?vis=alle").get_data(as_text=True)
    found = lines(session, world)
    expectations = {
        "Aas": ("Arbeidsgiveren: Sluttet – «Sluttet 15.02»", "Godta forslaget: Arbeidsforholdet avsluttet",
                "siste dag 28.02.2026"),
        "Berg": ("Arbeidsgiveren: Permisjon uten lønn", "Godta forslaget: Permisjon uten lønn", "kode O fra 01.03.2026"),
        "Dahl": ("Arbeidsgiveren: Endret stillingsprosent (60 %)", "Godta forslaget: Stillingsprosent endret",
                 "60 % fra 01.03.2026"),
        "Eik": ("Arbeidsgiveren: Syk med ytelser fra NAV", "Godta forslaget: Overført til neste periode",
                "til neste måneds liste"),
    }
    for name, words in expectations.items():
        row = text(line_row(body, found[name].id))
        for word in words:
            assert word in row, (name, word, row)
    fjeld = text(line_row(body, found["Fjeld"].id))
    assert "Arbeidsgiveren: Annet – «Ukjent grunn»" in fjeld and "Godta forslaget" not in fjeld
    gran = text(line_row(body, found["Gran"].id))
    assert "Arbeidsgiveren" not in gran and "Godta forslaget" not in gran


def test_accepting_left_ends_the_employment_the_day_before_the_month_with_one_click(client, login, post, world,
                                                                                     session):
    login(world["officer"])
    aas = lines(session, world)["Aas"]
    response = post(accept_url(world, aas), headers=HX)
    assert response.status_code == 200
    row = text(response.get_data(as_text=True))
    assert "Arbeidsforholdet hos Sykehuset AS avsluttet 28.02.2026" in row and "Behandlet" in row
    assert "Godta forslaget" not in row
    assert 'data-count="open">5<' in response.get_data(as_text=True)  # the counts come along, out of band
    assert employments(session, world["members"]["Aas"]) == [(10_000, date(2015, 1, 1), date(2026, 2, 28))]
    aas = lines(session, world)["Aas"]
    assert (aas.resolution, aas.resolved_by) == ("employment_ended", world["officer"].id)
    audit = session.scalars(sa.select(AuditLog).where(AuditLog.entity == "deduction_line")).all()[-1]
    assert audit.entity_id == aas.id and "avsluttet 28.02.2026" in audit.summary


def test_accepting_without_javascript_goes_back_to_the_list(client, login, post, world, session):
    login(world["officer"])
    aas = lines(session, world)["Aas"]
    response = post(accept_url(world, aas))
    assert response.status_code == 303
    assert response.headers["Location"] == f"{world['url']}#line-{aas.id}"
    assert "avsluttet 28.02.2026" in text(client.get(response.headers["Location"]).get_data(as_text=True))


def test_accepting_leave_sets_code_o_from_the_months_first_day(client, login, post, world, session):
    login(world["officer"])
    assert post(accept_url(world, lines(session, world)["Berg"]), headers=HX).status_code == 200
    codes = [(p.code, p.from_date, p.to_date) for p in session.scalars(
        sa.select(DuesCodePeriod).where(DuesCodePeriod.membership_id == world["members"]["Berg"].id)
        .order_by(DuesCodePeriod.from_date))]
    assert codes == [("Y", date(2015, 1, 1), date(2026, 2, 28)), ("O", MARCH, None)]
    assert lines(session, world)["Berg"].resolution == "leave"


def test_accepting_a_new_position_uses_the_employers_percentage(client, login, post, world, session):
    login(world["officer"])
    assert post(accept_url(world, lines(session, world)["Dahl"]), headers=HX).status_code == 200
    assert employments(session, world["members"]["Dahl"]) == [
        (10_000, date(2015, 1, 1), date(2026, 2, 28)), (6_000, MARCH, None)]
    assert lines(session, world)["Dahl"].resolution_text == "Stillingsprosent 60 % fra 01.03.2026"


def test_accepting_sick_carries_the_line_to_next_month_with_a_note(client, login, post, world, session):
    login(world["officer"])
    eik = lines(session, world)["Eik"]
    assert post(accept_url(world, eik), headers=HX).status_code == 200
    carried = session.scalar(sa.select(DeductionLine).where(DeductionLine.carried_from_id == eik.id))
    assert carried.note == CARRIED_NOTE and session.get(DeductionList, carried.list_id).period == APRIL
    assert lines(session, world)["Eik"].resolution == "carried"


def test_a_refused_suggestion_opens_the_form_with_the_message_and_changes_nothing(client, login, post, world,
                                                                                 session):
    login(world["officer"])
    hval = lines(session, world)["Hval"]
    before = employments(session, world["members"]["Hval"])
    response = post(accept_url(world, hval), headers=HX)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'class="line-form-row' in body and 'data-action="employment_ended"' in body
    error = re.search(r'<p class="error" id="line\d+-date-error">([^<]*)</p>', body)
    assert error and "begynner 01.03.2026, etter datoen" in html.unescape(error.group(1))
    assert 'value="28.02.2026"' in body  # the suggested date, to adjust
    assert employments(session, world["members"]["Hval"]) == before
    assert lines(session, world)["Hval"].resolution is None


def test_nothing_to_accept_for_another_reason_or_a_handled_line(client, login, post, world, session):
    login(world["officer"])
    found = lines(session, world)
    response = post(accept_url(world, found["Fjeld"]), headers=HX)
    assert response.status_code == 422
    assert "Det er ikke noe forslag å godta for denne linjen." in text(response.get_data(as_text=True))
    assert post(accept_url(world, found["Aas"]), headers=HX).status_code == 200
    again = post(accept_url(world, found["Aas"]), headers=HX)
    assert again.status_code == 422 and lines(session, world)["Aas"].resolution == "employment_ended"


def test_suggestion_needs_an_open_fitting_line_and_what_its_defaults_need():
    received = DeductionList(period=MARCH, state="received")

    def line(**values):
        return DeductionLine(**({"status": "missing", "membership_id": 1, "employer_reason": "left"} | values))

    assert suggestion(line(), received).data == {"date": date(2026, 2, 28)}
    assert suggestion(line(employer_reason=None), received) is None
    assert suggestion(line(employer_reason="other"), received) is None
    assert suggestion(line(resolution="accepted"), received) is None
    assert suggestion(line(), DeductionList(period=MARCH, state="posted")) is None
    assert suggestion(line(status="amount"), received) is None  # "left" does not fit an amount deviation
    assert suggestion(line(status="amount", employer_reason="position", reported_position_bp=5_000),
                      received).data == {"date": MARCH, "position_bp": 5_000}
    assert suggestion(line(employer_reason="position"), received) is None  # no percentage given


@pytest.mark.parametrize(("who", "status"), [("contact", 403), ("other_branch", 404)])
def test_the_employer_and_other_branches_cannot_accept(client, login, post, world, session, factory, who, status):
    aas = lines(session, world)["Aas"]
    login(world["contact"] if who == "contact" else factory.user("branch", branches=[factory.branch()]))
    assert post(accept_url(world, aas)).status_code == status
    assert lines(session, world)["Aas"].resolution is None


def test_the_list_page_asks_no_query_per_line_with_reasons(app, client, login, factory):
    branch = factory.branch()
    officer = factory.user("branch", branches=[branch])
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    def queries_for(members: int) -> int:
        employer = factory.employer()
        workplace = factory.workplace(employer, branch)
        names = [f"Medlem{n:03d}" for n in range(members)]
        for n, name in enumerate(names):
            factory.member(branch, workplace=workplace, last_name=name, birth=date(1960 + n % 40, 1 + n % 12, 1))
        contact = factory.user("employer", employers=[employer])
        list_id = send_from_portal(app, contact, employer, branch,
                                   {name: ("left", None, "Sluttet") for name in names})
        with app.app_context():
            engine = db.engine
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(f"/trekklister/{list_id}?vis=alle")
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert response.get_data(as_text=True).count("Godta forslaget: Arbeidsforholdet avsluttet") == members
        return len(statements)

    login(officer)
    assert queries_for(3) == queries_for(30)
