"""Two-factor login: the code after the password, each code once, wrong codes ending the login,
recovery codes, enrolment (required for county, central and many-branch accounts, offered to others)
and the development waiver."""
import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from models import AuditLog, RecoveryCode, User, UserSession, db
from tests.factories import PASSWORD, TOTP_SECRET
from tests.pages import csrf_from, send, sign_in, text
from tests.test_access import get_urls
from web import two_factor
from web.access import PUBLIC

CODE_PAGE = "/logg-inn/kode"
ENROL_PAGE = "/konto/tofaktor/ny"
OPEN_WHILE_PENDING = {"auth.second_factor", "auth.two_factor_enrol", "auth.logout"}


def password_step(client, user, query=""):
    token = csrf_from(client.get("/logg-inn"))
    return client.post("/logg-inn" + query, data={"username": user.username, "password": PASSWORD,
                                                  "csrf_token": token})


def type_code(client, code, url=CODE_PAGE):
    page = client.get(url)
    return client.post(url, data={"code": code, "csrf_token": csrf_from(page)})


def code_for(step_offset=0, secret=TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).generate_otp(two_factor.time_step() + step_offset)


def audit_summaries(session, user) -> list[str]:
    return session.scalars(sa.select(AuditLog.summary).where(AuditLog.user_id == user.id)
                           .order_by(AuditLog.id)).all()


def reload(session, user) -> User:
    session.expire_all()
    return session.get(User, user.id)


@pytest.fixture
def central(factory):
    return factory.user("central")


@pytest.fixture
def unenrolled_county(factory):
    return factory.user("county", counties=[factory.county()], second_factor=False)


# --- the code after the password ---------------------------------------------------------------------------

def test_the_password_alone_leads_only_to_the_code_page(client, central, session):
    response = password_step(client, central)
    assert response.status_code == 303 and response.location == CODE_PAGE

    home = client.get("/")
    assert home.status_code == 302 and home.location == CODE_PAGE + "?next=/"
    page = client.get(CODE_PAGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Skriv den sekssifrede koden" in text(html)
    assert 'aria-label="Hovedmeny"' not in html  # no menu to pages it cannot reach
    assert not any("logget inn" in s for s in audit_summaries(session, central))

    response = type_code(client, code_for())
    assert response.status_code == 303 and response.location == "/"
    assert "God dag, Test central" in client.get("/").get_data(as_text=True)
    assert f"{central.username} logget inn med tofaktorkode" in audit_summaries(session, central)
    assert session.scalar(sa.select(UserSession.second_factor_at).where(UserSession.user_id == central.id))


def test_a_wrong_code_is_refused_and_the_login_still_waits(client, central):
    password_step(client, central)
    wrong = f"{(int(code_for()) + 1) % 1_000_000:06d}"
    response = type_code(client, wrong)
    assert response.status_code == 422
    assert "Koden stemmer ikke, eller den er brukt før." in text(response.get_data(as_text=True))
    assert client.get("/medlemmer/").location.startswith(CODE_PAGE)
    assert type_code(client, "abc").status_code == 422  # neither a code nor a recovery code


def test_each_code_works_once(app, central):
    code = code_for()
    first = app.test_client()
    password_step(first, central)
    assert type_code(first, code).status_code == 303

    second = app.test_client()
    password_step(second, central)
    again = type_code(second, code)
    assert again.status_code == 422 and "brukt før" in again.get_data(as_text=True)
    # the next time step's code (the app shows it 30 seconds later) still works
    assert type_code(second, code_for(+1)).status_code == 303
    # and an earlier step's code is refused once a later one was used
    third = app.test_client()
    password_step(third, central)
    assert type_code(third, code).status_code == 422


def test_five_wrong_codes_end_the_login_and_lock_the_account(client, central, session):
    password_step(client, central)
    wrong = f"{(int(code_for()) + 500_000) % 1_000_000:06d}"
    for _ in range(4):
        assert type_code(client, wrong).status_code == 422
    ended = type_code(client, wrong)
    assert ended.status_code == 303 and ended.location == "/logg-inn"
    assert "For mange feil koder" in text(client.get("/logg-inn").get_data(as_text=True))
    assert client.get("/").location.startswith("/logg-inn?")  # the pending login is gone, not waiting
    assert session.scalar(sa.select(UserSession.ended_at).where(UserSession.user_id == central.id)) is not None

    # the wrong codes count toward the account's login throttle: the right password is refused now
    refused = password_step(client, central)
    assert refused.status_code == 422
    assert "For mange mislykkede innlogginger" in refused.get_data(as_text=True)


def test_a_recovery_code_works_once(app, central, session):
    with app.app_context():
        user = db.session.get(User, central.id)
        codes = two_factor.make_recovery_codes(user)
        db.session.commit()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes)
    stored = session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == central.id)).all()
    assert len(stored) == 10 and not set(stored) & {c.replace("-", "") for c in codes}  # only hashes

    client = app.test_client()
    password_step(client, central)
    response = type_code(client, " " + codes[3].upper().replace("-", " ") + " ")  # as typed from paper
    assert response.status_code == 303 and response.location == "/"
    assert "du har 9 igjen" in text(client.get("/").get_data(as_text=True))
    assert any("gjenopprettingskode (9 igjen)" in s for s in audit_summaries(session, central))

    other = app.test_client()
    password_step(other, central)
    assert type_code(other, codes[3]).status_code == 422
    assert type_code(other, codes[4]).status_code == 303


