"""`flask members import` (FORMATS.md section 3) and files that are not what they say, files mixing
UTF-8 and Windows-1252, and two rows making one person a member twice at the same time (issue 13,
items 6, 8 and 9): refused with exit 1 and a Norwegian message, nothing stored."""
import json
import random
from datetime import date

import pytest
import sqlalchemy as sa

from models import Membership, Person
from tests.factories import make_national_id
from tests.foreign_files import MIXED, ODS, OLD_EXCEL, PDF, mixed_encoding, ods_bytes, old_excel_bytes, pdf_bytes

HEADER = ["member_number", "national_id", "last_name", "first_name", "membership_type", "branch", "start_date",
          "enrollment_code", "end_date", "withdrawal_code", "dues_code", "dues_code_from", "payment"]
RNG = random.Random(1313)


@pytest.fixture
def branch(factory):
    return factory.branch(number=7301)


@pytest.fixture
def kari():
    return make_national_id(date(1980, 5, 17), RNG)


def period(number, national_id, branch, start, end="", *, last_name="Bjørnstad") -> list:
    return [number, national_id, last_name, "Kari", "main", branch.number, start, 0, end, 5 if end else "", "Y",
            start, "invoice"]


def write(tmp_path, rows, *, encoding="utf-8", name="medlemmer.csv"):
    path = tmp_path / name
    lines = [";".join(HEADER)] + [";".join(str(cell) for cell in row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def run(app, path, *args):
    return app.test_cli_runner().invoke(args=["members", "import", str(path), *args])


def stored(session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(sa.select(sa.func.count()).select_from(Person)),
            session.scalar(sa.select(sa.func.count()).select_from(Membership)))


@pytest.mark.parametrize("name, content, refusal", [
    ("medlemmer.xls", old_excel_bytes(), OLD_EXCEL), ("medlemmer.csv", old_excel_bytes(), OLD_EXCEL),
    ("medlemmer.ods", ods_bytes(), ODS), ("medlemmer.pdf", pdf_bytes(), PDF),
])
def test_a_file_that_is_not_csv_is_named_for_what_it_is(app, session, tmp_path, name, content, refusal):
    path = tmp_path / name
    path.write_bytes(content)

    result = run(app, path)

    assert result.exit_code == 1
    first, reason = result.output.splitlines()
    assert first == "Filen ble ikke importert, og ingenting er lagret (1 feil):"
    assert reason.startswith(refusal)
    assert "lagre det som CSV" in result.output or "Hent listen ut som CSV" in result.output
    assert "tegnsettet" not in result.output
    assert stored(session) == (0, 0)


def test_a_file_mixing_utf8_and_windows_1252_is_refused_with_its_rows(app, session, tmp_path, branch, kari):
    ola = make_national_id(date(1975, 3, 2), RNG)
    lines = [";".join(HEADER),
             ";".join(str(c) for c in period(5001, kari, branch, "2010-01-01")),
             ";".join(str(c) for c in period(5002, ola, branch, "2011-01-01", last_name="Ødegård"))]
    path = tmp_path / "medlemmer.csv"
    path.write_bytes(mixed_encoding(lines, cp1252_lines={3}))

    result = run(app, path, "--json")

    assert result.exit_code == 1
    [error] = json.loads(result.output)["errors"]
    assert error["message"].startswith(MIXED)
    assert "rad 2 er skrevet i UTF-8 og rad 3 i Windows-1252" in error["message"]
    assert stored(session) == (0, 0)


def test_two_rows_for_one_person_under_other_numbers_at_the_same_time_are_refused_with_both_rows(
        app, session, tmp_path, branch, kari):
    rows = [period(5001, kari, branch, "2010-01-01"),  # open
            period(5002, make_national_id(date(1990, 1, 1), RNG), branch, "2012-01-01"),
            period(6001, kari, branch, "2015-03-01", "2016-12-31")]  # inside the open one

    result = run(app, write(tmp_path, rows))

    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        "Filen ble ikke importert, og ingenting er lagret (1 feil):",
        "rad 4, kolonne member_number: Personen har to medlemskap samtidig: medlemsnummer 5001 fra 01.01.2010 "
        "(rad 2) og medlemsnummer 6001 fra 01.03.2015 (rad 4) overlapper. Rett sluttdatoen eller "
        "medlemsnummeret i en av radene.",
    ]
    assert stored(session) == (0, 0)


def test_the_later_row_first_in_the_file_still_names_both(app, session, tmp_path, branch, kari):
    rows = [period(6001, kari, branch, "2015-03-01"),
            period(5001, kari, branch, "2010-01-01", "2015-03-01")]  # ends the day the other begins

    result = run(app, write(tmp_path, rows), "--json")

    assert result.exit_code == 1
    [error] = json.loads(result.output)["errors"]
    assert (error["row"], error["column"]) == (3, "member_number")
    assert "medlemsnummer 6001 fra 01.03.2015 (rad 2) og medlemsnummer 5001 fra 01.01.2010 (rad 3)" in error["message"]
    assert stored(session) == (0, 0)


def test_periods_one_after_the_other_under_other_numbers_are_imported(app, session, tmp_path, branch, kari):
    rows = [period(5001, kari, branch, "2000-01-01", "2005-12-31"),
            period(6001, kari, branch, "2006-01-01", "2009-06-30"),
            period(7001, kari, branch, "2012-01-01")]

    result = run(app, write(tmp_path, rows))

    assert result.exit_code == 0, result.output
    assert stored(session) == (1, 3)
