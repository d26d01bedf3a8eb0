"""Payments and distribution on a register of 500 000 members: importing the bank's payment file of
100 000 transactions, and distributing a month.

    .venv/bin/python bench/payments.py                  # on a copy of bench/bench.db (built first if missing)
    .venv/bin/python bench/payments.py --database-url postgresql://...   # on a copy of that database
    BENCH_DATABASE_URL=postgresql://... .venv/bin/python bench/payments.py   # the same

Everything runs on a copy (SQLite: bench/payments-work.db; PostgreSQL: CREATE DATABASE
<name>_payments TEMPLATE <name>), removed afterwards, as bench/lists.py does; a PostgreSQL database
that is empty gets the demo union first (bench/search.py's build). The month is the first one after
the lists the demo made (normally this month).

Setup (not measured; the set-based SQL shortcuts stand in for what employers, branches and the bank
would do through the application over weeks):
- every list of the month is formed with services.form_lists, as bench/lists.py measures it;
- every list is received exactly as expected and posted, by two UPDATE statements (the reported
  columns set from the expected ones, the lines matched, the lists posted); no paid periods are
  written, which the distribution does not read;
- the bank pays the month's lists in one payment file through import_payment_file: most in full,
  about 2 % in part (held back by the distribution), 2 % a little too much, 3 % not at all.

(a) import: a payment file of 100 000 transactions through blueprints.payments.services.import_payment_file,
    with the commit, as `flask payments import` does: KIDs of the lists in the database, each
    repeated many times, about 2 % unknown KIDs (unidentified payments) and 0,5 % reversals (type 18).
    Each of --repeat runs imports a new transmission; the fastest counts. Parsing alone
    (rules.payment_file.read_payment_file) is timed too, and so is another such file imported as the
    upload does it: through the import job (blueprints/payments/jobs.py, run inline here), the file
    stored with the job;
(b) distribution: blueprints.distribution.services.run_distribution(period, SYSTEM) with the commit,
    as the job and `flask distribution run` do. Run before (a), so that it distributes what the setup
    paid. Each of --repeat runs starts from the same state (the run before it deleted, in setup).
Prints one JSON line; progress goes to standard error.
"""
import argparse
import json
import os
import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.lists import bench_period, working_copy  # noqa: E402
from bench.search import DEFAULT_DB, command_line, log, timed  # noqa: E402
from models import (  # noqa: E402
    DeductionLine,
    DeductionList,
    DistributionBranch,
    DistributionLine,
    DistributionRun,
    Payment,
    PaymentTransmission,
    User,
    db,
    utcnow,
)
from models.deduction import POSTED, next_period  # noqa: E402
from rules.kid import make_kid  # noqa: E402
from rules.payment_file import Transaction, build_payment_file, read_payment_file  # noqa: E402

TRANSACTIONS = 100_000  # (a): the file's transactions
UNKNOWN_SHARE = 0.02  # (a): transactions with a KID that names no list
REVERSAL_SHARE = 0.005  # (a): reversals (type 18) of a list's payment
GOALS = {"import_seconds": 10, "distribution_seconds": 30}


# --- the setup ----------------------------------------------------------------------------------------

