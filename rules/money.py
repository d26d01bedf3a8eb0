"""Exact money arithmetic and its Norwegian spelling, with no binary floating point anywhere.

Amounts are integers of øre; percentages are integers of hundredths of a percent (`bp`: 175 is
1,75 %). Division rounds half up (half away from zero) to the nearest whole unit.
"""

BP_PER_WHOLE = 10_000  # 100 % in hundredths of a percent


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    return sign * ((2 * abs(numerator) + denominator) // (2 * denominator))


def percent_of(amount_ore: int, rate_bp: int) -> int:
    """rate_bp hundredths of a percent of amount_ore, rounded half up to the øre."""
    return round_half_up(amount_ore * rate_bp, BP_PER_WHOLE)


def format_kroner(ore: int) -> str:
    """Øre as Norwegian kroner without the unit: 3300000 → '33 000,00', -5 → '-0,05'."""
    sign = "-" if ore < 0 else ""
    whole, cents = divmod(abs(ore), 100)
    return f"{sign}{whole:,}".replace(",", " ") + f",{cents:02d}"


def plain_amount(ore: int) -> str:
    """Øre as a plain decimal string for machines (the commands' JSON): 63300 → '633.00', -5 → '-0.05'."""
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100}.{abs(ore) % 100:02d}"


def format_whole_kroner(ore: int) -> str:
    """Øre as whole kroner without the unit, for amounts rounded to kroner: 53600 → '536'."""
    if ore % 100:
        raise ValueError(f"{ore} øre is not a whole number of kroner")
    return f"{ore // 100:,}".replace(",", " ")


def format_percent(bp: int) -> str:
    """Hundredths of a percent in Norwegian form: 175 → '1,75 %', 150 → '1,5 %', 200 → '2 %'."""
    sign = "-" if bp < 0 else ""
    whole, frac = divmod(abs(bp), 100)
    return sign + f"{whole},{frac:02d}".rstrip("0").rstrip(",") + " %"