def test_the_page_asked_for_survives_the_code_and_off_site_targets_do_not(app, central):
    client = app.test_client()
    response = password_step(client, central, query="?next=/medlemmer/%3Fq%3Dberg")
    assert response.location == CODE_PAGE + "?next=/medlemmer/?q%3Dberg"
    answer = type_code(client, code_for(), url=response.location)
    assert answer.status_code == 303 and answer.location == "/medlemmer/?q=berg"

    client = app.test_client()
    response = password_step(client, central, query="?next=//evil.example")
    answer = type_code(client, code_for(+1), url=response.location)
    assert answer.status_code == 303 and answer.location == "/"


def test_htmx_requests_of_a_waiting_login_are_sent_to_the_code_page(client, central):
    password_step(client, central)
    response = client.get("/medlemmer/?q=berg", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"] == CODE_PAGE


def test_the_code_page_without_a_waiting_login(app, client, factory):
    assert client.get(CODE_PAGE).location.startswith("/logg-inn?")  # signed out: the login page
    officer = sign_in(app, factory.user("branch", branches=[factory.branch()]))
    assert officer.get(CODE_PAGE).location == "/"  # nothing to wait for


def test_logging_out_ends_a_waiting_login(client, central, session):
    password_step(client, central)
    page = client.get(CODE_PAGE)
    response = client.post("/logg-ut", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303 and response.location == "/logg-inn"
    assert session.scalar(sa.select(UserSession.ended_at).where(UserSession.user_id == central.id)) is not None


# --- who must have a second factor ---------------------------------------------------------------------------

def test_who_must_have_a_second_factor(app, factory):
    one, two = factory.branch(), factory.branch()
    with app.app_context():
        assert two_factor.needs_second_factor(factory.user("central"))
        assert two_factor.needs_second_factor(factory.user("county", counties=[one.county]))
        assert two_factor.needs_second_factor(factory.user("branch", branches=[one, two]))
        assert not two_factor.needs_second_factor(factory.user("branch", branches=[one]))
        assert not two_factor.needs_second_factor(factory.user("employer", employers=[factory.employer()]))


def test_a_county_user_without_a_second_factor_reaches_nothing_but_the_enrolment(app, client, factory,
                                                                                 unenrolled_county):
    response = password_step(client, unenrolled_county)
    assert response.status_code == 303 and response.location == ENROL_PAGE

    an_id = factory.member().person_id
    wrong = []
    for endpoint, url, roles in get_urls(app, an_id):
        if roles == PUBLIC or endpoint in OPEN_WHILE_PENDING:
            continue
        answer = client.get(url)
        if answer.status_code != 302 or not answer.location.startswith(ENROL_PAGE):
            wrong.append((endpoint, url, answer.status_code, answer.location))
    assert wrong == []
    assert client.get("/medlemmer/").location == ENROL_PAGE + "?next=/medlemmer/"
    assert client.get(CODE_PAGE).location == ENROL_PAGE  # no code to give before enrolment
    token = csrf_from(client.get(ENROL_PAGE))
    note = client.post(f"/medlemmer/{an_id}/notater", data={"text": "x", "csrf_token": token})
    assert note.status_code == 303 and note.location == ENROL_PAGE


def test_enrolment_shows_ten_recovery_codes_once_and_then_the_login_asks_for_codes(app, client, session,
                                                                                    unenrolled_county):
    password_step(client, unenrolled_county)
    page = client.get(ENROL_PAGE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Kontoen din må ha tofaktorinnlogging" in html
    assert 'src="data:image/svg+xml' in html  # the QR code is made here, not by a service elsewhere
    secret = re.search(r'<code class="secret" id="secret">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    assert client.get(ENROL_PAGE).get_data(as_text=True).count(secret[:4]) >= 1  # reloading keeps the secret
    assert reload(session, unenrolled_county).totp_secret == secret

    wrong = type_code(client, f"{(int(code_for(secret=secret)) + 1) % 1_000_000:06d}", url=ENROL_PAGE)
    assert wrong.status_code == 422 and "Koden stemmer ikke" in wrong.get_data(as_text=True)
    assert not reload(session, unenrolled_county).has_second_factor

    shown = type_code(client, code_for(secret=secret), url=ENROL_PAGE)
    assert shown.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", shown.get_data(as_text=True))
    assert len(codes) == 10 and "Kodene vises bare denne ene gangen." in shown.get_data(as_text=True)
    assert reload(session, unenrolled_county).has_second_factor
    assert f"{unenrolled_county.username} satte opp tofaktorinnlogging" in audit_summaries(session,
                                                                                          unenrolled_county)

    # the codes are not shown again; the rest of the register opens
    again = client.get(ENROL_PAGE)
    assert again.status_code == 302 and again.location == "/konto/tofaktor"
    status = client.get("/konto/tofaktor").get_data(as_text=True)
    assert not any(code in status for code in codes) and "Ubrukte gjenopprettingskoder" in status
    assert client.get("/medlemmer/").status_code == 200

    # the next login asks for a code, and one of the recovery codes works as one
    other = app.test_client()
    assert password_step(other, unenrolled_county).location == CODE_PAGE
    assert type_code(other, codes[0]).status_code == 303


def test_not_required_for_a_one_branch_officer_but_offered(app, client, factory, session):
    officer = factory.user("branch", branches=[factory.branch()])
    response = password_step(client, officer)
    assert response.status_code == 303 and response.location == "/"  # no second step
    client.csrf = csrf_from(client.get("/"))
    status = text(client.get("/konto/tofaktor").get_data(as_text=True))
    assert "Ikke satt opp" in status and "Frivillig, men anbefalt" in status and "Sett opp tofaktor" in status

    # enrolling by choice keeps the session usable: its code was just given
    html = client.get(ENROL_PAGE).get_data(as_text=True)
    assert "Kontoen din må ha tofaktorinnlogging" not in html
    secret = reload(session, officer).totp_secret
    assert type_code(client, code_for(secret=secret), url=ENROL_PAGE).status_code == 200
    assert client.get("/medlemmer/").status_code == 200

    # from now on the login asks for a code
    other = app.test_client()
    assert password_step(other, officer).location == CODE_PAGE

    # and it may be turned off again, with a code as proof
    refused = send(client, "/konto/tofaktor/av", {"code": "000000" if code_for(+1, secret) != "000000" else "111111"})
    assert refused.status_code == 422 and reload(session, officer).has_second_factor
    off = send(client, "/konto/tofaktor/av", {"code": code_for(+1, secret)})
    assert off.status_code == 303
    assert "Tofaktor er slått av" in text(client.get("/konto/tofaktor").get_data(as_text=True))
    assert not reload(session, officer).has_second_factor
    assert session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)
                          .where(RecoveryCode.user_id == officer.id)) == 0
    assert password_step(app.test_client(), officer).location == "/"


def test_a_required_second_factor_cannot_be_turned_off(app, central, session):
    client = sign_in(app, central)
    status = text(client.get("/konto/tofaktor").get_data(as_text=True))
    assert "Påkrevd" in status and "Slå av tofaktor" not in status
    response = send(client, "/konto/tofaktor/av", {"code": code_for(+1)})
    assert response.status_code == 303
    assert "kan ikke slås av" in text(client.get("/konto/tofaktor").get_data(as_text=True))
    assert reload(session, central).has_second_factor


def test_an_officer_given_a_second_branch_must_enrol(app, factory, session):
    officer = factory.user("branch", branches=[factory.branch(), factory.branch()], second_factor=False)
    client = app.test_client()
    assert password_step(client, officer).location == ENROL_PAGE


# --- development waives it for the demo ------------------------------------------------------------------

def test_development_lets_required_accounts_in_without_and_says_so(app, client, unenrolled_county, central,
                                                                   monkeypatch):
    assert "Tofaktor er ikke påkrevd" not in client.get("/logg-inn").get_data(as_text=True)
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", False)
    assert "Tofaktor er ikke påkrevd i utviklingsmodus (demodata)." in client.get("/logg-inn").get_data(as_text=True)
    response = password_step(client, unenrolled_county)
    assert response.status_code == 303 and response.location == "/"
    assert client.get("/medlemmer/").status_code == 200
    assert "Tofaktor er ikke påkrevd i utviklingsmodus" in client.get("/konto/tofaktor").get_data(as_text=True)
    # an account that has enrolled is still asked for its code
    assert password_step(app.test_client(), central).location == CODE_PAGE


def test_outside_development_two_factor_is_required_by_default(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.delenv("REGISTER_ENV", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    assert create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}).config["TWO_FACTOR_REQUIRED"]
    monkeypatch.setenv("REGISTER_ENV", "development")
    assert not create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}).config["TWO_FACTOR_REQUIRED"]


# --- the rules of a code --------------------------------------------------------------------------------------

def test_a_code_is_accepted_one_step_either_side_and_each_step_once(app, factory):
    user = factory.user("central")
    totp, now = pyotp.TOTP(TOTP_SECRET), time.time()
    step = two_factor.time_step(now)
    with app.app_context():
        user = db.session.get(User, user.id)
        assert not two_factor.verify_code(user, totp.generate_otp(step - 2), at=now)
        assert not two_factor.verify_code(user, totp.generate_otp(step + 2), at=now)
        assert two_factor.verify_code(user, totp.generate_otp(step - 1), at=now)
        assert not two_factor.verify_code(user, totp.generate_otp(step - 1), at=now)  # used
        assert two_factor.verify_code(user, " " + totp.generate_otp(step + 1)[:3] + " " + totp.generate_otp(step + 1)[3:], at=now)
        assert not two_factor.verify_code(user, totp.generate_otp(step), at=now)  # older than the last used
        assert user.totp_last_step == step + 1
        db.session.rollback()
