"""The central registry's distribution of dues (DOMAIN.md section 5, "Distribution").

`plan_distribution(period)` finds, for the months up to `period`, every posted list that is paid and
not distributed before (or was, and got more payments since), splits each with
`rules.distribution`, and holds back the lists only partly paid. It stores nothing: it is the preview.
`run_distribution` plans again and stores the run whole (models/distribution.py); the job or command
commits. A run is never changed afterwards.

The work is set-based: one query finds the candidates with what was paid and distributed for each,
one grouped query per chunk of lists reads the members' fixed amounts, and the run is written in a
few inserts."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from models import (
    Branch,
    BranchRate,
    DeductionLine,
    DeductionList,
    DistributionBranch,
    DistributionLine,
    DistributionRun,
    Payment,
    changes,
    db,
    record,
    utcnow,
)
from models.base import insert_many, sum_int
from models.deduction import POSTED
from models.distribution import ADJUSTMENT, DISTRIBUTED_KINDS, HELD, LIST
from models.dues import rate_history
from models.payment import payment_state_sql
from models.receiving import period_text
from rules.distribution import Split, adjustment, split_list
from rules.dues import DuesError, Rates, rates_on
from rules.money import format_kroner
from rules.payment_state import UNPAID
from web import clock

Refused = changes.Refused
CHUNK = 200  # lists read between two progress reports


@dataclass
class PlannedLine:
    list_id: int
    branch_id: int
    employer_id: int
    period: date
    kind: str
    member_count: int
    due_ore: int
    paid_ore: int  # what this line distributes (held: what was paid so far)
    split: Split = field(default_factory=Split)
    branch_rate_bp: int | None = None
    central_bp: int | None = None
    percentage_ore: int = 0  # the percentage part the employer reported

    def row(self, run_id: int) -> dict:
        return {"run_id": run_id, "list_id": self.list_id, "branch_id": self.branch_id,
                "employer_id": self.employer_id, "period": self.period, "kind": self.kind,
                "member_count": self.member_count, "due_ore": self.due_ore, "paid_ore": self.paid_ore,
                "branch_rate_bp": self.branch_rate_bp, "central_bp": self.central_bp, **self.split.as_dict()}


@dataclass
class BranchPlan:
    branch_id: int
    split: Split = field(default_factory=Split)
    list_count: int = 0
    held_count: int = 0
    paid_ore: int = 0


@dataclass
class Plan:
    """What a run for `period` would distribute now (the preview), and what it holds back."""

    period: date
    lines: list[PlannedLine] = field(default_factory=list)  # list and adjustment lines
    held: list[PlannedLine] = field(default_factory=list)
    unpaid_count: int = 0  # posted, nothing paid: the county's queue, not the distribution's

    @property
    def totals(self) -> Split:
        return sum((line.split for line in self.lines), Split())

    @property
    def paid_ore(self) -> int:
        return sum(line.paid_ore for line in self.lines)

    @property
    def empty(self) -> bool:
        return not self.lines

    def by_branch(self) -> dict[int, BranchPlan]:
        branches: dict[int, BranchPlan] = {}
        for line in self.lines:
            plan = branches.setdefault(line.branch_id, BranchPlan(line.branch_id))
            plan.split += line.split
            plan.list_count += 1
            plan.paid_ore += line.paid_ore
        for line in self.held:
            branches.setdefault(line.branch_id, BranchPlan(line.branch_id)).held_count += 1
        return branches

    @property
    def message(self) -> str:
        if self.empty:
            text = _("Ingenting å fordele til og med %(period)s. Ingen framførte og betalte trekklister venter "
                     "på fordeling.", period=period_text(self.period))
        else:
            text = _("%(num)s trekklister til og med %(period)s fordeles: %(amount)s kr.", num=len(self.lines),
                     period=period_text(self.period), amount=format_kroner(self.paid_ore))
        if self.held:
            text += " " + _("%(num)s delvis betalte holdes tilbake.", num=len(self.held))
        return text


# --- finding what to distribute ---------------------------------------------------------------------

def _candidates(period: date) -> list[sa.Row]:
    """Posted lists of months up to `period` with something paid or distributed, and both amounts."""
    paid = (sa.select(Payment.list_id, sum_int(Payment.amount_ore).label("paid"))
            .where(Payment.list_id.is_not(None)).group_by(Payment.list_id).subquery())
    distributed = (sa.select(DistributionLine.list_id, sum_int(DistributionLine.paid_ore).label("distributed"))
                   .where(DistributionLine.kind.in_(DISTRIBUTED_KINDS))
                   .group_by(DistributionLine.list_id).subquery())
    paid_ore = sa.func.coalesce(paid.c.paid, 0)
    return db.session.execute(
        sa.select(DeductionList.id, DeductionList.branch_id, DeductionList.employer_id, DeductionList.period,
                  DeductionList.reported_count, DeductionList.reported_dues_ore,
                  DeductionList.reported_insurance_ore, paid_ore.label("paid"), distributed.c.distributed)
        .outerjoin(paid, paid.c.list_id == DeductionList.id)
        .outerjoin(distributed, distributed.c.list_id == DeductionList.id)
        .where(DeductionList.state == POSTED, DeductionList.period <= period,
               sa.or_(distributed.c.distributed.is_(None) & (paid_ore > 0),
                      distributed.c.distributed != paid_ore))
        .order_by(DeductionList.period, DeductionList.branch_id, DeductionList.employer_id)).all()


def _unpaid_count(period: date) -> int:
    """Posted lists up to `period` with nothing paid (reversals counted), left out of the distribution."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(DeductionList)
        .where(DeductionList.state == POSTED, DeductionList.period <= period, payment_state_sql() == UNPAID)) or 0


