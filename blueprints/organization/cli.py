"""`flask org ...` commands."""
import sys
from pathlib import Path

import click

from models import db
from web import clock
from web.commands import MAX_IMPORT_BYTES, read_file

from . import bp
from .imports import import_organization


@bp.cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the summary.")
def import_command(file: Path, as_json: bool):
    """Counties, branches, sections, employers and workplaces from an older register's CSV file."""
    report = import_organization(read_file(file, MAX_IMPORT_BYTES, as_json), today=clock.today())
    if report.ok:
        db.session.commit()
    else:
        db.session.rollback()
    click.echo(report.as_json() if as_json else report.summary(), err=not (report.ok or as_json))
    sys.exit(0 if report.ok else 1)
