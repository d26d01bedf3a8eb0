"""`flask demo` imports the bank's payment files for its months and distributes the oldest month:
payments matched by KID, unidentified ones, a reversal, lists in every payment state, and a run."""
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from demo import load_demo
from demo.lists import SHOWCASE_BRANCH, demo_periods
from models import (
    Branch,
    DeductionList,
    DistributionBranch,
    DistributionLine,
    DistributionRun,
    Payment,
    PaymentTransmission,
    db,
    utcnow,
)
from models.payment import list_payments
from rules.kid import is_valid_kid
from rules.payment_state import PAYMENT_STATES
from web import clock

from .test_demo import run_demo

MONTHS = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
          "november", "desember"]


@pytest.fixture
def demo(app, session):
    result = run_demo(app, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def lists_of(session, period: date, *states: str) -> list[DeductionList]:
    return session.scalars(sa.select(DeductionList).where(DeductionList.period == period,
                                                          DeductionList.state.in_(states))).all()


def test_one_payment_file_a_month_matched_by_kid(demo, session):
    transmissions = session.scalars(sa.select(PaymentTransmission).order_by(PaymentTransmission.id)).all()
    assert len(transmissions) == demo["payments"]["files"] == 3
    assert [t.transmission_date.month for t in transmissions] == [
        (p.month % 12) + 1 for p in demo_periods(clock.today())]

    payments = session.scalars(sa.select(Payment)).all()
    assert len(payments) == demo["payments"]["transactions"] == sum(t.transaction_count for t in transmissions)
    by_kid = [p for p in payments if p.matched_by == "kid"]
    assert len(by_kid) == demo["payments"]["matched"] > 50
    kids = dict(session.execute(sa.select(DeductionList.id, DeductionList.kid)).all())
    assert all(kids[p.list_id] == p.kid for p in by_kid)
    assert demo["payments"]["total_ore"] == sum(p.amount_ore for p in payments)


def test_unidentified_payments_are_kept(demo, session):
    unidentified = session.scalars(sa.select(Payment).where(Payment.list_id.is_(None))).all()
    assert len(unidentified) == demo["payments"]["unidentified"] == 3
    oldest = demo_periods(clock.today())[0]
    free_text = [p for p in unidentified if p.kid is None]
    assert [p.free_text for p in free_text] == [f"Kontingent {MONTHS[oldest.month - 1]}"]
    assert free_text[0].transaction_type == 21
    with_kid = [p for p in unidentified if p.kid is not None]
    assert sorted(p.kid_valid for p in with_kid) == [False, True]  # one mistyped, one valid but unknown
    assert all(is_valid_kid(p.kid) == p.kid_valid for p in with_kid)
    assert not session.scalar(sa.select(sa.func.count()).select_from(DeductionList)
                              .where(DeductionList.kid.in_([p.kid for p in with_kid])))


def test_lists_in_every_payment_state(demo, session, app_ctx):
    oldest, middle, _ = demo_periods(clock.today())
    posted = lists_of(session, oldest, "posted")
    states = list_payments(posted)
    found = {state.state for state in states.values()}
    assert found == set(PAYMENT_STATES)
    assert demo["payments"]["states"] == {state: sum(1 for s in states.values() if s.state == state)
                                          for state in PAYMENT_STATES}

    showcase = session.scalar(sa.select(Branch.id).where(Branch.number == SHOWCASE_BRANCH))
    assert {states[dl.id].state for dl in posted if dl.branch_id == showcase} == set(PAYMENT_STATES)

    overpaid = [states[dl.id] for dl in posted if states[dl.id].state == "overpaid"]
    assert all(0 < s.overpaid_ore <= 5_000 for s in overpaid)  # by a little: at most 50 kr

    received = lists_of(session, middle, "received", "in_progress")
    paid_received = [dl for dl, s in list_payments(received).items() if s.state == "paid"]
    assert paid_received and len(paid_received) < len(received)


def test_a_double_payment_is_reversed(demo, session, app_ctx):
    reversal = session.scalar(sa.select(Payment).where(Payment.transaction_type == 18))
    assert reversal.amount_ore < 0 and reversal.list_id is not None
    state = list_payments([session.get(DeductionList, reversal.list_id)])[reversal.list_id]
    assert [amount for _, amount in state.payments] == [-reversal.amount_ore, -reversal.amount_ore, reversal.amount_ore]
    assert state.state == "paid"


def test_posted_lists_unpaid_for_a_month_await_the_county(demo, app, session, app_ctx):
    oldest = demo_periods(clock.today())[0]
    posted = lists_of(session, oldest, "posted")
    states = list_payments(posted)
    limit = utcnow() - timedelta(days=app.config["UNPAID_AFTER_DAYS"])
    unpaid = [dl for dl in posted if states[dl.id].state == "unpaid"]
    late = [dl for dl in unpaid if dl.posted_at < limit]
    assert late and len(late) < len(unpaid)  # some only recently posted
    every_posted = session.scalars(sa.select(DeductionList).where(DeductionList.state == "posted")).all()
    every_state = list_payments(every_posted)
    queue = [dl for dl in every_posted if dl.posted_at < limit and every_state[dl.id].amount_ore > 0
             and every_state[dl.id].state in ("unpaid", "partly_paid")]
    assert set(late) < set(queue)  # partly paid lists wait too
    assert demo["payments"]["unpaid_queue"] == len(queue)
    assert all(dl.received_at < dl.posted_at < utcnow() - timedelta(days=9) for dl in posted)


def test_the_oldest_month_is_distributed_to_the_ore(demo, session, app_ctx):
    oldest = demo_periods(clock.today())[0]
    run = session.scalar(sa.select(DistributionRun))
    assert run.id == demo["payments"]["run_id"] and run.period == oldest
    assert run.split.total_ore == run.paid_ore == demo["payments"]["run_paid_ore"] > 0
    assert run.central_ore > 0 and run.local_ore > 0 and run.home_ore > 0

    lines = session.scalars(sa.select(DistributionLine).where(DistributionLine.run_id == run.id)).all()
    distributed = [line for line in lines if line.kind == "list"]
    held = [line for line in lines if line.kind == "held"]
    assert len(distributed) == run.list_count and len(held) == run.held_count > 0
    assert all(line.split.total_ore == line.paid_ore for line in distributed)
    assert sum(line.paid_ore for line in distributed) == run.paid_ore
    assert all(line.split.total_ore == 0 for line in held)

    posted = lists_of(session, oldest, "posted")
    states = list_payments(posted)
    assert {line.list_id for line in distributed} == {dl.id for dl in posted if states[dl.id].paid
                                                      and states[dl.id].paid_ore > 0}
    assert {line.list_id for line in held} == {dl.id for dl in posted if states[dl.id].state == "partly_paid"}
    excess = sum(states[line.list_id].overpaid_ore for line in distributed)
    assert run.excess_ore == excess > 0

    branches = session.scalars(sa.select(DistributionBranch).where(DistributionBranch.run_id == run.id)).all()
    assert sum((b.split for b in branches), start=type(run.split)()) == run.split


def test_the_same_seed_gives_the_same_payments(app_ctx):
    def fingerprint():
        return db.session.execute(sa.select(Payment.kid, Payment.amount_ore, Payment.transaction_type,
                                            Payment.settlement_date, Payment.free_text, Payment.archive_reference)
                                  .order_by(Payment.transmission_id, Payment.transaction_number)).all()

    found = []
    for _ in range(2):
        nested = db.session.begin_nested()
        load_demo(members=120, seed=3, today=clock.today())
        found.append(fingerprint())
        nested.rollback()
    assert found[0] and found[0] == found[1]
