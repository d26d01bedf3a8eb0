"""The reads of the organization area: the rate table, branches in scope with their rates, and the
preview of what a new rate row would change."""
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from models import Branch, BranchRate, DuesRate, Membership, db
from models.dues import load_member_facts, no_dues_code, rate_history
from models.scope import Scope
from rules.dues import DuesError, Rates, cap, member_dues, rates_on

PREVIEW_EXAMPLES = 5  # how many members that could not be computed are named


def _statuses(days: list[date], today: date) -> list[str]:
    """For rows valid from each day: "future", "current" (the one in force today) or "past"."""
    current = max((day for day in days if day <= today), default=None)
    return ["future" if day > today else "current" if day == current else "past" for day in days]


# --- the rate table -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RateRow:
    row: DuesRate
    rates: Rates
    status: str  # "past", "current" (in force today) or "future"

    @property
    def cap_at_minimum_ore(self) -> int:
        return cap(self.rates.step50_ore, self.rates.minimum_bp)

    @property
    def fixed_ore(self) -> int:
        return sum(ore for _, ore in self.rates.fixed_parts(home_reserved=False))

    @property
    def low_fixed_ore(self) -> int:
        return sum(ore for _, ore in self.rates.fixed_parts(home_reserved=True))

    @property
    def editable(self) -> bool:
        return self.status == "future"


def rate_rows(today: date) -> list[RateRow]:
    """The rate table, oldest row first."""
    rows = db.session.scalars(sa.select(DuesRate).order_by(DuesRate.valid_from)).all()
    statuses = _statuses([row.valid_from for row in rows], today)
    return [RateRow(row, row.to_rates(), status) for row, status in zip(rows, statuses)]


def get_rate(rate_id: int) -> DuesRate:
    row = db.session.get(DuesRate, rate_id)
    if row is None:
        abort(404)
    return row


def last_rate(exclude: DuesRate | None = None) -> DuesRate | None:
    """The latest row of the rate table, leaving out `exclude` (the row being corrected)."""
    query = sa.select(DuesRate).order_by(DuesRate.valid_from.desc()).limit(1)
    if exclude is not None:
        query = query.where(DuesRate.id != exclude.id)
    return db.session.scalar(query)


# --- branches -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class BranchRateRow:
    valid_from: date
    rate_bp: int  # the branch's total percentage
    central_bp: int | None  # the central share of the rate row in force then (None before the first)
    status: str  # "past", "current" or "future"

    @property
    def local_bp(self) -> int | None:
        return None if self.central_bp is None else self.rate_bp - self.central_bp


def _central_on(history: tuple[Rates, ...], day: date) -> int | None:
    try:
        return rates_on(history, day).central_bp
    except DuesError:
        return None


def _rate_rows(rates: list[BranchRate], history: tuple[Rates, ...], today: date) -> list[BranchRateRow]:
    statuses = _statuses([r.valid_from for r in rates], today)
    return [BranchRateRow(r.valid_from, r.rate_bp, _central_on(history, r.valid_from), status)
            for r, status in zip(rates, statuses)]


@dataclass(frozen=True)
class BranchLine:
    branch: Branch
    rate: BranchRateRow | None  # in force today
    next_rate: BranchRateRow | None  # the first registered for a later date


def branches(user, today: date) -> list[BranchLine]:
    """The branches the user may see, by number, with the rate in force today and the next one."""
    found = db.session.scalars(
        sa.select(Branch).where(Scope.of(user).where(Branch)).order_by(Branch.number)
        .options(joinedload(Branch.county), joinedload(Branch.rates))
    ).unique().all()
    history = rate_history()
    lines = []
    for branch in found:
        rows = _rate_rows(branch.rates, history, today)
        lines.append(BranchLine(
            branch,
            next((r for r in rows if r.status == "current"), None),
            next((r for r in rows if r.status == "future"), None),
        ))
    return lines


