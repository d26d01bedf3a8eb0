"""`flask demo` makes three months of deduction lists, one in each state a branch meets, and
demo.lists.employer_file writes the file an employer's payroll system would send for a list."""
import csv
import io
import json
import random
from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.deviations import services
from demo.lists import ExtraPerson, FileDeviations, demo_periods, employer_file
from demo.numbers import national_id
from models import DeductionLine, DeductionList, Employment, PaidPeriod, Workplace, db
from models.deduction import DEVIATIONS, NOT_PAID_RESOLUTIONS
from rules.deduction_file import COLUMNS
from web import clock
from web.commands import SYSTEM

from .test_demo import run_demo


@pytest.fixture
def demo(app, session):
    result = run_demo(app, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def lists_of(session, period: date) -> list[DeductionList]:
    return session.scalars(sa.select(DeductionList).where(DeductionList.period == period)).all()


def lines_of(session, deduction_list: DeductionList) -> list[DeductionLine]:
    return session.scalars(sa.select(DeductionLine).where(DeductionLine.list_id == deduction_list.id)
                           .order_by(DeductionLine.id)).all()


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {status: n for status, n in counts.items() if n}


def test_the_three_months_show_every_state(demo, session):
    oldest, middle, last = demo_periods(clock.today())
    assert demo["lists"]["periods"] == [f"{p:%Y-%m}" for p in (oldest, middle, last)]

    posted = [item for item in lists_of(session, oldest) if item.state == "posted"]
    assert posted and {item.state for item in lists_of(session, oldest)} <= {"posted", "expected"}
    assert {item.state for item in lists_of(session, middle)} >= {"received", "in_progress"}
    assert lists_of(session, last) and {item.state for item in lists_of(session, last)} == {"expected"}

    open_lines = session.scalars(sa.select(DeductionLine).join(DeductionList).where(
        DeductionList.period == middle, DeductionLine.status.in_(DEVIATIONS), DeductionLine.resolution.is_(None))).all()
    assert {line.status for line in open_lines} == {"missing", "unexpected", "amount"}
    assert demo["lists"]["states"]["posted"] == len(posted)
    assert demo["lists"]["formed"] == session.scalar(sa.select(sa.func.count()).select_from(DeductionList))


def test_posting_the_oldest_month_made_its_members_paid_up(demo, session):
    oldest = demo_periods(clock.today())[0]
    handled = 0
    for deduction_list in lists_of(session, oldest):
        lines = lines_of(session, deduction_list)
        paid = session.scalars(sa.select(PaidPeriod).where(PaidPeriod.list_id == deduction_list.id)).all()
        if deduction_list.state != "posted":
            assert not paid
            continue
        assert all(line.resolution for line in lines if line.status in DEVIATIONS), "posted with an open deviation"
        handled += sum(1 for line in lines if line.resolution)
        deducted = {line.membership_id for line in lines if line.membership_id and line.reported_dues_ore is not None
                    and line.resolution not in NOT_PAID_RESOLUTIONS}
        assert {row.membership_id for row in paid} == deducted
        assert all(row.period == oldest for row in paid)
    assert handled and demo["lists"]["paid_periods"] == session.scalar(sa.select(sa.func.count()).select_from(PaidPeriod))


def test_handling_fixed_the_register(demo, session):
    oldest = demo_periods(clock.today())[0]
    ended = session.scalars(sa.select(DeductionLine).join(DeductionList).where(
        DeductionList.period == oldest, DeductionLine.resolution == "employment_ended")).all()
    assert ended
    for line in ended:
        employer_id = session.get(DeductionList, line.list_id).employer_id
        employments = session.scalars(sa.select(Employment).join(Workplace).where(
            Employment.membership_id == line.membership_id, Workplace.employer_id == employer_id)).all()
        assert employments and all(e.to_date is not None and e.to_date < clock.today() for e in employments)
    carried = session.scalar(sa.select(DeductionLine).where(DeductionLine.carried_from_id.is_not(None)))
    assert carried is not None and carried.resolution is None and carried.origin_period == oldest


def test_employer_file_round_trip_matches_every_line(demo, app_ctx):
    last = demo_periods(clock.today())[-1]
    deduction_list = db.session.scalar(sa.select(DeductionList).where(DeductionList.period == last)
                                       .order_by(DeductionList.expected_count.desc()).limit(1))
    lines = lines_of(db.session, deduction_list)
    data = employer_file(deduction_list, lines)

    rows = list(csv.reader(io.StringIO(data.decode()), delimiter=";"))
    assert tuple(rows[0]) == COLUMNS and len(rows) == len(lines) + 1
    first = dict(zip(rows[0], rows[1]))
    assert first["periode"] == f"{last:%Y-%m}" and first["orgnr"] == deduction_list.employer.orgnr
    assert "," in first["kontingent"] and "." not in first["kontingent"]

    outcome = services.import_file(SYSTEM, data)
    assert outcome.ok, outcome.errors
    assert nonzero(outcome.lists[0].counts) == {"matched": len(lines)}
    db.session.expire_all()
    assert {line.status for line in lines_of(db.session, deduction_list)} == {"matched"}
    assert services.import_file(SYSTEM, data).already


def test_employer_file_with_deviations_gives_each_kind(demo, app_ctx):
    last = demo_periods(clock.today())[-1]
    deduction_list = db.session.scalar(sa.select(DeductionList).where(DeductionList.period == last)
                                       .order_by(DeductionList.expected_count.desc()).limit(1))
    lines = lines_of(db.session, deduction_list)
    assert len(lines) >= 4
    gone, over, wrong = lines[0], next(line for line in lines[1:-1] if line.cap_ore), lines[-1]
    stranger = ExtraPerson(national_id(date(1995, 1, 1), False, random.Random(5)), "Fremmed", "Frida",
                           dues_ore=50_000, insurance_ore=12_500)
    data = employer_file(deduction_list, lines, FileDeviations(
        missing=frozenset({gone.id}), over_cap=frozenset({over.id}), wrong_insurance=frozenset({wrong.id}),
        extra=(stranger,)))

    outcome = services.import_file(SYSTEM, data)
    assert outcome.ok, outcome.errors
    assert nonzero(outcome.lists[0].counts) == {"matched": len(lines) - 3, "missing": 1, "amount": 2, "unexpected": 1}
    db.session.expire_all()
    status = {line.national_id: line for line in lines_of(db.session, deduction_list)}
    assert status[gone.national_id].status == "missing"
    assert status[over.national_id].status == "amount" and "taket" in status[over.national_id].reasons
    assert status[wrong.national_id].status == "amount" and "Forsikringsbeløpet" in status[wrong.national_id].reasons
    assert status[stranger.national_id].status == "unexpected" and status[stranger.national_id].name == "Fremmed, Frida"
