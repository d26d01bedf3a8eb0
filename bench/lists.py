"""Deduction lists on a register of 500 000 members: forming a month, importing an employer's file,
and the list page.

    .venv/bin/python bench/lists.py                  # on a copy of bench/bench.db (built first if missing)
    .venv/bin/python bench/lists.py --database-url postgresql://...   # on a copy of that database

Everything runs on a copy (SQLite: bench/lists-work.db; PostgreSQL: CREATE DATABASE <name>_lists
TEMPLATE <name>), removed afterwards, so that every run starts from the same state and the other
benchmarks' database is left as it was. The month measured is the first one after the lists the
demo made (normally this month).

(a) form: services.form_lists for every employer and branch of the month, with the commit, as
    `flask lists form` does;
(b) import: one employer's file of exactly 5 000 lines through services.import_file, with the
    commit, as `flask lists import` does. The setup gives each run its own employer with 5 000
    members of one branch (their employments of the month moved there) and forms its list; the
    file (demo.lists.employer_file) says what was expected for all but a few: 5 members missing,
    5 persons not expected, 10 over the cap, 10 wrong insurance amounts. Parsing alone
    (rules.deduction_file) is timed too;
(c) bare insert: the 5 000 lines the import stored, inserted again into deduction_lines with one
    executemany and the commit; the ratio is (b) / (c);
(d) page: GET /trekklister/<id>?vis=alle of a 500-line list (another employer set up the same way,
    received with a few deviations), signed in as the central registry, server time as
    bench/search.py measures it.
(b) and (c) are run --repeat times and the fastest counts. Prints one JSON line; progress goes to
standard error.
"""
import argparse
import json
import os
import random
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import normalize_database_url  # noqa: E402
from bench.search import (  # noqa: E402
    DEFAULT_DB,
    ServerTimer,
    build,
    command_line,
    log,
    make_app,
    signed_in,
    summary,
    timed,
)
from demo import numbers  # noqa: E402
from demo.lists import ExtraPerson, FileDeviations, employer_file  # noqa: E402
from models import (  # noqa: E402
    DeductionLine,
    DeductionList,
    Employer,
    Employment,
    Workplace,
    db,
)
from models.deduction import month_start, next_period  # noqa: E402
from rules.deduction_file import read_deduction_file  # noqa: E402
from rules.names import name_key  # noqa: E402

FILE_LINES = 5_000  # (b): the file's lines
PAGE_LINES = 500  # (d): the list's lines
GOALS = {"form_seconds": 30, "import_seconds": 2, "ratio": 4, "page_p95_ms": 300}


# --- the working copy ---------------------------------------------------------------------------------

