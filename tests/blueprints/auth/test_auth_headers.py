"""Security headers: HSTS and the __Host- session cookie outside development, base-uri 'none' in the
content security policy, and Clear-Site-Data when a login ends in this browser.

The `app` fixture runs with REGISTER_ENV unset (production) but SESSION_COOKIE_SECURE off, as the tests
use plain HTTP; `production` below is an app as an operator runs it, spoken to over HTTPS."""
import pytest

from app import create_app
from tests.factories import PASSWORD, TEST_ARGON2_PARAMS
from tests.pages import csrf_from

HSTS = "max-age=31536000; includeSubDomains"


def make_app(app, monkeypatch, env: str | None):
    """An app configured as REGISTER_ENV=`env` would (None: unset), on the test database."""
    if env is None:
        monkeypatch.delenv("REGISTER_ENV", raising=False)
    else:
        monkeypatch.setenv("REGISTER_ENV", env)
    monkeypatch.setenv("SECRET_KEY", "test-secret-not-for-production")
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "ARGON2_PARAMS": TEST_ARGON2_PARAMS, "JOB_RUNNER": "inline"})


@pytest.fixture
def production(app, monkeypatch):
    return make_app(app, monkeypatch, None)


def https_client(flask_app):
    client = flask_app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


def sign_in(client, user):
    token = csrf_from(client.get("/logg-inn"))
    return client.post("/logg-inn", data={"username": user.username, "password": PASSWORD, "csrf_token": token})


def session_cookie_header(response) -> str:
    found = [c for c in response.headers.getlist("Set-Cookie") if "register_session=" in c]
    assert found, response.headers
    return found[-1]


def test_production_sends_hsts_and_a_host_only_secure_session_cookie(production, factory):
    client = https_client(production)
    page = client.get("/logg-inn")
    assert page.headers["Strict-Transport-Security"] == HSTS

    response = sign_in(client, factory.user("branch", branches=[factory.branch()]))
    assert response.status_code == 303
    cookie = session_cookie_header(response)
    assert cookie.startswith("__Host-register_session=")
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path"} <= attributes.keys()
    assert attributes["path"] == "Path=/" and "domain" not in attributes
    assert client.get("/konto/").status_code == 200  # the browser sends it back and stays signed in


def test_development_has_neither_hsts_nor_the_prefix(app, monkeypatch, factory):
    development = make_app(app, monkeypatch, "development")
    client = development.test_client()
    page = client.get("/logg-inn")
    assert "Strict-Transport-Security" not in page.headers
    response = sign_in(client, factory.user("branch", branches=[factory.branch()]))
    assert session_cookie_header(response).startswith("register_session=")


def test_the_prefix_follows_the_secure_flag(app):
    """The test app runs outside development over plain HTTP: without Secure a __Host- cookie would be
    refused by browsers, so it keeps the plain name."""
    assert app.config["SESSION_COOKIE_NAME"] == "register_session"


def test_the_content_security_policy_allows_no_base_element(client):
    policy = client.get("/logg-inn").headers["Content-Security-Policy"]
    assert "base-uri 'none'" in policy and "base-uri 'self'" not in policy


def test_logout_tells_the_browser_to_forget_cached_pages_and_storage(client, factory):
    sign_in(client, factory.user("branch", branches=[factory.branch()]))
    token = csrf_from(client.get("/"))
    response = client.post("/logg-ut", data={"csrf_token": token})
    assert response.status_code == 303 and response.location == "/logg-inn"
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert "Clear-Site-Data" not in client.get("/logg-inn").headers
