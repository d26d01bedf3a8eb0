"""The monthly dues of every active member of a 500 000-member register, against a bare read of the
same rows.

    .venv/bin/python bench/dues.py            # reuses bench/bench.db when it has members, else builds it
    .venv/bin/python bench/dues.py --database-url postgresql://...

(a) dues: models.dues.load_member_facts(today) and rules.dues.member_dues for every active membership
    with today's rates, summing Dues.monthly_ore;
(b) read only: the same SELECTs (models.dues.member_fact_selects), iterating their rows, no rules.
Each is run --repeat times and the fastest run counts; the CPU time of the process is printed too
(the wall time is what the goal is about, the CPU time shows how much other work on the machine added). The database is built the way bench/search.py
builds it (its `build`). Prints one JSON line; progress goes to standard error.
"""
import argparse
import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import normalize_database_url  # noqa: E402
from bench.search import DEFAULT_DB, build, command_line, log, make_app, timed  # noqa: E402
from models import db  # noqa: E402
from models.dues import load_member_facts, member_fact_selects, rate_history  # noqa: E402
from rules.dues import DuesError, member_dues, rates_on  # noqa: E402

GOAL = "ratio < 3 and dues_seconds < 5"


def read_only(today: date) -> int:
    rows = 0
    run = db.session.connection().execute  # as load_member_facts runs them
    for select in member_fact_selects(today).values():
        for _ in run(select):
            rows += 1
    return rows


def dues(today: date) -> tuple[int, int, int]:
    """(members, members whose dues could not be computed, sum of monthly dues in øre)."""
    rates = rates_on(rate_history(), today)
    members = failed = total = 0
    for _, facts in load_member_facts(today):
        members += 1
        if facts is None:
            failed += 1
            continue
        try:
            total += member_dues(facts, rates, today).monthly_ore
        except DuesError:
            failed += 1
    return members, failed, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help=f"default: sqlite:///{DEFAULT_DB}")
    parser.add_argument("--members", type=int, default=500_000, help="when the database must be built")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one dues run to stderr")
    args = parser.parse_args()

    app = make_app(normalize_database_url(args.database_url or f"sqlite:///{DEFAULT_DB}"))
    build(app, args.members, args.seed, reuse=True)
    today = date.today()
    with app.app_context():
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(dues, today)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
        read_times, dues_times = [], []  # (wall, cpu) of each run
        for run in range(args.repeat):
            *read, rows = timed(read_only, today)
            *computed, (members, failed, total) = timed(dues, today)
            read_times.append(read)
            dues_times.append(computed)
            log(f"run {run + 1}: read only {read[0]:.2f} s (CPU {read[1]:.2f} s, {rows} rows), "
                f"dues {computed[0]:.2f} s (CPU {computed[1]:.2f} s)")
            db.session.rollback()
        dialect = db.engine.dialect.name

    (dues_seconds, dues_cpu), (read_seconds, read_cpu) = min(dues_times), min(read_times)
    print(json.dumps({
        "command": command_line("bench/dues.py", args.database_url),
        "members": members,
        "database": dialect,
        "dues_seconds": round(dues_seconds, 2),
        "read_only_seconds": round(read_seconds, 2),
        "ratio": round(dues_seconds / read_seconds, 2),
        "goal": GOAL,
        "goal_met": dues_seconds / read_seconds < 3 and dues_seconds < 5,
        "dues_cpu_seconds": round(dues_cpu, 2),
        "read_only_cpu_seconds": round(read_cpu, 2),
        "not_computed": failed,
        "monthly_total_kr": f"{total // 100}.{total % 100:02d}",
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
