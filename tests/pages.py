"""What page tests share (a plain module, not a test file): the CSRF token of a page, the text a
reader sees of some HTML, a client of its own signed in as a user (for tests where several people
look at the same thing), posting a form as that user, and the second factor of a login (the code an
authenticator app would show for the test accounts' TOTP secret)."""
import html
import re
import secrets
import time
from urllib.parse import urlsplit

import pyotp
import sqlalchemy as sa

from tests.factories import PASSWORD

CODE_PAGE = "/logg-inn/kode"


def csrf_from(response) -> str:
    """The CSRF token a page carries (in a form, or in the header htmx sends)."""
    html_text = response.get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html_text) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html_text)
    assert found, "no CSRF token on the page"
    return found.group(1)


def send(client, url, data=None, **kwargs):
    """POST a form as the signed-in user of `client` (from sign_in) would, with the session's token."""
    return client.post(url, data={**(data or {}), "csrf_token": client.csrf}, **kwargs)


def text(fragment: str) -> str:
    """What a reader sees of some HTML: the text, entities resolved, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def sign_in(app, user, password: str = PASSWORD):
    """A client of `app` signed in as `user` through the login form, with the session's CSRF token
    at hand as `client.csrf`."""
    client = app.test_client()
    page = client.get("/logg-inn")
    response = client.post("/logg-inn", data={"username": user.username, "password": password,
                                              "csrf_token": csrf_from(page)})
    response = answer_second_factor(app, client, user, response)
    assert response.status_code == 303, response.get_data(as_text=True)
    client.csrf = csrf_from(client.get("/"))
    return client


def asks_for_code(response) -> bool:
    return response.status_code == 303 and urlsplit(response.location).path == CODE_PAGE


def answer_second_factor(app, client, user, response):
    """When the login answered with the code page, type the code there as the user would; returns the
    answer to that (or `response` itself when no code was asked for)."""
    if not asks_for_code(response):
        return response
    page = client.get(response.location)
    return client.post(response.location, data={"code": second_factor_code(app, user),
                                                 "csrf_token": csrf_from(page)})


def second_factor_code(app, user) -> str:
    """(`user`: the account or its id.) A code the account accepts now: the app's code for the current time step, or the next step's when
    the current one was used already (a second login within 30 seconds). Past that (a third login in
    one step) a recovery code, made for the occasion: each code works only once."""
    from models import RecoveryCode, User, db
    from web.passwords import hash_password

    user_id = getattr(user, "id", user)
    with app.app_context():
        secret, last = db.session.execute(
            sa.select(User.totp_secret, User.totp_last_step).where(User.id == user_id)).one()
        now = int(time.time()) // 30
        step = now if last is None or last < now else last + 1
        if step <= now + 1:
            return pyotp.TOTP(secret).generate_otp(step)
        code = secrets.token_hex(5)  # ten letters and digits, as a recovery code is
        db.session.add(RecoveryCode(user_id=user_id, code_hash=hash_password(code)))
        db.session.commit()
        return code
