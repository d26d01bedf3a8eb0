"""What a member pays, and why (DOMAIN.md sections 3, 4 and 7). Data in, data out.

Money is integer øre, percentages integer hundredths of a percent (175 = 1,75 %). The percentage
part is rounded half up to the øre, the cap to whole kroner. Every result carries a Norwegian
explanation a branch officer can read out to the member.

`Dues.total_ore` is the amount of one billing period (`per`): a month for working members, two
months for A/L/O/M, a half-year for students and pupils, a year for U/P. `Dues.monthly_ore` is the
month's share for monthly roll-ups: exact for monthly and two-monthly dues, and for the yearly and
half-yearly fees the share rounded half up to the øre (250 kr a half-year → 41,67 a month);
`Dues.yearly_ore` is exact for everyone.
"""
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from functools import lru_cache

from .money import format_kroner, format_percent, format_whole_kroner, percent_of, round_half_up

MAX_MONTHLY_PAY_ORE = 10_000_000 * 100  # 10 million kroner a month: anything above is a typing error
MAX_RATE_BP = 1000  # 10 %

CODE_NAMES = {
    "Y": "yrkesaktiv",
    "A": "attføring / rehabilitering",
    "L": "ledig",
    "O": "permisjon uten lønn",
    "M": "førstegangstjeneste / siviltjeneste",
    "U": "ufør",
    "P": "pensjonist",
    "W": "trekk fra NAV",
}
WORKING_CODES = {"Y", "W"}
INSURANCE_ONLY_CODES = {"A", "L", "O", "M"}
PENSIONER_CODES = {"U", "P"}
MEMBERSHIP_TYPES = {"main", "student", "pupil", "secondary"}
PAYMENT_METHODS = {"deduction", "invoice"}
PENSIONER_LAST_AGE = 75  # pays up to and including the year of turning 75

PERIOD_MONTHS = {"month": 1, "two_months": 2, "half_year": 6, "year": 12}
FIXED_PART_NAMES = {
    "home": "hjemforsikring",
    "benefit_fund": "stønadskassa",
    "education_fund": "utdanningsfond",
}
BILLING_TEXT = {"deduction": "trekk hos arbeidsgiver", "invoice": "faktura", "state": "trukket av NAV"}


