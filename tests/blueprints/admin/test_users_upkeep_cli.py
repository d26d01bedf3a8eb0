"""`flask users block|unblock|reset-password|reset-2fa USERNAME`, `flask users list [--json]` and
`flask users create ... --totp-secret BASE32` (FORMATS.md section 4): account upkeep for the people who
run the register. Each ends the account's sessions where it should; exit 0 done, 1 refused with the
reason, 2 wrong usage."""
import json
import re
from types import SimpleNamespace

import pyotp
import pytest
import sqlalchemy as sa

from models import AuditLog, RecoveryCode, User
from tests.factories import PASSWORD, TOTP_SECRET
from tests.pages import csrf_from, sign_in

NEW_PASSWORD = "blå-fjord-sykkel-lanterne"


@pytest.fixture
def users(app):
    runner = app.test_cli_runner()
    return lambda *args, input=None: runner.invoke(args=["users", *args], input=input)


@pytest.fixture
def world(factory):
    county = factory.county(number=11, name="Fylke Øst")
    branch = factory.branch(county, number=5011, name="Lag A")
    employer = factory.employer(name="Aker sykehus HF", orgnr="974760673")
    return SimpleNamespace(
        county=county, branch=branch, employer=employer,
        anna=factory.user("branch", branches=[branch], username="anna.a"),
        fylke=factory.user("county", counties=[county], username="fylke.ost"),
        sentral=factory.user("central", username="sentral"),
        lonn=factory.user("employer", employers=[employer], username="lonn@aker.example"),
    )


def fresh(session, user) -> User:
    session.expire_all()
    return session.get(User, user.id)


def signed_out(client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and "/logg-inn" in response.location


def can_log_in(app, username, password) -> bool:
    client = app.test_client()
    page = client.get("/logg-inn")
    return client.post("/logg-inn", data={"username": username, "password": password,
                                          "csrf_token": csrf_from(page)}).status_code == 303


def last_summary(session, user) -> str:
    session.expire_all()
    return session.scalar(sa.select(AuditLog.summary).where(
        AuditLog.entity == "user", AuditLog.entity_id == user.id, AuditLog.action != "login",
    ).order_by(AuditLog.id.desc()).limit(1))


# --- block and unblock ------------------------------------------------------------------------------

def test_block_ends_the_sessions_and_unblock_lets_the_account_in_again(app, users, world, session):
    client = sign_in(app, world.anna)
    result = users("block", "anna.a", "--reason", "Sluttet.")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Konto anna.a er sperret; 1 åpne økter er avsluttet."
    assert fresh(session, world.anna).blocked and signed_out(client)
    assert not can_log_in(app, "anna.a", PASSWORD)
    assert last_summary(session, world.anna) == "Bruker anna.a sperret: Sluttet."
    session.expire_all()
    assert session.scalar(sa.select(AuditLog.actor).where(AuditLog.entity == "user", AuditLog.action == "update")) \
        == "system"

    again = users("block", "anna.a")
    assert again.exit_code == 1 and "Kontoen anna.a er allerede sperret." in again.output

    result = users("unblock", "anna.a", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"ok": True, "username": "anna.a"}
    assert not fresh(session, world.anna).blocked and can_log_in(app, "anna.a", PASSWORD)
    refused = users("unblock", "anna.a", "--json")
    assert refused.exit_code == 1
    assert json.loads(refused.stdout) == {"ok": False, "message": "Kontoen anna.a er ikke sperret."}


def test_block_without_a_reason_says_it_came_from_the_command_line(users, world, session):
    assert users("block", "anna.a").exit_code == 0
    assert last_summary(session, world.anna) == "Bruker anna.a sperret: Sperret fra kommandolinjen."


# --- reset-password -------------------------------------------------------------------------------------

def test_reset_password_from_stdin(app, users, world, session):
    client = sign_in(app, world.anna)
    result = users("reset-password", "anna.a", "--password-stdin", input=f"{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    assert signed_out(client)
    assert not can_log_in(app, "anna.a", PASSWORD) and can_log_in(app, "anna.a", NEW_PASSWORD)
    assert last_summary(session, world.anna) == "Passordet til bruker anna.a tilbakestilt"
    session.expire_all()
    assert all(NEW_PASSWORD not in (c or "") for c in session.scalars(sa.select(AuditLog.changes)))


def test_reset_password_makes_one_and_prints_it(app, users, world):
    result = users("reset-password", "anna.a")
    assert result.exit_code == 0, result.output
    password = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password)
    assert can_log_in(app, "anna.a", password)
    as_json = json.loads(users("reset-password", "anna.a", "--json").stdout)
    assert as_json["ok"] and as_json["username"] == "anna.a" and can_log_in(app, "anna.a", as_json["password"])


@pytest.mark.parametrize("password, reason", [
    ("kort", "Passordet må ha minst 12 tegn."),
    ("", "Passordet fra standard input er tomt."),
])
def test_a_refused_password_changes_nothing(app, users, world, password, reason):
    result = users("reset-password", "anna.a", "--password-stdin", input=f"{password}\n")
    assert result.exit_code == 1
    assert reason in result.output
    assert can_log_in(app, "anna.a", PASSWORD)


# --- reset-2fa ----------------------------------------------------------------------------------------

def test_reset_2fa_forgets_the_second_factor_and_ends_the_sessions(app, users, world, session):
    session.add(RecoveryCode(user_id=world.fylke.id, code_hash="x"))
    session.flush()
    client = sign_in(app, world.fylke)
    result = users("reset-2fa", "fylke.ost")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Andre faktor for konto fylke.ost er nullstilt; alle økter er avsluttet."
    account = fresh(session, world.fylke)
    assert not account.has_second_factor and account.totp_secret is None
    assert session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert signed_out(client)
    again = users("reset-2fa", "fylke.ost")
    assert again.exit_code == 1 and "har ingen andre faktor å nullstille" in again.output


# --- refused and wrong usage -------------------------------------------------------------------------

@pytest.mark.parametrize("verb", ["block", "unblock", "reset-password", "reset-2fa"])
def test_an_unknown_account_is_refused(users, world, verb):
    result = users(verb, "ingen.slik")
    assert result.exit_code == 1
    assert "Fant ingen konto med brukernavnet «ingen.slik»." in result.output


@pytest.mark.parametrize("args", [
    ["block"], ["unblock"], ["reset-password"], ["reset-2fa"],
    ["block", "anna.a", "--ukjent"], ["list", "ekstra"], ["reset-password", "anna.a", "--password"],
])
def test_wrong_usage_exits_2_and_changes_nothing(app, users, world, session, args):
    result = users(*args)
    assert result.exit_code == 2, result.output
    account = fresh(session, world.anna)
    assert not account.blocked and can_log_in(app, "anna.a", PASSWORD)


# --- list --------------------------------------------------------------------------------------------

def test_list_shows_every_account(app, users, world):
    sign_in(app, world.anna)
    result = users("list")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split() == ["BRUKERNAVN", "ROLLE", "TILGANGER", "SPERRET", "ANDRE", "FAKTOR", "SISTE",
                                "INNLOGGING"]
    by_name = {line.split()[0]: line.split() for line in lines[1:-1]}
    assert list(by_name) == ["anna.a", "fylke.ost", "lonn@aker.example", "sentral"]
    assert by_name["anna.a"][1:5] == ["branch", "branch:5011", "nei", "nei"]
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4}", by_name["anna.a"][5])
    assert by_name["fylke.ost"][1:6] == ["county", "county:11", "nei", "ja", "aldri"]
    assert by_name["lonn@aker.example"][2] == "employer:974760673"
    assert by_name["sentral"][1:3] == ["central", "-"]
    assert lines[-1] == "4 kontoer."


