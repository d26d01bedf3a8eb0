"""`flask lists form|import|show` (FORMATS.md section 4): summaries, --json, exit statuses 0/1/2.

A branch at 1,75 % with three members at one employer, pay 30 000 (525,00 + 125,00 = 650,00 a month)."""
import json
import random
from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditLog, DeductionLine, DeductionList, Employment
from tests.deviations_files import csv_bytes, row
from tests.factories import make_national_id

MARCH = date(2026, 3, 1)


def run(app, *args):
    return app.test_cli_runner().invoke(args=["lists", *args])


@pytest.fixture
def world(factory):
    branch = factory.branch(number=7301, name="Fagforening Nord")
    employer = factory.employer(name="Sykehuset AS")
    workplace = factory.workplace(employer, branch)
    members = {}
    for first in ("Anne", "Bjørn", "Cecilie"):
        members[first] = factory.member(branch, first_name=first, last_name="Hansen")
        factory._add(Employment(membership_id=members[first].id, workplace_id=workplace.id, from_date=date(2015, 1, 1),
                                position_bp=10_000, payment_method="deduction", monthly_pay_ore=3_000_000))
    target = type("Target", (), {"period": MARCH, "employer": employer, "branch": branch})
    return {"branch": branch, "employer": employer, "members": members, "target": target}


def counts(session) -> tuple[int, int, int]:
    session.expire_all()
    return tuple(session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (DeductionList, DeductionLine, AuditLog))


def file_rows(world, *, stranger: str | None = None, bad: bool = False) -> list[dict]:
    """Anne as expected, Bjørn left off, Cecilie deducted 800 kr (over the cap of 749), and a stranger."""
    members, target = world["members"], world["target"]
    rows = [row(target, national_id=members["Anne"].person.national_id, last_name="Hansen", first_name="Anne",
                member_number=members["Anne"].member_number, dues_ore=52_500, insurance_ore=12_500),
            row(target, national_id=members["Cecilie"].person.national_id, last_name="Hansen", first_name="Cecilie",
                dues_ore=80_000, insurance_ore=12_500)]
    if stranger:
        rows.append(row(target, national_id=stranger, last_name="Olsen", first_name="Per", dues_ore=40_000,
                        insurance_ore=12_500))
    if bad:
        rows[1]["kontingent"] = "åtte hundre"
    return rows


def write(tmp_path, rows, name="liste.csv") -> str:
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows))
    return str(path)


def test_form_prints_a_summary_and_again_changes_nothing(app, world, session):
    result = run(app, "form", "--period", "2026-03")
    assert result.exit_code == 0, result.output
    assert result.output == "1 trekkliste dannet for 03.2026 med 3 medlemmer; 0 fantes fra før og ble ikke endret.\n"
    before = counts(session)
    assert before[:2] == (1, 3)

    again = run(app, "form", "--period", "03.2026", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.output) == {
        "period": "2026-03", "lists_created": 0, "lines_created": 0, "lists_existing": 1, "members_without_rate": 0,
        "message": "0 trekklister dannet for 03.2026 med 0 medlemmer; 1 fantes fra før og ble ikke endret."}
    assert counts(session) == before


