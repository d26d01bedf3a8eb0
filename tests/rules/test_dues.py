"""Dues rules (DOMAIN.md sections 3, 4 and 7): the worked examples, every code and type, the
boundaries, bad input, and properties checked against an independent Fraction computation."""
from dataclasses import replace
from datetime import date
from fractions import Fraction
from math import floor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.dues import (
    MAX_MONTHLY_PAY_ORE,
    RATE_HISTORY,
    DuesError,
    MemberFacts,
    cap,
    check_branch_rate,
    member_dues,
    percentage_part,
    rates_on,
    working_dues,
)
from rules.money import format_kroner, format_percent, round_half_up

R2008, R2022 = RATE_HISTORY
ON = date(2024, 6, 1)


def exact(pay_ore: int, rate_bp: int) -> int:
    """The reference: the exact fraction, rounded half up."""
    return floor(Fraction(pay_ore * rate_bp, 10_000) + Fraction(1, 2))


def working(**kwargs) -> MemberFacts:
    facts = dict(dues_code="Y", membership_type="main", monthly_pay_ore=3_300_000, branch_rate_bp=175)
    return MemberFacts(**(facts | kwargs))


# --- the worked examples -------------------------------------------------------------------------

def test_the_worked_example_of_the_domain():
    dues = working_dues(3_300_000, 175, R2008)
    assert dues.total_ore == 63_300
    assert (dues.percentage_part_ore, dues.cap_ore, dues.fixed_ore) == (53_600, 53_600, 9_700)
    assert dues.capped and dues.per == "month" and dues.billing == "deduction"
    assert dues.fixed_parts == (("home", 6100), ("benefit_fund", 1500), ("education_fund", 2100))
    assert dues.explanation == (
        "1,75 % av 33 000,00 = 577,50, begrenset til 536 (1,75 % av 30 633,40) + faste beløp 97,00 "
        "(hjemforsikring 61,00, stønadskassa 15,00, utdanningsfond 21,00) = 633,00 kr"
    )


def test_the_member_card_names_the_code_and_how_it_is_paid():
    dues = member_dues(working(), R2008, ON)
    assert dues.total_ore == 63_300
    assert dues.explanation.startswith(
        "Kode Y (yrkesaktiv), trekk hos arbeidsgiver: 1,75 % av 33 000,00 = 577,50, begrenset til 536"
    )
    invoiced = member_dues(working(payment="invoice"), R2008, ON)
    assert invoiced.billing == "invoice" and invoiced.total_ore == 63_300
    assert invoiced.explanation.startswith("Kode Y (yrkesaktiv), faktura: ")


@pytest.mark.parametrize(
    "rates, rate_bp, expected_kroner",
    [(R2008, 145, 444), (R2008, 175, 536), (R2022, 145, 621)],
)
def test_the_cap_is_the_branch_percentage_of_step_50_in_whole_kroner(rates, rate_bp, expected_kroner):
    assert cap(rates.step50_ore, rate_bp) == expected_kroner * 100


@pytest.mark.parametrize("rates, high, low", [(R2008, 9_700, 3_600), (R2022, 12_500, 5_100)])
def test_high_and_low_fixed_amounts(rates, high, low):
    assert working_dues(0, 145, rates).fixed_ore == high
    reserved = working_dues(0, 145, rates, home_reserved=True)
    assert reserved.fixed_ore == low
    assert [key for key, _ in reserved.fixed_parts] == ["benefit_fund", "education_fund"]
    assert "reservert mot hjemforsikring" in reserved.explanation


def test_low_fixed_from_2022_is_benefit_fund_26_and_education_fund_25():
    dues = working_dues(2_000_000, 145, R2022, home_reserved=True)
    assert dues.explanation == (
        "1,45 % av 20 000,00 = 290,00 (under taket på 621) + faste beløp 51,00 "
        "(stønadskassa 26,00, utdanningsfond 25,00; reservert mot hjemforsikring) = 341,00 kr"
    )


