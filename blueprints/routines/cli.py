"""`flask routines daily [--date YYYY-MM-DD] [--json]`: the changes that happen by themselves.

One transaction, committed at the end; audited as done by the system. Exit 0; 2 on a bad --date."""

import click
import sqlalchemy as sa

from models import db
from rules.csvfile import ParseError, parse_date
from web import clock

from . import bp
from .services import run_daily


@bp.cli.command("daily")
@click.option("--date", "on", help="The day to run for (YYYY-MM-DD or DD.MM.YYYY; default today).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the summary.")
def daily_command(on: str | None, as_json: bool):
    """U becomes P after the month of turning 67; pupils over 20 go to their county's follow-up queue."""
    try:
        day = parse_date(on) if on else clock.today()
    except ParseError as error:
        raise click.BadParameter(str(error), param_hint="--date") from error
    result = run_daily(day)
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text("PRAGMA optimize"))  # keeps the planner's statistics fresh
    db.session.commit()
    if as_json:
        click.echo(result.as_json())
        return
    click.echo(result.summary)
    for change in result.u_to_p:
        click.echo(f"  medlemsnr. {change.member_number}: U→P fra {change.from_date:%d.%m.%Y}")
    for change in result.pupils_over_20:
        click.echo(f"  medlemsnr. {change.member_number}: elev over 20, til oppfølging i fylket")