def copy_database(url: str, name: str = "lists") -> tuple[str, callable]:
    """A copy of the database to work on (bench/<name>-work.db, or <database>_<name> on PostgreSQL),
    and a function that removes it."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        work_db = ROOT / "bench" / f"{name}-work.db"

        def remove():
            for path in work_db.parent.glob(work_db.name + "*"):
                path.unlink()
        remove()
        source, target = sqlite3.connect(parsed.database), sqlite3.connect(work_db)
        with target:
            source.backup(target)
        source.close()
        target.close()
        return f"sqlite:///{work_db}", remove

    copy_name = f"{parsed.database}_{name}"
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def remove():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'))
    remove()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{copy_name}" TEMPLATE "{parsed.database}"'))
    return parsed.set(database=copy_name).render_as_string(hide_password=False), remove


@contextmanager
def working_copy(database_url: str | None, name: str, *, members: int, seed: int, keep: bool
                 ) -> Iterator[tuple[Flask, float | None]]:
    """The application on a migrated copy (copy_database) of the benchmark database (`database_url`,
    by default bench/bench.db), the demo union of `members` loaded into it first when it is empty;
    yields (app, seconds the loading took, or None). The copy is removed afterwards unless `keep`."""
    url = normalize_database_url(database_url or f"sqlite:///{DEFAULT_DB}")
    base = make_app(url)
    load_seconds = build(base, members, seed, reuse=True)
    with base.app_context():
        db.engine.dispose()
    log("Copying the database ...")
    work_url, remove = copy_database(url, name)
    try:
        app = make_app(work_url)
        with app.app_context():
            upgrade()
        yield app, load_seconds
        with app.app_context():
            db.engine.dispose()
    finally:
        if not keep:
            remove()


def bench_period() -> date:
    """The first month without any list: normally this month, the demo having made the three before."""
    latest = db.session.scalar(sa.select(sa.func.max(DeductionList.period)))
    period = month_start(date.today())
    return max(period, next_period(latest)) if latest else period


# --- the setup: employers whose lists have exactly the lines wanted -----------------------------------

class Members:
    """Members expected on the month's lists, handed out to dedicated employers, none twice."""

    def __init__(self, period: date):
        self.period = period
        rows = db.session.execute(
            sa.select(DeductionList.branch_id, DeductionLine.membership_id)
            .join(DeductionLine, DeductionLine.list_id == DeductionList.id)
            .where(DeductionList.period == period, DeductionLine.expected, DeductionLine.membership_id.is_not(None))
            .order_by(DeductionLine.id)).all()
        self.by_branch: dict[int, list[int]] = {}
        for branch_id, membership_id in rows:
            self.by_branch.setdefault(branch_id, []).append(membership_id)
        self.used: set[int] = set()

    def take(self, count: int) -> tuple[int, list[int]]:
        """(branch id, membership ids) of `count` members of one branch not handed out before: of the
        branch with the most members on the month's lists that still has that many."""
        for branch_id, members in sorted(self.by_branch.items(), key=lambda item: -len(item[1])):
            free = [m for m in members if m not in self.used]
            if len(free) >= count:
                taken = free[:count]
                self.used.update(taken)
                return branch_id, taken
        sys.exit(f"no branch has {count} members left on the lists of {self.period:%Y-%m}")


def dedicated_list(members: Members, count: int, label: str) -> DeductionList:
    """A new employer with one workplace, to which `count` members of one branch move their
    deduction employments of the month; its list formed (and committed), with exactly those members."""
    from blueprints.deviations import services

    branch_id, membership_ids = members.take(count)
    period = members.period
    name = f"Benkmerket {label} AS"
    taken = set(db.session.scalars(sa.select(Employer.orgnr)))
    rng = random.Random(label)
    orgnr = numbers.organization_number(rng)
    while orgnr in taken:
        orgnr = numbers.organization_number(rng)
    employer = Employer(orgnr=orgnr, name=name, name_key=name_key(name))
    db.session.add(employer)
    db.session.flush()
    workplace = Workplace(employer_id=employer.id, number=1, name="Hovedkontoret", branch_id=branch_id)
    db.session.add(workplace)
    db.session.flush()
    covering = sa.and_(Employment.from_date <= period,
                       sa.or_(Employment.to_date.is_(None), Employment.to_date >= period))
    for start in range(0, len(membership_ids), 500):
        db.session.execute(
            sa.update(Employment).where(Employment.membership_id.in_(membership_ids[start:start + 500]),
                                        Employment.payment_method == "deduction", covering)
            .values(workplace_id=workplace.id).execution_options(synchronize_session=False))
    services.form_lists(period, only=(employer.id, branch_id))
    db.session.commit()
    found = db.session.scalar(sa.select(DeductionList).where(
        DeductionList.period == period, DeductionList.employer_id == employer.id))
    if found.expected_count != count:
        sys.exit(f"the list of {name} has {found.expected_count} lines, not {count}")
    return found