def test_secondary_members_pay_the_percentage_only():
    dues = working_dues(2_000_000, 175, R2008, secondary=True)
    assert (dues.total_ore, dues.fixed_ore, dues.fixed_parts) == (35_000, 0, ())
    assert dues.explanation == (
        "1,75 % av 20 000,00 = 350,00 (under taket på 536), ingen faste beløp for bimedlem = 350,00 kr"
    )
    capped = member_dues(working(membership_type="secondary", monthly_pay_ore=9_000_000), R2008, ON)
    assert capped.total_ore == 53_600 and capped.fixed_ore == 0
    assert capped.explanation.startswith("Bimedlem, trekk hos arbeidsgiver: ")


def test_a_secondary_member_not_working_pays_nothing():
    dues = member_dues(working(membership_type="secondary", dues_code="L", monthly_pay_ore=None), R2008, ON)
    assert dues.total_ore == 0 and dues.billing == "none"
    assert dues.explanation.startswith("Bimedlem med kode L (ledig): ingen kontingent")


# --- each code and membership type ---------------------------------------------------------------

def test_w_is_as_working_but_deducted_by_the_state():
    dues = member_dues(working(dues_code="W"), R2008, ON)
    assert dues.total_ore == 63_300 and dues.billing == "state"
    assert dues.explanation.startswith("Kode W (trekk fra NAV), trukket av NAV: 1,75 % av 33 000,00")


@pytest.mark.parametrize("code, name", [
    ("A", "attføring / rehabilitering"), ("L", "ledig"), ("O", "permisjon uten lønn"),
    ("M", "førstegangstjeneste / siviltjeneste"),
])
def test_non_working_codes_pay_the_insurances_two_months_at_a_time(code, name):
    dues = member_dues(working(dues_code=code), R2008, ON)
    assert (dues.monthly_ore, dues.total_ore, dues.per, dues.billing) == (7_600, 15_200, "two_months", "invoice")
    assert dues.percentage_part_ore == 0 and dues.cap_ore is None
    assert dues.explanation == (
        f"Kode {code} ({name}): bare forsikringer, hjemforsikring 61,00 + stønadskassa 15,00 = 76,00 kr "
        "i måneden, fakturert to måneder om gangen (152,00 kr), to måneder etterskudd."
    )


def test_non_working_with_home_reservation_pays_the_benefit_fund_only():
    dues = member_dues(working(dues_code="O", home_reserved=True), R2022, ON)
    assert (dues.monthly_ore, dues.total_ore) == (2_600, 5_200)
    assert "stønadskassa 26,00 = 26,00 kr i måneden (reservert mot hjemforsikring)" in dues.explanation


@pytest.mark.parametrize("code", ["U", "P"])
def test_pensioners_pay_300_a_year(code):
    member = working(dues_code=code, monthly_pay_ore=None, birth_date=date(1955, 3, 3),
                     code_from=date(2020, 1, 1))
    dues = member_dues(member, R2022, ON)
    assert (dues.total_ore, dues.per, dues.billing, dues.monthly_ore, dues.yearly_ore) == (
        30_000, "year", "invoice", 2_500, 30_000)
    assert "300,00 kr i året, til og med 2030" in dues.explanation


def test_students_pay_250_a_half_year_whatever_their_code():
    dues = member_dues(MemberFacts(dues_code="Y", membership_type="student"), R2008, ON)
    assert (dues.total_ore, dues.per, dues.billing) == (25_000, "half_year", "invoice")
    assert dues.yearly_ore == 50_000 and dues.monthly_ore == 4_167  # 41,666… rounded half up
    assert dues.explanation == (
        "Student: 250,00 kr i halvåret, forsikringene er inkludert (unntatt utdanningsfondet)."
    )


@pytest.mark.parametrize("facts, who", [
    (MemberFacts(dues_code="Y", membership_type="pupil"), "Elev"),
    (working(apprentice=True), "Lærling"),
])
def test_pupils_and_apprentices_are_free_unless_they_choose_the_insurances(facts, who):
    free = member_dues(facts, R2008, ON)
    assert (free.total_ore, free.billing) == (0, "none")
    assert free.explanation.startswith(f"{who}: gratis medlemskap.")
    insured = member_dues(replace(facts, optional_insurance=True), R2008, ON)
    assert (insured.total_ore, insured.per, insured.billing) == (25_000, "half_year", "invoice")
    assert insured.explanation.startswith(f"{who} som har valgt forsikringene: 250,00 kr i halvåret")


