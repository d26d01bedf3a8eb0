"""The application factory: configuration, extensions, blueprints, commands and error pages.

`create_app()` registers an explicit list of blueprints, so this file reads as the table of
contents of the application.
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, has_request_context, render_template, request, session
from flask_babel import Babel
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from models import db
from web import formatting, logredact, textinput
from web.access import enforce_declared_access
from web.pages import htmx, query_args
from web.sessions import login_manager
from web.two_factor import second_factor_pending

csrf = CSRFProtect()
babel = Babel()
migrate = Migrate()

LANGUAGES = {"nb": "Norsk bokmål", "en": "English"}


def create_app(config: dict | None = None) -> Flask:
    logredact.install()  # no identity number in any log line
    textinput.install()  # every form's text in NFC, refused characters refused (rules.text)
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(_default_config(app))
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in the environment outside development")
    if app.config["SESSION_COOKIE_SECURE"] and not app.config["SESSION_COOKIE_NAME"].startswith("__Host-"):
        # A __Host- cookie is only ever set over HTTPS, for this host and every path: no subdomain or
        # plain-HTTP page can plant or overwrite it. Browsers refuse the prefix without Secure.
        app.config["SESSION_COOKIE_NAME"] = "__Host-" + app.config["SESSION_COOKIE_NAME"]

    if proxies := int(os.environ.get("TRUSTED_PROXIES", "0")):
        # Behind a load balancer: take the client's address and scheme from that many proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path) / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, default_timezone="Europe/Oslo")
    formatting.register(app)
    app.url_map.converters["int"] = BoundedIntConverter
    with app.app_context():
        _tune_engine(db.engine)

    _register_blueprints(app)
    _register_commands(app)
    _register_request_hooks(app)
    _register_error_pages(app)
    return app


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` matches only numbers an integer column holds; a longer one is 404, not a crash."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _default_config(app: Flask) -> dict:
    env = os.environ.get("REGISTER_ENV", "production")
    development = env == "development"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'register.db'}"
    return {
        "REGISTER_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or (_instance_secret(app) if development else None),
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        # hide_parameters: a database error (and so a logged traceback) never quotes the values of a
        # statement, which hold identity numbers (DOMAIN.md section 8: never in a server log)
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development,
        "SESSION_COOKIE_NAME": "register_session",
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=30),  # idle; web/sessions.py
        "ABSOLUTE_SESSION_LIFETIME": timedelta(hours=12),  # after login, however active
        # HTTPS only from the first answer on, for a year (outside development, served over HTTPS)
        "STRICT_TRANSPORT_SECURITY": None if development else "max-age=31536000; includeSubDomains",
        # County and central users and every account that sees more than one branch must log in with a
        # second factor (web/two_factor.py); development (`make run`, demo data) lets them in without one.
        "TWO_FACTOR_REQUIRED": not development,
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, which idles out
        "BABEL_DEFAULT_LOCALE": "nb",
        "PAGE_SIZE": 50,
        "JOB_RUNNER": os.environ.get("JOB_RUNNER", "thread"),  # web/jobs.py
        "UNION_ACCOUNT": os.environ.get("UNION_ACCOUNT", "15032080119"),  # where employers pay their lists
        # the accounts payment files may be for (FORMATS.md section 4); empty: any, and the import says so
        "UNION_ACCOUNTS": os.environ.get("UNION_ACCOUNTS", ""),
        # a posted list still not paid this many days after posting goes to the county's queue
        "UNPAID_AFTER_DAYS": int(os.environ.get("UNPAID_AFTER_DAYS", "30")),
        # synthetic test numbers (identity numbers with month + 80; web/idnumber.py): never in production
        "ALLOW_SYNTHETIC_NATIONAL_IDS": False,
    }


def normalize_database_url(url: str) -> str:
    """Accept the usual postgres:// forms and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(app: Flask) -> str:
    """In development, a random key kept in instance/ (never in the repository)."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _tune_engine(engine: sa.Engine) -> None:
    """SQLite: WAL, foreign keys, a busy timeout, and write transactions that begin IMMEDIATE."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _select_locale() -> str:
    # Commands have no request (and no session): they speak bokmål.
    return (session.get("lang") if has_request_context() else None) or "nb"


def _register_blueprints(app: Flask) -> None:
    from blueprints.admin import bp as admin
    from blueprints.auth import bp as auth
    from blueprints.deviations import bp as deviations
    from blueprints.distribution import bp as distribution
    from blueprints.dues import bp as dues
    from blueprints.enrollment import bp as enrollment
    from blueprints.home import bp as home
    from blueprints.members import bp as members
    from blueprints.organization import bp as organization
    from blueprints.payments import bp as payments
    from blueprints.portal import bp as portal
    from blueprints.routines import bp as routines
    from blueprints.transfer import bp as transfer
    from blueprints.withdrawal import bp as withdrawal

    for blueprint in (auth, home, members, enrollment, withdrawal, transfer, routines, deviations, portal,
                      dues, organization, admin, payments, distribution):
        app.register_blueprint(blueprint)


def _register_commands(app: Flask) -> None:
    from blueprints.dues.cli import kid_group
    from demo import demo_command

    app.cli.add_command(demo_command)
    app.cli.add_command(kid_group)


def _register_request_hooks(app: Flask) -> None:
    app.before_request(enforce_declared_access)

    @app.after_request
    def _finish(response):
        """One commit per request, at its end; nothing is stored when the answer is an error."""
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'",
        )
        if hsts := app.config.get("STRICT_TRANSPORT_SECURITY"):
            response.headers.setdefault("Strict-Transport-Security", hsts)
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.add_template_global(query_args)
    app.add_template_global(second_factor_pending)

    @app.context_processor
    def _shell_context():
        return {"languages": LANGUAGES, "current_language": _select_locale()}


def _register_error_pages(app: Flask) -> None:
    messages = {
        400: (_l("Ugyldig forespørsel"), _l("Forespørselen kunne ikke behandles.")),
        403: (_l("Ingen tilgang"), _l("Du har ikke tilgang til denne siden.")),
        404: (_l("Fant ikke siden"), _l("Siden eller oppføringen finnes ikke, eller du har ikke tilgang til den.")),
        405: (_l("Ikke tillatt"), _l("Denne handlingen er ikke tillatt her.")),
        413: (_l("For stor fil"), _l("Filen er for stor. Største tillatte størrelse er 20 MB.")),
        500: (_l("Noe gikk galt"), _l("En feil oppstod hos oss. Ingenting ble lagret. Prøv igjen, eller kontakt "
                                 "Medlemsregisteret hvis feilen gjentar seg.")),
    }

    def render_error(code: int, detail: str | None = None):
        db.session.rollback()
        title, text = messages[code]
        return render_template("error.html", code=code, title=title, text=detail or text), code

    for code in messages:
        app.register_error_handler(code, lambda e, code=code: render_error(code))

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        app.logger.warning("CSRF refused: %s", error.description)
        return render_error(400, _("Skjemaet er utløpt eller ugyldig. Last siden på nytt og prøv igjen."))
