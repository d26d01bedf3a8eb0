"""The member search on a register of 500 000 members: server time of real requests.

    .venv/bin/python bench/search.py                  # builds bench/bench.db (SQLite), then measures
    .venv/bin/python bench/search.py --reuse          # measures the database built before
    .venv/bin/python bench/search.py --database-url postgresql://...   # builds into that empty database

The database is built through the application: the migrations, then `flask demo --members 500000`.
Requests go through the Flask test client, signed in through the login page, as the central
registry, a county and a branch officer (the demo users); the time measured is the application's, from the request's arrival
to the last byte of the answer, with the part of it spent in SQL. Prints one JSON line (with the
machine's load average: other work on the machine inflates the times); progress goes to standard error.
"""
import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app, normalize_database_url  # noqa: E402
from demo.generator import PASSWORD  # noqa: E402
from models import Membership, Person, User, db  # noqa: E402
from rules.names import name_key, prefix_upper_bound  # noqa: E402

try:  # the one scope object (issue 12); the script also measures the code from before it
    from blueprints.members.queries import private_search  # noqa: E402
    from models.scope import Scope  # noqa: E402

    def membership_scope(user):
        return Scope(user).where(Membership)
except ImportError:
    from models.scope import membership_scope  # noqa: E402

    def private_search(query) -> bool:
        return False

DEFAULT_DB = ROOT / "bench" / "bench.db"
ROLES = {"central": "sentral", "county": "fylke", "branch": "fagforening"}  # role: demo user
PAGES = 20  # the search counts up to 1 000 hits: 20 pages of 50


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(function, *args, **kwargs) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, result): the CPU time tells what the wall time
    would be without other work on the machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def command_line(script: str, database_url: str | None, prefix: tuple[str, ...] = ()) -> str:
    """How the benchmark was run, for its JSON: the command with the database's password hidden."""
    shown = [sa.make_url(a).render_as_string(hide_password=True) if a == database_url else a for a in sys.argv[1:]]
    return " ".join([*prefix, ".venv/bin/python", script, *shown])


class ServerTimer:
    """WSGI middleware: the time from a request's arrival to the last byte of its answer, and the part
    of it spent in the database (statements sent to the driver until their rows are fetched)."""

    def __init__(self, app):
        self.wsgi_app = app.wsgi_app
        self.last = self.sql = 0.0
        self._started = {}
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", self._before)
            sa.event.listen(db.engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.sql += time.perf_counter() - self._started.pop(id(cursor))

    def __call__(self, environ, start_response):
        self.sql = 0.0
        started = time.perf_counter()
        body = self.wsgi_app(environ, start_response)
        try:
            chunks = list(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        self.last = time.perf_counter() - started
        return chunks


def make_app(url: str):
    # The search is measured, not the login: the demo users sign in with the password alone.
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-not-for-production",
                       "SESSION_COOKIE_SECURE": False, "TWO_FACTOR_REQUIRED": False})


# The floor of each search: the same rows found by a bare indexed query on the same database, with no
# application around it (no scope, no page).
FLOORS = {
    "name_prefix": ("SELECT id FROM persons WHERE name_key >= :lo AND name_key < :hi ORDER BY name_key LIMIT 50",
                    lambda q: {"lo": name_key(q["q"]), "hi": prefix_upper_bound(name_key(q["q"]))}),
    "member_number": ("SELECT person_id FROM memberships WHERE member_number = :n", lambda q: {"n": int(q["q"])}),
    "national_id": ("SELECT id FROM persons WHERE national_id = :n", lambda q: {"n": q["q"]}),
    "name_page": ("SELECT id FROM persons ORDER BY name_key LIMIT 50 OFFSET :o",
                  lambda q: {"o": (q["page"] - 1) * 50}),
}


def measure_floor(app, kind: str, queries: list[dict], warmup: int) -> list[tuple[float, float]]:
    sql, params = FLOORS[kind]
    times = []
    with app.app_context():
        with db.engine.connect() as conn:
            for i, query in enumerate(queries):
                started = time.perf_counter()
                conn.execute(sa.text(sql), params(query)).all()
                if i >= warmup:
                    elapsed = (time.perf_counter() - started) * 1000
                    times.append((elapsed, elapsed))
    return times


def build(app, members: int, seed: int, reuse: bool) -> float | None:
    """Migrate and load the demo union; None when --reuse found one already there."""
    with app.app_context():
        upgrade()
        loaded = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
    if loaded and reuse:
        log(f"Reusing the database with {loaded} persons.")
        return None
    if loaded:
        sys.exit("The database already has members: give --reuse, or an empty database.")
    log(f"Loading the demo union with {members} members ...")
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["demo", "--members", str(members), "--seed", str(seed), "--json"])
    if result.exit_code != 0:
        sys.exit(f"flask demo failed: {result.output}")
    seconds = time.perf_counter() - started
    log(f"Loaded in {seconds:.1f} s.")
    return seconds


