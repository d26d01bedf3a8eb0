"""No export fails on stored text (issue 13, item 9): a person and an employer whose names hold control,
bidi-override and zero-width characters (stored before the register refused them, or by any other path)
are exported by every queue and report as CSV and as a valid XLSX, each such character shown as U+FFFD."""
import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from blueprints.deviations import services as lists
from blueprints.distribution import services as distribution
from models import DeductionList, DistributionRun, Employer, Person, Workplace, db
from tests.deviations_files import employer_file
from tests.pages import sign_in
from tests.payments_world import APRIL, MARCH, committed_world, pay_committed

BAD_LAST = "Han\x01sen\u202e\u200b"  # a control character (no XLSX can hold it), a bidi override, a zero width
SHOWN_LAST = "Han\ufffdsen\ufffd\ufffd"
BAD_EMPLOYER = "Sykehuset\x1b AS\ufeff"
SHOWN_EMPLOYER = "Sykehuset\ufffd AS\ufffd"
QUEUE_WEEK = {"fra": "02.03.2026", "til": "08.03.2026"}


@pytest.fixture
def world(app, factory, session):
    """The payments world (tests/payments_world.py) with March distributed, April's list of the north
    branch received with Anne missing (a deviation), a new member in the week of QUEUE_WEEK and one
    withdrawn this week, all at the hospital, and then every such name garbled in the database."""
    world = committed_world(app, factory, session)
    pay_committed(app, world, [(world.north_list.kid, 195_000), (world.south_list.kid, 196_400)])
    workplace = session.scalar(sa.select(Workplace).where(Workplace.employer_id == world.employer.id,
                                                          Workplace.branch_id == world.north.id))
    factory.member(world.north, workplace=workplace, start=date(2026, 3, 3), first_name="Nina", last_name="Hansen")
    today = date.today()
    factory.member(world.north, workplace=workplace, start=date(2015, 1, 1), end=today, withdrawal_code=5,
                   first_name="Ulrik", last_name="Hansen")
    anne = session.scalar(sa.select(Person).where(Person.first_name == "Anne"))
    with app.app_context():
        session.execute(sa.update(Person).where(Person.last_name == "Hansen").values(last_name=BAD_LAST))
        session.execute(sa.update(Employer).where(Employer.id == world.employer.id).values(name=BAD_EMPLOYER))
        session.flush()
        run_id = distribution.run_distribution(MARCH, world.central).id
        lists.form_lists(APRIL, only=(world.employer.id, world.north.id))
        db.session.flush()
        april = db.session.scalar(sa.select(DeductionList).where(
            DeductionList.employer_id == world.employer.id, DeductionList.branch_id == world.north.id,
            DeductionList.period == APRIL))
        typed = {line.national_id: {"etternavn": "Hansen"} for line in april.lines}  # as the payroll system has it
        outcome = lists.import_file(world.central, employer_file(april, drop=(anne.national_id,), change=typed))
        assert outcome.ok, outcome.errors
        world.april_id = april.id
        db.session.commit()
    world.run = session.get(DistributionRun, run_id)
    return world


def exports(world) -> dict[str, str]:
    return {
        "enrollment queue": "/innmelding/ny-trekk?fra={fra}&til={til}".format(**QUEUE_WEEK),
        "withdrawal queue": "/utmelding/",
        "deviation report": f"/trekklister/{world.april_id}/avviksrapport",
        "distribution report of a branch": f"/fordeling/{world.run.id}/avdeling/{world.north.id}",
    }


def cells_of_xlsx(data: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None]


def cells_of_csv(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";") for cell in row]


@pytest.mark.parametrize("export", ["enrollment queue", "withdrawal queue", "deviation report",
                                    "distribution report of a branch"])
def test_every_export_writes_garbled_stored_names_without_failing(app, world, export):
    client = sign_in(app, world.central)
    url = exports(world)[export]
    page = client.get(url)
    assert page.status_code == 200
    for fmt, cells_of in (("xlsx", cells_of_xlsx), ("csv", cells_of_csv)):
        response = client.get(url + ("&" if "?" in url else "?") + f"format={fmt}")
        assert response.status_code == 200, (fmt, response.get_data(as_text=True)[:500])
        cells = cells_of(response.get_data())
        text = "\n".join(cells)
        wanted = SHOWN_EMPLOYER if export == "distribution report of a branch" else SHOWN_LAST
        assert wanted in text, (fmt, cells)
        assert not any(c in text for c in "\x01\x1b\u202e\u200b\ufeff")


def test_the_branch_officer_exports_the_queue_too(app, world):
    client = sign_in(app, world.north_officer)
    response = client.get(exports(world)["enrollment queue"] + "&format=xlsx")
    assert response.status_code == 200
    assert any(SHOWN_LAST in cell for cell in cells_of_xlsx(response.get_data()))