def _quick_frozen(cls):
    """`@dataclass(frozen=True)` with an __init__ that fills the instance's __dict__ in one step.

    The __init__ that dataclasses writes for a frozen class calls object.__setattr__ once per field,
    which made building MemberFacts and Dues cost more than the rules themselves when the dues of
    every member are computed at once. Fields, defaults, equality, hash and immutability are the
    dataclass's own; only the fields' own defaults are supported (no default_factory)."""
    cls = dataclass(frozen=True)(cls)
    params, items, defaults = [], [], {}
    for f in fields(cls):
        if f.default_factory is not MISSING or not f.init:
            raise TypeError(f"{cls.__name__}.{f.name}: only plain fields and defaults are supported")
        if f.default is MISSING:
            params.append(f.name)
        else:
            defaults[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        items.append(f"{f.name!r}: {f.name}")
    source = f"def __init__(self, {', '.join(params)}):\n    self.__dict__.update({{{', '.join(items)}}})\n"
    exec(source, defaults)  # noqa: S102 (the same technique dataclasses itself uses)
    init = defaults["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init
    return cls


class DuesError(ValueError):
    """Bad input to the dues rules; the message is for the user (Norwegian)."""


def _norwegian_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _check_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DuesError(f"{what} må være et helt tall, fikk {value!r}.")
    return value


def check_rate(rate_bp: int) -> int:
    """A percentage between 0 and 10 %."""
    if not 0 <= _check_int(rate_bp, "Prosentsatsen") <= MAX_RATE_BP:
        raise DuesError(
            f"Prosentsatsen må være mellom 0 og 10 %, ikke {format_percent(rate_bp)}."
        )
    return rate_bp


def check_pay(pay_ore: int) -> int:
    """A gross monthly pay in øre: not negative, not above 10 million kroner."""
    if _check_int(pay_ore, "Lønnen (i øre)") < 0:
        raise DuesError("Lønnen kan ikke være negativ.")
    if pay_ore > MAX_MONTHLY_PAY_ORE:
        raise DuesError(
            f"Månedslønnen {format_kroner(pay_ore)} kr er urimelig høy "
            f"(over {format_whole_kroner(MAX_MONTHLY_PAY_ORE)} kr)."
        )
    return pay_ore


@dataclass(frozen=True)
class Rates:
    """The union-wide rates in force from `valid_from` (one row of the rate table)."""

    valid_from: date
    central_bp: int  # the central share of the percentage
    minimum_bp: int  # the lowest percentage a branch may have
    step50_ore: int  # the cap reference: monthly pay of salary step 50
    home_ore: int  # fixed monthly amounts
    benefit_fund_ore: int
    education_fund_ore: int
    pensioner_yearly_ore: int
    student_half_year_ore: int

    def __post_init__(self) -> None:
        for name in ("central_bp", "minimum_bp"):
            check_rate(getattr(self, name))
        if self.central_bp > self.minimum_bp:
            raise DuesError(
                f"Den sentrale andelen ({format_percent(self.central_bp)}) kan ikke være større "
                f"enn minstesatsen ({format_percent(self.minimum_bp)})."
            )
        for name in ("step50_ore", "home_ore", "benefit_fund_ore", "education_fund_ore",
                     "pensioner_yearly_ore", "student_half_year_ore"):
            if _check_int(getattr(self, name), "Beløpet") < 0:
                raise DuesError("Beløpene i satstabellen kan ikke være negative.")

    def fixed_parts(self, home_reserved: bool) -> tuple[tuple[str, int], ...]:
        """The fixed monthly amounts of a working main member: 'high fixed', or 'low fixed' when
        the member holds a home-insurance reservation."""
        parts = (("benefit_fund", self.benefit_fund_ore), ("education_fund", self.education_fund_ore))
        return parts if home_reserved else (("home", self.home_ore), *parts)

    def insurance_parts(self, home_reserved: bool) -> tuple[tuple[str, int], ...]:
        """What a non-working member (A, L, O, M) pays a month: the insurances only."""
        parts = (("benefit_fund", self.benefit_fund_ore),)
        return parts if home_reserved else (("home", self.home_ore), *parts)


RATE_HISTORY: tuple[Rates, ...] = (
    Rates(
        valid_from=date(2008, 3, 1), central_bp=115, minimum_bp=145, step50_ore=3_063_340,
        home_ore=6100, benefit_fund_ore=1500, education_fund_ore=2100,
        pensioner_yearly_ore=30_000, student_half_year_ore=25_000,
    ),
    Rates(
        valid_from=date(2022, 1, 1), central_bp=115, minimum_bp=145, step50_ore=4_282_759,
        home_ore=7400, benefit_fund_ore=2600, education_fund_ore=2500,
        pensioner_yearly_ore=30_000, student_half_year_ore=25_000,
    ),
)


def rates_on(history: tuple[Rates, ...] | list[Rates], day: date) -> Rates:
    """The row of `history` in force on `day`."""
    in_force = [r for r in history if r.valid_from <= day]
    if not in_force:
        if not history:
            raise DuesError("Satstabellen er tom.")
        first = min(r.valid_from for r in history)
        raise DuesError(
            f"Det finnes ingen satser for {_norwegian_date(day)}: "
            f"de første gjelder fra {_norwegian_date(first)}."
        )
    return max(in_force, key=lambda r: r.valid_from)


def check_branch_rate(rate_bp: int, rates: Rates) -> int:
    """A branch's total percentage: between 0 and 10 % and not below the minimum."""
    check_rate(rate_bp)
    if rate_bp < rates.minimum_bp:
        raise DuesError(
            f"Prosentsatsen {format_percent(rate_bp)} er under minstesatsen "
            f"{format_percent(rates.minimum_bp)}."
        )
    return rate_bp


@lru_cache(maxsize=1024)
def _working_parts(rates: Rates, rate_bp: int, home_reserved: bool, secondary: bool):
    """(cap, fixed parts, fixed total) of a working member: the same for everyone with the same rates,
    branch rate and reservation, so computed once. Refuses a branch rate below the minimum."""
    check_branch_rate(rate_bp, rates)
    parts = () if secondary else rates.fixed_parts(home_reserved)
    return cap(rates.step50_ore, rate_bp), parts, sum(ore for _, ore in parts)


def percentage_part(pay_ore: int, rate_bp: int) -> int:
    """rate_bp of pay_ore, rounded half up to the øre."""
    return percent_of(pay_ore, rate_bp)


def cap(step50_ore: int, rate_bp: int) -> int:
    """The highest percentage part: rate_bp of the cap reference, rounded half up to whole kroner
    (in øre, so a multiple of 100)."""
    return round_half_up(step50_ore * rate_bp, 10_000 * 100) * 100


@_quick_frozen
class Dues:
    """What one member pays for one billing period, and why.

    The explanation is written only when asked for (`explanation`), so that computing the dues of
    every member for a roll-up costs no text formatting.
    """

    percentage_part_ore: int  # after the cap; 0 when no percentage applies
    cap_ore: int | None  # None when no percentage applies
    fixed_ore: int  # the fixed amounts per month (0 when none)
    fixed_parts: tuple[tuple[str, int], ...]  # (key of FIXED_PART_NAMES, øre a month)
    total_ore: int  # one billing period
    monthly_ore: int  # the month's share (see the module docstring)
    per: str  # "month", "two_months", "half_year", "year"
    billing: str  # "deduction", "invoice", "state" (W: deducted by NAV), "none"
    explain: Callable[[], str] = field(repr=False, compare=False)
    capped: bool = False  # the percentage part was cut down to the cap

    @property
    def explanation(self) -> str:
        """Why, in Norwegian, ending with the amount: '… = 633,00 kr'."""
        return self.explain()

    @property
    def months(self) -> int:
        return PERIOD_MONTHS[self.per]

    @property
    def yearly_ore(self) -> int:
        """A year's worth at this rate, exact."""
        return self.total_ore * 12 // self.months


def working_dues(
    pay_ore: int,
    branch_rate_bp: int,
    rates: Rates,
    *,
    home_reserved: bool = False,
    secondary: bool = False,
    billing: str = "deduction",
) -> Dues:
    """A working member's month: min(pay × rate, cap) + fixed; secondary members no fixed part.

    A percentage part exactly at the cap is not called capped: nothing was cut.
    """
    check_pay(pay_ore)
    return _working(pay_ore, branch_rate_bp, rates, home_reserved, secondary, billing, prefix=str)


def _working(pay_ore, rate_bp, rates, home_reserved, secondary, billing, prefix: Callable[[], str]) -> Dues:
    """The pay is checked by the caller; `prefix` writes the start of the explanation when asked."""
    ceiling, parts, fixed = _working_parts(rates, rate_bp, home_reserved, secondary)
    raw = percentage_part(pay_ore, rate_bp)
    total = min(raw, ceiling) + fixed

    def explain() -> str:
        rate_text = format_percent(rate_bp)
        text = f"{prefix()}{rate_text} av {format_kroner(pay_ore)} = {format_kroner(raw)}"
        if raw > ceiling:
            text += f", begrenset til {format_whole_kroner(ceiling)} ({rate_text} av {format_kroner(rates.step50_ore)})"
        elif raw == ceiling:
            text += f" (akkurat taket på {format_whole_kroner(ceiling)})"
        else:
            text += f" (under taket på {format_whole_kroner(ceiling)})"
        if secondary:
            text += ", ingen faste beløp for bimedlem"
        else:
            named = ", ".join(f"{FIXED_PART_NAMES[key]} {format_kroner(ore)}" for key, ore in parts)
            reservation = "; reservert mot hjemforsikring" if home_reserved else ""
            text += f" + faste beløp {format_kroner(fixed)} ({named}{reservation})"
        return f"{text} = {format_kroner(total)} kr"

    return Dues(
        percentage_part_ore=min(raw, ceiling),
        cap_ore=ceiling,
        fixed_ore=fixed,
        fixed_parts=parts,
        total_ore=total,
        monthly_ore=total,
        per="month",
        billing=billing if total else "none",
        explain=explain,
        capped=raw > ceiling,
    )


@_quick_frozen
class MemberFacts:
    """What the dues rules need to know about one membership on one day."""

    dues_code: str  # Y A L O M U P W
    membership_type: str  # main, student, pupil, secondary
    apprentice: bool = False
    payment: str = "deduction"  # or "invoice"
    monthly_pay_ore: int | None = None  # None: no pay registered, no percentage
    branch_rate_bp: int | None = None  # None for students and pupils (attached to a county)
    home_reserved: bool = False
    birth_date: date | None = None  # None when the identity number does not tell it
    code_from: date | None = None  # when the current dues code started (U/P: the retirement day)
    optional_insurance: bool = False  # a pupil or apprentice who pays the half-year fee


def _flat_dues(amount_ore: int, per: str, explain: Callable[[], str], fixed_parts=()) -> Dues:
    """Dues that are a fixed amount per billing period, no percentage."""
    return Dues(
        percentage_part_ore=0,
        cap_ore=None,
        fixed_ore=sum(ore for _, ore in fixed_parts),
        fixed_parts=fixed_parts,
        total_ore=amount_ore,
        monthly_ore=round_half_up(amount_ore, PERIOD_MONTHS[per]),
        per=per,
        billing="invoice" if amount_ore else "none",
        explain=explain,
    )


def _code_label(code: str) -> str:
    return f"Kode {code} ({CODE_NAMES[code]})"


def _working_member(member: MemberFacts, rates: Rates, *, secondary: bool) -> Dues:
    if member.branch_rate_bp is None:
        raise DuesError("Medlemmet hører ikke til en fagforening med prosentsats.")
    billing = "state" if member.dues_code == "W" else member.payment

    def prefix() -> str:
        who = "Bimedlem" if secondary else _code_label(member.dues_code)
        no_pay = ", ingen lønn registrert" if member.monthly_pay_ore is None else ""
        return f"{who}, {BILLING_TEXT[billing]}{no_pay}: "

    return _working(
        member.monthly_pay_ore or 0, member.branch_rate_bp, rates, member.home_reserved, secondary,
        billing, prefix,
    )


def _insurance_only(member: MemberFacts, rates: Rates) -> Dues:
    parts = rates.insurance_parts(member.home_reserved)
    monthly = sum(ore for _, ore in parts)

    def explain() -> str:
        named = " + ".join(f"{FIXED_PART_NAMES[key]} {format_kroner(ore)}" for key, ore in parts)
        reservation = " (reservert mot hjemforsikring)" if member.home_reserved else ""
        return (
            f"{_code_label(member.dues_code)}: bare forsikringer, {named} = {format_kroner(monthly)} kr "
            f"i måneden{reservation}, fakturert to måneder om gangen ({format_kroner(2 * monthly)} kr), "
            "to måneder etterskudd."
        )

    return _flat_dues(2 * monthly, "two_months", explain, parts)


def _pensioner(member: MemberFacts, rates: Rates, on: date) -> Dues:
    label = _code_label(member.dues_code)
    fee = rates.pensioner_yearly_ore
    retired = member.code_from
    if retired is not None and retired.year == on.year and retired >= date(on.year, 2, 1):
        return _flat_dues(0, "year", lambda: (
            f"{label} fra {_norwegian_date(retired)}: ingen kontingent i {on.year}, "
            "fordi den som går av 1. februar eller senere ikke betaler mer det året."
        ))
    if member.birth_date is None:
        return _flat_dues(fee, "year", lambda: (
            f"{label}: {format_kroner(fee)} kr i året (fødselsdatoen er ukjent, så aldersgrensen på "
            f"{PENSIONER_LAST_AGE} år kan ikke brukes)."
        ))
    year_75 = member.birth_date.year + PENSIONER_LAST_AGE
    if on.year > year_75:
        return _flat_dues(0, "year", lambda: (
            f"{label}: ingen kontingent, fylte {PENSIONER_LAST_AGE} år i {year_75} "
            f"(pensjonistkontingent betales til og med det året man fyller {PENSIONER_LAST_AGE})."
        ))
    return _flat_dues(fee, "year", lambda: (
        f"{label}: {format_kroner(fee)} kr i året, til og med {year_75} "
        f"(året medlemmet fyller {PENSIONER_LAST_AGE})."
    ))


def _half_year_fee(rates: Rates, who: str) -> Dues:
    fee = rates.student_half_year_ore
    return _flat_dues(fee, "half_year", lambda: (
        f"{who}: {format_kroner(fee)} kr i halvåret, forsikringene er inkludert (unntatt utdanningsfondet)."
    ))


def member_dues(member: MemberFacts, rates: Rates, on: date) -> Dues:
    """What `member` pays under `rates` on the day `on`.

    The membership type decides first (students, pupils, apprentices, secondary members), then the
    dues code. A secondary member pays the percentage of pay while working (Y, W), nothing otherwise.
    """
    code, kind = member.dues_code, member.membership_type
    if code not in CODE_NAMES:
        raise DuesError(f"Ukjent kontingentkode: {code!r}.")
    if kind not in MEMBERSHIP_TYPES:
        raise DuesError(f"Ukjent medlemstype: {kind!r}.")
    if member.payment not in PAYMENT_METHODS:
        raise DuesError(f"Ukjent betalingsmåte: {member.payment!r}.")
    if member.monthly_pay_ore is not None:
        check_pay(member.monthly_pay_ore)

    if kind == "student":
        return _half_year_fee(rates, "Student")
    if kind == "pupil" or (kind == "main" and member.apprentice):
        who = "Elev" if kind == "pupil" else "Lærling"
        if member.optional_insurance:
            return _half_year_fee(rates, f"{who} som har valgt forsikringene")
        return _flat_dues(0, "half_year", lambda: (
            f"{who}: gratis medlemskap. Kan betale {format_kroner(rates.student_half_year_ore)} kr "
            "i halvåret for å få forsikringene."
        ))
    if kind == "secondary":
        if code in WORKING_CODES:
            return _working_member(member, rates, secondary=True)
        return _flat_dues(0, "month", lambda: (
            f"Bimedlem med kode {code} ({CODE_NAMES[code]}): ingen kontingent "
            "(bimedlemmer betaler bare prosent av lønn, aldri faste beløp)."
        ))
    if code in WORKING_CODES:
        return _working_member(member, rates, secondary=False)
    if code in INSURANCE_ONLY_CODES:
        return _insurance_only(member, rates)
    return _pensioner(member, rates, on)
