"""The weekly queues of the member routines on a register of 500 000 members: server time.

    .venv/bin/python bench/queues.py --reuse        # on bench/bench.db (built by bench/search.py)

Signed in as the central registry, a county and a branch officer (the demo users), each queue is
asked for this week and for the last four weeks: new members to put on deduction, stop deduction,
and transfers under way. Prints one JSON line; goal: each renders in under 200 ms.
"""
import argparse
import json
import os
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import normalize_database_url  # noqa: E402
from bench.search import DEFAULT_DB, ROLES, ServerTimer, build, log, make_app, signed_in, summary  # noqa: E402

QUEUES = {"new_members": "/innmelding/ny-trekk", "stop_deduction": "/utmelding/", "transfers": "/overforing/"}


def periods(today: date) -> dict[str, dict]:
    """This week (the queue's default) and the last four weeks."""
    monday = today - timedelta(days=today.weekday())
    return {"week": {}, "four_weeks": {"fra": (monday - timedelta(weeks=3)).strftime("%d.%m.%Y"),
                                       "til": today.strftime("%d.%m.%Y")}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    app = make_app(normalize_database_url(args.database_url or f"sqlite:///{DEFAULT_DB}"))
    build(app, 500_000, 1, args.reuse)
    timer = ServerTimer(app)
    app.wsgi_app = timer
    results = {}
    clients = {role: signed_in(app, username) for role, username in ROLES.items()}
    for name, url in QUEUES.items():
        for period, query in periods(date.today()).items():
            times = []
            for role, client in clients.items():
                client.get(url, query_string=query)  # warm-up
                for _ in range(args.runs):
                    response = client.get(url, query_string=query)
                    if response.status_code != 200:
                        sys.exit(f"{url} {query} as {role} answered {response.status_code}")
                    times.append((timer.last * 1000, timer.sql * 1000))
            results[f"{name}_{period}"] = summary(times)
            log(f"{name} {period}: p95 {results[f'{name}_{period}']['p95_ms']} ms")
    print(json.dumps({"command": " ".join([".venv/bin/python", "bench/queues.py", *sys.argv[1:]]),
                      "goal": "p95 under 200 ms for the weekly queues", "load_average": [round(x, 1) for x in os.getloadavg()],
                      "results": results}))


if __name__ == "__main__":
    main()