# --- boundaries ----------------------------------------------------------------------------------

def test_the_year_of_turning_75_pays_and_the_year_after_does_not():
    member = MemberFacts(dues_code="P", membership_type="main", birth_date=date(1949, 6, 15),
                         code_from=date(2014, 7, 1))
    assert member_dues(member, R2022, date(2024, 6, 15)).total_ore == 30_000  # the month of turning 75
    assert member_dues(member, R2022, date(2024, 12, 31)).total_ore == 30_000
    after = member_dues(member, R2022, date(2025, 1, 1))
    assert (after.total_ore, after.billing) == (0, "none")
    assert "fylte 75 år i 2024" in after.explanation


def test_a_pensioner_without_a_known_birth_date_is_charged():
    member = MemberFacts(dues_code="U", membership_type="main", birth_date=None)
    dues = member_dues(member, R2022, ON)
    assert dues.total_ore == 30_000 and "fødselsdatoen er ukjent" in dues.explanation


def test_retiring_on_31_january_pays_that_year_and_from_1_february_does_not():
    def on_retiring(day):
        facts = MemberFacts(dues_code="P", membership_type="main", birth_date=date(1957, 5, 5), code_from=day)
        return member_dues(facts, R2022, date(2024, 3, 1))

    assert on_retiring(date(2024, 1, 31)).total_ore == 30_000
    retired_february = on_retiring(date(2024, 2, 1))
    assert retired_february.total_ore == 0
    assert retired_february.explanation.startswith(
        "Kode P (pensjonist) fra 01.02.2024: ingen kontingent i 2024"
    )
    # and the next year they pay as any pensioner
    facts = MemberFacts(dues_code="P", membership_type="main", birth_date=date(1957, 5, 5),
                        code_from=date(2024, 2, 1))
    assert member_dues(facts, R2022, date(2025, 1, 1)).total_ore == 30_000


def test_pay_exactly_at_the_cap_is_not_called_capped():
    # 1,75 % of 30 628,57 = 535,999975 → 536,00, the cap itself: nothing is cut.
    at = working_dues(3_062_857, 175, R2008)
    assert at.percentage_part_ore == at.cap_ore == 53_600 and not at.capped
    assert "= 536,00 (akkurat taket på 536) +" in at.explanation
    below = working_dues(3_062_828, 175, R2008)  # 535,9949 → 535,99
    assert below.percentage_part_ore == 53_599 and not below.capped
    # Pay at step 50 itself is capped: 536,08 is cut to the cap rounded to whole kroner.
    step50 = working_dues(R2008.step50_ore, 175, R2008)
    assert step50.capped and step50.percentage_part_ore == 53_600
    assert "= 536,08, begrenset til 536" in step50.explanation


def test_pay_zero_and_no_pay_registered_pay_the_fixed_amounts():
    zero = working_dues(0, 175, R2008)
    assert (zero.percentage_part_ore, zero.total_ore) == (0, 9_700)
    assert zero.explanation.startswith("1,75 % av 0,00 = 0,00 (under taket på 536) + faste beløp 97,00")
    unknown = member_dues(working(monthly_pay_ore=None), R2008, ON)
    assert unknown.total_ore == 9_700
    assert unknown.explanation.startswith("Kode Y (yrkesaktiv), trekk hos arbeidsgiver, ingen lønn registrert: ")
    secondary = working_dues(0, 175, R2008, secondary=True)
    assert (secondary.total_ore, secondary.billing) == (0, "none")


def test_rates_switch_on_1_january_2022():
    assert rates_on(RATE_HISTORY, date(2021, 12, 31)) is R2008
    assert rates_on(RATE_HISTORY, date(2022, 1, 1)) is R2022
    assert rates_on(RATE_HISTORY, date(2008, 3, 1)) is R2008
    assert rates_on(list(reversed(RATE_HISTORY)), date(2030, 1, 1)) is R2022
    before = working_dues(3_300_000, 175, rates_on(RATE_HISTORY, date(2021, 12, 31)))
    after = working_dues(3_300_000, 175, rates_on(RATE_HISTORY, date(2022, 1, 1)))
    assert (before.total_ore, after.total_ore) == (63_300, 57_750 + 12_500)


