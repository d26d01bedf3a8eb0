"""Identity numbers (fødselsnummer, D-number, H-number, the 2032 rule), organization numbers and bank accounts."""
import calendar
from datetime import date

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from stdnum.no import fodselsnummer

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
    """Numbers issued from 2032: the first ten digits' relaxed sum leaves 1, 2 or 3, and k2 is right; the
    first six digits are still a date (any year: 29 February too)."""
    day_month = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2000, 12, 31)))
    day = day_month.day + draw(st.sampled_from([0, 40]))  # D-number
    month = day_month.month + draw(st.sampled_from([0, 40]))  # H-number
    rest = "".join(str(draw(st.integers(0, 9))) for _ in range(5))
    nine = f"{day:02d}{month:02d}{rest}"
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
    with pytest.raises(InvalidNumber, match="ikke gyldig|FH-nummer|syntetisk"):
        parse_national_id(changed)


@given(numbers_2032())
@example("12035678903")  # hand-made: the relaxed sum of the first ten digits leaves 2, k2 = 3
def test_numbers_under_the_2032_rule_are_accepted_without_a_birth_date(number):
    parsed = parse_national_id(number)
    assert parsed.number == number
    assert parsed.birth_date is None


def test_the_hand_made_2032_example_really_is_one():
    number = "12035678903"
    assert weighted(number[:10], K1_RELAXED) % 11 == 2
    assert check_digit(number[:10], K2) == 3
    assert not fodselsnummer.is_valid(number)  # python-stdnum does not know the rule yet


# The first six digits are a date in every kind of number (DOMAIN.md section 6).

DATE_MESSAGE = "Fødselsnummeret er ikke gyldig: de seks første sifrene er ikke en dato."
FH_MESSAGE = ("Fødselsnummeret er et FH-nummer (første siffer 8 eller 9), som ikke gis til personer i "
              "folkeregisteret.")
SYNTHETIC_MESSAGE = "Fødselsnummeret er et syntetisk testnummer (måned + 80), som ikke tas imot her."


def date_part_possible(number: str, synthetic: bool = False) -> bool:
    """Written apart from the register's rule: DDMM is a day of some year, after taking off 40 from a
    D-number's day and 40 from an H-number's month (80 from a synthetic number's, where allowed)."""
    day, month = int(number[:2]), int(number[2:4])
    if 41 <= day <= 71:
        day -= 40
    if synthetic and 81 <= month <= 92:
        month -= 80
    elif 41 <= month <= 52:
        month -= 40
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2000, month)[1]


def with_check_digits(nine: str) -> str:
    """Nine digits and the classic check digits (0 where one would be 10, so then it is simply wrong)."""
    k1 = check_digit(nine, K1) or 0
    return f"{nine}{k1}{check_digit(nine + str(k1), K2) or 0}"


digit = st.sampled_from("0123456789")
eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)
# Mostly numbers with right check digits around real and impossible dates (D, H, FH, synthetic, day 0,
# month 13 ...), so that python-stdnum accepts often enough; besides any 11 digits at all.
near_numbers = st.builds(
    lambda day, month, rest: with_check_digits(f"{day:02d}{month:02d}{rest}"),
    st.integers(0, 99), st.integers(0, 99), st.text(alphabet="0123456789", min_size=5, max_size=5),
)


@given(near_numbers | eleven_digits)
@example("00000000000")
@example("31048612450")  # 31 April, right check digits
@example("29020012380")  # 29 February 1900 (not a leap year): the century is unknown from 2032
def test_the_register_agrees_with_python_stdnum_and_refuses_impossible_dates(number):
    try:
        parsed = parse_national_id(number)
    except InvalidNumber as error:
        parsed, message = None, str(error)
    if fodselsnummer.is_valid(number):
        assert parsed is not None, message
        assert parsed.number == number
        assert parsed.birth_date == fodselsnummer.get_birth_date(number)
    if not date_part_possible(number) or number[0] in "89":
        assert parsed is None, number
    if parsed is not None:
        assert date_part_possible(number)


