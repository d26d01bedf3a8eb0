"""Fixtures: one migrated database per run, a transaction per test rolled back afterwards.

SQLite by default; PostgreSQL when TEST_DATABASE_URL is set. In CI (CI=true) a skipped test fails.
"""
import os
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id

from app import create_app, normalize_database_url
from models import db
from web import clock

from .factories import PASSWORD, TEST_ARGON2_PARAMS, Factory
from .pages import answer_second_factor, csrf_from, send


def database_url(tmp_path_factory, name: str) -> str:
    """A fresh, empty database for this run: a SQLite file, or a PostgreSQL database made anew."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp(name) / 'test.db'}"
    url = normalize_database_url(url)
    base = sa.make_url(url)
    if name == "main":
        target = base
        engine = sa.create_engine(target)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    target = base.set(database=f"{base.database}_{name}")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    return target.render_as_string(hide_password=False)


def make_migrated_app(url: str, **config):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-not-for-production",
        "SQLALCHEMY_DATABASE_URI": url,
        "SESSION_COOKIE_SECURE": False,
        "ARGON2_PARAMS": TEST_ARGON2_PARAMS,
        "TWO_FACTOR_REQUIRED": True,  # as outside development: tests see what production does
        **config,
    })
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    return make_migrated_app(database_url(tmp_path_factory, "main"), JOB_RUNNER="inline")


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replaces pytest-flask's: a request context kept open across a test would share `g` (and so the
    signed-in user and the CSRF token) between the client's requests. Each request gets its own."""
    yield


@pytest.fixture(autouse=True)
def connection(request, app):
    """Each test runs in one transaction that is rolled back; commits inside it release savepoints.

    Requests get their own session per app context, as in production, bound to this connection."""
    if "live_server" in request.fixturenames:
        yield None
        return
    with app.app_context():
        conn = db.engine.connect()
    outer = conn.begin()
    original = db.session
    db.session = sa.orm.scoped_session(
        sa.orm.sessionmaker(bind=conn, join_transaction_mode="create_savepoint"), scopefunc=_app_ctx_id
    )
    try:
        yield conn
    finally:
        db.session = original
        outer.rollback()
        conn.close()


@pytest.fixture
def session(connection):
    """The test's own session, on the same connection: what it flushes, requests see."""
    with sa.orm.Session(bind=connection, join_transaction_mode="create_savepoint") as test_session:
        yield test_session


@pytest.fixture
def client(app):
    """A plain test client: pytest-flask's keeps the last request's context (and `g`) open."""
    return app.test_client()


@pytest.fixture
def factory(session) -> Factory:
    return Factory(session)


@pytest.fixture
def frozen_clock(monkeypatch):
    """Freeze the app's one clock (web.clock): `frozen_clock(datetime(2026, 12, 7, 23, 30))` (naive is
    UTC) makes every "today" and every stored timestamp of the test that moment, until the test ends."""
    def freeze(moment: datetime) -> datetime:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        monkeypatch.setattr(clock, "_now", lambda: moment)
        return moment

    return freeze


@pytest.fixture
def app_ctx(app):
    """For tests that call services directly (they use db.session, as views do)."""
    with app.app_context():
        yield


@pytest.fixture
def login(app, client):
    """Sign in through the login form (and the code page, for an account with two-factor login);
    returns a function that posts forms with the CSRF token."""

    def sign_in(user, password=PASSWORD):
        page = client.get("/logg-inn")
        response = client.post("/logg-inn", data={
            "username": user.username, "password": password, "csrf_token": csrf_from(page),
        })
        response = answer_second_factor(app, client, user, response)
        assert response.status_code == 303, response.get_data(as_text=True)
        client.csrf = csrf_from(client.get("/"))
        return response

    return sign_in



@pytest.fixture
def post(client):
    """POST a form as a signed-in user would, with the CSRF token of the session."""

    return lambda url, data=None, **kwargs: send(client, url, data, **kwargs)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI, which counts as a failure: {report.longrepr}"