# --- bad input -----------------------------------------------------------------------------------

def test_a_date_before_the_first_rates_is_refused():
    with pytest.raises(DuesError, match=r"^Det finnes ingen satser for 29\.02\.2008: de første gjelder fra 01\.03\.2008\.$"):
        rates_on(RATE_HISTORY, date(2008, 2, 29))
    with pytest.raises(DuesError, match="Satstabellen er tom"):
        rates_on((), ON)


@pytest.mark.parametrize("pay, message", [
    (-1, "Lønnen kan ikke være negativ."),
    (MAX_MONTHLY_PAY_ORE + 1, "Månedslønnen 10 000 000,01 kr er urimelig høy (over 10 000 000 kr)."),
    (3.5, "Lønnen (i øre) må være et helt tall, fikk 3.5."),
    ("33000", "Lønnen (i øre) må være et helt tall, fikk '33000'."),
])
def test_bad_pay_is_refused_with_a_message(pay, message):
    with pytest.raises(DuesError) as refused:
        working_dues(pay, 175, R2008)
    assert str(refused.value) == message
    with pytest.raises(DuesError):
        member_dues(working(monthly_pay_ore=pay, dues_code="L"), R2008, ON)


def test_ten_million_a_month_is_still_accepted():
    assert working_dues(MAX_MONTHLY_PAY_ORE, 175, R2008).percentage_part_ore == 53_600


@pytest.mark.parametrize("rate, message", [
    (-5, "Prosentsatsen må være mellom 0 og 10 %, ikke -0,05 %."),
    (1001, "Prosentsatsen må være mellom 0 og 10 %, ikke 10,01 %."),
    (130, "Prosentsatsen 1,3 % er under minstesatsen 1,45 %."),
])
def test_bad_branch_rates_are_refused_with_a_message(rate, message):
    with pytest.raises(DuesError) as refused:
        working_dues(3_300_000, rate, R2008)
    assert str(refused.value) == message


def test_the_minimum_and_ten_percent_are_accepted():
    assert check_branch_rate(145, R2008) == 145
    assert check_branch_rate(1000, R2008) == 1000


@pytest.mark.parametrize("change, message", [
    ({"dues_code": "X"}, "Ukjent kontingentkode: 'X'."),
    ({"membership_type": "honorary"}, "Ukjent medlemstype: 'honorary'."),
    ({"payment": "cash"}, "Ukjent betalingsmåte: 'cash'."),
    ({"branch_rate_bp": None}, "Medlemmet hører ikke til en fagforening med prosentsats."),
])
def test_unknown_codes_and_types_are_refused_with_a_message(change, message):
    with pytest.raises(DuesError) as refused:
        member_dues(working(**change), R2008, ON)
    assert str(refused.value) == message


def test_a_rate_table_row_must_make_sense():
    with pytest.raises(DuesError, match="Den sentrale andelen \\(1,5 %\\) kan ikke være større enn minstesatsen"):
        replace(R2008, central_bp=150)
    with pytest.raises(DuesError, match="kan ikke være negative"):
        replace(R2008, home_ore=-100)
    with pytest.raises(DuesError, match="mellom 0 og 10 %"):
        replace(R2008, minimum_bp=2000)


