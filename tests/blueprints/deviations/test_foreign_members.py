"""An employer's file can hold anyone's identity number. Matching it across the whole register is the
central registry's act (DESIGN.md "Access"): only the central registry loads files (the page and `flask
lists import`), and an unexpected person who is a member outside a user's scope is shown to that user
only as «Medlem i en annen fagforening (<that branch>)»: no member number, no card link, nothing the
register holds about them, and only the actions that leave that membership alone.

County 11 has the officer's branch 1101; county 12 has branch 1201, where Mona Medlem (member 777123,
Hemmeligveien 7) is a member. Sykehuset AS sends branch 1101's March list with Mona's identity number
under the name the payroll system has ("Lønnsnavn, Lisa") and a stranger nobody knows."""
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from blueprints.deviations import services
from models import DeductionLine, DeductionList, Employment, User, db
from tests.deviations_files import csv_bytes, row
from tests.factories import make_national_id
from tests.pages import send, sign_in, text

MARCH = date(2026, 3, 1)
FOREIGN = "Medlem i en annen fagforening (1201 Fagforening Fjern)"
MEMBER_NUMBER = 777123


@pytest.fixture
def world(app, factory, tmp_path):
    near_county = factory.county(number=11, name="Fylke Nær")
    far_county = factory.county(number=12, name="Fylke Fjern")
    ours = factory.branch(near_county, number=1101, name="Fagforening Nær")
    theirs = factory.branch(far_county, number=1201, name="Fagforening Fjern")
    employer = factory.employer(name="Sykehuset AS")
    workplace = factory.workplace(employer, ours, name="Sengepost 1")
    colleague = factory.member(ours, first_name="Ola", last_name="Kollega", birth=date(1980, 2, 2))
    factory._add(Employment(membership_id=colleague.id, workplace_id=workplace.id, from_date=date(2015, 1, 1),
                            position_bp=10_000, payment_method="deduction", monthly_pay_ore=3_000_000))
    mona = factory.member(theirs, number=MEMBER_NUMBER, first_name="Mona", last_name="Medlem",
                          birth=date(1975, 6, 7), address="Hemmeligveien 7", postal_code="9990", city="Fjernby")
    stranger = make_national_id(date(1991, 3, 4), factory.rng)
    target = type("Target", (), {"period": MARCH, "employer": employer, "branch": ours})
    rows = [
        row(target, national_id=colleague.person.national_id, last_name="Kollega", first_name="Ola",
            member_number=colleague.member_number, dues_ore=52_500, insurance_ore=12_500),
        row(target, national_id=mona.person.national_id, last_name="Lønnsnavn", first_name="Lisa",
            dues_ore=40_000, insurance_ore=12_500),
        row(target, national_id=stranger, last_name="Ukjent", first_name="Ulf", dues_ore=30_000, insurance_ore=12_500),
    ]
    path = tmp_path / "sykehuset-mars.csv"
    path.write_bytes(csv_bytes(rows))
    result = app.test_cli_runner().invoke(args=["lists", "import", str(path)])  # the command still imports
    assert result.exit_code == 0, result.output
    assert "1 trekkliste mottatt med 3 linjer." in result.output
    session = factory.session
    session.expire_all()
    deduction_list = session.scalars(sa.select(DeductionList)).one()
    lines = {line.national_id: line for line in deduction_list.lines}
    foreign_line = lines[mona.person.national_id]
    assert foreign_line.status == "unexpected" and foreign_line.membership_id == mona.id  # matched across counties
    return {
        "ours": ours, "theirs": theirs, "near_county": near_county, "far_county": far_county, "mona": mona,
        "list": deduction_list, "line": foreign_line, "stranger_line": lines[stranger],
        "officer": factory.user("branch", branches=[ours]),
        "near_county_officer": factory.user("county", counties=[near_county]),
        "central": factory.user("central"),
    }


def assert_nothing_of_mona(world, body: str) -> None:
    """Nothing the register holds about Mona: her member number, a link to her card, her names, her address."""
    mona = world["mona"]
    assert str(MEMBER_NUMBER) not in body
    assert f"/medlemmer/{mona.person_id}" not in body
    for secret in ("Mona", "Hemmeligveien", "Fjernby"):
        assert secret not in body, secret


def xlsx_text(data: bytes) -> str:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return "\n".join(";".join("" if cell is None else str(cell) for cell in values)
                     for values in sheet.iter_rows(values_only=True))


# --- uploading is the central registry's ------------------------------------------------------------

@pytest.mark.parametrize("role", ["branch", "county"])
def test_a_branch_or_county_may_not_upload_an_employers_file(app, factory, session, role):
    county = factory.county()
    branch = factory.branch(county)
    employer = factory.employer()
    user = factory.user(role, branches=[branch] if role == "branch" else [],
                        counties=[county] if role == "county" else [])
    target = type("Target", (), {"period": MARCH, "employer": employer, "branch": branch})
    data = csv_bytes([row(target, national_id=make_national_id(date(1980, 1, 1), factory.rng), dues_ore=100)])
    client = sign_in(app, user)

    assert client.get("/trekklister/last-opp").status_code == 403
    response = send(client, "/trekklister/last-opp", {"file": (io.BytesIO(data), "trekk.csv")},
                    content_type="multipart/form-data")
    assert response.status_code == 403
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(DeductionList)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(DeductionLine)) == 0
    overview = client.get("/trekklister/").get_data(as_text=True)
    assert "/trekklister/last-opp" not in overview and "Last opp fil fra arbeidsgiver" not in overview