def form_and_post(period: date) -> dict:
    """Every list of the month formed (the service), then received as expected and posted (SQL)."""
    from blueprints.deviations import services

    seconds, _, formed = timed(services.form_lists, period)
    db.session.commit()
    log(f"setup: formed {formed.lists_created} lists with {formed.lines_created} lines in {seconds:.1f} s")
    month = sa.select(DeductionList.id).where(DeductionList.period == period).scalar_subquery()
    db.session.execute(
        sa.update(DeductionLine).where(DeductionLine.list_id.in_(month), DeductionLine.expected)
        .values(reported_row=1, reported_position_bp=DeductionLine.position_bp,
                reported_pay_basis_ore=DeductionLine.pay_basis_ore, reported_dues_ore=DeductionLine.expected_dues_ore,
                reported_insurance_ore=DeductionLine.expected_insurance_ore, status="matched")
        .execution_options(synchronize_session=False))
    now = utcnow()
    db.session.execute(
        sa.update(DeductionList).where(DeductionList.period == period)
        .values(state=POSTED, source="file", received_at=now, posted_at=now, reported_count=DeductionList.expected_count,
                reported_dues_ore=DeductionList.expected_dues_ore,
                reported_insurance_ore=DeductionList.expected_insurance_ore)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return {"form_seconds": round(seconds, 1), "lists": formed.lists_created, "lines": formed.lines_created}


def import_file(data: bytes, name: str):
    from blueprints.payments.services import import_payment_file
    from web.commands import SYSTEM

    outcome = import_payment_file(SYSTEM, data, name)
    if not outcome.ok or outcome.already:
        sys.exit(f"the payment file was refused: {outcome.message} {[str(e) for e in outcome.errors[:3]]}")
    db.session.commit()
    return outcome


def import_through_job(data: bytes, name: str) -> dict:
    """As the upload does: the file into an import job's parameters and the job run to its end (inline
    here; the web process runs it in a thread)."""
    from flask import current_app

    from blueprints.payments.jobs import KIND, params
    from web import jobs

    user = db.session.scalar(sa.select(User).where(User.role == "central").order_by(User.id).limit(1))
    current_app.config["JOB_RUNNER"] = "inline"
    row = jobs.submit(KIND, params(user, data, name), user)
    db.session.commit()
    if row.state != "done":
        sys.exit(f"the import job ended {row.state}: {row.message}")
    return row.outcome


def pay_the_month(period: date, rng: random.Random) -> dict:
    """The bank's file paying the month's lists: most in full, some in part, some too much, some not."""
    lists = db.session.execute(
        sa.select(DeductionList.kid, DeductionList.reported_dues_ore + DeductionList.reported_insurance_ore)
        .where(DeductionList.period == period).order_by(DeductionList.id)).all()
    settled = min(next_period(period) + timedelta(days=19), date.today())
    transactions = []
    for kid, amount in lists:
        draw = rng.random()
        if amount <= 0 or draw < 0.03:
            continue
        if draw < 0.05:
            amount = amount * rng.randint(50, 95) // 100
        elif draw < 0.07:
            amount += rng.randint(1, 50) * 100
        transactions.append(Transaction(transaction_type=13, transaction_number=len(transactions) + 1,
                                        settlement_date=settled, amount_ore=amount, kid=kid))
    seconds, _, outcome = timed(import_file, build_payment_file(transactions, transmission_number="9000001"),
                                "month.txt")
    log(f"setup: paid {outcome.matched} of {len(lists)} lists in {seconds:.1f} s")
    return {"paid_lists": outcome.matched, "paid_ore": outcome.total_ore}


def big_file(rng: random.Random, kids: list[str], count: int, number: int) -> bytes:
    """A payment file of `count` transactions: KIDs of existing lists, repeated, some unknown KIDs and
    a few reversals."""
    settled = date.today() - timedelta(days=1)
    transactions = []
    for n in range(1, count + 1):
        draw = rng.random()
        amount = rng.randint(500, 50_000) * 100 + rng.randint(0, 99)
        if draw < UNKNOWN_SHARE:
            kid, kind = make_kid(f"9{rng.randint(0, 10 ** 12 - 1):012d}"), 13
        elif draw < UNKNOWN_SHARE + REVERSAL_SHARE:
            kid, kind, amount = rng.choice(kids), 18, -amount
        else:
            kid, kind = rng.choice(kids), rng.choice((13, 13, 13, 16, 10))
        transactions.append(Transaction(
            transaction_type=kind, transaction_number=n, settlement_date=settled - timedelta(days=rng.randint(0, 2)),
            amount_ore=amount, kid=kid, bank_date=settled, debit_account="15032080127",
            archive_reference=f"{rng.randint(1, 999_999_999):09d}"))
    return build_payment_file(transactions, transmission_number=f"{number:07d}", assignment_number=f"{number:07d}")


# --- the measurements ---------------------------------------------------------------------------------

def measure_distribution(period: date, repeat: int) -> dict:
    from blueprints.distribution.services import run_distribution
    from web.commands import SYSTEM

    def run_and_commit():
        run = run_distribution(period, SYSTEM)
        db.session.commit()
        return run

    runs, figures = [], {}
    for n in range(repeat):
        seconds, cpu, run = timed(run_and_commit)
        if run is None:
            sys.exit("nothing to distribute")
        runs.append((seconds, cpu))
        figures = {"lists": run.list_count, "held_back": run.held_count, "paid_ore": run.paid_ore,
                   "parts_add_up": run.split.total_ore == run.paid_ore,
                   "lines": db.session.scalar(sa.select(sa.func.count()).where(DistributionLine.run_id == run.id))}
        log(f"(b) run {n + 1}: distributed {run.list_count} lists ({run.held_count} held back) in {seconds:.2f} s")
        if n + 1 < repeat:  # setup for the next run: as if this one had not been
            for model in (DistributionLine, DistributionBranch):
                db.session.execute(sa.delete(model).where(model.run_id == run.id))
            db.session.execute(sa.delete(DistributionRun).where(DistributionRun.id == run.id))
            db.session.commit()
    seconds, cpu = min(runs)
    return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), **figures,
            "runs": [round(r[0], 2) for r in runs],
            "goal": f"under {GOALS['distribution_seconds']} s", "goal_met": seconds < GOALS["distribution_seconds"]}