@given(near_numbers | eleven_digits)
def test_allowing_synthetic_numbers_lets_through_only_synthetic_numbers_more(number):
    def answer(**kwargs):
        try:
            return parse_national_id(number, **kwargs)
        except InvalidNumber:
            return None

    strict, relaxed = answer(), answer(allow_synthetic=True)
    if int(number[2:4]) <= 80:
        assert strict == relaxed
    else:
        assert strict is None
        if relaxed is not None:
            assert date_part_possible(number, synthetic=True) and relaxed.birth_date is None


@pytest.mark.parametrize("number, message", [
    ("00000000000", "Fødselsnummeret er ikke gyldig: det består bare av nuller."),
    ("31048612450", DATE_MESSAGE),  # 31 April, classic check digits right
    ("30028612350", DATE_MESSAGE),  # 30 February
    ("31138612328", DATE_MESSAGE),  # month 13
    ("01138612496", DATE_MESSAGE),  # month 13
    ("00018612348", DATE_MESSAGE),  # day 0
    ("00000012327", DATE_MESSAGE),  # 00.00.00
    ("72018612322", DATE_MESSAGE),  # a D-number's day 32
    ("15538612305", DATE_MESSAGE),  # an H-number's month 13
    ("81018612364", FH_MESSAGE),  # FH-number, classic check digits right
    ("91018612335", FH_MESSAGE),
    ("15908612318", SYNTHETIC_MESSAGE),  # synthetic test number: 15 October 86, month + 80
])
def test_numbers_whose_date_part_is_not_a_date_are_refused_whatever_their_check_digits(number, message):
    assert number == "00000000000" or with_check_digits(number[:9]) == number  # the check digits pass
    with pytest.raises(InvalidNumber) as error:
        parse_national_id(number)
    assert str(error.value) == message


def test_a_2032_number_with_an_impossible_date_is_refused():
    nine = "311386123"  # 31.13.86
    for k1 in range(10):
        ten = nine + str(k1)
        k2 = check_digit(ten, K2)
        if weighted(ten, K1_RELAXED) % 11 in (1, 2, 3) and k2 is not None:
            break
    with pytest.raises(InvalidNumber) as error:
        parse_national_id(f"{ten}{k2}")
    assert str(error.value) == DATE_MESSAGE


def test_kinds_of_numbers_that_are_accepted():
    assert parse_national_id("55058612358").birth_date == date(1986, 5, 15)  # D-number: day + 40
    assert parse_national_id("15458612347").birth_date == date(1986, 5, 15)  # H-number: month + 40
    assert parse_national_id("12035678903").birth_date is None  # 2032 rule: tells no birth date
    # 29 February 1900 did not exist, but from 2032 the century is unknown: accepted, no birth date
    assert parse_national_id("29020012380") == parse_national_id("29020012380")
    assert parse_national_id("29020012380").birth_date is None


def test_synthetic_test_numbers_only_where_the_setting_allows_them():
    with pytest.raises(InvalidNumber, match="syntetisk"):
        parse_national_id("15908612318")
    parsed = parse_national_id("15908612318", allow_synthetic=True)
    assert (parsed.number, parsed.birth_date) == ("15908612318", None)
    with pytest.raises(InvalidNumber, match="ikke en dato"):
        parse_national_id(with_check_digits("159386123"), allow_synthetic=True)  # month 93 - 80 = 13
    with pytest.raises(InvalidNumber, match="kontrollsifrene"):
        parse_national_id("15908612319", allow_synthetic=True)


def test_the_app_reads_the_setting(app):
    from web.idnumber import parse_national_id as app_parse

    with app.app_context():
        assert app.config["ALLOW_SYNTHETIC_NATIONAL_IDS"] is False
        with pytest.raises(InvalidNumber, match="syntetisk"):
            app_parse("15908612318")
        app.config["ALLOW_SYNTHETIC_NATIONAL_IDS"] = True
        try:
            assert app_parse("15908612318").number == "15908612318"
        finally:
            app.config["ALLOW_SYNTHETIC_NATIONAL_IDS"] = False


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
                                                  or "ikke gyldig" in str(error) or "syntetisk" in str(error))
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
