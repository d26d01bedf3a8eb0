"""The withdrawal form's last day defaults to Oslo's today, also between 23:00 and 24:00 UTC and on the
days of the daylight-saving switches (issue 13, item 10)."""
import re
from datetime import date

import pytest

from models import Membership
from tests.clock_moments import IDS, MOMENTS


@pytest.mark.parametrize("moment, oslo_day", MOMENTS, ids=IDS)
def test_the_last_day_defaults_to_oslos_today_and_is_stored_as_given(frozen_clock, factory, login, client, post,
                                                                    session, moment, oslo_day):
    frozen_clock(moment)
    branch = factory.branch()
    member = factory.member(branch, first_name="Åse", last_name="Bækkelund", start=date(2015, 1, 1))
    login(factory.user("branch", branches=[branch]))

    html = client.get(f"/utmelding/{member.id}").get_data(as_text=True)
    default = re.search(r'<input[^>]*name="end_date"[^>]*>', html).group(0)
    assert f'value="{oslo_day:%d.%m.%Y}"' in default

    response = post(f"/utmelding/{member.id}", {"version": str(member.version), "code": "5",
                                                "end_date": f"{oslo_day:%d.%m.%Y}", "receiving_union": "", "note": ""})
    assert response.status_code == 303
    assert f"siste dag {oslo_day:%d.%m.%Y}" in client.get(response.location).get_data(as_text=True)
    session.expire_all()
    assert session.get(Membership, member.id).end_date == oslo_day
