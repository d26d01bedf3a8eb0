"""The distribution (services.plan_distribution, run_distribution and `flask distribution run`): a run
checked to the øre, partly paid lists held back, a later payment ending up in the next run, nothing
distributed twice, and only the central registry may run it. The union in tests/payments_world.py."""
import json

import pytest
import sqlalchemy as sa

from blueprints.distribution import services
from models import AuditLog, DistributionBranch, DistributionLine, DistributionRun, db
from tests.payments_world import APRIL, MARCH, build_world, form_and_post, pay

# 7301 at 1,75 %: 3 × 525,00 = 1 575,00 percentage; central 1,15/1,75 of it = 1 035,00, local 540,00.
NORTH = {"central_ore": 103_500, "local_ore": 54_000, "home_ore": 3 * 7_400, "benefit_fund_ore": 3 * 2_600,
         "education_fund_ore": 3 * 2_500, "excess_ore": 0}
# 7302 at 2,00 %: 2 × 857,00 = 1 714,00; central 1,15/2 = 985,55, local 728,45.
SOUTH = {"central_ore": 98_555, "local_ore": 72_845, "home_ore": 2 * 7_400, "benefit_fund_ore": 2 * 2_600,
         "education_fund_ore": 2 * 2_500, "excess_ore": 0}


@pytest.fixture
def world(factory, app_ctx):
    return build_world(factory)


def runs() -> list[DistributionRun]:
    db.session.expire_all()
    return db.session.scalars(sa.select(DistributionRun).order_by(DistributionRun.id)).all()


def test_a_run_is_exact_to_the_ore(world):
    pay(world, [(world.north_list.kid, 195_000), (world.south_list.kid, 196_400)])
    run = services.run_distribution(MARCH, world.central)
    assert run is not None and (run.list_count, run.held_count) == (2, 0)
    branches = {share.branch_id: share for share in
                db.session.scalars(sa.select(DistributionBranch).where(DistributionBranch.run_id == run.id))}
    assert branches[world.north.id].split.as_dict() == NORTH
    assert branches[world.south.id].split.as_dict() == SOUTH
    assert branches[world.north.id].account == "15032080127"
    # central + local + funds = all that was paid for the distributed lists
    assert run.paid_ore == 195_000 + 196_400 == run.split.total_ore
    assert run.central_ore == 103_500 + 98_555 and run.local_ore == 54_000 + 72_845
    assert run.home_ore + run.benefit_fund_ore + run.education_fund_ore == 5 * 12_500
    lines = db.session.scalars(sa.select(DistributionLine).where(DistributionLine.run_id == run.id)).all()
    assert sorted((line.kind, line.member_count, line.paid_ore, line.branch_rate_bp) for line in lines) == [
        ("list", 2, 196_400, 200), ("list", 3, 195_000, 175)]
    assert db.session.scalar(sa.select(AuditLog.summary).where(AuditLog.entity == "distribution_run")).startswith(
        f"Fordeling {run.id} til og med 03.2026: 2 trekklister, 3 914,00 kr")


def test_partly_paid_is_held_back_and_a_later_payment_goes_into_the_next_run(world):
    pay(world, [(world.north_list.kid, 195_000), (world.south_list.kid, 100_000)])
    preview = services.plan_distribution(MARCH)
    assert [line.list_id for line in preview.lines] == [world.north_list.id]
    assert [(line.list_id, line.paid_ore) for line in preview.held] == [(world.south_list.id, 100_000)]
    assert runs() == []  # the preview stores nothing

    first = services.run_distribution(MARCH, world.central)
    assert (first.list_count, first.held_count, first.paid_ore) == (1, 1, 195_000)
    assert first.split.as_dict() == NORTH
    assert services.plan_distribution(MARCH).lines == []  # nothing distributed twice

    pay(world, [(world.south_list.kid, 96_400)])  # the rest arrives
    second = services.run_distribution(MARCH, world.central)
    assert (second.list_count, second.held_count, second.paid_ore) == (1, 0, 196_400)
    assert second.split.as_dict() == SOUTH
    assert [run.id for run in runs()] == [first.id, second.id]
    assert runs()[0].split.as_dict() == NORTH  # the first run is unchanged


def test_an_overpayment_and_a_payment_after_the_run_are_excess_for_the_centre(world):
    pay(world, [(world.north_list.kid, 195_000), (world.south_list.kid, 196_500)])
    first = services.run_distribution(MARCH, world.central)
    assert first.excess_ore == 100 and first.paid_ore == first.split.total_ore == 391_500
    pay(world, [(world.north_list.kid, 2_000)])
    second = services.run_distribution(MARCH, world.central)
    line = db.session.scalar(sa.select(DistributionLine).where(DistributionLine.run_id == second.id))
    assert (line.kind, line.list_id, line.paid_ore, line.excess_ore, line.local_ore) == (
        "adjustment", world.north_list.id, 2_000, 2_000, 0)


def test_a_run_takes_earlier_months_not_distributed_and_not_later_ones(world):
    north_april, south_april = form_and_post(world, APRIL)
    pay(world, [(world.north_list.kid, 195_000), (north_april.kid, 195_000), (south_april.kid, 196_400)])
    march = services.run_distribution(MARCH, world.central)
    assert march.list_count == 1  # April is not March's; South's March list is unpaid
    april = services.run_distribution(APRIL, world.central)
    assert april.list_count == 2 and april.paid_ore == 195_000 + 196_400
    assert services.plan_distribution(APRIL).unpaid_count == 1  # South's March list, for the county


def test_nothing_to_distribute_stores_nothing(world):
    assert services.run_distribution(MARCH, world.central) is None
    assert runs() == []


@pytest.mark.parametrize("who", ["north_officer", "county_officer", "employer_contact"])
def test_only_the_central_registry_runs_a_distribution(world, who):
    pay(world, [(world.north_list.kid, 195_000)])
    with pytest.raises(services.Refused, match="Bare sentralregisteret"):
        services.run_distribution(MARCH, getattr(world, who))
    assert runs() == []


def test_flask_distribution_run_json(app, factory, session):
    with app.app_context():
        world = build_world(factory)
        pay(world, [(world.north_list.kid, 195_000), (world.south_list.kid, 196_400)])
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["distribution", "run", "--period", "2026-03", "--json"])
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.output)
    assert outcome["ok"] and outcome["lists"] == 2 and outcome["paid_ore"] == 391_400
    assert outcome["funds"] == {"home_ore": 37_000, "benefit_fund_ore": 13_000, "education_fund_ore": 12_500}
    assert [(b["number"], b["local_ore"], b["central_ore"]) for b in outcome["branches"]] == [
        (7301, 54_000, 103_500), (7302, 72_845, 98_555)]

    again = app.test_cli_runner().invoke(args=["distribution", "run", "--period", "2026-03"])
    assert again.exit_code == 0 and again.output.startswith("Ingenting å fordele til og med 03.2026.")
    for wrong in ("mars", "0000-03"):
        result = app.test_cli_runner().invoke(args=["distribution", "run", "--period", wrong])
        assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_payment_reversed_whole_leaves_the_list_unpaid_not_held_back(world):
    pay(world, [(world.north_list.kid, 195_000)])
    pay(world, [(world.north_list.kid, -195_000)])
    plan = services.plan_distribution(MARCH)
    assert (plan.lines, plan.held, plan.unpaid_count) == ([], [], 2)
