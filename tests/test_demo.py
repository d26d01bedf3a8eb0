"""`flask demo`: a made-up union that is valid in every detail, and demo users who can log in."""
import json
import re
from collections import defaultdict
from datetime import timedelta

import pytest
import sqlalchemy as sa
from stdnum.no import kontonr, orgnr

from models import (
    AuditLog,
    Branch,
    BranchRate,
    County,
    DuesCodePeriod,
    Employer,
    Employment,
    InsurancePeriod,
    Membership,
    Person,
    User,
    Workplace,
)
from rules.idnumbers import parse_national_id
from rules.names import name_key, person_name_key

from .pages import csrf_from

PASSWORD = "demo1234demo"
USERNAMES = ["fagforening", "fylke", "sentral", "arbeidsgiver"]


def run_demo(app, *args):
    return app.test_cli_runner().invoke(args=["demo", "--members", "300", "--seed", "1", *args])


@pytest.fixture
def demo(app, session):
    """The demo loaded with --json: its parsed summary."""
    result = run_demo(app, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def sign_in(app, username: str, password: str = PASSWORD):
    client = app.test_client()
    page = client.get("/logg-inn")
    response = client.post("/logg-inn", data={"username": username, "password": password,
                                              "csrf_token": csrf_from(page)})
    return client, response


def test_prints_the_logins_of_the_demo_users(app, session):
    result = run_demo(app)

    assert result.exit_code == 0, result.output
    out = result.output
    assert "Demodata er lastet inn" in out and "300 medlemmer" in out
    assert "Innbetalinger: 3 filer fra banken" in out
    assert re.search(r"Fordeling \d+ for \d\d\.\d{4}: \d+ trekklister", out)  # PostgreSQL's ids are not rolled back
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "demo1234demo" in lines["fagforening"] and "101 Nordre Follo fagforening" in lines["fagforening"]
    assert "Fylkeskrets" in lines["fylke"] and "32 Akershus" in lines["fylke"]
    assert "Medlemsregisteret" in lines["sentral"] and "hele forbundet" in lines["sentral"]
    assert "Nordre Follo kommune" in lines["arbeidsgiver"]
    assert "Tofaktor kreves" in out  # outside development the county and central users must enrol first
    assert session.scalar(sa.select(AuditLog.summary).where(AuditLog.entity == "demo")).startswith("Demodata")


def test_the_printed_logins_say_two_factor_is_waived_in_development(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", False)
    out = run_demo(app).output
    assert "Tofaktor er ikke påkrevd i utviklingsmodus (demodata)." in out


def test_outside_development_a_demo_county_user_must_enrol_first(demo, app):
    client, response = sign_in(app, "fylke")
    assert response.status_code == 303 and response.location == "/konto/tofaktor/ny"
    assert client.get("/medlemmer/").location.startswith("/konto/tofaktor/ny")


def test_the_numbers_add_up(demo, session):
    counts = demo["counts"]
    assert counts["persons"] == count(session, Person) == 300
    assert counts["counties"] == count(session, County) == 3
    assert counts["branches"] == count(session, Branch) == 15
    assert counts["employers"] == count(session, Employer) == 300
    assert counts["workplaces"] == count(session, Workplace) == 1000
    assert counts["memberships"] == count(session, Membership) > 300
    assert counts["active_memberships"] == count(session, Membership, Membership.end_date.is_(None))
    assert counts["dues_code_periods"] == count(session, DuesCodePeriod)
    assert counts["employments"] == count(session, Employment)
    assert counts["insurance_periods"] == count(session, InsurancePeriod)
    assert [u["username"] for u in demo["users"]] == USERNAMES
    assert {u["password"] for u in demo["users"]} == {PASSWORD}


def test_persons_have_valid_identity_numbers_and_norwegian_names(demo, session):
    persons = session.scalars(sa.select(Person)).all()
    for person in persons:
        assert parse_national_id(person.national_id).birth_date == person.birth_date, person.national_id
        assert 1945 <= person.birth_date.year <= 2008
        assert person.name_key == person_name_key(person.last_name, person.first_name)
        assert len(person.postal_code) == 4 and person.postal_code.isdigit() and person.city
    assert len({p.national_id for p in persons}) == len(persons)
    assert any(int(p.national_id[0]) >= 4 for p in persons), "no D-number"
    assert any(set("æøåÆØÅ") & set(p.last_name + p.first_name) for p in persons)
    assert any(p.return_mail and p.return_mail_since for p in persons)


def test_memberships_have_contiguous_dues_code_history(demo, session):
    periods = defaultdict(list)
    for period in session.scalars(sa.select(DuesCodePeriod).order_by(DuesCodePeriod.from_date)):
        periods[period.membership_id].append(period)
    memberships = session.scalars(sa.select(Membership)).all()
    for m in memberships:
        history = periods[m.id]
        assert history, f"membership {m.id} has no dues code"
        assert history[0].from_date == m.start_date
        for before, after in zip(history, history[1:]):
            assert before.to_date + timedelta(days=1) == after.from_date, f"gap or overlap in {m.id}"
        assert history[-1].to_date == m.end_date  # open exactly when the membership is
    codes = {p.code for history in periods.values() for p in history}
    assert codes == set("YALOMUPW")


def test_membership_types_attachments_and_codes(demo, session):
    memberships = session.scalars(sa.select(Membership)).all()
    assert {m.membership_type for m in memberships} == {"main", "student", "pupil", "secondary"}
    for m in memberships:
        if m.membership_type in ("student", "pupil"):
            assert m.county_id is not None and m.branch_id is None
        else:
            assert m.branch_id is not None and m.county_id is None
    assert any(m.apprentice for m in memberships)
    assert {m.withdrawal_code for m in memberships} == {None, 1, 2, 4, 5, 6, 7, 8}
    numbers = defaultdict(set)
    for m in memberships:
        numbers[m.person_id].add(m.member_number)
    assert all(len(n) == 1 for n in numbers.values()), "a person with two member numbers"
    assert len({next(iter(n)) for n in numbers.values()}) == len(numbers), "a member number shared"


def test_a_transfer_ends_in_one_branch_and_starts_in_another(demo, session):
    left = session.scalars(sa.select(Membership).where(Membership.withdrawal_code == 1)).all()
    assert left
    for old in left:
        new = session.scalar(sa.select(Membership).where(Membership.person_id == old.person_id,
                                                          Membership.enrollment_code == 1))
        assert new.start_date == old.end_date + timedelta(days=1)
        assert new.branch_id != old.branch_id and new.member_number == old.member_number


def test_employments_insurances_and_organization_are_realistic(demo, session):
    employments = session.scalars(sa.select(Employment)).all()
    assert all(3_000_000 <= e.monthly_pay_ore <= 6_500_000 for e in employments)
    assert all(2000 <= e.position_bp <= 10000 for e in employments)
    assert {e.payment_method for e in employments} == {"deduction", "invoice"}
    insurances = session.scalars(sa.select(InsurancePeriod)).all()
    assert {i.kind for i in insurances} == {"home", "benefit_fund", "education_fund"}
    assert any(i.reserved and i.kind == "home" for i in insurances)
    memberships = {m.id: m for m in session.scalars(sa.select(Membership))}
    for period in employments + insurances:  # within their membership, never ending before they begin
        m = memberships[period.membership_id]
        assert m.start_date <= period.from_date and (period.to_date is None or period.from_date <= period.to_date)
        assert m.end_date is None or (period.to_date is not None and period.to_date <= m.end_date)

    for branch in session.scalars(sa.select(Branch)):
        assert kontonr.is_valid(branch.account) and len(branch.account) == 11
        assert 101 <= branch.number <= 115 and branch.address and branch.postal_code
    rates = session.scalars(sa.select(BranchRate)).all()
    assert len(rates) == 15 and all(r.valid_from.isoformat() == "2008-03-01" and 145 <= r.rate_bp <= 200
                                    for r in rates)
    employers = session.scalars(sa.select(Employer)).all()
    assert all(orgnr.is_valid(e.orgnr) and e.name_key == name_key(e.name) for e in employers)
    names = {e.name for e in employers}
    assert {"Nordre Follo kommune", "Bergen kommune", "Helse Vest RHF"} <= names
    assert count(session, Workplace, Workplace.branch_id.is_(None)) == 0


def test_demo_users_log_in_and_see_their_scope(demo, app, session, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", False)  # as `make run` (development) has it
    for username in USERNAMES:
        client, response = sign_in(app, username)
        assert response.status_code == 303 and response.location == "/", f"{username} could not log in"
        assert client.get("/").status_code == 200
    assert session.scalar(sa.select(User.declaration_date).where(User.username == "sentral")) is not None

    own = session.scalar(sa.select(Membership).join(Branch).where(Branch.number == 101,
                                                                  Membership.end_date.is_(None)).limit(1))
    other = session.scalar(sa.select(Membership).join(Branch).where(Branch.number != 101,
                                                                    Membership.end_date.is_(None)).limit(1))
    client, _ = sign_in(app, "fagforening")
    page = client.get(f"/medlemmer/?q={own.member_number}").get_data(as_text=True)
    assert own.person.sort_name in page
    page = client.get(f"/medlemmer/?q={other.member_number}").get_data(as_text=True)
    assert other.person.sort_name not in page


def test_refuses_a_database_that_has_data(app, session):
    assert run_demo(app).exit_code == 0

    again = run_demo(app)
    assert again.exit_code == 1
    assert "allerede medlemmer" in again.output and "tom database" in again.output
    assert count(session, Person) == 300

    skipped = run_demo(app, "--if-empty")
    assert skipped.exit_code == 0
    assert "Dataene er der allerede" in skipped.output
    assert count(session, Person) == 300
