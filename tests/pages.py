"""What page tests share (a plain module, not a test file): the CSRF token of a page, the text a
reader sees of some HTML, a client of its own signed in as a user (for tests where several people
look at the same thing), and posting a form as that user."""
import html
import re

from tests.factories import PASSWORD


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
    assert response.status_code == 303, response.get_data(as_text=True)
    client.csrf = csrf_from(client.get("/"))
    return client
