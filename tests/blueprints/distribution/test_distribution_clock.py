"""A distribution run is dated by Oslo's calendar on every page, also between 23:00 and 24:00 UTC and on
the days of the daylight-saving switches (issue 13, item 10). The union of tests/payments_world.py."""
import re

import pytest

from blueprints.distribution import services
from models import DistributionRun, db
from tests.clock_moments import IDS, MOMENTS
from tests.pages import sign_in, text
from tests.payments_world import MARCH, committed_world, pay_committed


@pytest.mark.parametrize("moment, oslo_day", MOMENTS, ids=IDS)
def test_a_runs_date_is_oslos(app, factory, session, frozen_clock, moment, oslo_day):
    world = committed_world(app, factory, session)
    pay_committed(app, world, [(world.north_list.kid, 195_000), (world.south_list.kid, 196_400)])
    frozen_clock(moment)
    with app.app_context():
        run_id = services.run_distribution(MARCH, world.central).id
        db.session.commit()
    assert session.get(DistributionRun, run_id).created_at == moment  # stored in UTC

    client = sign_in(app, world.central)
    index = text(client.get("/fordeling/").get_data(as_text=True))
    assert f"{run_id} til og med 03.2026 {oslo_day:%d.%m.%Y}" in index
    transfers = text(client.get(f"/fordeling/{run_id}/overforinger").get_data(as_text=True))
    assert f"da fordelingen ble kjørt {oslo_day:%d.%m.%Y}. Skrevet ut {oslo_day:%d.%m.%Y}." in transfers
    report = client.get(f"/fordeling/{run_id}/avdeling/{world.north.id}").get_data(as_text=True)
    assert re.search(rf"Kjørt</dt><dd>{oslo_day:%d\.%m\.%Y}</dd>", report)
