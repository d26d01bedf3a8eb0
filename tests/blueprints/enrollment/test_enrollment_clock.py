"""An enrollment starts on Oslo's today unless changed, also between 23:00 and 24:00 UTC and on the days
of the daylight-saving switches (issue 13, item 10)."""
import re
from datetime import date

import pytest

from tests.clock_moments import IDS, MOMENTS
from tests.factories import make_national_id


@pytest.mark.parametrize("moment, oslo_day", MOMENTS, ids=IDS)
def test_the_start_date_defaults_to_oslos_today(frozen_clock, factory, login, post, moment, oslo_day):
    frozen_clock(moment)
    login(factory.user("branch", branches=[factory.branch()]))
    html = post("/innmelding/", {"national_id": make_national_id(date(1990, 4, 12))}).get_data(as_text=True)
    start = re.search(r'<input[^>]*name="start_date"[^>]*>', html).group(0)
    assert f'value="{oslo_day:%d.%m.%Y}"' in start
