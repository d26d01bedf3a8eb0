"""The one clock of the app: timestamps are stored in UTC, and every "today" is Oslo's.

Pages, exports, commands and jobs ask this module, never date.today() or datetime.now(): on a server
the process runs in UTC, so between 23:00 and 24:00 UTC (22:00 in summer) the UTC date is already
yesterday in Oslo. Tests freeze the clock by replacing `_now` (the fixture `frozen_clock` in
tests/conftest.py); everything here reads it.
"""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def _now() -> datetime:
    """The moment, aware, in UTC: the only reading of the real clock."""
    return datetime.now(UTC)


def now_utc() -> datetime:
    """Now as stored: naive UTC on every dialect."""
    return _now().astimezone(UTC).replace(tzinfo=None)


def now_oslo() -> datetime:
    """Now in Oslo, aware."""
    return _now().astimezone(OSLO)


def today() -> date:
    """Oslo's date now: the day a user means by "today"."""
    return now_oslo().date()


def oslo_date(moment: datetime) -> date:
    """The Oslo date of a stored (naive UTC) timestamp."""
    return moment.replace(tzinfo=UTC).astimezone(OSLO).date()
