""""Min konto": the sessions a user has open (where, when), ending one or all of them, changing one's own
password (which ends every other session), and the 12-hour limit on a session however active it is.

Each browser is a client of its own with its own address and User-Agent. The users are branch officers
of one branch, who sign in without a second factor."""
import json
import re
from datetime import timedelta

import sqlalchemy as sa

from models import AuditLog, LoginAttempt, User, UserSession, utcnow
from tests.factories import PASSWORD
from tests.pages import csrf_from, text
from web.passwords import verify_password

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")
NEW_PASSWORD = "blåbærsyltetøy på vaffel hver fredag"
# A long passphrase in Norwegian with æ, ø and å: 200 characters, far past what zxcvbn scores.
PASSPHRASE = ("Når nordavinden river i takrennene på Røros, og bålet i peisen har brent ned til glør, "
              "sitter bestemor ved vinduet og teller fiskebåtene som går ut fra kaia før været snur over "
              "de blå fjellene i øst, langt borte.")[:200]


def browser(app, user, address="10.0.0.1", agent=FIREFOX, password=PASSWORD):
    """A browser of its own, signed in as `user` from `address`; `client.csrf` holds the session's token."""
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": address, "HTTP_USER_AGENT": agent})
    page = client.get("/logg-inn")
    response = client.post("/logg-inn", data={"username": user.username, "password": password,
                                              "csrf_token": csrf_from(page)})
    assert response.status_code == 303, response.get_data(as_text=True)
    client.csrf = csrf_from(client.get("/"))
    return client


def officer(factory):
    return factory.user("branch", branches=[factory.branch()])


def signed_in(client) -> bool:
    return client.get("/konto/").status_code == 200


def session_rows(html: str) -> list[str]:
    """The rows of the sessions table as a reader sees them."""
    table = re.search(r'<table class="grid" id="sessions".*?</table>', html, re.S).group(0)
    return [text(row) for row in re.findall(r"<tr\b.*?</tr>", table, re.S)[1:]]


def handles(html: str) -> list[str]:
    return re.findall(r'name="session" value="([^"]+)"', html)


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, repeated=None):
    return client.post("/konto/passord", data={"current": current, "password": new,
                                               "password2": new if repeated is None else repeated,
                                               "csrf_token": client.csrf})


def password_hash(session, user) -> str:
    session.expire_all()
    return session.get(User, user.id).password_hash


# --- the page and the shell -------------------------------------------------------------------------------

def test_every_page_links_min_konto(app, factory):
    for user in (officer(factory), factory.user("employer", employers=[factory.employer()])):
        client = browser(app, user)
        assert '>Min konto</a>' in client.get("/").get_data(as_text=True)
        assert signed_in(client)


def test_the_sessions_page_shows_where_and_when_and_marks_this_one(app, factory):
    user = officer(factory)
    office = browser(app, user, "10.0.0.1", FIREFOX)
    browser(app, user, "10.9.9.9", IPHONE)
    browser(app, officer(factory), "10.7.7.7")  # someone else's session is not shown

    rows = session_rows(office.get("/konto/").get_data(as_text=True))
    assert len(rows) == 2
    assert rows[0].startswith("10.0.0.1 denne økten Firefox, Windows")
    assert rows[1].startswith("10.9.9.9 Safari, iOS")
    # logged in and last seen, as dd.mm.yyyy hh:mm
    assert all(re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d \d\d\.\d\d\.\d{4} \d\d:\d\d", row) for row in rows), rows
    assert "10.7.7.7" not in " ".join(rows)


def test_ended_idle_and_expired_sessions_are_not_listed(app, factory, session):
    user = officer(factory)
    office = browser(app, user, "10.0.0.1")
    for address in ("10.0.0.2", "10.0.0.3"):
        browser(app, user, address)
    for row in session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)):
        if row.remote_addr == "10.0.0.2":
            row.last_seen -= timedelta(minutes=31)
        if row.remote_addr == "10.0.0.3":
            row.created_at -= timedelta(hours=13)
    session.flush()
    assert [row.split()[0] for row in session_rows(office.get("/konto/").get_data(as_text=True))] == ["10.0.0.1"]