def a_file(deduction_list: DeductionList, *, missing: int, extra: int, over_cap: int, insurance: int) -> bytes:
    """The employer's file for the list: as expected but for the deviations asked for."""
    lines = db.session.scalars(sa.select(DeductionLine).where(DeductionLine.list_id == deduction_list.id)
                               .order_by(DeductionLine.id)).all()
    capped = [line.id for line in lines if line.cap_ore is not None]
    ids = [line.id for line in lines]
    rng = random.Random(deduction_list.id)
    extras = []
    for _ in range(extra):
        birth = date(rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28))
        extras.append(ExtraPerson(numbers.national_id(birth, rng.random() < 0.5, rng), "Nyansatt", "Nora",
                                  dues_ore=60_000, insurance_ore=lines[0].expected_insurance_ore or 0))
    return employer_file(deduction_list, lines, FileDeviations(
        missing=frozenset(ids[:missing]), over_cap=frozenset(capped[missing:missing + over_cap]),
        wrong_insurance=frozenset(ids[-insurance:] if insurance else ()), extra=tuple(extras)))


# --- the measurements ---------------------------------------------------------------------------------

def measure_form(period: date) -> dict:
    from blueprints.deviations import services

    def form_and_commit():
        result = services.form_lists(period)
        db.session.commit()
        return result

    seconds, cpu, result = timed(form_and_commit)
    log(f"(a) formed {result.lists_created} lists with {result.lines_created} lines in {seconds:.1f} s")
    return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "lists": result.lists_created,
            "lines": result.lines_created, "members_without_rate": result.members_without_rate,
            "goal": f"under {GOALS['form_seconds']} s", "goal_met": seconds < GOALS["form_seconds"]}


def import_and_commit(services, user, data: bytes):
    outcome = services.import_file(user, data)
    if not outcome.ok:
        sys.exit(f"the file was refused: {[str(e) for e in outcome.errors[:3]]}")
    db.session.commit()
    return outcome


def measure_import(members: Members, repeat: int, file_lines: int) -> tuple[dict, list[dict]]:
    """Each run imports a fresh employer's 5 000-line file; returns the figures and the stored rows
    of the fastest run's lines (for the bare insert)."""
    from blueprints.deviations import services
    from web.commands import SYSTEM

    runs = []
    for run in range(repeat):
        deduction_list = dedicated_list(members, file_lines, f"import {run + 1}")
        data = a_file(deduction_list, missing=5, extra=5, over_cap=10, insurance=10)
        parsed_lines = read_deduction_file(data).line_count
        if parsed_lines != file_lines:
            sys.exit(f"the file has {parsed_lines} lines, not {file_lines}")
        parse_seconds, _, _ = timed(read_deduction_file, data)

        seconds, cpu, outcome = timed(import_and_commit, services, SYSTEM, data)
        counts = outcome.lists[0].counts
        runs.append((seconds, cpu, parse_seconds, deduction_list.id, counts, len(data)))
        log(f"(b) run {run + 1}: imported {file_lines} lines in {seconds:.2f} s (parsing {parse_seconds:.2f} s): {counts}")
    seconds, cpu, parse_seconds, list_id, counts, size = min(runs)
    columns = [c for c in DeductionLine.__table__.columns if c.name != "id"]
    rows = [dict(row._mapping) for row in db.session.execute(
        sa.select(*columns).where(DeductionLine.list_id == list_id, DeductionLine.reported_row.is_not(None)))]
    db.session.rollback()
    return {"seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3), "parse_seconds": round(parse_seconds, 3),
            "file_lines": file_lines, "file_bytes": size, "list_lines": file_lines + 5,
            "counts": counts, "runs": [round(r[0], 3) for r in runs],
            "goal": f"under {GOALS['import_seconds']} s", "goal_met": seconds < GOALS["import_seconds"]}, rows


def measure_bare_insert(rows: list[dict], repeat: int) -> dict:
    """The same rows inserted into deduction_lines with one executemany, and the commit."""
    table = DeductionLine.__table__
    runs = []
    for _ in range(repeat):
        def insert_and_commit():
            db.session.connection().execute(table.insert(), rows)
            db.session.commit()
        seconds, cpu, _ = timed(insert_and_commit)
        runs.append((seconds, cpu))
    seconds, cpu = min(runs)
    log(f"(c) bare insert of {len(rows)} rows: {seconds * 1000:.0f} ms")
    return {"seconds": round(seconds, 4), "cpu_seconds": round(cpu, 4), "rows": len(rows),
            "runs": [round(r[0], 4) for r in runs]}


