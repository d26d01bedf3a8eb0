"""What page tests share (a plain module, not a test file): the text a reader sees of some HTML, and
a client of its own signed in as a user (for tests where several people look at the same thing)."""
import html
import re

from tests.conftest import csrf_from
from tests.factories import PASSWORD


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
    assert response.status_code == 303, response.get_data(as_text=True)
    client.csrf = csrf_from(client.get("/"))
    return client
