"""`flask members import FILE` (FORMATS.md section 3): members with their periods, codes and employment."""
import json
import random
from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditLog, DuesCodePeriod, Employment, InsurancePeriod, Membership, Person
from tests.factories import make_national_id, make_orgnr

HEADER = ["member_number", "national_id", "last_name", "first_name", "address", "postal_code", "city",
          "membership_type", "branch", "county", "start_date", "enrollment_code", "end_date", "withdrawal_code",
          "dues_code", "dues_code_from", "employer_orgnr", "workplace", "position_percent", "payment",
          "monthly_pay", "home_insurance_reserved"]
RNG = random.Random(2024)


def write_csv(tmp_path, rows, *, separator=";", encoding="cp1252", header=HEADER, name="medlemmer.csv"):
    def cell(value):
        value = str(value)
        return f'"{value}"' if separator in value else value

    lines = [separator.join(header)] + [separator.join(cell(v) for v in row) for row in rows]
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def run(app, path, *args):
    return app.test_cli_runner().invoke(args=["members", "import", str(path), *args])


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def org(factory):
    """A county with a branch, and an employer with a workplace in the register."""
    county = factory.county()
    branch = factory.branch(county=county)
    employer = factory.employer()
    workplace = factory.workplace(employer=employer, branch=branch)
    return {"county": county, "branch": branch, "employer": employer, "workplace": workplace}


@pytest.fixture
def ids():
    return {"kari": make_national_id(date(1980, 5, 17), RNG), "ola": make_national_id(date(2004, 1, 2), RNG)}


def member_rows(org, ids, *, pay="45 000,50", percent="80,0", start="01.01.2010", address="Gata 1"):
    """Kari: an ended secondary period and a current main one at a workplace; Ola: a student, reserved."""
    branch, county = org["branch"].number, org["county"].number
    orgnr, workplace = org["employer"].orgnr, org["workplace"].number
    return [
        [5001, ids["kari"], "Nordman", "Kari", "", "", "", "secondary", branch, "", "2000-01-01", 0,
         "31.12.2005", 5, "Y", "2000-01-01", "", "", "", "invoice", "", ""],
        [5001, ids["kari"], "Bækkelund", "Kari", address, "0150", "Oslo", "main", branch, "", start, 0,
         "", "", "Y", start, orgnr, workplace, percent, "deduction", pay, "nei"],
        [5002, ids["ola"], "Øvrebø", "Ola", "", "", "", "student", "", county, "2022-08-15", 0,
         "", "", "Y", "2022-08-15", "", "", "", "invoice", "", "ja"],
    ]


def test_semicolon_windows_1252_file_creates_members_with_their_history(app, session, tmp_path, org, ids):
    result = run(app, write_csv(tmp_path, member_rows(org, ids)))

    assert result.exit_code == 0, result.output
    assert result.output == ("Importert 3 rader.\nOpprettet: 2 personer, 3 medlemskap, 3 kontingentkodeperioder, "
                             "1 arbeidsforhold og 9 forsikringsperioder.\n")
    session.expire_all()
    kari = session.scalar(sa.select(Person).where(Person.national_id == ids["kari"]))
    assert (kari.first_name, kari.last_name, kari.name_key) == ("Kari", "Bækkelund", "b{kkelund kari")
    assert (kari.address, kari.postal_code, kari.city, kari.birth_date) == ("Gata 1", "0150", "Oslo", date(1980, 5, 17))
    old, current = kari.memberships
    assert (old.membership_type, old.branch_id, old.end_date, old.withdrawal_code) == (
        "secondary", org["branch"].id, date(2005, 12, 31), 5)
    assert [(d.code, d.from_date, d.to_date) for d in old.dues_codes] == [("Y", date(2000, 1, 1), date(2005, 12, 31))]
    assert old.employments == []
    assert (current.member_number, current.start_date, current.enrollment_code, current.end_date) == (
        5001, date(2010, 1, 1), 0, None)
    assert [(d.code, d.to_date) for d in current.dues_codes] == [("Y", None)]
    [job] = current.employments
    assert (job.workplace_id, job.position_bp, job.payment_method, job.monthly_pay_ore, job.from_date) == (
        org["workplace"].id, 8000, "deduction", 4_500_050, date(2010, 1, 1))
    assert [(i.kind, i.reserved, i.from_date, i.to_date) for i in current.insurances] == [
        ("benefit_fund", False, date(2010, 1, 1), None), ("education_fund", False, date(2010, 1, 1), None),
        ("home", False, date(2010, 1, 1), None)]

    ola = session.scalar(sa.select(Person).where(Person.national_id == ids["ola"]))
    [student] = ola.memberships
    assert (student.county_id, student.branch_id) == (org["county"].id, None)
    assert [(i.kind, i.reserved) for i in student.insurances if i.kind == "home"] == [("home", True)]
    [audit] = session.scalars(sa.select(AuditLog).where(AuditLog.entity == "members_import")).all()
    assert audit.actor == "system" and "2 personer" in audit.summary


