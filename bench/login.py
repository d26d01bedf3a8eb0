"""Login with two-factor end to end: the password form and the code form, as a browser posts them.

    .venv/bin/python bench/login.py                 # a fresh SQLite database in a temporary folder
    .venv/bin/python bench/login.py --runs 50
    .venv/bin/python bench/login.py --database-url postgresql://...   # an EMPTY database: it is migrated

A central user with the production Argon2 parameters (argon2-cffi's defaults) and an enrolled TOTP
secret logs in through the Flask test client: POST /logg-inn (the password: Argon2id verify, throttle
check, a new server session) and POST /logg-inn/kode (the code: throttle check, TOTP verify, the step
stored, the audit row). The figure is the server's time for the two POSTs together (the GET of each form
before it is not counted). The floor is what no implementation avoids: one bare Argon2 verify and one
bare pyotp verify with the same parameters. Prints one JSON line; progress goes to standard error.
"""
import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyotp  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app, normalize_database_url  # noqa: E402
from bench.search import command_line, log  # noqa: E402
from models import User, UserSession, db, utcnow  # noqa: E402
from web.passwords import hash_password  # noqa: E402

PASSWORD = "benk-hest-batteri-stift-2fa"
USERNAME = "benk.sentral"
GOAL_MS = 1000  # a person waits for the login: under a second for both steps together


def token(response) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)


def make_user(app) -> str:
    secret = pyotp.random_base32()
    with app.app_context():
        db.session.execute(sa.delete(User).where(User.username == USERNAME))  # a reused database
        db.session.add(User(username=USERNAME, role="central", full_name="Benk Sentral",
                            password_hash=hash_password(PASSWORD), declaration_date=utcnow().date(),
                            totp_secret=secret, totp_enrolled_at=utcnow()))
        db.session.commit()
    return secret


def forget_last_step(app) -> None:
    """Between runs: each code works once per 30 seconds, and the bench logs in more often than that."""
    with app.app_context():
        db.session.execute(sa.update(User).where(User.username == USERNAME).values(totp_last_step=None))
        db.session.execute(sa.update(UserSession).where(UserSession.ended_at.is_(None)).values(ended_at=utcnow()))
        db.session.commit()


def one_login(app, secret: str) -> tuple[float, float]:
    """(ms for the password POST, ms for the code POST)."""
    client = app.test_client()
    login_token = token(client.get("/logg-inn"))
    started = time.perf_counter()
    response = client.post("/logg-inn", data={"username": USERNAME, "password": PASSWORD, "csrf_token": login_token})
    password_ms = (time.perf_counter() - started) * 1000
    if response.status_code != 303 or not response.location.startswith("/logg-inn/kode"):
        sys.exit(f"the password step answered {response.status_code} {response.location}")
    code_token = token(client.get(response.location))
    code = pyotp.TOTP(secret).now()
    started = time.perf_counter()
    response = client.post(response.location, data={"code": code, "csrf_token": code_token})
    code_ms = (time.perf_counter() - started) * 1000
    if response.status_code != 303 or response.location != "/":
        sys.exit(f"the code step answered {response.status_code} {response.location}")
    if client.get("/").status_code != 200:
        sys.exit("signed in, but the start page did not open")
    return password_ms, code_ms


def floor(hasher: PasswordHasher, password_hash: str, totp: pyotp.TOTP) -> float:
    """A bare Argon2id verify (the same default parameters) plus a bare pyotp verify, in ms."""
    code = totp.now()
    started = time.perf_counter()
    hasher.verify(password_hash, PASSWORD)
    totp.verify(code, valid_window=1)
    return (time.perf_counter() - started) * 1000


def stats(values: list[float]) -> dict:
    p95 = statistics.quantiles(values, n=100)[94] if len(values) >= 2 else values[0]
    return {"median_ms": round(statistics.median(values), 1), "p95_ms": round(p95, 1), "n": len(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--database-url", help="an empty database to migrate (default: SQLite in a temporary folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = normalize_database_url(args.database_url or f"sqlite:///{Path(folder) / 'login.db'}")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-not-for-production",
                          "SESSION_COOKIE_SECURE": False, "TWO_FACTOR_REQUIRED": True})
        with app.app_context():
            upgrade()
            dialect = db.engine.dialect.name
        secret = make_user(app)
        hasher = PasswordHasher()
        password_hash, totp = hasher.hash(PASSWORD), pyotp.TOTP(secret)
        password_times, code_times, totals, floor_times = [], [], [], []
        for run in range(args.warmup + args.runs):  # login and floor in turn: the same load on both
            forget_last_step(app)
            password_ms, code_ms = one_login(app, secret)
            bare_ms = floor(hasher, password_hash, totp)
            if run >= args.warmup:
                password_times.append(password_ms)
                code_times.append(code_ms)
                totals.append(password_ms + code_ms)
                floor_times.append(bare_ms)
        log(f"login: median {statistics.median(totals):.1f} ms (password {statistics.median(password_times):.1f}, "
            f"code {statistics.median(code_times):.1f}); floor {statistics.median(floor_times):.1f} ms")
        with app.app_context():
            db.engine.dispose()

    login, bare = stats(totals), stats(floor_times)
    print(json.dumps({
        "command": command_line("bench/login.py", args.database_url),
        "database": dialect,
        "goal": f"password and code together under {GOAL_MS} ms (median)",
        "goal_met": login["median_ms"] < GOAL_MS,
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "results": {
            "login_two_factor": login,
            "password_step": stats(password_times),
            "code_step": stats(code_times),
            "floor_argon2_plus_totp": bare,
            "ratio_to_floor": round(login["median_ms"] / bare["median_ms"], 2),
        },
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
