"""How amounts, percentages and dates look to users."""
from datetime import date, datetime

import pytest

from web.formatting import change_value, kroner, national_id, norwegian_date, norwegian_datetime, percent


@pytest.mark.parametrize("ore, text", [
    (123450, "1 234,50 kr"),
    (63300, "633,00 kr"),
    (100000000, "1 000 000,00 kr"),
    (5, "0,05 kr"),
    (0, "0,00 kr"),
    (-123450, "-1 234,50 kr"),
    (-5, "-0,05 kr"),
])
def test_kroner(ore, text):
    assert kroner(ore) == text


def test_kroner_without_unit_and_none():
    assert kroner(123450, unit=False) == "1 234,50"
    assert kroner(None) == ""


@pytest.mark.parametrize("bp, text", [
    (175, "1,75 %"), (145, "1,45 %"), (150, "1,5 %"), (8000, "80 %"), (10000, "100 %"), (5, "0,05 %"),
    (0, "0 %"), (-50, "-0,5 %"), (-175, "-1,75 %"),
])
def test_percent(bp, text):
    assert percent(bp) == text


def test_percent_none():
    assert percent(None) == ""


def test_dates_are_day_month_year():
    assert norwegian_date(date(2024, 3, 5)) == "05.03.2024"
    assert norwegian_date(None) == ""


def test_stored_utc_times_are_shown_in_oslo_time():
    assert norwegian_datetime(datetime(2024, 6, 1, 10, 0)) == "01.06.2024 12:00"  # summer: UTC+2
    assert norwegian_datetime(datetime(2024, 1, 15, 10, 0)) == "15.01.2024 11:00"  # winter: UTC+1
    assert norwegian_date(datetime(2024, 12, 31, 23, 30)) == "01.01.2025"  # already new year in Oslo
    assert norwegian_datetime(None) == ""


def test_national_id_is_grouped_six_and_five():
    assert national_id("15108612352") == "151086 12352"
    assert national_id(None) == ""


@pytest.mark.parametrize("value, text", [
    (None, "–"), ("", "–"), (True, "Ja"), (False, "Nei"), ("2026-02-03", "03.02.2026"),
    ("2026-99-99", "2026-99-99"), ("Gamleveien 1", "Gamleveien 1"), (42, "42"),
])
def test_values_in_the_change_history(value, text):
    assert change_value(value) == text
