"""Comparing the deduction list the register expects with the one the employer reported (DOMAIN.md
section 5), as a pure function on exact integer øre.

Each person becomes one `Outcome`:
- matched: on both sides, the amounts within the tolerance (green);
- missing: expected but not reported (yellow);
- unexpected: reported but not expected, kept with the file's identity number and name (orange);
- amount: on both sides, with an amount deviation; `reasons` say which, in Norwegian.

Reported lines are matched to expected members by identity number first, then the lines left by
member number (a mistyped identity number in the payroll system). Each comparison allows
`TOLERANCE_ORE`. The percentage part is checked against the member's cap always, and against the
branch's rate of the pay basis (capped) when the file gives a pay basis.
"""
from collections.abc import Sequence
from dataclasses import dataclass

from rules.money import format_kroner, format_percent, percent_of

TOLERANCE_ORE = 100  # 1 kr on each comparison

MATCHED, MISSING, UNEXPECTED, AMOUNT = "matched", "missing", "unexpected", "amount"


@dataclass(frozen=True)
class Expected:
    """A member the register expects on the list, with what the member should pay."""

    membership_id: int
    national_id: str
    member_number: int
    name: str
    position_bp: int
    pay_basis_ore: int | None
    branch_rate_bp: int
    cap_ore: int  # the most the percentage part may be
    fixed_ore: int  # the member's fixed amounts (insurances and funds)


@dataclass(frozen=True)
class Reported:
    """A line of the employer's file."""

    row: int
    national_id: str
    member_number: int | None
    name: str
    position_bp: int | None
    pay_basis_ore: int | None
    dues_ore: int
    insurance_ore: int


@dataclass(frozen=True)
class Outcome:
    status: str  # MATCHED, MISSING, UNEXPECTED or AMOUNT
    expected: Expected | None
    reported: Reported | None
    reasons: tuple[str, ...] = ()
    matched_by: str | None = None  # "national_id" or "member_number" when both sides are there

    @property
    def national_id(self) -> str:
        return (self.expected or self.reported).national_id

    @property
    def name(self) -> str:
        return (self.expected or self.reported).name


def reconcile(expected: Sequence[Expected], reported: Sequence[Reported]) -> list[Outcome]:
    """One outcome per person: the expected in their order, then the unexpected in file order."""
    partner = _pair(expected, reported)
    outcomes = []
    for index, member in enumerate(expected):
        pair = partner.get(index)
        if pair is None:
            outcomes.append(Outcome(MISSING, member, None))
            continue
        line, matched_by = reported[pair[0]], pair[1]
        reasons = amount_deviations(member, line)
        outcomes.append(Outcome(AMOUNT if reasons else MATCHED, member, line, reasons, matched_by))
    taken = {position for position, _ in partner.values()}
    outcomes.extend(Outcome(UNEXPECTED, None, line) for position, line in enumerate(reported) if position not in taken)
    return outcomes


def _pair(expected: Sequence[Expected], reported: Sequence[Reported]) -> dict[int, tuple[int, str]]:
    """Expected index → (reported index, how matched); each line is used at most once."""
    by_national_id: dict[str, list[int]] = {}
    for position, line in enumerate(reported):
        by_national_id.setdefault(line.national_id, []).append(position)
    partner: dict[int, tuple[int, str]] = {}
    taken: set[int] = set()
    for index, member in enumerate(expected):
        candidates = by_national_id.get(member.national_id, [])
        if candidates:
            position = candidates.pop(0)
            partner[index] = (position, "national_id")
            taken.add(position)

    by_member_number: dict[int, list[int]] = {}
    for position, line in enumerate(reported):
        if position not in taken and line.member_number is not None:
            by_member_number.setdefault(line.member_number, []).append(position)
    for index, member in enumerate(expected):
        candidates = by_member_number.get(member.member_number, [])
        if index not in partner and candidates:
            partner[index] = (candidates.pop(0), "member_number")
    return partner


def amount_deviations(member: Expected, line: Reported) -> tuple[str, ...]:
    """Why the reported amounts are not what the member should pay (empty: they are)."""
    reasons = []
    dues = line.dues_ore
    if dues - member.cap_ore > TOLERANCE_ORE:
        reasons.append(f"Prosenttrekket {format_kroner(dues)} er over taket {format_kroner(member.cap_ore)}")
    elif line.pay_basis_ore is not None:
        share = percent_of(line.pay_basis_ore, member.branch_rate_bp)
        due = min(share, member.cap_ore)
        if abs(dues - due) > TOLERANCE_ORE:
            reason = (f"Prosenttrekket {format_kroner(dues)} er ikke {format_percent(member.branch_rate_bp)} "
                      f"av trekkgrunnlaget {format_kroner(line.pay_basis_ore)} ({format_kroner(share)}")
            if due < share:
                reason += f", begrenset til taket {format_kroner(member.cap_ore)}"
            reasons.append(reason + ")")
    if abs(line.insurance_ore - member.fixed_ore) > TOLERANCE_ORE:
        reasons.append(f"Forsikringsbeløpet {format_kroner(line.insurance_ore)} "
                       f"er ikke medlemmets {format_kroner(member.fixed_ore)}")
    return tuple(reasons)
