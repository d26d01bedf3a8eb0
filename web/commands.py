"""What the commands share (FORMATS.md section 4): the actor they act as, reading --period, and how an
import or a refused command ends."""
import json
import sys
from collections.abc import Iterable
from datetime import date

import click

from models import db
from rules.csvfile import ParseError
from rules.deduction_file import parse_month


class _System:
    """The command line acts as the central registry (the person running it has the server); the
    audit log names it "system"."""

    id = None
    role = "central"
    username = "system"
    full_name = None

    def scope_ids(self, kind: str) -> list[int]:
        return []


SYSTEM = _System()


def finish_import(outcome, as_json: bool, details: Iterable[str] = ()) -> None:
    """Commit an accepted import (roll back a refused one), print its summary (or its JSON) and exit
    0, or 1 when refused. `outcome` has ok, message, errors and as_dict(); `details` are more lines."""
    if outcome.ok:
        db.session.commit()
    else:
        db.session.rollback()
    if as_json:
        click.echo(json.dumps(outcome.as_dict(), ensure_ascii=False))
    else:
        click.echo(outcome.message)
        for line in [f"  {error}" for error in outcome.errors] + list(details):
            click.echo(line)
    sys.exit(0 if outcome.ok else 1)


def parse_period(text: str) -> date:
    """The --period option (YYYY-MM) as the first day of its month; wrong usage (exit 2) otherwise."""
    try:
        return parse_month(text)
    except ParseError as error:
        raise click.BadParameter(str(error), param_hint="--period") from error


def refuse(message: str, as_json: bool) -> None:
    """Roll back what a refused command did, print why (or {"ok": false, "message": ...}) and exit 1."""
    db.session.rollback()
    click.echo(json.dumps({"ok": False, "message": message}, ensure_ascii=False) if as_json else message)
    sys.exit(1)
