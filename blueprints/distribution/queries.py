"""The reads behind the distribution pages, always scoped by `models.scope.branch_scope`: a branch
officer sees the runs where their branch had a share and only that share, a county its branches', the
central registry everything. A run, a branch's share or a line outside the user's scope is 404, the
same as one that does not exist.

Runs are stored whole and never changed (models/distribution.py), so every figure here is read from
the run's own rows; the preview's figures come from `services.plan_distribution`."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext
from sqlalchemy.orm import contains_eager

from models import (
    Branch,
    DeductionLine,
    DistributionBranch,
    DistributionLine,
    DistributionRun,
    Employer,
    ListPayment,
    User,
    db,
)
from models.base import sum_int
from models.codes import N_
from models.distribution import HELD
from models.receiving import period_text
from models.scope import Scope
from rules.distribution import PART_NAMES, PARTS, Split
from rules.idnumbers import format_account
from web import clock
from web.export import money_cell

from .services import BranchPlan, Plan


def account_text(account: str | None) -> str | None:
    """An account as the bank writes it (`1503.20.80127`); None when there is none."""
    return format_account(account) if account else None


def _in_scope(user) -> sa.ColumnElement[bool]:
    """A condition on a branch id column's Branch: the branches the user may see."""
    return sa.select(Branch.id).where(Scope.of(user).where(Branch))


# --- the runs -----------------------------------------------------------------------------------------

@dataclass
class RunRow:
    """A run with the figures the user may see (for a branch or county: its branches' share only)."""

    run: DistributionRun
    list_count: int
    held_count: int
    paid_ore: int
    local_ore: int


def runs(user) -> list[RunRow]:
    """The runs the user sees, newest first, with their figures (one grouped query)."""
    shares = (sa.select(DistributionBranch.run_id, sum_int(DistributionBranch.list_count).label("lists"),
                        sum_int(DistributionBranch.held_count).label("held"),
                        sum_int(DistributionBranch.paid_ore).label("paid"),
                        sum_int(DistributionBranch.local_ore).label("local"))
              .where(DistributionBranch.branch_id.in_(_in_scope(user)))
              .group_by(DistributionBranch.run_id).subquery())
    rows = db.session.execute(
        sa.select(DistributionRun, shares.c.lists, shares.c.held, shares.c.paid, shares.c.local)
        .join(shares, shares.c.run_id == DistributionRun.id)
        .order_by(DistributionRun.id.desc())).all()
    if user.role == "central":  # the run's own stored totals
        return [RunRow(run, run.list_count, run.held_count, run.paid_ore, run.local_ore) for run, *_ in rows]
    return [RunRow(run, lists or 0, held or 0, paid or 0, local or 0) for run, lists, held, paid, local in rows]


def get_run(user, run_id: int) -> DistributionRun:
    """The run, when the user may see it (central: any; others: a run where one of their branches
    has a share); else 404."""
    run = db.session.get(DistributionRun, run_id)
    if run is None:
        abort(404)
    if user.role != "central" and not db.session.scalar(
            sa.select(sa.exists().where(DistributionBranch.run_id == run.id,
                                        DistributionBranch.branch_id.in_(_in_scope(user))))):
        abort(404)
    return run


def run_author(run: DistributionRun) -> str | None:
    """Who ran it (None: the command line)."""
    if run.created_by is None:
        return None
    user = db.session.get(User, run.created_by)
    return (user.full_name or user.username) if user else None


def run_shares(user, run: DistributionRun) -> list[DistributionBranch]:
    """The branches' shares of a run that the user may see, by branch number."""
    return db.session.scalars(
        sa.select(DistributionBranch).join(Branch, Branch.id == DistributionBranch.branch_id)
        .where(DistributionBranch.run_id == run.id, Scope.of(user).where(Branch))
        .options(contains_eager(DistributionBranch.branch)).order_by(Branch.number)).all()


def shares_total(user, run: DistributionRun, shares: Iterable[DistributionBranch]) -> tuple[Split, int]:
    """The split and what was paid, as the user sees it: the run's for the central registry, the sum of
    the visible shares for the others."""
    if user.role == "central":
        return run.split, run.paid_ore
    shares = list(shares)
    return sum((share.split for share in shares), Split()), sum(share.paid_ore for share in shares)


def get_share(user, run: DistributionRun, branch_id: int) -> DistributionBranch:
    """A branch's share of the run, when the user may see the branch; else 404."""
    share = db.session.scalar(
        sa.select(DistributionBranch).join(Branch, Branch.id == DistributionBranch.branch_id)
        .where(DistributionBranch.run_id == run.id, DistributionBranch.branch_id == branch_id, Scope.of(user).where(Branch))
        .options(contains_eager(DistributionBranch.branch)))
    if share is None:
        abort(404)
    return share


def _lines(run_id: int, *conditions) -> list[DistributionLine]:
    return db.session.scalars(
        sa.select(DistributionLine).join(Employer, Employer.id == DistributionLine.employer_id)
        .join(Branch, Branch.id == DistributionLine.branch_id)
        .where(DistributionLine.run_id == run_id, *conditions)
        .options(contains_eager(DistributionLine.employer), contains_eager(DistributionLine.branch))
        .order_by(Branch.number, Employer.name_key, Employer.id, DistributionLine.period, DistributionLine.id)).all()


