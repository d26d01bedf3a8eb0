"""Made-up but valid Norwegian numbers: identity numbers, organization numbers, bank accounts."""
import random
from datetime import date

from stdnum.no import kontonr, orgnr


def individual_range(birth: date) -> tuple[int, int]:
    """The individual numbers (positions 7-9) issued for a birth year, as python-stdnum reads them."""
    if 1900 <= birth.year <= 1999:
        return 0, 499
    if 2000 <= birth.year <= 2039:
        return 500, 999
    raise ValueError(f"no demo identity numbers for {birth.year}")


K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check_digit(weighted_sum: int) -> int:
    return (11 - weighted_sum % 11) % 11  # 10 means: no valid number


def national_id(birth: date, male: bool, rng: random.Random, *, d_number: bool = False) -> str:
    """A valid fødselsnummer (or D-number: 4 added to the first digit) for the birth date and gender.

    The third individual digit is odd for men and even for women. About one individual number in
    five gives a check digit of 10, which is never issued: draw again. (Written out rather than
    calling python-stdnum, because the demo makes half a million of them; the tests check them
    with rules.idnumbers.)
    """
    date_part = f"{birth.day + 40 if d_number else birth.day:02d}{birth:%m%y}"
    sum1 = sum(int(d) * w for d, w in zip(date_part, K1))
    sum2 = sum(int(d) * w for d, w in zip(date_part, K2))
    low, high = individual_range(birth)
    while True:
        individual = rng.randint(low, high)
        if individual % 2 != male:
            individual = individual + 1 if individual < high else individual - 1
        a, b, c = individual // 100, individual // 10 % 10, individual % 10
        k1 = _check_digit(sum1 + a * K1[6] + b * K1[7] + c * K1[8])
        if k1 == 10:
            continue
        k2 = _check_digit(sum2 + a * K2[6] + b * K2[7] + c * K2[8] + k1 * K2[9])
        if k2 != 10:
            return f"{date_part}{individual:03d}{k1}{k2}"


def organization_number(rng: random.Random, first_digit: int = 9) -> str:
    """Nine digits with a valid mod-11 check digit (orgnr begin with 8 or 9)."""
    while True:
        base = f"{first_digit}{rng.randint(0, 9_999_999):07d}"
        for check in "0123456789":
            if orgnr.is_valid(base + check):
                return base + check


def bank_account(rng: random.Random) -> str:
    """Eleven digits: a bank's four-digit register number, six digits, and the mod-11 check digit."""
    while True:
        base = f"{rng.choice(('1503', '1506', '1607', '3000', '3201', '9710'))}{rng.randint(0, 999_999):06d}"
        for check in "0123456789":
            if kontonr.is_valid(base + check):
                return base + check