def test_the_central_registry_finds_the_upload_on_the_overview(app, factory):
    overview = sign_in(app, factory.user("central")).get("/trekklister/").get_data(as_text=True)
    assert 'href="/trekklister/last-opp"' in overview


# --- what a branch sees of a member elsewhere --------------------------------------------------------

@pytest.mark.parametrize("who", ["officer", "near_county_officer"])
def test_the_list_its_fragments_form_and_report_say_only_member_of_another_branch(app, world, who):
    client = sign_in(app, world[who])
    list_id, line_id = world["list"].id, world["line"].id
    htmx = {"HX-Request": "true"}
    pages = {
        "list": client.get(f"/trekklister/{list_id}"),
        "list, all lines": client.get(f"/trekklister/{list_id}?vis=alle"),
        "table fragment": client.get(f"/trekklister/{list_id}?vis=unexpected", headers=htmx),
        "line form": client.get(f"/trekklister/{list_id}/linjer/{line_id}/behandle"),
        "line form fragment": client.get(f"/trekklister/{list_id}/linjer/{line_id}/behandle", headers=htmx),
        "row fragment": client.get(f"/trekklister/{list_id}/linjer/{line_id}", headers=htmx),
        "report": client.get(f"/trekklister/{list_id}/avviksrapport"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        body = response.get_data(as_text=True)
        assert_nothing_of_mona(world, body)
        assert FOREIGN in text(body), name
        assert "Lønnsnavn, Lisa" in body, name  # what the employer wrote is theirs to see

    csv = client.get(f"/trekklister/{list_id}/avviksrapport?format=csv").get_data(as_text=True)
    xlsx = xlsx_text(client.get(f"/trekklister/{list_id}/avviksrapport?format=xlsx").get_data())
    for export in (csv, xlsx):
        assert_nothing_of_mona(world, export)
        assert FOREIGN in export

    # the note alone answers with the row, which says the same
    note = send(client, f"/trekklister/{list_id}/linjer/{line_id}/merknad",
                {f"line{line_id}-note": "Spurt Fagforening Fjern om overføring"}, headers=htmx)
    assert note.status_code == 200
    assert_nothing_of_mona(world, note.get_data(as_text=True))
    assert FOREIGN in text(note.get_data(as_text=True))


def test_the_form_offers_only_what_leaves_the_membership_alone_and_says_to_ask_for_a_transfer(app, world):
    client = sign_in(app, world["officer"])
    list_id, line_id = world["list"].id, world["line"].id
    form = client.get(f"/trekklister/{list_id}/linjer/{line_id}/behandle", headers={"HX-Request": "true"})
    body = form.get_data(as_text=True)
    select = body.split(f'name="line{line_id}-action"')[1].split("</select>")[0]
    choices = re.findall(r'<option[^>]*value="(\w*)"', select)
    assert choices == ["", "not_member", "carried"]
    assert "Be om overføring" in text(body)
    assert "/innmelding/" not in body  # no enrollment of someone who is a member

    for action in ("accepted", "new_member"):
        refused = send(client, f"/trekklister/{list_id}/linjer/{line_id}/behandle",
                       {f"line{line_id}-action": action}, headers={"HX-Request": "true"})
        assert refused.status_code == 422, action
        assert_nothing_of_mona(world, refused.get_data(as_text=True))
    handled = send(client, f"/trekklister/{list_id}/linjer/{line_id}/behandle",
                   {f"line{line_id}-action": "not_member"}, headers={"HX-Request": "true"})
    assert handled.status_code == 200
    assert "Ikke medlem: arbeidsgiveren skal refundere 525,00 kr" in text(handled.get_data(as_text=True))
    assert_nothing_of_mona(world, handled.get_data(as_text=True))


def test_the_service_refuses_to_touch_a_membership_outside_the_scope(app, world):
    with app.app_context():
        line = db.session.get(DeductionLine, world["line"].id)
        officer = db.session.get(User, world["officer"].id)
        for action in ("accepted", "new_member"):
            with pytest.raises(services.Refused, match="medlem i en annen fagforening"):
                services.resolve(officer, line, action, {})
        assert line.resolution is None


def test_the_central_registry_sees_the_line_as_before(app, world):
    """The central registry sees every membership: Mona's number, with the link to her card."""
    body = sign_in(app, world["central"]).get(f"/trekklister/{world['list'].id}").get_data(as_text=True)
    assert FOREIGN not in text(body)
    assert f'href="/medlemmer/{world["mona"].person_id}">{MEMBER_NUMBER}</a>' in body


def test_a_stranger_still_gets_the_enrollment_link_without_the_identity_number(app, world):
    client = sign_in(app, world["officer"])
    line = world["stranger_line"]
    body = client.get(f"/trekklister/{world['list'].id}/linjer/{line.id}/behandle",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    link = re.search(r'<a class="button" href="([^"]+)">Meld inn</a>', body).group(1)
    assert f"fra_linje={line.id}" in link and line.national_id not in link and FOREIGN not in text(body)