def branch_lines(run: DistributionRun, branch_id: int) -> tuple[list[DistributionLine], list[DistributionLine]]:
    """A branch's lines in a run (the caller has checked the branch with `get_share`): the distributed
    ones (lists and adjustments) and the held back ones."""
    lines = _lines(run.id, DistributionLine.branch_id == branch_id)
    return [line for line in lines if line.kind != HELD], [line for line in lines if line.kind == HELD]


def held_payment(line: DistributionLine) -> ListPayment:
    """A held-back line's payment state as it was at the run: its amount and what was paid by then."""
    return ListPayment(line.due_ore, [(clock.oslo_date(line.run.created_at), line.paid_ore)])


@dataclass
class HeldRow:
    """A list held back, as the run and the preview show it (templates/distribution/_held.html)."""

    list_id: int
    employer: Employer
    branch: Branch
    period: date
    payment: ListPayment


def held_rows(user, run: DistributionRun) -> list[HeldRow]:
    """The run's lists held back, in the user's branches, with their payment state at the run."""
    return [HeldRow(line.list_id, line.employer, line.branch, line.period, held_payment(line))
            for line in _lines(run.id, DistributionLine.kind == HELD, Scope.of(user).where(Branch))]


def get_line(user, run_id: int, line_id: int) -> DistributionLine:
    """A line of the run, when the user may see its branch; else 404."""
    line = db.session.scalar(
        sa.select(DistributionLine).join(Branch, Branch.id == DistributionLine.branch_id)
        .where(DistributionLine.id == line_id, DistributionLine.run_id == run_id, Scope.of(user).where(Branch)))
    if line is None:
        abort(404)
    return line


def line_members(line: DistributionLine) -> list[DeductionLine]:
    """The members behind a line: the list's lines as the employer reported them, by name."""
    return db.session.scalars(
        sa.select(DeductionLine)
        .where(DeductionLine.list_id == line.list_id, DeductionLine.reported_dues_ore.is_not(None))
        .order_by(DeductionLine.name, DeductionLine.id)).all()


REPORT_HEADER = [N_("Arbeidsgiver"), N_("Org.nr."), N_("Måned"), N_("Art"), N_("Medlemmer"), N_("Å betale (kr)"),
                 N_("Betalt (kr)")]


def report_header() -> list[str]:
    """REPORT_HEADER and a column per part of the split, translated."""
    return [gettext(cell) for cell in REPORT_HEADER] + [
        gettext("%(part)s (kr)", part=gettext(PART_NAMES[name])) for name in PARTS]


def report_rows(lines: Iterable[DistributionLine], fmt: str):
    money = money_cell(fmt)
    for line in lines:
        yield [line.employer.name, line.employer.orgnr, period_text(line.period), gettext(line.kind_name),
               line.member_count,
               money(line.due_ore), money(line.paid_ore), *(money(getattr(line, name)) for name in PARTS)]


# --- the transfer list --------------------------------------------------------------------------------

@dataclass
class Transfer:
    number: int
    name: str
    account: str | None  # formatted; None: the branch had no account at the run
    amount_ore: int
    text: str


def transfers(run: DistributionRun) -> list[Transfer]:
    """One transfer per branch with a positive local share, by branch number (central registry)."""
    rows = db.session.execute(
        sa.select(Branch.number, Branch.name, DistributionBranch.account, DistributionBranch.local_ore)
        .join(Branch, Branch.id == DistributionBranch.branch_id)
        .where(DistributionBranch.run_id == run.id, DistributionBranch.local_ore > 0).order_by(Branch.number))
    return [Transfer(number, name, account_text(account), local,
                     f"Kontingent {period_text(run.period)} fordeling {run.id} avd {number}")
            for number, name, account, local in rows]


TRANSFER_HEADER = [N_("Avdeling"), N_("Navn"), N_("Kontonummer"), N_("Beløp (kr)"), N_("Tekst"), N_("Merknad")]


def transfer_rows(rows: Iterable[Transfer], fmt: str):
    money = money_cell(fmt)
    for row in rows:
        yield [row.number, row.name, row.account, money(row.amount_ore), row.text,
               None if row.account else gettext("Mangler kontonummer")]


# --- the preview --------------------------------------------------------------------------------------

@dataclass
class PreviewRows:
    branches: list[tuple[Branch, str | None, BranchPlan]]  # (branch, its account now, its share), by number
    held: list[HeldRow]


def _by_id(model, ids: set[int]) -> dict:
    return {found.id: found for found in db.session.scalars(sa.select(model).where(model.id.in_(ids)))} if ids else {}


def preview_rows(plan: Plan) -> PreviewRows:
    """The preview's branches and the lists it holds back (what was paid so far, from the plan), their
    branches and employers read in two queries."""
    branches = _by_id(Branch, {line.branch_id for line in plan.lines + plan.held})
    employers = _by_id(Employer, {line.employer_id for line in plan.held})
    today = clock.today()
    return PreviewRows(
        sorted(((branches[branch_id], branches[branch_id].account, share)
                for branch_id, share in plan.by_branch().items()), key=lambda row: row[0].number),
        [HeldRow(line.list_id, employers[line.employer_id], branches[line.branch_id], line.period,
                 ListPayment(line.due_ore, [(today, line.paid_ore)])) for line in plan.held])


# --- jobs ---------------------------------------------------------------------------------------------

