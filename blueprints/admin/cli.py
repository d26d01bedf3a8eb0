"""`flask users create` (FORMATS.md section 4)."""
import json
import sys
from datetime import date

import click

from models import db

from . import bp
from .services import AccountError, create_user


@bp.cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["branch", "county", "central", "employer"]))
@click.option("--branch", "branches", multiple=True, type=int, help="Branch number (repeatable).")
@click.option("--county", "counties", multiple=True, type=int, help="County number (repeatable).")
@click.option("--employer", "employers", multiple=True, help="Employer orgnr (repeatable).")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input.")
@click.option("--declaration-date", type=click.DateTime(["%Y-%m-%d"]),
              help="Date of the signed confidentiality declaration (default today).")
@click.option("--name", "full_name", help="The person's full name.")
@click.option("--json", "as_json", is_flag=True)
def create_command(username, role, branches, counties, employers, password_stdin, declaration_date,
                   full_name, as_json):
    """Create a personal, active account with its scopes."""
    password = sys.stdin.readline().rstrip("\r\n")
    declared = declaration_date.date() if declaration_date else date.today()
    try:
        user = create_user(username, role, password, branches=branches, counties=counties, employers=employers,
                           declaration_date=declared, full_name=full_name)
    except AccountError as error:
        db.session.rollback()
        if as_json:
            click.echo(json.dumps({"ok": False, "errors": str(error).splitlines()}, ensure_ascii=False))
        else:
            click.echo(f"Kontoen ble ikke opprettet:\n{error}", err=True)
        sys.exit(1)
    db.session.commit()
    scopes = [f"{s.kind}:{s.ref_id}" for s in user.scopes]
    if as_json:
        click.echo(json.dumps({"ok": True, "username": user.username, "role": user.role, "scopes": scopes,
                               "declaration_date": user.declaration_date.isoformat()}, ensure_ascii=False))
    else:
        click.echo(f"Konto {user.username} opprettet (rolle {user.role}, taushetserklæring "
                   f"{user.declaration_date:%d.%m.%Y}).")
