"""The rules of a membership's life: turning 67, pupils over 20, months, code and type changes."""
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.lifecycle import (
    ChangeRefused,
    add_months,
    age_on,
    check_code_change,
    open_period_end,
    p_start,
    pupil_too_old,
    type_change_allowed,
    type_change_targets,
    u_to_p_date,
    whole_months,
)


@pytest.mark.parametrize("birth, last_u_day", [
    (date(1960, 5, 17), date(2027, 5, 31)),
    (date(1960, 1, 31), date(2027, 1, 31)),  # turns 67 on the month's last day: P from 1 February
    (date(1960, 2, 1), date(2027, 2, 28)),  # turns 67 on 1 February: U all of February
    (date(1961, 2, 1), date(2028, 2, 29)),  # ... in a leap year February has 29 days
    (date(1960, 12, 31), date(2027, 12, 31)),
    (date(1960, 2, 29), date(2027, 3, 31)),  # a leap-day child turns 67 on 1 March in a common year
    (date(1956, 2, 28), date(2023, 2, 28)),
])
def test_u_ends_on_the_last_day_of_the_month_of_turning_67(birth, last_u_day):
    assert u_to_p_date(birth) == last_u_day


def test_p_starts_the_day_after_the_month_of_turning_67_and_not_before():
    birth = date(1960, 1, 31)
    u_from = date(2015, 6, 1)
    assert p_start(birth, u_from, date(2027, 1, 30)) is None
    assert p_start(birth, u_from, date(2027, 1, 31)) is None  # the 67th birthday: still U all that day
    assert p_start(birth, u_from, date(2027, 2, 1)) == date(2027, 2, 1)
    assert p_start(birth, u_from, date(2031, 7, 9)) == date(2027, 2, 1)  # a late run still dates it right


def test_a_u_registered_after_the_month_of_turning_67_becomes_p_from_its_own_start():
    assert p_start(date(1950, 3, 3), date(2020, 1, 1), date(2026, 5, 5)) == date(2020, 1, 1)


def test_leap_day_birth_is_still_u_through_march_in_a_common_year():
    birth = date(1960, 2, 29)
    assert p_start(birth, date(2010, 1, 1), date(2027, 3, 31)) is None
    assert p_start(birth, date(2010, 1, 1), date(2027, 4, 1)) == date(2027, 4, 1)


@pytest.mark.parametrize("birth, day, too_old", [
    (date(2005, 6, 15), date(2025, 6, 15), False),  # 20 today
    (date(2005, 6, 15), date(2026, 6, 14), False),  # 20 until the end of the day before turning 21
    (date(2005, 6, 15), date(2026, 6, 15), True),  # 21
    (date(2004, 2, 29), date(2025, 2, 28), False),  # a leap-day child turns 21 on 1 March
    (date(2004, 2, 29), date(2025, 3, 1), True),
    (date(2010, 1, 1), date(2026, 1, 1), False),
])
def test_a_pupil_is_too_old_from_the_21st_birthday(birth, day, too_old):
    assert pupil_too_old(birth, day) is too_old


def test_age_counts_whole_years():
    assert age_on(date(1980, 5, 17), date(2026, 5, 16)) == 45
    assert age_on(date(1980, 5, 17), date(2026, 5, 17)) == 46


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2024, 3, 31), -1, date(2024, 2, 29)),
    (date(2026, 5, 15), -17, date(2024, 12, 15)),
    (date(2026, 12, 1), 1, date(2027, 1, 1)),
])
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize("since, day, months", [
    (date(2026, 1, 15), date(2026, 4, 14), 2),
    (date(2026, 1, 15), date(2026, 4, 15), 3),
    (date(2026, 1, 31), date(2026, 2, 28), 1),
    (date(2026, 5, 1), date(2026, 5, 1), 0),
    (date(2026, 5, 1), date(2026, 4, 1), 0),
])
def test_whole_months(since, day, months):
    assert whole_months(since, day) == months


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 600))
def test_whole_months_undoes_add_months(since, months):
    assert whole_months(since, add_months(since, months)) == months


# --- dues code changes ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["branch", "county"])
def test_only_central_sets_w(role):
    with pytest.raises(ChangeRefused, match="^Bare Medlemsregisteret kan sette kode W.$"):
        check_code_change(role, "Y", "W")
    check_code_change("central", "Y", "W")


@pytest.mark.parametrize("role", ["branch", "county", "central"])
def test_everyone_may_change_from_w(role):
    check_code_change(role, "W", "Y")
    check_code_change(role, "W", "L")


def test_the_same_code_again_is_refused():
    with pytest.raises(ChangeRefused, match="allerede kode A"):
        check_code_change("central", "A", "A")


def test_the_open_period_ends_the_day_before_the_new_code():
    assert open_period_end(date(2020, 1, 1), date(2026, 3, 1)) == date(2026, 2, 28)
    assert open_period_end(date(2020, 1, 1), date(2020, 1, 2)) == date(2020, 1, 1)
    assert open_period_end(date(2020, 1, 1), date(2020, 1, 1)) is None  # replaces the open code
    with pytest.raises(ChangeRefused, match=r"før gjeldende kode startet \(01.01.2020\)"):
        open_period_end(date(2020, 1, 1), date(2019, 12, 31))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)), st.integers(1, 5000))
def test_no_gap_and_no_overlap(open_from, days_later):
    new_from = open_from + timedelta(days=days_later)
    end = open_period_end(open_from, new_from)
    assert open_from <= end < new_from and end + timedelta(days=1) == new_from


# --- membership type changes ----------------------------------------------------------------------

@pytest.mark.parametrize("old, new", [
    ("pupil", "student"), ("student", "main"), ("pupil", "main"), ("secondary", "main"), ("main", "student"),
])
def test_allowed_type_changes(old, new):
    assert type_change_allowed(old, new)


@pytest.mark.parametrize("old, new", [
    ("main", "pupil"), ("main", "secondary"), ("student", "pupil"), ("student", "secondary"),
    ("secondary", "student"), ("secondary", "pupil"), ("pupil", "secondary"), ("main", "main"),
])
def test_forbidden_type_changes(old, new):
    assert not type_change_allowed(old, new)


def test_targets_offered_for_each_type():
    assert type_change_targets("pupil") == ["main", "student"]
    assert type_change_targets("main") == ["student"]
    assert type_change_targets("secondary") == ["main"]
    assert type_change_targets("student") == ["main"]
