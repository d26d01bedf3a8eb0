"""Months as the lists store them (models.deduction: the first day of the month)."""
from datetime import date

import pytest

from models.deduction import month_start, months_between, next_period, previous_period


@pytest.mark.parametrize(("period", "previous"), [
    (date(2026, 3, 1), date(2026, 2, 1)), (date(2026, 1, 1), date(2025, 12, 1)), (date(2026, 12, 1), date(2026, 11, 1))])
def test_previous_and_next_period(period, previous):
    assert previous_period(period) == previous
    assert next_period(previous) == period
    assert months_between(previous, period) == 1


def test_month_start():
    assert month_start(date(2026, 2, 28)) == date(2026, 2, 1)
