"""Identity numbers (fødselsnummer, D-number, the 2032 rule), organization numbers and bank accounts."""
from datetime import date

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from rules.idnumbers import InvalidNumber, parse_account, parse_national_id, parse_orgnr

K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K1_RELAXED = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def weighted(digits: str, weights) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights))


def check_digit(digits: str, weights) -> int | None:
    """The mod-11 check digit, or None when it would be 10 (never issued)."""
    value = (11 - weighted(digits, weights) % 11) % 11
    return None if value == 10 else value


def national_id(birth: date, individual: int, d_number: bool = False) -> str | None:
    """A classic number for the birth date, or None when a check digit would be 10."""
    day = birth.day + 40 if d_number else birth.day
    base = f"{day:02d}{birth:%m%y}{individual:03d}"
    k1 = check_digit(base, K1)
    if k1 is None:
        return None
    k2 = check_digit(base + str(k1), K2)
    return None if k2 is None else f"{base}{k1}{k2}"


births = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))


@st.composite
def valid_numbers(draw, d_number=st.booleans()):
    birth = draw(births)
    offset = draw(st.integers(0, 499))
    individual = offset if birth.year < 2000 else 500 + offset  # the individual number tells the century
    number = national_id(birth, individual, draw(d_number))
    assume(number is not None)
    return number, birth


@st.composite
def numbers_2032(draw):
    """Numbers issued from 2032: the first ten digits' relaxed sum leaves 1, 2 or 3, and k2 is right."""
    nine = "".join(str(draw(st.integers(0, 9))) for _ in range(9))
    remainder = draw(st.sampled_from([1, 2, 3]))
    k1 = (remainder - weighted(nine, K1_RELAXED)) % 11
    assume(k1 <= 9)
    ten = nine + str(k1)
    assert weighted(ten, K1_RELAXED) % 11 == remainder
    k2 = check_digit(ten, K2)
    assume(k2 is not None)
    return ten + str(k2)


def test_worked_examples():
    assert parse_national_id("15108612352").birth_date == date(1986, 10, 15)
    assert parse_national_id("151086 12352").number == "15108612352"  # spaces, as people write it
    assert parse_national_id("55108612346").birth_date == date(1986, 10, 15)  # D-number: day + 40
    assert parse_national_id("28020551250").birth_date == date(2005, 2, 28)  # individual 500-999: 2000s


@given(valid_numbers(d_number=st.just(False)))
def test_valid_fodselsnummer_is_accepted_with_its_birth_date(case):
    number, birth = case
    parsed = parse_national_id(number)
    assert parsed.number == number
    assert parsed.birth_date == birth


@given(valid_numbers(d_number=st.just(True)))
def test_valid_d_number_is_accepted_with_its_birth_date(case):
    number, birth = case
    assert int(number[0]) >= 4
    assert parse_national_id(number).birth_date == birth


@given(valid_numbers(), st.integers(0, 10), st.integers(1, 9))
def test_any_single_digit_change_is_refused(case, position, delta):
    number, _ = case
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1:]
    # k2's weights (5,4,3,2,7,6,5,4,3,2,1) are all non-zero modulo the prime 11, so one changed digit
    # always breaks k2, which the 2032 rule keeps: no single change can pass either rule.
    with pytest.raises(InvalidNumber, match="ikke gyldig"):
        parse_national_id(changed)


@given(numbers_2032())
@example("12345678938")  # hand-made: the relaxed sum of the first ten digits leaves 2, k2 = 8
def test_numbers_under_the_2032_rule_are_accepted_without_a_birth_date(number):
    parsed = parse_national_id(number)
    assert parsed.number == number
    assert parsed.birth_date is None


def test_the_hand_made_2032_example_really_is_one():
    number = "12345678938"
    assert weighted(number[:10], K1_RELAXED) % 11 == 2
    assert check_digit(number[:10], K2) == 8


@pytest.mark.parametrize("value, message", [
    ("", "Fødselsnummeret mangler."),
    ("   ", "Fødselsnummeret mangler."),
    ("1510869508", "Fødselsnummeret skal være 11 siffer."),
    ("151086950888", "Fødselsnummeret skal være 11 siffer."),
    ("15108695O88", "Fødselsnummeret skal være 11 siffer."),
    ("abcdefghijk", "Fødselsnummeret skal være 11 siffer."),
    ("15108612353", "Fødselsnummeret er ikke gyldig (kontrollsifrene stemmer ikke)."),
])
def test_malformed_numbers_get_a_norwegian_message(value, message):
    with pytest.raises(InvalidNumber) as error:
        parse_national_id(value)
    assert str(error.value) == message


@given(st.text(max_size=14) | st.text(alphabet="0123456789²１٣ -.", min_size=9, max_size=14))
def test_any_input_gives_a_number_or_a_norwegian_message(value):
    for parse in (parse_national_id, parse_orgnr, parse_account):
        try:
            number = parse(value)
        except InvalidNumber as error:
            assert str(error).endswith(".") and ("siffer" in str(error) or "mangler" in str(error)
                                                  or "ikke gyldig" in str(error))
        else:
            text = number if isinstance(number, str) else number.number
            assert text.isascii() and text.isdigit()


@pytest.mark.parametrize("value", ["974760673", "974 760 673"])
def test_valid_orgnr(value):
    assert parse_orgnr(value) == "974760673"


@pytest.mark.parametrize("value, message", [
    ("974760674", "Organisasjonsnummeret er ikke gyldig (kontrollsifferet stemmer ikke)."),
    ("97476067", "Organisasjonsnummeret skal være 9 siffer."),
    ("97476067X", "Organisasjonsnummeret skal være 9 siffer."),
    ("", "Organisasjonsnummeret mangler."),
])
def test_invalid_orgnr(value, message):
    with pytest.raises(InvalidNumber) as error:
        parse_orgnr(value)
    assert str(error.value) == message


@pytest.mark.parametrize("value", ["86011117947", "8601.11.17947", "8601 11 17947"])
def test_valid_account(value):
    assert parse_account(value) == "86011117947"


@pytest.mark.parametrize("value, message", [
    ("86011117948", "Kontonummeret er ikke gyldig (kontrollsifferet stemmer ikke)."),
    ("8601111794", "Kontonummeret skal være 11 siffer."),
    ("", "Kontonummeret mangler."),
])
def test_invalid_account(value, message):
    with pytest.raises(InvalidNumber) as error:
        parse_account(value)
    assert str(error.value) == message