def test_ending_another_session_signs_that_browser_out(app, factory):
    user = officer(factory)
    office, phone = browser(app, user, "10.0.0.1"), browser(app, user, "10.9.9.9", IPHONE)
    page = office.get("/konto/").get_data(as_text=True)
    phone_handle = handles(page)[1]
    response = office.post("/konto/okter/avslutt", data={"session": phone_handle, "csrf_token": office.csrf})
    assert response.status_code == 303 and response.location == "/konto/"
    assert "Økten fra 10.9.9.9 er avsluttet." in office.get("/konto/").get_data(as_text=True)
    assert not signed_in(phone)
    assert signed_in(office)
    assert [row.split()[0] for row in session_rows(office.get("/konto/").get_data(as_text=True))] == ["10.0.0.1"]


def test_a_session_of_someone_else_cannot_be_ended(app, factory):
    mine, theirs = browser(app, officer(factory), "10.0.0.1"), browser(app, officer(factory), "10.0.0.2")
    their_handle = handles(theirs.get("/konto/").get_data(as_text=True))[0]
    mine.post("/konto/okter/avslutt", data={"session": their_handle, "csrf_token": mine.csrf})
    assert signed_in(theirs)


def test_ending_this_session_from_the_list_logs_out(app, factory):
    office = browser(app, officer(factory))
    own = handles(office.get("/konto/").get_data(as_text=True))[0]
    response = office.post("/konto/okter/avslutt", data={"session": own, "csrf_token": office.csrf})
    assert response.status_code == 303 and response.location == "/logg-inn"
    assert not signed_in(office)


def test_log_out_everywhere_ends_every_session_this_one_too(app, factory, session):
    user, other = officer(factory), officer(factory)
    office, phone = browser(app, user, "10.0.0.1"), browser(app, user, "10.9.9.9", IPHONE)
    bystander = browser(app, other)
    response = office.post("/konto/logg-ut-overalt", data={"csrf_token": office.csrf})
    assert response.status_code == 303 and response.location == "/logg-inn"
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert "Du er logget ut overalt, også her." in office.get("/logg-inn").get_data(as_text=True)
    assert not signed_in(office) and not signed_in(phone)
    assert signed_in(bystander)
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))) == 0


def test_every_role_has_an_account_page_and_anonymous_users_go_to_login(app, factory, client):
    response = client.get("/konto/")
    assert response.status_code == 302 and response.location.startswith("/logg-inn")
    contact = browser(app, factory.user("employer", employers=[factory.employer()]))
    assert "Aktive økter" in contact.get("/konto/").get_data(as_text=True)


# --- changing one's own password -----------------------------------------------------------------------------

def test_changing_the_password_signs_out_every_other_browser_and_keeps_this_one(app, factory, session):
    user = officer(factory)
    office, phone = browser(app, user, "10.0.0.1"), browser(app, user, "10.9.9.9", IPHONE)
    assert 'autocomplete="new-password"' in office.get("/konto/passord").get_data(as_text=True)

    response = change_password(office)
    assert response.status_code == 303 and response.location == "/konto/"
    assert "Passordet er endret. De andre øktene dine (1) er avsluttet." in office.get("/konto/").get_data(as_text=True)
    assert signed_in(office)
    assert not signed_in(phone)

    assert verify_password(password_hash(session, user), NEW_PASSWORD)
    assert session.get(User, user.id).password_changed_at is not None
    browser(app, user, "10.0.0.5", password=NEW_PASSWORD)
    old = app.test_client()
    token = csrf_from(old.get("/logg-inn"))
    assert old.post("/logg-inn", data={"username": user.username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 422

    audit = session.scalars(sa.select(AuditLog).where(AuditLog.entity == "user", AuditLog.entity_id == user.id,
                                                      AuditLog.action == "update")).one()
    assert audit.summary == f"{user.username} endret passordet sitt (1 andre økter avsluttet)"
    assert json.loads(audit.changes) == {"passord": [None, "endret"]}
    assert NEW_PASSWORD not in audit.summary + audit.changes and PASSWORD not in audit.summary + audit.changes


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_login(app, factory, session):
    user = officer(factory)
    office, phone = browser(app, user, "10.0.0.1"), browser(app, user, "10.9.9.9")
    before = password_hash(session, user)
    response = change_password(office, current="ikke-mitt-passord")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Feil passord." in html and "Passordet ble ikke endret." in html
    assert NEW_PASSWORD not in html  # a password is never sent back
    assert password_hash(session, user) == before
    assert signed_in(phone)
    assert session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == user.username, LoginAttempt.success.is_(False))) == 1


