"""`flask lists form|import|show` (FORMATS.md section 4). Each changing command is one transaction;
exit 0 on success, 1 on refused input (with the reasons), 2 on wrong usage."""
import json
import sys
from pathlib import Path

import click

from models import db
from rules.deduction_file import MAX_FILE_BYTES
from rules.idnumbers import parse_orgnr
from web.commands import SYSTEM, finish_import, parse_period, read_file, refuse

from . import bp, queries, services


@bp.cli.command("form")
@click.option("--period", required=True, help="The month, YYYY-MM.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the summary.")
def form_command(period: str, as_json: bool):
    """Form the expected lists of a month for every employer and branch (again: changes nothing)."""
    try:
        result = services.form_lists(parse_period(period))
    except services.Refused as refused:
        refuse(refused.message, as_json)
    db.session.commit()
    click.echo(json.dumps(result.as_dict(), ensure_ascii=False) if as_json else result.message)


@bp.cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the summary.")
def import_command(file: Path, as_json: bool):
    """Import employers' deduction list files (CSV or XLSX) and compare them with what was expected."""
    outcome = services.import_file(SYSTEM, read_file(file, MAX_FILE_BYTES, as_json))
    finish_import(outcome, as_json, details=[
        f"  {item.deduction_list.employer.name} / {item.deduction_list.branch.name}, "
        f"{services.period_text(item.deduction_list.period)}: "
        f"{'allerede importert' if item.already else services.counts_text(item.counts)}"
        for item in outcome.lists])


@bp.cli.command("show")
@click.option("--period", required=True, help="The month, YYYY-MM.")
@click.option("--employer", "orgnr", required=True, help="The employer's organization number.")
@click.option("--branch", "branch_number", required=True, type=int, help="The branch number.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
def show_command(period: str, orgnr: str, branch_number: int, as_json: bool):
    """One list, each line with its deviation."""
    try:
        orgnr = parse_orgnr(orgnr)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--employer") from error
    found = queries.find_list(SYSTEM, parse_period(period), orgnr, branch_number)
    if found is None:
        click.echo("Fant ingen trekkliste for den perioden, arbeidsgiveren og fagforeningen.", err=True)
        sys.exit(1)
    lines = queries.list_lines(found)
    if as_json:
        click.echo(json.dumps(services.list_as_dict(found, lines), ensure_ascii=False))
        return
    click.echo(f"{found.employer.name} / {found.branch.name}, {services.period_text(found.period)}: {found.state_name}, KID {found.kid}")
    for line in lines:
        click.echo(f"  {line.national_id}  {line.name:<40}  {line.status_name or 'ikke sammenlignet'}"
                   f"{'  ' + line.resolution_name if line.resolution else ''}")
