"""Norwegian identity numbers, organization numbers and bank accounts.

Identity numbers (fødselsnummer, D-number, H-number) are checked by python-stdnum, plus the rule
for numbers issued from 2032 (DOMAIN.md section 6): the first check digit is relaxed, so the weighted
sum over the first ten digits (weights 3,7,6,1,8,9,4,5,2,1) may leave 0, 1, 2 or 3 modulo 11; the
second is unchanged. Such numbers tell neither birth date nor gender, so none is derived. Whatever
the check digits, the first six digits are a date (D-number: day + 40; H-number: month + 40; with
the century unknown, 29 February is allowed): all zeros, impossible dates and FH-numbers (first
digit 8 or 9) are refused, and synthetic test numbers (month + 80) only pass with allow_synthetic.
"""
from dataclasses import dataclass
from datetime import date

from stdnum.exceptions import ValidationError
from stdnum.no import fodselsnummer, kontonr, orgnr

K1_RELAXED = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


class InvalidNumber(ValueError):
    """The message is for the user (Norwegian)."""


@dataclass(frozen=True)
class NationalId:
    number: str
    birth_date: date | None  # None when the number does not tell it (the 2032 rule)


def _digits(value: str, length: int, what: str) -> str:
    compact = "".join(str(value or "").split()).replace(".", "").replace("-", "")
    if not compact:
        raise InvalidNumber(f"{what} mangler.")
    if not (compact.isascii() and compact.isdigit()) or len(compact) != length:
        raise InvalidNumber(f"{what} skal være {length} siffer.")
    return compact


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights))


def is_2032_number(number: str) -> bool:
    """Valid under the relaxed check digits used for numbers issued from 2032."""
    return (
        len(number) == 11
        and number.isdigit()
        and _weighted(number[:10], K1_RELAXED) % 11 in (0, 1, 2, 3)
        and _weighted(number, K2) % 11 == 0
    )


def date_part_is_a_date(number: str, allow_synthetic: bool = False) -> bool:
    """The first six digits are a day and month (D: day + 40, H: month + 40, synthetic: month + 80
    when allowed) that some year has: 29 February is allowed, the century being unknown."""
    day, month = int(number[0:2]), int(number[2:4])
    if day > 40:
        day -= 40
    if month > 80 and allow_synthetic:
        month -= 80
    elif month > 40:
        month -= 40
    try:
        date(2000, month, day)  # a leap year
    except ValueError:
        return False
    return True


def is_synthetic(number: str) -> bool:
    """A synthetic test number (month + 80), never issued to a person."""
    return int(number[2:4]) > 80


def parse_national_id(value: str, *, allow_synthetic: bool = False) -> NationalId:
    """A valid identity number, D- or H-number with its birth date where it tells one; else InvalidNumber.

    allow_synthetic: accept synthetic test numbers (month + 80), never in production; the web app
    passes its ALLOW_SYNTHETIC_NATIONAL_IDS setting (web.idnumber)."""
    number = _digits(value, 11, "Fødselsnummeret")
    if number == "0" * 11:
        raise InvalidNumber("Fødselsnummeret er ikke gyldig: det består bare av nuller.")
    if number[0] in "89":
        raise InvalidNumber("Fødselsnummeret er et FH-nummer (første siffer 8 eller 9), som ikke gis til "
                            "personer i folkeregisteret.")
    if is_synthetic(number) and not allow_synthetic:
        raise InvalidNumber("Fødselsnummeret er et syntetisk testnummer (måned + 80), som ikke tas imot her.")
    if not date_part_is_a_date(number, allow_synthetic):
        raise InvalidNumber("Fødselsnummeret er ikke gyldig: de seks første sifrene er ikke en dato.")
    try:
        fodselsnummer.validate(number)
        return NationalId(number, fodselsnummer.get_birth_date(number))
    except ValidationError:
        if is_2032_number(number):
            return NationalId(number, None)
    raise InvalidNumber("Fødselsnummeret er ikke gyldig (kontrollsifrene stemmer ikke).")


def parse_orgnr(value: str) -> str:
    number = _digits(value, 9, "Organisasjonsnummeret")
    if not orgnr.is_valid(number):
        raise InvalidNumber("Organisasjonsnummeret er ikke gyldig (kontrollsifferet stemmer ikke).")
    return number


def parse_account(value: str) -> str:
    number = _digits(value, 11, "Kontonummeret")
    if number[:4] == "0000":  # no bank has register number 0000 (stdnum reads such numbers as old postgiro)
        raise InvalidNumber(f"Kontonummeret {format_account(number)} er ikke en bankkonto: de fire første sifrene "
                            "(bankens registernummer) kan ikke være 0000.")
    if not kontonr.is_valid(number):
        raise InvalidNumber("Kontonummeret er ikke gyldig (kontrollsifferet stemmer ikke).")
    return number


def format_account(number: str) -> str:
    return kontonr.format(number)
