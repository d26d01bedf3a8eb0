"""Splitting what an employer paid for a deduction list between the central registry, the branch and
the funds (DOMAIN.md section 5, "Distribution"). Pure: øre in, øre out.

- The percentage part splits into a central and a local share by the branch's rate in force for the
  list's month: central = percentage part × central rate / branch rate, rounded half up to the øre;
  local = the rest. So the two always add up to the percentage part.
- Each member's fixed amount goes to home insurance, the benefit fund and the education fund. An
  amount that is one of the known combinations (all three; benefit and education with a home-insurance
  reservation; home and benefit for a member paying the insurances only; benefit alone) is split as
  that combination. Any other amount is filled fund by fund in the rate table's order (home, benefit,
  education), each up to its rate; what is beyond all three is excess.
- Excess: what was paid beyond the list's amount (an overpayment, or a payment that came after an
  earlier distribution of the list). It goes to the central registry, which settles it, and is shown
  on its own.

Every split adds up to exactly what was paid: central + local + funds + excess = paid.
"""
from collections.abc import Iterable
from dataclasses import dataclass, fields

from .dues import Rates
from .money import round_half_up
from .payment_state import N_

PARTS = ("central_ore", "local_ore", "home_ore", "benefit_fund_ore", "education_fund_ore", "excess_ore")
PART_NAMES = {  # labels, translated where they are shown
    "central_ore": N_("Sentral andel"),
    "local_ore": N_("Lokal andel"),
    "home_ore": N_("Hjemforsikring"),
    "benefit_fund_ore": N_("Stønadskassa"),
    "education_fund_ore": N_("Utdanningsfond"),
    "excess_ore": N_("Overskytende"),
}


@dataclass(frozen=True)
class Split:
    central_ore: int = 0
    local_ore: int = 0
    home_ore: int = 0
    benefit_fund_ore: int = 0
    education_fund_ore: int = 0
    excess_ore: int = 0

    @property
    def total_ore(self) -> int:
        return sum(getattr(self, name) for name in PARTS)

    @property
    def funds_ore(self) -> int:
        return self.home_ore + self.benefit_fund_ore + self.education_fund_ore

    def __add__(self, other: "Split") -> "Split":
        return Split(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in PARTS}


def percentage_shares(percentage_ore: int, central_bp: int, branch_rate_bp: int) -> tuple[int, int]:
    """(central, local) of a list's percentage part at the branch's rate."""
    if branch_rate_bp <= 0:
        raise ValueError("a branch rate must be positive")
    central = round_half_up(percentage_ore * min(central_bp, branch_rate_bp), branch_rate_bp)
    return central, percentage_ore - central


def split_fixed(amount_ore: int, rates: Rates) -> tuple[int, int, int, int]:
    """One member's fixed amount as (home, benefit fund, education fund, excess)."""
    home, benefit, education = rates.home_ore, rates.benefit_fund_ore, rates.education_fund_ore
    known = {
        home + benefit + education: (home, benefit, education),
        benefit + education: (0, benefit, education),
        home + benefit: (home, benefit, 0),
        benefit: (0, benefit, 0),
        0: (0, 0, 0),
    }
    if amount_ore in known:
        return (*known[amount_ore], 0)
    if amount_ore < 0:  # a correction: take it back where it would have gone
        h, b, e, x = split_fixed(-amount_ore, rates)
        return -h, -b, -e, -x
    parts, left = [], amount_ore
    for rate in (home, benefit, education):
        part = min(left, rate)
        parts.append(part)
        left -= part
    return parts[0], parts[1], parts[2], left


def split_list(percentage_ore: int, fixed_amounts: Iterable[tuple[int, int]], rates: Rates,
               branch_rate_bp: int, paid_ore: int) -> Split:
    """A list's split: its percentage part, its members' fixed amounts as (amount, how many members),
    the rates and the branch rate of its month, and what was paid for it."""
    central, local = percentage_shares(percentage_ore, rates.central_bp, branch_rate_bp)
    home = benefit = education = excess = 0
    for amount, count in fixed_amounts:
        h, b, e, x = split_fixed(amount, rates)
        home, benefit, education, excess = home + h * count, benefit + b * count, education + e * count, excess + x * count
    split = Split(central, local, home, benefit, education, excess)
    return Split(central, local, home, benefit, education, excess + paid_ore - split.total_ore)


def adjustment(paid_ore: int, distributed_ore: int) -> Split:
    """A list distributed before whose payments changed since: the difference, as excess."""
    return Split(excess_ore=paid_ore - distributed_ore)
