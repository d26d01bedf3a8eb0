"""KID check digits (DOMAIN.md section 6), checked against the published examples and against
python-stdnum's independent implementations (Luhn, and the Norwegian account number's MOD11)."""
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.no import kontonr

from rules.kid import (
    KidError,
    is_valid_kid,
    kid_scheme,
    make_kid,
    mod10_check_digit,
    mod11_check_digit,
    parse_kid,
)

bodies = st.text(alphabet="0123456789", min_size=1, max_size=24)


def test_the_published_examples():
    assert make_kid("12345678") == "123456782"
    assert make_kid("12345678", mod11=True) == "123456785"
    assert kid_scheme("123456782") == "MOD10"
    assert kid_scheme("123456785") == "MOD11"
    assert not is_valid_kid("123456783")


def test_the_bank_specifications_mod10_example():
    # 234567 by hand: 7·2=14→1+4, 6, 5·2=10→1+0, 4, 3·2=6, 2 → 24, so (10 - 4) = 6; stdnum agrees.
    assert luhn.is_valid("2345676")
    assert mod10_check_digit("234567") == "6"
    assert kid_scheme("2345676") == "MOD10"


def test_mod11_remainder_zero_gives_0_and_remainder_one_gives_dash():
    # 28: 8·2 + 2·3 = 22, remainder 0 → '0' (its MOD10 digit would be 1, so this is MOD11 only).
    assert mod11_check_digit("28") == "0"
    assert kid_scheme("280") == "MOD11"
    # 6: 6·2 = 12, remainder 1 → '-'.
    assert mod11_check_digit("6") == "-"
    assert make_kid("6", mod11=True) == "6-"
    assert kid_scheme("6-") == "MOD11"
    assert not is_valid_kid("7-")  # 7·2 = 14, remainder 3: the check digit is 8, not '-'


def test_length_limits():
    assert is_valid_kid(make_kid("1"))  # 2 digits: the shortest
    longest = make_kid("9" * 24)
    assert len(longest) == 25 and is_valid_kid(longest)
    with pytest.raises(KidError, match="høyst 25 sifre med kontrollsifferet, så høyst 24 før det"):
        make_kid("9" * 25)
    too_long = "9" * 25 + mod10_check_digit("9" * 24)  # 26 digits, the check digit right
    assert not is_valid_kid(too_long)
    with pytest.raises(KidError, match="2 til 25 sifre"):
        parse_kid(too_long)
    for short in ("", "0", " 5 "):
        assert not is_valid_kid(short)


@pytest.mark.parametrize("bad", ["12a4", "12 34", "-12", "１２３", "١٢٣"])
def test_non_digits_are_refused_with_a_message(bad):
    with pytest.raises(KidError, match="bare inneholde sifre"):
        make_kid(bad)
    assert not is_valid_kid(bad + "0")


def test_an_empty_body_is_refused():
    with pytest.raises(KidError, match="Skriv inn sifrene"):
        make_kid("  ")


def test_a_wrong_check_digit_is_explained():
    with pytest.raises(KidError, match="Kontrollsifferet i KID-nummeret stemmer ikke"):
        parse_kid("123456783")


def test_blanks_around_a_kid_from_a_file_are_ignored():
    assert parse_kid("   123456782") == ("123456782", "MOD10")
    assert make_kid(" 12345678 ") == "123456782"


def test_non_text_is_not_a_kid():
    assert kid_scheme(None) is None
    assert not is_valid_kid(123456782)


@given(bodies)
def test_mod10_agrees_with_stdnums_luhn(body):
    assert mod10_check_digit(body) == luhn.calc_check_digit(body)


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_mod11_agrees_with_the_account_number_check(body):
    # An account number's check digit is MOD11 over its first ten digits, with 10 never issued.
    # python-stdnum reads a number beginning 0000 as an old postgiro number (seven digits, Luhn).
    assume(not body.startswith("0000"))
    check = mod11_check_digit(body)
    if check == "-":
        assert not any(kontonr.is_valid(body + d) for d in "0123456789")
    else:
        assert kontonr.is_valid(body + check)


@given(bodies, st.booleans())
def test_every_made_kid_validates_under_its_scheme(body, mod11):
    kid = make_kid(body, mod11=mod11)
    scheme = kid_scheme(kid)
    assert scheme == "MOD10" or (mod11 and scheme == "MOD11")  # MOD10 wins when both fit
    assert parse_kid(kid)[0] == kid


@given(bodies, st.data())
def test_any_single_digit_change_of_a_mod10_kid_is_caught_by_mod10(body, data):
    kid = make_kid(body)
    position = data.draw(st.integers(0, len(kid) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != kid[position]]))
    changed = kid[:position] + digit + kid[position + 1:]
    assert kid_scheme(changed) != "MOD10"


@given(bodies)
def test_exactly_one_mod10_check_digit_fits(body):
    fitting = [d for d in "0123456789" if kid_scheme(body + d) == "MOD10"]
    assert fitting == [mod10_check_digit(body)]