def _fixed_amounts(list_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    """Each list's members' fixed amounts as (amount, how many members)."""
    amounts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    # a literal 0, not a bound parameter: PostgreSQL takes two parameters for two different expressions
    fixed = sa.func.coalesce(DeductionLine.reported_insurance_ore, sa.literal_column("0"))
    rows = db.session.execute(
        sa.select(DeductionLine.list_id, fixed, sa.func.count())
        .where(DeductionLine.list_id.in_(list_ids), DeductionLine.reported_dues_ore.is_not(None))
        .group_by(DeductionLine.list_id, fixed))
    for list_id, amount, count in rows:
        amounts[list_id].append((amount, count))
    return amounts


class _RateBook:
    """The union's rates and every branch's rate, by day, read once."""

    def __init__(self) -> None:
        self.history = rate_history()
        self.branch_rates: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for branch_id, valid_from, rate_bp in db.session.execute(
                sa.select(BranchRate.branch_id, BranchRate.valid_from, BranchRate.rate_bp)
                .order_by(BranchRate.valid_from)):
            self.branch_rates[branch_id].append((valid_from, rate_bp))

    def rates(self, day: date) -> Rates:
        try:
            return rates_on(self.history, day)
        except DuesError as error:
            raise Refused(None, str(error)) from error

    def branch_rate(self, branch_id: int, day: date, rates: Rates) -> int:
        """The branch's rate in force on the day; the union's minimum when it had none yet."""
        in_force = [rate for valid_from, rate in self.branch_rates.get(branch_id, ()) if valid_from <= day]
        return in_force[-1] if in_force else rates.minimum_bp


def plan_distribution(period: date, progress=None) -> Plan:
    """The preview of a run for `period` (see the module docstring); `progress(done, total)`."""
    plan = Plan(period, unpaid_count=_unpaid_count(period))
    to_split: list[PlannedLine] = []
    for row in _candidates(period):
        due = row.reported_dues_ore + row.reported_insurance_ore
        line = PlannedLine(row.id, row.branch_id, row.employer_id, row.period, LIST, row.reported_count, due, row.paid,
                           percentage_ore=row.reported_dues_ore)
        if row.paid < due:
            line.kind = HELD
            plan.held.append(line)
        elif row.distributed is None:
            to_split.append(line)
            plan.lines.append(line)
        else:
            line.kind, line.paid_ore = ADJUSTMENT, row.paid - row.distributed
            line.split = adjustment(row.paid, row.distributed)
            plan.lines.append(line)

    book = _RateBook() if to_split else None
    total = len(to_split)
    for start in range(0, total, CHUNK):
        chunk = to_split[start:start + CHUNK]
        fixed = _fixed_amounts([line.list_id for line in chunk])
        for line in chunk:
            rates = book.rates(line.period)
            line.central_bp = rates.central_bp
            line.branch_rate_bp = book.branch_rate(line.branch_id, line.period, rates)
            line.split = split_list(line.percentage_ore, fixed.get(line.list_id, ()), rates,
                                    line.branch_rate_bp, line.paid_ore)
        if progress:
            progress(min(start + CHUNK, total), total)
    return plan


# --- the run ------------------------------------------------------------------------------------------

def run_distribution(period: date, user, progress=None) -> DistributionRun | None:
    """Distribute: store the run whole and audit it. None when there is nothing to distribute."""
    if getattr(user, "role", None) != "central":
        raise Refused(None, _("Bare sentralregisteret kan kjøre fordelingen."))
    if period > clock.today().replace(day=1):
        raise Refused("period", _("%(period)s er ikke kommet ennå.", period=period_text(period)))
    plan = plan_distribution(period, progress)
    if plan.empty:
        return None
    totals = plan.totals
    run = DistributionRun(period=period, created_at=utcnow(), created_by=getattr(user, "id", None),
                          list_count=len(plan.lines), held_count=len(plan.held), paid_ore=plan.paid_ore,
                          **totals.as_dict())
    db.session.add(run)
    db.session.flush()
    connection = db.session.connection()
    insert_many(connection, DistributionLine.__table__, [line.row(run.id) for line in plan.lines + plan.held])
    accounts = dict(db.session.execute(sa.select(Branch.id, Branch.account)).all())
    insert_many(connection, DistributionBranch.__table__, [
        {"run_id": run.id, "branch_id": branch.branch_id, "account": accounts.get(branch.branch_id),
         "list_count": branch.list_count, "held_count": branch.held_count, "paid_ore": branch.paid_ore,
         **branch.split.as_dict()}
        for branch in plan.by_branch().values()])
    record("create", "distribution_run", run.id,
           f"Fordeling {run.id} til og med {period_text(period)}: {run.list_count} trekklister, "
           f"{format_kroner(run.paid_ore)} kr (sentralt {format_kroner(run.central_ore)}, lokalt "
           f"{format_kroner(run.local_ore)}, fond {format_kroner(totals.funds_ore)}, overskytende "
           f"{format_kroner(run.excess_ore)}); {run.held_count} holdt tilbake", user=user)
    db.session.flush()
    return run


def run_as_dict(run: DistributionRun | None, plan_message: str | None = None) -> dict:
    """The run's totals per branch and fund (`flask distribution run --json`)."""
    if run is None:
        return {"ok": True, "run_id": None, "message": plan_message}
    branches = db.session.execute(
        sa.select(DistributionBranch, Branch.number, Branch.name).join(Branch, Branch.id == DistributionBranch.branch_id)
        .where(DistributionBranch.run_id == run.id).order_by(Branch.number)).all()
    return {
        "ok": True, "run_id": run.id, "period": f"{run.period:%Y-%m}", "message": run_message(run),
        "lists": run.list_count, "held_back": run.held_count, "paid_ore": run.paid_ore,
        "totals": run.split.as_dict(),
        "funds": {name: getattr(run, name) for name in ("home_ore", "benefit_fund_ore", "education_fund_ore")},
        "branches": [{"number": number, "name": name, "account": share.account, "lists": share.list_count,
                      "held_back": share.held_count, "paid_ore": share.paid_ore, **share.split.as_dict()}
                     for share, number, name in branches],
    }


def run_message(run: DistributionRun) -> str:
    amounts = {"paid": format_kroner(run.paid_ore), "central": format_kroner(run.central_ore),
               "local": format_kroner(run.local_ore), "home": format_kroner(run.home_ore),
               "benefit_fund": format_kroner(run.benefit_fund_ore),
               "education_fund": format_kroner(run.education_fund_ore), "excess": format_kroner(run.excess_ore)}
    if run.excess_ore:
        text = _("Fordeling %(run)s til og med %(period)s: %(num)s trekklister, %(paid)s kr fordelt (sentralt "
                 "%(central)s kr, lokalt %(local)s kr, hjemforsikring %(home)s kr, stønadskassa %(benefit_fund)s kr, "
                 "utdanningsfond %(education_fund)s kr, overskytende %(excess)s kr).",
                 run=run.id, period=period_text(run.period), num=run.list_count, **amounts)
    else:
        text = _("Fordeling %(run)s til og med %(period)s: %(num)s trekklister, %(paid)s kr fordelt (sentralt "
                 "%(central)s kr, lokalt %(local)s kr, hjemforsikring %(home)s kr, stønadskassa %(benefit_fund)s kr, "
                 "utdanningsfond %(education_fund)s kr).",
                 run=run.id, period=period_text(run.period), num=run.list_count, **amounts)
    if run.held_count:
        text += " " + _("%(num)s delvis betalte trekklister holdt tilbake.", num=run.held_count)
    return text