def branch_rate_history(branch: Branch, today: date) -> list[BranchRateRow]:
    """The branch's total percentage over time, each with the central share and local share then."""
    return _rate_rows(branch.rates, rate_history(), today)


# --- what a new rate row changes ----------------------------------------------------------------

@dataclass
class Change:
    """How many members pay more, less or the same, and the change in kroner a month (øre)."""

    label: str
    more: int = 0
    less: int = 0
    same: int = 0
    failed: int = 0
    change_ore: int = 0

    @property
    def members(self) -> int:
        return self.more + self.less + self.same + self.failed

    def count(self, difference: int | None) -> None:
        """One member more: the change of their monthly dues, None when it could not be computed."""
        if difference is None:
            self.failed += 1
            return
        if difference > 0:
            self.more += 1
        elif difference < 0:
            self.less += 1
        else:
            self.same += 1
        self.change_ore += difference


@dataclass(frozen=True)
class Increase:
    member_number: int
    old_ore: int
    new_ore: int

    @property
    def change_ore(self) -> int:
        return self.new_ore - self.old_ore


@dataclass
class Preview:
    """Every active member's monthly dues under the rates in force today and under the new row on
    the day it takes effect; the members' own facts (pay, codes, branch rates) as they are today."""

    today: date
    current: Rates
    new: Rates
    total: Change
    biggest: Increase | None = None
    failures: list[tuple[int, str]] = field(default_factory=list)  # (member number, reason), a few
    branches: list[Change] = field(default_factory=list)  # empty unless asked for


def rate_change_preview(new: Rates, today: date, *, by_branch: bool = False) -> Preview:
    current = rates_on(rate_history(), today)
    branch_of = dict(db.session.execute(
        sa.select(Membership.id, Membership.branch_id).where(Membership.end_date.is_(None))
    ).all()) if by_branch else {}
    total, per_branch = Change(_("Alle")), {}
    failures: list[tuple[int, str]] = []  # (membership id, reason)
    biggest: tuple[int, int, int, int] | None = None  # (increase, membership id, old, new)
    for membership_id, facts in load_member_facts(today):
        try:
            if facts is None:
                raise no_dues_code(today)
            old = member_dues(facts, current, today).monthly_ore
            now = member_dues(facts, new, new.valid_from).monthly_ore
        except DuesError as error:
            difference = None
            if len(failures) < PREVIEW_EXAMPLES:
                failures.append((membership_id, str(error)))
        else:
            difference = now - old
            if difference > 0 and (biggest is None or difference > biggest[0]):
                biggest = (difference, membership_id, old, now)
        total.count(difference)
        if by_branch:
            branch_id = branch_of[membership_id]
            if branch_id not in per_branch:
                per_branch[branch_id] = Change("")
            per_branch[branch_id].count(difference)

    numbers = _member_numbers([m for m, _ in failures] + ([biggest[1]] if biggest else []))
    return Preview(
        today, current, new, total,
        biggest=Increase(numbers[biggest[1]], biggest[2], biggest[3]) if biggest else None,
        failures=[(numbers[m], reason) for m, reason in failures],
        branches=_labelled(per_branch) if by_branch else [],
    )


def _member_numbers(membership_ids: list[int]) -> dict[int, int]:
    return dict(db.session.execute(
        sa.select(Membership.id, Membership.member_number).where(Membership.id.in_(membership_ids))
    ).all())


def _labelled(per_branch: dict[int | None, Change]) -> list[Change]:
    """The changes per branch by branch number, with the members attached to a county last."""
    branches = db.session.execute(
        sa.select(Branch.id, Branch.number, Branch.name)
        .where(Branch.id.in_([b for b in per_branch if b is not None]))
        .order_by(Branch.number)
    ).all()
    labelled = []
    for branch_id, number, name in branches:
        per_branch[branch_id].label = f"{number} {name}"
        labelled.append(per_branch[branch_id])
    if None in per_branch:
        per_branch[None].label = _("Studenter og elever (tilknyttet fylke)")
        labelled.append(per_branch[None])
    return labelled
