"""`flask users create|block|unblock|reset-password|reset-2fa|list` (FORMATS.md section 4): account upkeep
for the people who run the register. Each command that changes an account is one transaction, ends the
account's sessions where it should (blocking, a new password, a new second factor), prints a Norwegian
summary (`--json`: one JSON object) and exits 0, 1 when refused (with the reasons), 2 on wrong usage."""
import json
import sys

import click

from models import User, db
from models.user import find_account
from web import clock
from web.commands import refuse
from web.formatting import norwegian_datetime

from . import bp, queries
from .services import AccountError, Refused, create_user
from .services import block as block_user
from .services import reset_password as reset_user_password
from .services import reset_second_factor as reset_user_second_factor
from .services import unblock as unblock_user

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the summary.")


def _echo_json(data: dict) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


def _read_password() -> str:
    return sys.stdin.readline().rstrip("\r\n")


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
@click.option("--email", help="The person's e-mail address.")
@click.option("--totp-secret", help="The second factor's secret (base32) the person already holds, for accounts "
                                    "moved in from an older register; the account counts as enrolled.")
@json_option
def create_command(username, role, branches, counties, employers, password_stdin, declaration_date,
                   full_name, email, totp_secret, as_json):
    """Create a personal, active account with its scopes."""
    password = _read_password()
    declared = declaration_date.date() if declaration_date else clock.today()
    try:
        user = create_user(username, role, password, branches=branches, counties=counties, employers=employers,
                           declaration_date=declared, full_name=full_name, email=email, totp_secret=totp_secret)
    except AccountError as error:
        db.session.rollback()
        reasons = [message + (" (--branch, --county eller --employer)" if field == "scopes" else "")
                   for field, message in error.problems]
        if as_json:
            _echo_json({"ok": False, "errors": reasons})
        else:
            click.echo("Kontoen ble ikke opprettet:\n" + "\n".join(reasons), err=True)
        sys.exit(1)
    db.session.commit()
    scopes = [f"{s.kind}:{s.ref_id}" for s in user.scopes]
    if as_json:
        _echo_json({"ok": True, "username": user.username, "role": user.role, "scopes": scopes,
                    "declaration_date": user.declaration_date.isoformat(), "second_factor": user.has_second_factor})
    else:
        click.echo(f"Konto {user.username} opprettet (rolle {user.role}, taushetserklæring "
                   f"{user.declaration_date:%d.%m.%Y})" + (", med andre faktor." if user.has_second_factor else "."))


def _account(username: str, as_json: bool) -> User:
    """The account with this username, in any letter case (as login finds it: models.user.find_account)."""
    user = find_account(username)
    if user is None:
        refuse(f"Fant ingen konto med brukernavnet «{username}».", as_json)
    return user


def _upkeep(username: str, as_json: bool, action, summary: str, **extra) -> None:
    """Run one upkeep action on the account: commit and say so, or roll back and exit 1 with the reason."""
    user = _account(username, as_json)
    try:
        result = action(user)
    except Refused as error:
        refuse(error.message, as_json)
    db.session.commit()
    data = {key: value(result) for key, value in extra.items()}
    if as_json:
        _echo_json({"ok": True, "username": user.username, **{k: v for k, v in data.items() if v is not None}})
    else:
        click.echo(summary.format(username=user.username, **data))


@bp.cli.command("block")
@click.argument("username")
@click.option("--reason", default="Sperret fra kommandolinjen.", show_default=True,
              help="Why the account is blocked (kept in the audit log).")
@json_option
def block_command(username, reason, as_json):
    """Block an account and end its sessions."""
    _upkeep(username, as_json, lambda user: block_user(None, user, reason),
            "Konto {username} er sperret; {sessions} åpne økter er avsluttet.", sessions=lambda ended: ended)


@bp.cli.command("unblock")
@click.argument("username")
@json_option
def unblock_command(username, as_json):
    """Lift an account's block."""
    _upkeep(username, as_json, lambda user: unblock_user(None, user), "Sperringen av konto {username} er opphevet.")


@bp.cli.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input; without it a "
                                                     "temporary one is made and printed.")
@json_option
def reset_password_command(username, password_stdin, as_json):
    """Give an account a new password and end its sessions."""
    chosen = _read_password() if password_stdin else None
    if password_stdin and not chosen:
        refuse("Passordet fra standard input er tomt.", as_json)
    summary = ("Konto {username} har fått passordet fra standard input; alle økter er avsluttet." if chosen else
               "Konto {username} har fått et midlertidig passord (gi det videre på en trygg måte; alle økter er "
               "avsluttet):\n{password}")
    _upkeep(username, as_json, lambda user: reset_user_password(None, user, chosen), summary,
            password=lambda made: None if chosen else made)


@bp.cli.command("reset-2fa")
@click.argument("username")
@json_option
def reset_second_factor_command(username, as_json):
    """Forget an account's second factor (it enrols anew at the next login) and end its sessions."""
    _upkeep(username, as_json, lambda user: reset_user_second_factor(None, user),
            "Andre faktor for konto {username} er nullstilt; alle økter er avsluttet.")


@bp.cli.command("list")
@json_option
def list_command(as_json):
    """Every account: username, role, scopes, blocked, second factor, last login."""
    rows = queries.all_accounts()
    if as_json:
        _echo_json({"users": [{
            "username": row.user.username, "full_name": row.user.full_name, "role": row.user.role,
            "scopes": row.scopes, "blocked": row.user.blocked, "active": row.user.can_log_in,
            "second_factor": row.user.has_second_factor,
            "last_login": row.last_login.isoformat(timespec="seconds") if row.last_login else None,
        } for row in rows]})
        return
    if not rows:
        click.echo("Ingen kontoer.")
        return
    table = [("BRUKERNAVN", "ROLLE", "TILGANGER", "SPERRET", "ANDRE FAKTOR", "SISTE INNLOGGING")] + [(
        row.user.username, row.user.role, ",".join(row.scopes) or "-",
        "ja" if row.user.blocked else ("ikke aktivert" if not row.user.can_log_in else "nei"),
        "ja" if row.user.has_second_factor else "nei",
        norwegian_datetime(row.last_login) if row.last_login else "aldri",
    ) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
    click.echo(f"{len(rows)} kontoer.")