def test_five_wrong_current_passwords_lock_the_change_page_too(app, factory, session):
    user = officer(factory)
    office = browser(app, user)
    for _ in range(5):
        change_password(office, current="ikke-mitt-passord")
    response = change_password(office)  # the right one now
    assert response.status_code == 422
    assert "For mange feil passord. Av sikkerhetshensyn må du vente 15 minutter" in response.get_data(as_text=True)
    assert verify_password(password_hash(session, user), PASSWORD)


def test_a_common_password_is_refused_with_the_reason_and_nothing_is_stored(app, factory, session):
    user = officer(factory)
    office, phone = browser(app, user, "10.0.0.1"), browser(app, user, "10.9.9.9")
    before = password_hash(session, user)
    response = change_password(office, new="qwerty123456")
    assert response.status_code == 422
    assert "Passordet er for lett å gjette: det står på lister over vanlige passord." in response.get_data(as_text=True)
    assert password_hash(session, user) == before
    assert signed_in(phone)
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.entity == "user", AuditLog.entity_id == user.id, AuditLog.action == "update")) == 0


def test_short_different_or_unchanged_passwords_are_refused(app, factory, session):
    user = officer(factory)
    office = browser(app, user)
    before = password_hash(session, user)
    for new, repeated, message in [
        ("kort-pass", None, "Passordet må ha minst 12 tegn."),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "Passordene er ikke like."),
        (PASSWORD, None, "Det nye passordet må være et annet enn det du har nå."),
        ("aaaaaaaaaaaaaaaaaaaa", None, "Passordet er for lett å gjette: gjentakelser"),
    ]:
        response = change_password(office, new=new, repeated=repeated)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert password_hash(session, user) == before


def test_a_long_norwegian_passphrase_is_welcome(app, factory, session):
    user = officer(factory)
    office = browser(app, user)
    assert len(PASSPHRASE) == 200 and {"æ", "ø", "å"} <= set(PASSPHRASE)
    assert change_password(office, new=PASSPHRASE).status_code == 303
    assert signed_in(browser(app, user, password=PASSPHRASE))


# --- the absolute lifetime ----------------------------------------------------------------------------------

def age(session, user, hours, minutes=0):
    row = session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)).one()
    row.created_at -= timedelta(hours=hours, minutes=minutes)
    session.flush()
    return row


def test_a_session_ends_twelve_hours_after_login_however_active(app, factory, session):
    user = officer(factory)
    office = browser(app, user)
    row = age(session, user, 12, 1)
    assert utcnow() - row.last_seen < timedelta(minutes=1)  # active a moment ago
    response = office.get("/konto/")
    assert response.status_code == 302 and response.location.startswith("/logg-inn")
    page = office.get(response.location).get_data(as_text=True)
    assert "Økten ble avsluttet fordi det er 12 timer siden du logget inn. Logg inn igjen." in page
    session.expire_all()
    assert session.get(UserSession, row.id).ended_at is not None


def test_a_session_of_eleven_hours_goes_on(app, factory, session):
    user = officer(factory)
    office = browser(app, user)
    age(session, user, 11, 59)
    assert signed_in(office)