def test_list_as_json(app, users, world, factory):
    factory.user("branch", branches=[world.branch], username="sperret", blocked=True)
    result = users("list", "--json")
    assert result.exit_code == 0, result.output
    listed = {u["username"]: u for u in json.loads(result.stdout)["users"]}
    assert listed["fylke.ost"] == {
        "username": "fylke.ost", "full_name": "Test county", "role": "county", "scopes": ["county:11"],
        "blocked": False, "active": True, "second_factor": True, "last_login": None,
    }
    assert listed["sperret"]["blocked"] is True and listed["sperret"]["active"] is False
    assert listed["anna.a"]["second_factor"] is False


# --- create --totp-secret ---------------------------------------------------------------------------

def test_an_account_moved_in_keeps_its_second_factor(app, users, world, session):
    result = users("create", "flyttet.fylke", "--role", "county", "--county", "11", "--password-stdin",
                   "--totp-secret", "jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp", input=f"{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(", med andre faktor.")
    session.expire_all()
    account = session.scalar(sa.select(User).where(User.username == "flyttet.fylke"))
    assert account.totp_secret == TOTP_SECRET and account.has_second_factor
    assert pyotp.TOTP(account.totp_secret).now() == pyotp.TOTP(TOTP_SECRET).now()
    # the code from the app the person already holds is accepted at the first login
    sign_in(app, account, password=NEW_PASSWORD)


@pytest.mark.parametrize("secret", ["JBSWY3DP", "JBSWY3DPEHPK3PX1", "ikke base32 i det hele tatt!", "A" * 80])
def test_a_bad_totp_secret_is_refused_and_nothing_stored(users, world, session, secret):
    result = users("create", "flyttet", "--role", "central", "--password-stdin", "--totp-secret", secret,
                   input=f"{NEW_PASSWORD}\n")
    assert result.exit_code == 1
    assert "Hemmeligheten for andre faktor skal være base32 (A–Z og 2–7), 16 til 64 tegn." in result.output
    session.expire_all()
    assert session.scalar(sa.select(User).where(User.username == "flyttet")) is None


def test_the_account_is_found_in_any_letter_case(users, world, session):
    result = users("block", "Anna.A")
    assert result.exit_code == 0, result.output
    assert "Konto anna.a er sperret" in result.output and fresh(session, world.anna).blocked