def measure_import(rng: random.Random, repeat: int, count: int) -> dict:
    kids = list(db.session.scalars(sa.select(DeductionList.kid).order_by(DeductionList.id)))
    runs, job_runs = [], []
    for n in range(repeat):
        data = big_file(rng, kids, count, 9100001 + n)
        parse_seconds, _, parsed = timed(read_payment_file, data)
        if not parsed.ok or len(parsed.transactions) != count:
            sys.exit(f"the file does not read: {[str(e) for e in parsed.errors[:3]]}")
        seconds, cpu, outcome = timed(import_file, data, f"ocr-{n + 1}.txt")
        runs.append((seconds, cpu, parse_seconds, len(data), outcome))
        log(f"(a) run {n + 1}: imported {count} transactions in {seconds:.2f} s (parsing {parse_seconds:.2f} s): "
            f"{outcome.matched} matched, {outcome.unidentified} unidentified")
        job_seconds, _, job_outcome = timed(import_through_job, big_file(rng, kids, count, 9200001 + n),
                                            f"opplastet-{n + 1}.txt")
        job_runs.append(job_seconds)
        log(f"(a) run {n + 1}: the same through the import job in {job_seconds:.2f} s: {job_outcome['message']}")
    seconds, cpu, parse_seconds, size, outcome = min(runs, key=lambda r: r[0])
    reversals = db.session.scalar(sa.select(sa.func.count()).where(
        Payment.transmission_id == outcome.transmission.id, Payment.transaction_type == 18))
    return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "parse_seconds": round(parse_seconds, 2),
            "transactions": outcome.transactions, "matched": outcome.matched, "unidentified": outcome.unidentified,
            "reversals": reversals, "lists_named": len(kids), "file_bytes": size, "runs": [round(r[0], 2) for r in runs],
            "through_job_seconds": round(min(job_runs), 2), "through_job_runs": [round(r, 2) for r in job_runs],
            "goal": f"under {GOALS['import_seconds']} s", "goal_met": seconds < GOALS["import_seconds"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help=f"default: $BENCH_DATABASE_URL, else sqlite:///{DEFAULT_DB}")
    parser.add_argument("--members", type=int, default=500_000, help="when the database must be built")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of (a) and (b); the fastest counts")
    parser.add_argument("--transactions", type=int, default=TRANSACTIONS, help="transactions of the file in (a)")
    parser.add_argument("--keep", action="store_true", help="keep the working copy afterwards")
    args = parser.parse_args()

    given = args.database_url or os.environ.get("BENCH_DATABASE_URL")
    rng = random.Random(args.seed)
    with working_copy(given, "payments", members=args.members, seed=args.seed, keep=args.keep) as (app, load_seconds):
        with app.app_context():
            members_count = db.session.scalar(sa.text("SELECT count(*) FROM persons"))
            dialect = db.engine.dialect.name
            period = bench_period()
            log(f"Setting up {period:%Y-%m} ...")
            setup = form_and_post(period) | pay_the_month(period, rng)
            distribution = measure_distribution(period, args.repeat)
            imported = measure_import(rng, args.repeat, args.transactions)
            setup["payments_in_database"] = db.session.scalar(sa.select(sa.func.count()).select_from(Payment))
            setup["transmissions"] = db.session.scalar(sa.select(sa.func.count()).select_from(PaymentTransmission))

    prefix = ()
    if given and not args.database_url:
        prefix = (f"BENCH_DATABASE_URL={sa.make_url(given).render_as_string(hide_password=True)}",)
    print(json.dumps({
        "command": command_line("bench/payments.py", args.database_url, prefix),
        "members": members_count, "database": dialect, "period": f"{period:%Y-%m}",
        "load_seconds": round(load_seconds, 1) if load_seconds else None,
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "setup": setup, "import": imported, "distribution": distribution,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
