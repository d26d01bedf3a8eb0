"""`flask demo`: a realistic made-up union for trying the register (FORMATS.md section 4)."""
import json
import sys
import time
from datetime import date

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from models import Branch, County, DuesCodePeriod, Employer, Employment, Person, User, db, record
from models.user import ROLES
from web import clock

from .generator import PASSWORD, USERS, DemoSummary, DemoUnion
from .lists import make_demo_lists
from .payments import make_demo_payments

COUNT_LABELS = [  # what the summary tells, in the order told
    ("counties", "fylker"), ("branches", "fagforeninger"), ("employers", "arbeidsgivere"),
    ("workplaces", "arbeidssteder"), ("persons", "medlemmer (personer)"), ("memberships", "medlemskap"),
    ("active_memberships", "aktive medlemskap"), ("dues_code_periods", "kontingentkodeperioder"),
    ("employments", "arbeidsforhold"), ("insurance_periods", "forsikringsperioder"), ("users", "brukere"),
]


def load_demo(*, members: int, seed: int, today: date | None = None) -> DemoSummary:
    """Insert the demo union in the session's transaction and write one audit row; does not commit."""
    from web.passwords import hash_password

    today = today or clock.today()
    summary = DemoUnion(db.session.connection(), members=members, seed=seed, today=today,
                        password_hash=hash_password(PASSWORD)).build()
    started = time.perf_counter()
    summary.lists = make_demo_lists(today=today, seed=seed)
    summary.lists.seconds = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    summary.payments = make_demo_payments(today=today, seed=seed)  # the bank's files, one distribution
    summary.payments.seconds = round(time.perf_counter() - started, 1)
    for model in (DuesCodePeriod, Employment):  # handling the lists' deviations changed some histories
        summary.counts[model.__tablename__] = db.session.scalar(sa.select(sa.func.count()).select_from(model))
    record("create", "demo", None, f"Demodata lastet inn: {members} medlemmer (frø {seed}).")
    return summary


def existing_data() -> str | None:
    """Why the database is not empty enough for the demo, or None."""
    for model, what in ((Person, "medlemmer"), (County, "fylker"), (Branch, "fagforeninger"),
                        (Employer, "arbeidsgivere")):
        if db.session.scalar(sa.select(model.id).limit(1)) is not None:
            return f"databasen har allerede {what}"
    taken = db.session.scalars(sa.select(User.username).where(User.username.in_([u[0] for u in USERS]))).all()
    if taken:
        return f"brukernavnet {', '.join(sorted(taken))} finnes allerede"
    return None


def _number(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


@click.command("demo")
@click.option("--members", default=20_000, show_default=True, type=click.IntRange(min=1),
              help="How many persons (members and former members).")
@click.option("--seed", default=1, show_default=True, type=int, help="The same seed gives the same union.")
@click.option("--if-empty", is_flag=True, help="Do nothing (exit 0) when the database already has data.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@with_appcontext
def demo_command(members: int, seed: int, if_empty: bool, as_json: bool):
    """Fill an empty database with a made-up union and print the demo users' logins."""
    reason = existing_data()
    if reason:
        if as_json:
            click.echo(json.dumps({"ok": if_empty, "loaded": False, "reason": reason}, ensure_ascii=False))
        elif if_empty:
            click.echo(f"Demodata lastes ikke inn: {reason}. Dataene er der allerede.")
        else:
            click.echo(f"Demodata ble ikke lastet inn: {reason}. Demodata kan bare lastes inn i en tom "
                       "database (bruk --if-empty for å hoppe over uten feil).", err=True)
        sys.exit(0 if if_empty else 1)

    started = time.perf_counter()
    summary = load_demo(members=members, seed=seed)
    db.session.commit()
    seconds = round(time.perf_counter() - started, 1)

    if as_json:
        click.echo(json.dumps({"ok": True, "loaded": True, "seed": seed, "seconds": seconds,
                               "counts": summary.counts, "users": [u.as_dict() for u in summary.users],
                               "lists": summary.lists.as_dict(), "payments": summary.payments.as_dict()},
                              ensure_ascii=False))
        return
    counts = ", ".join(f"{_number(summary.counts[key])} {label}" for key, label in COUNT_LABELS)
    duration = f"{seconds:.1f}".replace(".", ",")
    click.echo(f"Demodata er lastet inn på {duration} s (frø {seed}): {counts}.")
    click.echo(summary.lists.message)
    click.echo(summary.payments.message)
    click.echo("")
    click.echo("Demobrukere (samme passord for alle):")
    rows = [("Brukernavn", "Passord", "Rolle", "Tilgang")] + [
        (u.username, PASSWORD, ROLES[u.role], u.scope) for u in summary.users
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    if current_app.config.get("TWO_FACTOR_REQUIRED", True):
        click.echo("Tofaktor kreves: fylke og sentral setter opp tofaktor (en autentiseringsapp) ved første "
                   "innlogging.")
    else:
        click.echo("Tofaktor er ikke påkrevd i utviklingsmodus (demodata).")
    click.echo("Logg inn på /logg-inn.")
