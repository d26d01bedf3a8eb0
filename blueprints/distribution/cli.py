"""`flask distribution run --period YYYY-MM [--json]` (FORMATS.md section 4): one transaction; exit 0
on success (also when there was nothing to distribute), 1 on refused input, 2 on wrong usage."""
import json

import click

from models import db
from web.commands import SYSTEM, parse_period, refuse

from . import bp, services


@bp.cli.command("run")
@click.option("--period", required=True, help="The month, YYYY-MM: its lists and earlier months' not distributed before.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (totals per branch and fund).")
def run_command(period: str, as_json: bool):
    """Distribute the posted and paid lists of a month (and earlier ones not distributed before)."""
    period_day = parse_period(period)
    try:
        run = services.run_distribution(period_day, SYSTEM)
    except services.Refused as refused:
        refuse(refused.message, as_json)
    db.session.commit()
    outcome = services.run_as_dict(run, services.Plan(period_day).message if run is None else None)
    if as_json:
        click.echo(json.dumps(outcome, ensure_ascii=False))
        return
    click.echo(outcome["message"])
    for branch in outcome.get("branches", []):
        click.echo(f"  {branch['number']} {branch['name']}: lokalt {services.format_kroner(branch['local_ore'])} kr, "
                   f"sentralt {services.format_kroner(branch['central_ore'])} kr ({branch['lists']} trekklister)")
