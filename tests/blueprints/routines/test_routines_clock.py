"""The daily routine runs for Oslo's date, also between 23:00 and 24:00 UTC and on the days of the
daylight-saving switches (issue 13, item 10)."""
import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from models import DuesCodePeriod
from tests.clock_moments import IDS, MOMENTS


def codes(session, membership) -> list[tuple[str, date]]:
    session.expire_all()
    return [(p.code, p.from_date) for p in session.scalars(
        sa.select(DuesCodePeriod).where(DuesCodePeriod.membership_id == membership.id)
        .order_by(DuesCodePeriod.from_date))]


@pytest.mark.parametrize("moment, oslo_day", MOMENTS, ids=IDS)
def test_the_command_runs_for_oslos_date(app, frozen_clock, moment, oslo_day):
    frozen_clock(moment)
    result = app.test_cli_runner().invoke(args=["routines", "daily", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["date"] == oslo_day.isoformat()


def test_at_half_past_eleven_utc_on_the_last_of_january_it_is_february_in_oslo(
        app, frozen_clock, factory, session):
    """Turned 67 in January 2026: P from 1 February, which in Oslo has begun at 23:30 UTC on 31 January."""
    member = factory.member(factory.branch(), dues_code="U", start=date(2015, 1, 1), birth=date(1959, 1, 15))
    frozen_clock(datetime(2026, 1, 31, 22, 30))  # 23:30 in Oslo: still January
    app.test_cli_runner().invoke(args=["routines", "daily"])
    assert codes(session, member) == [("U", date(2015, 1, 1))]

    frozen_clock(datetime(2026, 1, 31, 23, 30))  # 00:30 on 1 February in Oslo
    result = app.test_cli_runner().invoke(args=["routines", "daily"])
    assert result.exit_code == 0, result.output
    assert codes(session, member) == [("U", date(2015, 1, 1)), ("P", date(2026, 2, 1))]


@pytest.mark.parametrize("moment, oslo_day", MOMENTS, ids=IDS)
def test_the_page_shows_when_it_last_ran_in_oslo_time(frozen_clock, factory, login, client, post, moment, oslo_day):
    frozen_clock(moment)
    login(factory.user("central"))
    assert post("/rutiner/daglig").status_code == 303
    page = client.get("/rutiner/daglig").get_data(as_text=True)
    in_oslo = moment.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Oslo"))
    assert in_oslo.date() == oslo_day
    assert f"{in_oslo:%d.%m.%Y %H:%M}" in page
