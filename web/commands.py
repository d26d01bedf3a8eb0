"""What the commands share (FORMATS.md section 4): the actor they act as, and how an import ends."""
import json
import sys
from collections.abc import Iterable

import click

from models import db


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