@given(
    st.builds(
        MemberFacts,
        dues_code=st.sampled_from(list("YALOMUPWX")),
        membership_type=st.sampled_from(["main", "student", "pupil", "secondary", "other"]),
        apprentice=st.booleans(),
        payment=st.sampled_from(["deduction", "invoice", "other"]),
        monthly_pay_ore=st.none() | st.integers(-10**12, 10**12),
        branch_rate_bp=st.none() | st.integers(-2000, 2000),
        home_reserved=st.booleans(),
        birth_date=st.none() | st.dates(date(1900, 1, 1), date(2010, 1, 1)),
        code_from=st.none() | st.dates(date(2000, 1, 1), date(2030, 1, 1)),
        optional_insurance=st.booleans(),
    ),
    st.sampled_from(RATE_HISTORY),
    st.dates(date(2008, 3, 1), date(2040, 1, 1)),
)
def test_any_input_gives_dues_or_a_message_never_a_crash(member, rates, on):
    try:
        dues = member_dues(member, rates, on)
    except DuesError as refused:
        assert str(refused).endswith(".")
    else:
        assert dues.explanation and dues.total_ore >= 0
        assert dues.per in ("month", "two_months", "half_year", "year")
        assert dues.billing in ("deduction", "invoice", "state", "none")
        assert (dues.billing == "none") == (dues.total_ore == 0)


# --- properties ----------------------------------------------------------------------------------

pays = st.integers(0, MAX_MONTHLY_PAY_ORE)
branch_rates = st.integers(145, 1000)
rate_rows = st.sampled_from(RATE_HISTORY)


@given(pays, branch_rates, rate_rows, st.booleans())
def test_the_percentage_part_never_exceeds_the_cap(pay, rate, rates, reserved):
    dues = working_dues(pay, rate, rates, home_reserved=reserved)
    assert dues.percentage_part_ore <= dues.cap_ore
    assert dues.cap_ore % 100 == 0
    assert dues.capped == (exact(pay, rate) > dues.cap_ore)


@given(pays, pays, branch_rates, rate_rows, st.booleans(), st.booleans())
def test_the_total_never_falls_as_pay_rises(pay_a, pay_b, rate, rates, reserved, secondary):
    low, high = sorted((pay_a, pay_b))
    kwargs = dict(home_reserved=reserved, secondary=secondary)
    assert working_dues(low, rate, rates, **kwargs).total_ore <= working_dues(high, rate, rates, **kwargs).total_ore


@given(pays, branch_rates, rate_rows, st.booleans(), st.sampled_from(["Y", "W", "L", "P"]))
def test_secondary_members_never_pay_fixed_amounts(pay, rate, rates, reserved, code):
    member = working(membership_type="secondary", dues_code=code, monthly_pay_ore=pay,
                     branch_rate_bp=rate, home_reserved=reserved)
    dues = member_dues(member, rates, ON)
    assert dues.fixed_ore == 0 and dues.fixed_parts == ()
    assert dues.total_ore == dues.percentage_part_ore


@given(pays, branch_rates, rate_rows, st.booleans())
def test_amounts_are_the_exact_fraction_rounded_half_up(pay, rate, rates, reserved):
    dues = working_dues(pay, rate, rates, home_reserved=reserved)
    reference_cap = floor(Fraction(rates.step50_ore * rate, 1_000_000) + Fraction(1, 2)) * 100
    fixed = rates.benefit_fund_ore + rates.education_fund_ore + (0 if reserved else rates.home_ore)
    assert percentage_part(pay, rate) == exact(pay, rate)
    assert dues.cap_ore == reference_cap
    assert dues.total_ore == min(exact(pay, rate), reference_cap) + fixed
    assert all(type(v) is int for v in (dues.total_ore, dues.percentage_part_ore, dues.cap_ore, dues.fixed_ore))
    assert f"= {format_kroner(dues.total_ore)} kr" in dues.explanation
    assert dues.explanation.startswith(f"{format_percent(rate)} av {format_kroner(pay)} = ")


# --- money helpers -------------------------------------------------------------------------------

@given(st.integers(-10**15, 10**15), st.integers(1, 10**6))
def test_round_half_up_matches_the_fraction(numerator, denominator):
    value = Fraction(numerator, denominator)
    sign = -1 if value < 0 else 1
    assert round_half_up(numerator, denominator) == sign * floor(abs(value) + Fraction(1, 2))


def test_norwegian_amounts_and_percentages():
    assert format_kroner(3_300_000) == "33 000,00"
    assert format_kroner(5) == "0,05"
    assert format_kroner(-123_456_789) == "-1 234 567,89"
    assert [format_percent(bp) for bp in (175, 145, 150, 200, 0)] == ["1,75 %", "1,45 %", "1,5 %", "2 %", "0 %"]
