"""rules/distribution.py: splitting a paid list between the centre, the branch and the funds.
Worked examples with the 2022 rates (fixed 74 + 26 + 25 kr, central share 1,15 %), and properties:
every split adds up to exactly what was paid."""
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.distribution import PARTS, Split, adjustment, percentage_shares, split_fixed, split_list
from rules.dues import RATE_HISTORY, rates_on

RATES = rates_on(RATE_HISTORY, date(2026, 3, 1))


@pytest.mark.parametrize(("amount", "parts"), [
    (12_500, (7_400, 2_600, 2_500, 0)),  # all three
    (5_100, (0, 2_600, 2_500, 0)),  # reserved against home insurance
    (10_000, (7_400, 2_600, 0, 0)),  # insurances only (A, L, O, M)
    (2_600, (0, 2_600, 0, 0)),  # insurances only, reserved
    (0, (0, 0, 0, 0)),  # secondary member
    (9_700, (7_400, 2_300, 0, 0)),  # the 2008 amounts: filled fund by fund
    (13_000, (7_400, 2_600, 2_500, 500)),  # more than all three: excess
    (-12_500, (-7_400, -2_600, -2_500, 0)),  # a correction
])
def test_split_fixed(amount, parts):
    assert split_fixed(amount, RATES) == parts
    assert sum(parts) == amount


def test_percentage_shares_at_the_branch_rate():
    assert percentage_shares(157_500, 115, 175) == (103_500, 54_000)
    assert percentage_shares(171_400, 115, 200) == (98_555, 72_845)
    assert percentage_shares(100, 115, 145) == (79, 21)  # 79,31 rounds down
    assert percentage_shares(50_000, 115, 115) == (50_000, 0)  # a branch at the central share keeps nothing


def test_split_list_worked_example():
    split = split_list(157_500, [(12_500, 3)], RATES, 175, 195_000)
    assert split == Split(central_ore=103_500, local_ore=54_000, home_ore=22_200, benefit_fund_ore=7_800,
                          education_fund_ore=7_500, excess_ore=0)
    assert split.total_ore == 195_000 and split.funds_ore == 37_500


def test_an_overpayment_is_excess():
    assert split_list(157_500, [(12_500, 3)], RATES, 175, 195_050).excess_ore == 50


def test_adjustment_is_the_difference_as_excess():
    assert adjustment(197_000, 195_000) == Split(excess_ore=2_000)
    assert adjustment(190_000, 195_000).total_ore == -5_000


def test_splits_add_up():
    a, b = Split(1, 2, 3, 4, 5, 6), Split(10, 20, 30, 40, 50, 60)
    assert (a + b).as_dict() == dict(zip(PARTS, (11, 22, 33, 44, 55, 66), strict=True))


@given(percentage=st.integers(0, 10**9),
       fixed=st.lists(st.tuples(st.integers(-20_000, 40_000), st.integers(1, 500)), max_size=6),
       branch_rate=st.integers(145, 1000), extra=st.integers(-10**6, 10**6))
def test_every_split_adds_up_to_what_was_paid(percentage, fixed, branch_rate, extra):
    paid = percentage + sum(amount * count for amount, count in fixed) + extra
    split = split_list(percentage, fixed, RATES, branch_rate, paid)
    assert split.total_ore == paid
    assert split.central_ore + split.local_ore == percentage
    assert 0 <= split.local_ore <= percentage


@given(amount=st.integers(-10**6, 10**6))
def test_every_fixed_amount_is_split_whole(amount):
    assert sum(split_fixed(amount, RATES)) == amount