def measure_page(app, members: Members, runs: int, warmup: int, page_lines: int) -> dict:
    from blueprints.deviations import services
    from web.commands import SYSTEM

    if "deviations.show" not in app.view_functions:
        return {"measured": False, "reason": "the list page (deviations.show) does not exist yet"}
    with app.app_context():
        deduction_list = dedicated_list(members, page_lines - 4, "liste")
        data = a_file(deduction_list, missing=4, extra=4, over_cap=4, insurance=4)
        outcome = services.import_file(SYSTEM, data)
        if not outcome.ok:
            sys.exit(f"the page's file was refused: {[str(e) for e in outcome.errors[:3]]}")
        db.session.commit()
        list_id = deduction_list.id
        lines = db.session.scalar(sa.select(sa.func.count()).where(DeductionLine.list_id == list_id))
        counts = outcome.lists[0].counts
    timer = ServerTimer(app)
    app.wsgi_app = timer
    client = signed_in(app, "sentral")
    url = f"/trekklister/{list_id}"
    times, size = [], 0
    for i in range(warmup + runs):
        response = client.get(url, query_string={"vis": "alle"})
        if response.status_code != 200:
            sys.exit(f"{url}?vis=alle answered {response.status_code}")
        size = len(response.get_data())
        if i >= warmup:
            times.append((timer.last * 1000, timer.sql * 1000))
    figures = summary(times)
    log(f"(d) {url}?vis=alle ({lines} lines): p50 {figures['median_ms']} ms, p95 {figures['p95_ms']} ms")
    return {"measured": True, "url": f"{url}?vis=alle", "lines": lines, "counts": counts, "bytes": size,
            **figures, "goal": f"p95 under {GOALS['page_p95_ms']} ms",
            "goal_met": figures["p95_ms"] < GOALS["page_p95_ms"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help=f"default: sqlite:///{DEFAULT_DB}")
    parser.add_argument("--members", type=int, default=500_000, help="when the database must be built")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of (b) and (c); the fastest counts")
    parser.add_argument("--runs", type=int, default=20, help="measured requests of the list page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--file-lines", type=int, default=FILE_LINES, help="lines of the file imported in (b)")
    parser.add_argument("--page-lines", type=int, default=PAGE_LINES, help="lines of the list shown in (d)")
    parser.add_argument("--keep", action="store_true", help="keep the working copy afterwards")
    args = parser.parse_args()

    with working_copy(args.database_url, "lists", members=args.members, seed=args.seed, keep=args.keep) as (
            app, load_seconds):
        with app.app_context():
            members_count = db.session.scalar(sa.text("SELECT count(*) FROM persons"))
            dialect = db.engine.dialect.name
            period = bench_period()
            log(f"Measuring on {period:%Y-%m} ...")
            form = measure_form(period)
            members = Members(period)
            imported, rows = measure_import(members, args.repeat, args.file_lines)
            bare = measure_bare_insert(rows, args.repeat)
        page = measure_page(app, members, args.runs, args.warmup, args.page_lines)

    ratio = imported["seconds"] / bare["seconds"]
    print(json.dumps({
        "command": command_line("bench/lists.py", args.database_url),
        "members": members_count, "database": dialect, "period": f"{period:%Y-%m}",
        "load_seconds": round(load_seconds, 1) if load_seconds else None,
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "form": form, "import": imported, "bare_insert": bare,
        "ratio": {"import_to_bare_insert": round(ratio, 1), "goal": f"under {GOALS['ratio']}",
                  "goal_met": ratio < GOALS["ratio"]},
        "page": page,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
