"""The app's one clock (web.clock): stored timestamps are UTC, every "today" is Oslo's (issue 13, item 10)."""
from datetime import UTC, date, datetime

import pytest

from models import db, record, utcnow
from web import clock
from web.formatting import norwegian_date, norwegian_datetime

from .clock_moments import IDS, MOMENTS


@pytest.mark.parametrize("moment, oslo_day", MOMENTS, ids=IDS)
def test_today_is_oslos_date_and_timestamps_stay_utc(frozen_clock, moment, oslo_day):
    frozen_clock(moment)
    assert clock.today() == oslo_day != moment.date()
    assert clock.now_utc() == utcnow() == moment  # stored: naive UTC
    assert clock.now_oslo().date() == oslo_day
    assert clock.oslo_date(utcnow()) == oslo_day
    assert norwegian_date(utcnow()) == f"{oslo_day:%d.%m.%Y}"


@pytest.mark.parametrize("moment, shown", [
    (datetime(2026, 3, 29, 0, 59), "29.03.2026 01:59"),  # the last minute of winter time
    (datetime(2026, 3, 29, 1, 0), "29.03.2026 03:00"),  # summer time: 02:00 is skipped
    (datetime(2026, 10, 25, 0, 30), "25.10.2026 02:30"),  # the first 02:30 (summer time)
    (datetime(2026, 10, 25, 1, 30), "25.10.2026 02:30"),  # the second 02:30 (winter time)
    (datetime(2026, 12, 7, 23, 30), "08.12.2026 00:30"),
])
def test_a_stored_moment_is_shown_in_oslo_time(frozen_clock, moment, shown):
    frozen_clock(moment)
    assert norwegian_datetime(utcnow()) == shown


def test_an_aware_moment_may_freeze_it_too(frozen_clock):
    frozen_clock(datetime(2026, 12, 8, 0, 30, tzinfo=clock.OSLO))
    assert (clock.now_utc(), clock.today()) == (datetime(2026, 12, 7, 23, 30), date(2026, 12, 8))


def test_stored_timestamps_come_from_the_same_clock(app_ctx, frozen_clock):
    frozen_clock(datetime(2026, 10, 25, 23, 30))
    row = record("update", "clock_test", None, "Klokken er frossen")
    db.session.flush()
    assert row.at == datetime(2026, 10, 25, 23, 30)


def test_the_real_clock_is_read_when_not_frozen():
    before = datetime.now(UTC).replace(tzinfo=None)
    assert before <= clock.now_utc() <= datetime.now(UTC).replace(tzinfo=None)
