"""The members import refuses identity numbers whose date part is not a date (issue 13, item 1): the
register once stored a person 00000000000 from an old register's file."""
import random
from datetime import date

import pytest
import sqlalchemy as sa

from models import Membership, Person
from tests.factories import make_national_id

# The file's shape as in test_members_import.py (FORMATS.md section 3).
HEADER = ["member_number", "national_id", "last_name", "first_name", "address", "postal_code", "city",
          "membership_type", "branch", "county", "start_date", "enrollment_code", "end_date", "withdrawal_code",
          "dues_code", "dues_code_from", "employer_orgnr", "workplace", "position_percent", "payment",
          "monthly_pay", "home_insurance_reserved"]
RNG = random.Random(1313)


def write_csv(tmp_path, rows):
    lines = [";".join(HEADER)] + [";".join(str(v) for v in row) for row in rows]
    path = tmp_path / "medlemmer.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def run(app, path):
    return app.test_cli_runner().invoke(args=["members", "import", str(path)])


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def org(factory):
    county = factory.county()
    branch = factory.branch(county=county)
    employer = factory.employer()
    workplace = factory.workplace(employer=employer, branch=branch)
    return {"county": county, "branch": branch, "employer": employer, "workplace": workplace}


@pytest.fixture
def ids():
    return {"kari": make_national_id(date(1980, 5, 17), RNG), "ola": make_national_id(date(2004, 1, 2), RNG)}


def member_rows(org, ids):
    """Kari: a current main membership at a workplace; Ola: a student."""
    branch, county = org["branch"].number, org["county"].number
    orgnr, workplace = org["employer"].orgnr, org["workplace"].number
    return [
        [5001, ids["kari"], "Nordmann", "Kari", "Gata 1", "0150", "Oslo", "main", branch, "", "01.01.2010", 0,
         "", "", "Y", "01.01.2010", orgnr, workplace, "80,0", "deduction", "45 000,50", "nei"],
        [5002, ids["ola"], "Øvrebø", "Ola", "", "", "", "student", "", county, "2022-08-15", 0,
         "", "", "Y", "2022-08-15", "", "", "", "invoice", "", "ja"],
    ]


def test_all_zeros_impossible_dates_and_fh_numbers_are_refused_and_nothing_is_stored(app, session, tmp_path, org,
                                                                                      ids):
    good = member_rows(org, ids)

    def row(number, national_id):
        values = dict(zip(HEADER, good[0]))
        values.update({"member_number": number, "national_id": national_id})
        return [values[h] for h in HEADER]

    rows = good + [
        row(6001, "00000000000"),
        row(6002, "31048612450"),  # 31 April 1986, the check digits right
        row(6003, "81018612364"),  # an FH-number, the check digits right
        row(6004, "15908612318"),  # a synthetic test number (month + 80), the check digits right
    ]

    result = run(app, write_csv(tmp_path, rows))

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Filen ble ikke importert, og ingenting er lagret (4 feil):",
        "rad 4, kolonne national_id: Fødselsnummeret er ikke gyldig: det består bare av nuller.",
        "rad 5, kolonne national_id: Fødselsnummeret er ikke gyldig: de seks første sifrene er ikke en dato.",
        "rad 6, kolonne national_id: Fødselsnummeret er et FH-nummer (første siffer 8 eller 9), som ikke gis til "
        "personer i folkeregisteret.",
        "rad 7, kolonne national_id: Fødselsnummeret er et syntetisk testnummer (måned + 80), som ikke tas imot her.",
    ]
    session.expire_all()
    assert count(session, Person, Person.national_id == "00000000000") == 0
    assert count(session, Membership, Membership.member_number.in_([5001, 5002, 6001])) == 0


def test_d_and_h_numbers_are_imported(app, session, tmp_path, org, ids):
    ids = {"kari": "55058612358", "ola": "15458612347"}  # D-number and H-number, both born 15 May 1986

    result = run(app, write_csv(tmp_path, member_rows(org, ids)))

    assert result.exit_code == 0, result.output
    session.expire_all()
    births = {p.national_id: p.birth_date for p in session.query(Person).where(Person.national_id.in_(ids.values()))}
    assert births == {"55058612358": date(1986, 5, 15), "15458612347": date(1986, 5, 15)}
