"""The transfer pages count days and show dates in Oslo's calendar, also between 23:00 and 24:00 UTC
and on the days of the daylight-saving switches (issue 13, item 10)."""
import re
from datetime import timedelta

import pytest

from blueprints.transfer.services import first_of_next_month
from models import Transfer
from tests.clock_moments import IDS, MOMENTS


def outgoing(client) -> str:
    html = client.get("/overforing/").get_data(as_text=True)
    return re.search(r'<section id="outgoing"[^>]*>(.*?)</section>', html, re.S).group(1)


@pytest.mark.parametrize("moment, oslo_day", MOMENTS, ids=IDS)
def test_the_queue_counts_a_transfers_age_in_oslo_days(frozen_clock, client_for, world, start_transfer, session,
                                                        moment, oslo_day):
    frozen_clock(moment)
    transfer = start_transfer(day=f"{first_of_next_month(oslo_day):%d.%m.%Y}")
    assert transfer.started_at == moment  # stored in UTC
    assert '<td class="num">0</td>' in outgoing(client_for("a"))  # started today, Oslo's today

    session.get(Transfer, transfer.id).started_at -= timedelta(days=12)
    session.flush()
    assert '<td class="num">12</td>' in outgoing(client_for("a"))


@pytest.mark.parametrize("moment, oslo_day", MOMENTS, ids=IDS)
def test_the_start_form_proposes_the_first_of_oslos_next_month(frozen_clock, client_for, world, moment, oslo_day):
    frozen_clock(moment)
    html = client_for("a").get(f"/overforing/ny/{world.member.id}").get_data(as_text=True)
    assert f'value="{first_of_next_month(oslo_day):%d.%m.%Y}"' in html


@pytest.mark.parametrize("moment, oslo_day", MOMENTS, ids=IDS)
def test_a_reminder_shows_oslos_date_and_the_report_this_month(frozen_clock, client_for, world, start_transfer,
                                                               send, moment, oslo_day):
    frozen_clock(moment)
    transfer = start_transfer(day=f"{first_of_next_month(oslo_day):%d.%m.%Y}")
    report = client_for("a").get("/overforing/rapport").get_data(as_text=True)
    assert f'value="{oslo_day:%Y-%m}"' in report and f'<tr id="transfer-{transfer.id}">' in report
    response = send(client_for("a"), f"/overforing/{transfer.id}/paminnelse", {"maned": f"{oslo_day:%Y-%m}"})
    assert response.status_code == 303
    assert f"påminnet {oslo_day:%d.%m.%Y}" in client_for("b").get("/overforing/").get_data(as_text=True)
