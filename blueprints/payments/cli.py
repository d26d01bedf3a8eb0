"""`flask payments import FILE [--json]` (FORMATS.md section 2): one transaction; exit 0 on success
(also when the transmission was imported before: nothing changed), 1 on a refused file (with the
reasons), 2 on wrong usage."""
from pathlib import Path

import click

from rules.payment_file import MAX_FILE_BYTES
from web.commands import SYSTEM, finish_import, read_file

from . import bp, services


@bp.cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the summary.")
def import_command(file: Path, as_json: bool):
    """Import the bank's payment file (OCR giro) and match each payment by its KID."""
    finish_import(services.import_payment_file(SYSTEM, read_file(file, MAX_FILE_BYTES, as_json), file.name), as_json)