def test_comma_utf8_bom_file_with_point_decimals(app, session, tmp_path, org, ids):
    path = write_csv(tmp_path, member_rows(org, ids, pay="45000.50", percent="100", start="2010-01-01"),
                     separator=",", encoding="utf-8-sig", header=[h.upper().replace("_", " ") for h in HEADER])

    result = run(app, path)

    assert result.exit_code == 0, result.output
    session.expire_all()
    job = session.scalar(sa.select(Employment).join(Membership).where(Membership.member_number == 5001))
    assert (job.monthly_pay_ore, job.position_bp) == (4_500_050, 10000)
    assert session.scalar(sa.select(Person.last_name).where(Person.national_id == ids["ola"])) == "Øvrebø"


def test_the_same_file_twice_creates_nothing(app, session, tmp_path, org, ids):
    path = write_csv(tmp_path, member_rows(org, ids))
    assert run(app, path).exit_code == 0

    result = run(app, path)

    assert result.exit_code == 0, result.output
    assert result.output == "Ingenting nytt: alle 3 rader var allerede importert.\n"
    report = json.loads(run(app, path, "--json").output)
    assert report["ok"] and report["unchanged"] == 3
    assert not any(report["created"].values()) and not any(report["updated"].values())
    session.expire_all()
    assert count(session, Person, Person.national_id.in_(ids.values())) == 2
    assert count(session, Membership, Membership.member_number.in_([5001, 5002])) == 3
    assert count(session, InsurancePeriod, InsurancePeriod.membership.has(Membership.member_number == 5001)) == 6
    assert count(session, AuditLog, AuditLog.entity == "members_import") == 1


def test_a_changed_address_updates_the_person(app, session, tmp_path, org, ids):
    assert run(app, write_csv(tmp_path, member_rows(org, ids))).exit_code == 0

    result = run(app, write_csv(tmp_path, member_rows(org, ids, address="Nyveien 2"), name="endret.csv"))

    assert result.exit_code == 0, result.output
    assert result.output == "Importert 3 rader.\nOppdatert: 1 person.\nUendret: 2 rader.\n"
    session.expire_all()
    kari = session.scalar(sa.select(Person).where(Person.national_id == ids["kari"]))
    assert kari.address == "Nyveien 2" and kari.version == 2


def test_a_new_dues_code_closes_the_old_period(app, session, tmp_path, org, ids):
    assert run(app, write_csv(tmp_path, member_rows(org, ids))).exit_code == 0
    rows = member_rows(org, ids)
    rows[1][14:16] = ["A", "01.03.2024"]

    result = run(app, write_csv(tmp_path, rows, name="ny-kode.csv"))

    assert result.exit_code == 0, result.output
    assert "Opprettet: 1 kontingentkodeperiode.\nOppdatert: 1 kontingentkodeperiode." in result.output
    session.expire_all()
    periods = session.scalars(sa.select(DuesCodePeriod).join(Membership)
                              .where(Membership.member_number == 5001, Membership.end_date.is_(None))
                              .order_by(DuesCodePeriod.from_date)).all()
    assert [(p.code, p.from_date, p.to_date) for p in periods] == [
        ("Y", date(2010, 1, 1), date(2024, 2, 29)), ("A", date(2024, 3, 1), None)]