def signed_in(app, username: str):
    """A test client signed in through the login page, with the CSRF token from the form."""
    client = app.test_client()
    page = client.get("/logg-inn").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/logg-inn", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 303:
        sys.exit(f"could not log in as {username}")
    page = client.get("/medlemmer/").get_data(as_text=True)
    client.csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client


def inputs(app, username: str, rng: random.Random, count: int) -> dict[str, list]:
    """Varied searches drawn from the active members the user may see."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        rows = db.session.execute(
            sa.select(Membership.member_number, Person.national_id, Person.last_name)
            .join(Membership.person)
            .where(Membership.end_date.is_(None), membership_scope(user))
        ).all()
        db.session.rollback()
    picked = [rows[rng.randrange(len(rows))] for _ in range(count)]
    return {
        "name_prefix": [{"q": last_name[:3]} for _, _, last_name in picked],
        "member_number": [{"q": str(number)} for number, _, _ in picked],
        "national_id": [{"q": national_id} for _, national_id, _ in picked],
        "name_page": [{"sort": "name", "page": rng.randint(1, PAGES)} for _ in range(count)],
    }


def measure(timer: ServerTimer, client, queries: list[dict], warmup: int, headers: dict) -> list[tuple[float, float]]:
    """(server ms, of which SQL ms) of each request after the warm-up. A search that may hold an identity
    number is posted as the search form posts it (it never goes into a URL); the others are asked as the
    URL a bookmark holds."""
    times = []
    for i, query in enumerate(queries):
        if private_search(query):
            response = client.post("/medlemmer/", data={**query, "csrf_token": client.csrf}, headers=headers)
        else:
            response = client.get("/medlemmer/", query_string=query, headers=headers)
        if response.status_code != 200:
            sys.exit(f"/medlemmer/ {query} answered {response.status_code}")
        if i >= warmup:
            times.append((timer.last * 1000, timer.sql * 1000))
    return times


def summary(times: list[tuple[float, float]]) -> dict:
    def p95(values):
        return round(statistics.quantiles(values, n=100)[94], 1)

    server, sql = [t for t, _ in times], [s for _, s in times]
    return {"median_ms": round(statistics.median(server), 1), "p95_ms": p95(server),
            "sql_median_ms": round(statistics.median(sql), 1), "sql_p95_ms": p95(sql), "n": len(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="use the database built before, if any")
    parser.add_argument("--database-url", help=f"default: sqlite:///{DEFAULT_DB}")
    parser.add_argument("--members", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=200, help="measured requests per search and role")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--htmx", action="store_true",
                        help="ask as htmx does when one types in the search field (the results fragment only)")
    args = parser.parse_args()

    url = normalize_database_url(args.database_url or f"sqlite:///{DEFAULT_DB}")
    if not args.database_url and not args.reuse:
        for path in DEFAULT_DB.parent.glob(DEFAULT_DB.name + "*"):
            path.unlink()
    app = make_app(url)
    load_seconds = build(app, args.members, args.seed, args.reuse)
    timer = ServerTimer(app)
    app.wsgi_app = timer

    rng = random.Random(args.seed)
    headers = {"HX-Request": "true"} if args.htmx else {}
    by_role: dict[str, dict[str, list[float]]] = {}
    floors: dict = {}
    for role, username in ROLES.items():
        client = signed_in(app, username)
        searches = inputs(app, username, rng, args.warmup + args.runs)
        by_role[role] = {kind: measure(timer, client, queries, args.warmup, headers)
                         for kind, queries in searches.items()}
        floors.setdefault("by_role", {})[role] = {kind: measure_floor(app, kind, queries, args.warmup)
                                                  for kind, queries in searches.items()}
        log(f"{role}: " + ", ".join(f"{k} p95 {summary(v)['p95_ms']} ms" for k, v in by_role[role].items()))

    with app.app_context():
        members = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
        dialect = db.engine.dialect.name
    command = command_line("bench/search.py", args.database_url)
    results = {
        kind: {**summary([t for role in by_role.values() for t in role[kind]]),
               "floor": summary([t for role in floors["by_role"].values() for t in role[kind]]),
               "by_role": {role: summary(times[kind]) for role, times in by_role.items()}}
        for kind in by_role["central"]
    }
    for figures in results.values():
        figures["ratio_to_floor_median"] = round(figures["median_ms"] / max(figures["floor"]["median_ms"], 0.1), 1)
    print(json.dumps({"command": command, "members": members, "database": dialect,
                      "load_seconds": round(load_seconds, 1) if load_seconds else None,
                      "load_average": [round(x, 1) for x in os.getloadavg()], "results": results},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
