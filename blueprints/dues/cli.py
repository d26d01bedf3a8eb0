"""`flask dues quote`, `flask kid make`, `flask kid check` (FORMATS.md section 4).

Exit status: 0 on success, 1 on refused input (with the reasons), 2 on wrong usage (click).
"""
import dataclasses
import json
import sys

import click

from models.dues import rate_history
from rules.csvfile import ParseError, parse_date, parse_kroner, parse_percent
from rules.dues import DuesError, rates_on, working_dues
from rules.kid import KidError, make_kid, parse_kid
from rules.money import plain_amount
from web import clock

from . import bp


def _refuse(reasons: list[str], as_json: bool):
    if as_json:
        click.echo(json.dumps({"ok": False, "errors": reasons}, ensure_ascii=False))
    else:
        click.echo("\n".join(reasons), err=True)
    sys.exit(1)


@bp.cli.command("quote")
@click.option("--rate", required=True, help="The branch's total dues percentage, e.g. 1,75.")
@click.option("--pay", required=True, help="Gross monthly pay in kroner, e.g. 33000 or 33 000,00.")
@click.option("--date", "on", help="The day whose rates apply (YYYY-MM-DD; default today).")
@click.option("--step50", help="Override the cap reference (monthly pay of salary step 50), kroner.")
@click.option("--reserved", is_flag=True, help="The member holds a home-insurance reservation.")
@click.option("--secondary", is_flag=True, help="A secondary member: percentage only.")
@click.option("--json", "as_json", is_flag=True)
def quote_command(rate, pay, on, step50, reserved, secondary, as_json):
    """What one working member pays a month and why, with the rates in force at the date."""
    reasons = []
    values = {}
    for name, text, parse in (("rate", rate, parse_percent), ("pay", pay, parse_kroner),
                              ("date", on, parse_date), ("step50", step50, parse_kroner)):
        if text is None:
            continue
        try:
            values[name] = parse(text)
        except ParseError as error:
            reasons.append(f"--{name}: {error}")
    if reasons:
        _refuse(reasons, as_json)
    try:
        rates = rates_on(rate_history(), values.get("date", clock.today()))
        if "step50" in values:
            rates = dataclasses.replace(rates, step50_ore=values["step50"])
        dues = working_dues(values["pay"], values["rate"], rates, home_reserved=reserved, secondary=secondary)
    except DuesError as error:
        _refuse([str(error)], as_json)
    if as_json:
        click.echo(json.dumps({
            "percentage_part": plain_amount(dues.percentage_part_ore),
            "cap": plain_amount(dues.cap_ore),
            "fixed": plain_amount(dues.fixed_ore),
            "total": plain_amount(dues.total_ore),
            "explanation": dues.explanation,
        }, ensure_ascii=False))
    else:
        click.echo(dues.explanation)


@click.group("kid")
def kid_group():
    """KID numbers (payment references): make and check."""


@kid_group.command("make")
@click.argument("digits")
@click.option("--mod11", is_flag=True, help="MOD11 instead of MOD10 (the bank file cannot carry a '-').")
@click.option("--json", "as_json", is_flag=True)
def kid_make(digits, mod11, as_json):
    """A KID: DIGITS with its check digit."""
    try:
        kid = make_kid(digits, mod11=mod11)
        parse_kid(kid)  # length limits
    except KidError as error:
        _refuse([str(error)], as_json)
    if as_json:
        click.echo(json.dumps({"kid": kid, "scheme": "MOD11" if mod11 else "MOD10"}))
    else:
        click.echo(kid)
        if kid.endswith("-"):
            click.echo("Merk: kontrollsifferet ble «-», som betalingsfilen fra banken ikke kan bære.", err=True)


@kid_group.command("check")
@click.argument("kid")
@click.option("--json", "as_json", is_flag=True)
def kid_check(kid, as_json):
    """Whether KID is valid (MOD10 or MOD11). Exit 0 when valid, 1 when not."""
    try:
        kid, scheme = parse_kid(kid)
    except KidError as error:
        _refuse([f"{kid}: ugyldig KID. {error}"], as_json)
    if as_json:
        click.echo(json.dumps({"ok": True, "kid": kid, "scheme": scheme}))
    else:
        click.echo(f"{kid}: gyldig KID ({scheme}).")
