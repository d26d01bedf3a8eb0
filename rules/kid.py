"""KID, the payment reference on giro payments (DOMAIN.md section 6).

2 to 25 digits, the last a check digit under MOD10 (Luhn) or MOD11. This system makes MOD10 KIDs
(the bank's payment file cannot carry MOD11's '-'), and accepts both when reading.
"""
MAX_LENGTH = 25  # the whole KID, check digit included
MIN_LENGTH = 2


class KidError(ValueError):
    """Bad KID input; the message is for the user (Norwegian)."""


def _require_digits(text: str) -> str:
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        raise KidError(f"Et KID-nummer kan bare inneholde sifre, ikke {text!r}.")
    return text


def _body(digits: str) -> str:
    """The digits a check digit is computed over."""
    if len(_require_digits(digits)) > MAX_LENGTH - 1:
        raise KidError(
            f"Et KID-nummer kan ha høyst {MAX_LENGTH} sifre med kontrollsifferet, "
            f"så høyst {MAX_LENGTH - 1} før det (fikk {len(digits)})."
        )
    return digits


def mod10_check_digit(digits: str) -> str:
    """Luhn: weights 2,1,2,1,... from the right, digits of each product summed."""
    total = 0
    for position, digit in enumerate(reversed(_body(digits))):
        product = int(digit) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def mod11_check_digit(digits: str) -> str:
    """Weights 2,3,4,5,6,7,2,3,... from the right; 11 - (sum mod 11), '0' for 11 and '-' for 10."""
    total = sum(int(d) * (2 + position % 6) for position, d in enumerate(reversed(_body(digits))))
    remainder = total % 11
    if remainder == 0:
        return "0"
    if remainder == 1:
        return "-"
    return str(11 - remainder)


def make_kid(digits: str, mod11: bool = False) -> str:
    """`digits` with its check digit appended (MOD10 unless `mod11`)."""
    digits = digits.strip() if isinstance(digits, str) else digits
    if not digits:
        raise KidError("Skriv inn sifrene KID-nummeret skal lages av.")
    return digits + (mod11_check_digit(digits) if mod11 else mod10_check_digit(digits))


def kid_scheme(kid: str) -> str | None:
    """'MOD10' or 'MOD11' for a valid KID (MOD10 when both fit), None for anything else."""
    try:
        return parse_kid(kid)[1]
    except KidError:
        return None


def is_valid_kid(kid: str) -> bool:
    return kid_scheme(kid) is not None


def parse_kid(kid: str) -> tuple[str, str]:
    """A KID read from a form or file (surrounding blanks removed) and its scheme; else KidError
    saying what is wrong."""
    kid = kid.strip() if isinstance(kid, str) else kid
    if not isinstance(kid, str) or not MIN_LENGTH <= len(kid) <= MAX_LENGTH:
        raise KidError(f"Et KID-nummer har {MIN_LENGTH} til {MAX_LENGTH} sifre.")
    body, check = kid[:-1], kid[-1]
    if check != "-":  # MOD11's check digit for remainder 10
        _require_digits(check)
    if mod10_check_digit(body) == check:
        return kid, "MOD10"
    if mod11_check_digit(body) == check:
        return kid, "MOD11"
    raise KidError("Kontrollsifferet i KID-nummeret stemmer ikke (verken MOD10 eller MOD11).")
