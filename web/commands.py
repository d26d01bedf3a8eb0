"""What the commands share (FORMATS.md section 4): the actor they act as, reading --period, reading an
import's file within its size limit, and how an import or a refused command ends."""
import json
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path

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


MAX_IMPORT_BYTES = 64 * 1024 * 1024  # members or organization of a whole union (100 000 members: some 25 MB)


def read_file(path: Path, max_bytes: int, as_json: bool) -> bytes:
    """The bytes of an import's file, or (exit 1) a refusal when it is larger than `max_bytes`, found
    before it is read: a file of gigabytes is never read into memory to learn that it is too large."""
    size = path.stat().st_size
    if size <= max_bytes:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)  # a device or a growing file may say less than it holds
        if len(data) <= max_bytes:
            return data
    megabytes = f"{max_bytes / (1024 * 1024):.1f}".replace(".", ",")
    actual = f" ({size / (1024 * 1024):.1f} MB)".replace(".", ",") if size > max_bytes else ""
    refuse(f"Filen er for stor{actual}; høyst {megabytes} MB er tillatt.", as_json)


def refuse(message: str, as_json: bool) -> None:
    """Roll back what a refused command did, print why (or {"ok": false, "message": ...}) and exit 1."""
    db.session.rollback()
    click.echo(json.dumps({"ok": False, "message": message}, ensure_ascii=False) if as_json else message)
    sys.exit(1)
