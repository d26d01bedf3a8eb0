"""`flask users create` (FORMATS.md section 4): an active personal account with its scopes."""
import json
from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditLog, User
from web import clock

GOOD_PASSWORD = "et-langt-og-godt-passord"


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args, password=GOOD_PASSWORD):
        return runner.invoke(args=["users", "create", *args], input=f"{password}\n")

    return invoke


def user_named(session, username) -> User | None:
    session.expire_all()
    return session.scalar(sa.select(User).where(User.username == username))


def test_creates_an_account_that_can_log_in(run, factory, session, client, login):
    branch = factory.branch()
    result = run("kari.nordmann", "--role", "branch", "--branch", str(branch.number), "--password-stdin",
                 "--declaration-date", "2026-01-05", "--name", "Kari Nordmann")
    assert result.exit_code == 0, result.output
    assert "Konto kari.nordmann opprettet (rolle branch, taushetserklæring 05.01.2026)." in result.output

    user = user_named(session, "kari.nordmann")
    assert (user.role, user.full_name, user.declaration_date, user.blocked) == (
        "branch", "Kari Nordmann", date(2026, 1, 5), False)
    assert [(s.kind, s.ref_id) for s in user.scopes] == [("branch", branch.id)]
    assert GOOD_PASSWORD not in user.password_hash
    assert session.scalar(sa.select(AuditLog.summary).where(AuditLog.entity == "user", AuditLog.entity_id == user.id)) \
        == "Bruker kari.nordmann opprettet med rolle branch"

    login(user, password=GOOD_PASSWORD)
    assert "God dag, Kari Nordmann" in client.get("/").get_data(as_text=True)


def test_the_declaration_is_dated_today_unless_given(run, session):
    assert run("sentral.person", "--role", "central", "--password-stdin").exit_code == 0
    assert user_named(session, "sentral.person").declaration_date == clock.today()


def test_county_and_employer_scopes(run, factory, session):
    county = factory.county()
    employer = factory.employer()
    assert run("fylke1", "--role", "county", "--county", str(county.number), "--password-stdin").exit_code == 0
    assert [(s.kind, s.ref_id) for s in user_named(session, "fylke1").scopes] == [("county", county.id)]
    result = run("lonn1", "--role", "employer", "--employer", employer.orgnr, "--password-stdin")
    assert result.exit_code == 0, result.output
    assert [(s.kind, s.ref_id) for s in user_named(session, "lonn1").scopes] == [("employer", employer.id)]


def test_several_branches(run, factory, session):
    b1, b2 = factory.branch(), factory.branch()
    result = run("to.foreninger", "--role", "branch", "--branch", str(b1.number), "--branch", str(b2.number),
                 "--password-stdin")
    assert result.exit_code == 0, result.output
    assert sorted(s.ref_id for s in user_named(session, "to.foreninger").scopes) == sorted([b1.id, b2.id])


def test_json_output(run, factory):
    branch = factory.branch()
    result = run("json.bruker", "--role", "branch", "--branch", str(branch.number), "--password-stdin",
                 "--declaration-date", "2026-01-05", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "ok": True, "username": "json.bruker", "role": "branch", "scopes": [f"branch:{branch.id}"],
        "declaration_date": "2026-01-05", "second_factor": False,
    }


@pytest.mark.parametrize("args, password, reason", [
    (["--role", "branch", "--branch", "999999"], GOOD_PASSWORD, "Fagforening 999999 finnes ikke."),
    (["--role", "county", "--county", "999999"], GOOD_PASSWORD, "Fylkeskrets 999999 finnes ikke."),
    (["--role", "employer", "--employer", "974760673"], GOOD_PASSWORD, "Arbeidsgiver 974760673 finnes ikke."),
    (["--role", "employer", "--employer", "123"], GOOD_PASSWORD, "Organisasjonsnummeret skal være 9 siffer."),
    (["--role", "central"], "kort", "Passordet må ha minst 12 tegn."),
    (["--role", "central"], "", "Passordet må ha minst 12 tegn."),
    (["--role", "branch"], GOOD_PASSWORD, "Rollen branch må ha minst én tilgang"),
    (["--role", "central", "--county", "{county}"], GOOD_PASSWORD, "Rollen central kan ikke ha tilgang til: county."),
])
def test_refused_input_exits_1_with_the_reasons_and_stores_nothing(run, factory, session, args, password, reason):
    county = factory.county()
    args = [a.format(county=county.number) for a in args]
    result = run("ny.bruker", *args, "--password-stdin", password=password)
    assert result.exit_code == 1
    assert "Kontoen ble ikke opprettet:" in result.output
    assert reason in result.output
    assert user_named(session, "ny.bruker") is None
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.entity == "user")) == 0


def test_every_reason_is_told_at_once(run):
    result = run("ny.bruker", "--role", "branch", "--branch", "999999", "--password-stdin", password="kort")
    assert result.exit_code == 1
    assert "Fagforening 999999 finnes ikke." in result.output and "Passordet må ha minst 12 tegn." in result.output


def test_a_taken_username_is_refused(run, factory, session):
    existing = factory.user("central", username="opptatt")
    result = run("opptatt", "--role", "central", "--password-stdin")
    assert result.exit_code == 1
    assert "Brukernavnet «opptatt» finnes allerede." in result.output
    assert user_named(session, "opptatt").password_hash == existing.password_hash


def test_refusal_as_json(run):
    result = run("ny.bruker", "--role", "central", "--password-stdin", "--json", password="kort")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"ok": False, "errors": ["Passordet må ha minst 12 tegn."]}


@pytest.mark.parametrize("args", [
    ["ny.bruker", "--password-stdin"],                                   # no role
    ["ny.bruker", "--role", "admin", "--password-stdin"],                # unknown role
    ["--role", "central", "--password-stdin"],                           # no username
    ["ny.bruker", "--role", "central", "--password-stdin", "--declaration-date", "05.01.2026"],
    ["ny.bruker", "--role", "branch", "--branch", "abc", "--password-stdin"],
    ["ny.bruker", "--role", "central", "--password-stdin", "--ukjent"],
])
def test_wrong_usage_exits_2_and_stores_nothing(run, session, args):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert user_named(session, "ny.bruker") is None


def test_the_password_must_come_from_stdin(run, session):
    result = run("ny.bruker", "--role", "central")
    assert result.exit_code == 2
    assert "--password-stdin" in result.output
    assert user_named(session, "ny.bruker") is None