def test_every_bad_row_is_reported_with_row_and_column_and_nothing_is_stored(app, session, tmp_path, org, ids):
    good = member_rows(org, ids)
    orgnr, unknown_orgnr = org["employer"].orgnr, make_orgnr(RNG)

    def row(number, **changes):
        values = dict(zip(HEADER, good[1]))
        values.update({"member_number": number, "national_id": make_national_id(date(1990, 3, 3), RNG), **changes})
        return [values[h] for h in HEADER]

    rows = good + [
        row(6001, national_id="17058012345"),
        row(6002, branch=99999),
        row(6003, enrollment_code=3),
        row(6004, dues_code="X"),
        row(6005, start_date="31.02.2010", dues_code_from="2010-03-01"),
        row(6006, end_date="2020-01-01"),
        row(6007, employer_orgnr="", workplace="", position_percent="", monthly_pay=""),
        row(6008, workplace=999),
        row(6009, employer_orgnr=unknown_orgnr),
        row(6010, membership_type="honorary"),
        row(6011, withdrawal_code=5),
        row(6012, position_percent="120"),
        row(5001, national_id=ids["kari"]),
    ]

    result = run(app, write_csv(tmp_path, rows))

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "Filen ble ikke importert, og ingenting er lagret (13 feil):"
    assert lines[1:] == [
        "rad 5, kolonne national_id: Fødselsnummeret er ikke gyldig (kontrollsifrene stemmer ikke).",
        "rad 6, kolonne branch: Fagforening 99999 finnes ikke.",
        "rad 7, kolonne enrollment_code: Innmeldingskode 3 finnes ikke.",
        "rad 8, kolonne dues_code: Kontingentkode X finnes ikke.",
        "rad 9, kolonne start_date: «31.02.2010» er ikke en gyldig dato.",
        "rad 10, kolonne withdrawal_code: Sluttdato krever utmeldingskode (withdrawal_code).",
        "rad 11, kolonne payment: Trekk krever arbeidsgiver (employer_orgnr).",
        f"rad 12, kolonne workplace: Arbeidssted 999 finnes ikke hos arbeidsgiveren {orgnr}.",
        f"rad 13, kolonne employer_orgnr: Arbeidsgiveren {unknown_orgnr} finnes ikke i registeret.",
        "rad 14, kolonne membership_type: Ukjent medlemstype «honorary» (gyldige: main, student, pupil, secondary).",
        "rad 15, kolonne end_date: Utmeldingskode krever sluttdato (end_date).",
        "rad 16, kolonne position_percent: Stillingsprosenten må være over 0 og høyst 100.",
        "rad 17, kolonne member_number: Medlemskapet med medlemsnummer 5001 fra 01.01.2010 står også på rad 3.",
    ]
    session.expire_all()
    assert count(session, Person, Person.national_id == ids["kari"]) == 0
    assert count(session, Membership, Membership.member_number.in_([5001, 5002])) == 0
    assert count(session, AuditLog, AuditLog.entity == "members_import") == 0


def test_a_missing_required_column_is_named_in_json(app, session, tmp_path, org, ids):
    header = [h for h in HEADER if h != "start_date"]
    rows = [[v for h, v in zip(HEADER, r) if h != "start_date"] for r in member_rows(org, ids)]

    result = run(app, write_csv(tmp_path, rows, header=header), "--json")

    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False
    assert report["errors"] == [
        {"row": 1, "column": "start_date", "message": "Kolonnen «start_date» mangler i filen."}]
    session.expire_all()
    assert count(session, Person, Person.national_id.in_(ids.values())) == 0


def test_a_matched_membership_of_another_person_is_refused(app, session, factory, tmp_path, org, ids):
    other = factory.member(org["branch"], number=5002, start=date(2022, 8, 15))

    result = run(app, write_csv(tmp_path, member_rows(org, ids)))

    assert result.exit_code == 1
    assert ("rad 4, kolonne national_id: Medlemskapet med medlemsnummer 5002 fra 15.08.2022 "
            "er registrert på en annen person.") in result.output
    session.expire_all()
    assert count(session, Membership, Membership.person_id == other.person_id) == 1
    assert count(session, Person, Person.national_id.in_(ids.values())) == 0