@pytest.mark.parametrize("args", [["--period", "2026-13"], ["--period", "mars"], []])
def test_form_with_a_bad_period_is_wrong_usage(app, world, session, args):
    result = run(app, "form", *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert counts(session)[:2] == (0, 0)


def test_form_before_the_first_rates_is_refused_with_exit_1(app, world, session):
    result = run(app, "form", "--period", "2007-12")
    assert result.exit_code == 1
    assert result.output == ("Det finnes ingen satser for 01.12.2007: de første gjelder fra 01.03.2008.\n")
    as_json = run(app, "form", "--period", "2007-12", "--json")
    assert as_json.exit_code == 1 and json.loads(as_json.output)["ok"] is False
    assert counts(session)[:2] == (0, 0)


def test_import_prints_a_summary_and_the_same_file_again_changes_nothing(app, world, session, tmp_path):
    path = write(tmp_path, file_rows(world, stranger=make_national_id(date(1990, 1, 2), random.Random(4))))
    result = run(app, "import", path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "1 trekkliste mottatt med 3 linjer.",
        "  Sykehuset AS / Fagforening Nord, 03.2026: 1 i orden, 1 mangler, 1 ikke forventet, 1 beløpsavvik",
    ]
    session.expire_all()
    deduction_list = session.scalars(sa.select(DeductionList)).one()
    assert deduction_list.state == "received" and deduction_list.reported_count == 3
    before = counts(session)

    again = run(app, "import", path, "--json")
    assert again.exit_code == 0, again.output
    data = json.loads(again.output)
    assert data["ok"] and data["message"] == "Filen er allerede importert. Ingenting er endret."
    assert [(item["already_imported"], item["orgnr"], item["branch"]) for item in data["lists"]] == [
        (True, world["employer"].orgnr, 7301)]
    assert counts(session) == before


def test_import_json_gives_the_counts(app, world, tmp_path):
    result = run(app, "import", write(tmp_path, file_rows(world)), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["errors"] == [] and data["rows"] == 2
    [item] = data["lists"]
    assert (item["period"], item["already_imported"], item["rows"]) == ("2026-03", False, 2)
    assert item["counts"] == {"matched": 1, "missing": 1, "unexpected": 0, "amount": 1}


def test_a_refused_file_exits_1_with_the_row_errors_and_stores_nothing(app, world, session, tmp_path):
    before = counts(session)
    result = run(app, "import", write(tmp_path, file_rows(world, bad=True)))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "Filen ble avvist med 1 feil. Ingenting er lagret."
    assert lines[1].startswith("  rad 3, kolonne kontingent: ") and "åtte hundre" in lines[1]
    assert counts(session) == before

    as_json = run(app, "import", write(tmp_path, file_rows(world, bad=True)), "--json")
    assert as_json.exit_code == 1
    data = json.loads(as_json.output)
    assert not data["ok"] and [(e["row"], e["column"]) for e in data["errors"]] == [(3, "kontingent")]
    assert counts(session) == before


def test_import_of_a_file_that_is_not_there_is_wrong_usage(app, tmp_path):
    assert run(app, "import", str(tmp_path / "finnes-ikke.csv")).exit_code == 2


def test_show_json_is_the_list_with_each_line(app, world, tmp_path):
    stranger = make_national_id(date(1990, 1, 2), random.Random(4))
    assert run(app, "import", write(tmp_path, file_rows(world, stranger=stranger))).exit_code == 0
    result = run(app, "show", "--period", "2026-03", "--employer", world["employer"].orgnr, "--branch", "7301",
                 "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"list", "lines"}
    the_list = data["list"]
    assert {key: the_list[key] for key in ("period", "state", "expected_count", "expected", "reported_count",
                                           "reported_dues", "reported_insurance")} == {
        "period": "2026-03", "state": "received", "expected_count": 3, "expected": "1950.00", "reported_count": 3,
        "reported_dues": "1725.00", "reported_insurance": "375.00"}
    assert the_list["employer"] == {"orgnr": world["employer"].orgnr, "name": "Sykehuset AS"}
    assert the_list["branch"] == {"number": 7301, "name": "Fagforening Nord"}
    assert len(the_list["kid"]) == 18
    assert the_list["payment"] == {"state": "unpaid", "amount": "2100.00", "paid": "0.00"}

    members = world["members"]
    picked = [{key: line[key] for key in ("national_id", "member_number", "status", "expected", "reported_dues",
                                         "reported_insurance")} for line in data["lines"]]
    assert picked == [
        {"national_id": members["Anne"].person.national_id, "member_number": members["Anne"].member_number,
         "status": "matched", "expected": "650.00", "reported_dues": "525.00", "reported_insurance": "125.00"},
        {"national_id": members["Bjørn"].person.national_id, "member_number": members["Bjørn"].member_number,
         "status": "missing", "expected": "650.00", "reported_dues": None, "reported_insurance": None},
        {"national_id": members["Cecilie"].person.national_id, "member_number": members["Cecilie"].member_number,
         "status": "amount", "expected": "650.00", "reported_dues": "800.00", "reported_insurance": "125.00"},
        {"national_id": stranger, "member_number": None, "status": "unexpected", "expected": None,
         "reported_dues": "400.00", "reported_insurance": "125.00"},
    ]
    amount = data["lines"][2]
    assert amount["name"] == "Hansen, Cecilie" and amount["reasons"] == ["Prosenttrekket 800,00 er over taket 749,00"]
    assert (amount["resolution"], amount["note"], amount["carried_from_period"]) == (None, None, None)


def test_show_as_text(app, world, tmp_path):
    assert run(app, "form", "--period", "2026-03").exit_code == 0
    result = run(app, "show", "--period", "2026-03", "--employer", world["employer"].orgnr, "--branch", "7301")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Sykehuset AS / Fagforening Nord, 03.2026: Forventet, KID ")
    assert len(lines) == 4 and all("ikke sammenlignet" in line for line in lines[1:])


def test_show_an_unknown_list_exits_1(app, world):
    result = run(app, "show", "--period", "2026-04", "--employer", world["employer"].orgnr, "--branch", "7301", "--json")
    assert result.exit_code == 1
    assert "Fant ingen trekkliste" in result.output


@pytest.mark.parametrize("args", [
    ["--period", "2026-00", "--employer", "ORGNR", "--branch", "7301"],
    ["--period", "2026-03", "--employer", "123", "--branch", "7301"],
    ["--period", "2026-03", "--employer", "ORGNR", "--branch", "nord"],
    ["--period", "2026-03", "--employer", "ORGNR"],
])
def test_show_wrong_usage_exits_2(app, world, args):
    args = [world["employer"].orgnr if arg == "ORGNR" else arg for arg in args]
    result = run(app, "show", *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_a_period_in_year_0_is_wrong_usage_not_a_crash(app, world):
    result = run(app, "show", "--period", "0000-03", "--employer", world["employer"].orgnr, "--branch", "7301")
    assert result.exit_code == 2
    assert "er ikke et gyldig år" in result.output
