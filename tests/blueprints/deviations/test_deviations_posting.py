"""Posting (framføring) a deduction list: refused while a deviation is open or before the list is
received; when allowed it locks the list and writes the ledger (PaidPeriod) that paid_up_to reads."""
import random
from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.deviations import queries, services
from models import AuditLog, DeductionLine, DeductionList, Employment, PaidPeriod, db
from models.deduction import paid_up_to
from tests.deviations_files import csv_bytes, employer_file, row
from tests.factories import make_national_id

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)
DUES, FIXED = 52_500, 12_500  # 1,75 % of 30 000; 74 + 26 + 25


@pytest.fixture
def world(factory, app_ctx):
    """A branch's list of March from one employer with three expected members ("gone" left off the
    file, "over" reported 800 kr over the cap, "fine" as expected), a person the register does not
    know ("stranger") and a member of the branch not expected there ("known"). (The test's session is
    set up before the application context, so that it outlives the application's session.)"""
    branch = factory.branch()
    employer = factory.employer(name="Sykehuset AS")
    workplace = factory.workplace(employer, branch)
    members = {}
    for key in ("gone", "over", "fine"):
        members[key] = factory.member(branch)
        factory._add(Employment(membership_id=members[key].id, workplace_id=workplace.id, from_date=date(2015, 1, 1),
                                position_bp=10_000, payment_method="deduction", monthly_pay_ore=3_000_000))
    members["known"] = factory.member(branch)
    stranger = make_national_id(date(1991, 4, 5), random.Random(11))
    services.form_lists(MARCH)
    deduction_list = list_of(employer, branch)
    data = employer_file(deduction_list, drop={members["gone"].person.national_id}, change={
        members["over"].person.national_id: {"kontingent": "800,00"}}, add=[
        row(deduction_list, national_id=stranger, last_name="Olsen", first_name="Per", dues_ore=60_000,
            insurance_ore=FIXED),
        row(deduction_list, national_id=members["known"].person.national_id, dues_ore=50_000, insurance_ore=FIXED)])
    central = factory.user("central")
    assert services.import_file(central, data).ok
    return {"branch": branch, "employer": employer, "workplace": workplace, "members": members,
            "stranger": stranger, "list": deduction_list, "officer": factory.user("branch", branches=[branch]),
            "central": central}


def list_of(employer, branch, period=MARCH) -> DeductionList | None:
    return db.session.scalar(sa.select(DeductionList).where(
        DeductionList.period == period, DeductionList.employer_id == employer.id, DeductionList.branch_id == branch.id))


def line(world, key, deduction_list=None) -> DeductionLine:
    national_id = world["stranger"] if key == "stranger" else world["members"][key].person.national_id
    return db.session.scalar(
        sa.select(DeductionLine).where(DeductionLine.list_id == (deduction_list or world["list"]).id,
                                       DeductionLine.national_id == national_id)
        .order_by(DeductionLine.id).options(*queries.line_options()))


def ledger() -> list[tuple]:
    return db.session.execute(sa.select(PaidPeriod.membership_id, PaidPeriod.period, PaidPeriod.list_id,
                                        PaidPeriod.dues_ore, PaidPeriod.insurance_ore)
                              .order_by(PaidPeriod.list_id, PaidPeriod.membership_id)).all()


def handle_all(world, carry: str | None = None) -> None:
    """Handle each deviation of the March list (one of them carried to April with `carry`)."""
    actions = {"gone": ("employment_ended", {"date": date(2026, 2, 28)}), "over": ("accepted", {}),
               "stranger": ("not_member", {}), "known": ("accepted", {})}
    if carry:
        actions[carry] = ("carried", {"note": "Venter på svar"})
    for key, (action, data) in actions.items():
        services.resolve(world["officer"], line(world, key), action, data)


def test_posting_is_refused_while_a_deviation_is_open(world):
    services.resolve(world["officer"], line(world, "over"), "accepted", {})
    with pytest.raises(services.Refused) as refused:
        services.post(world["officer"], world["list"])
    assert refused.value.message == "3 avvik er ikke behandlet. Behandle dem før listen framføres."
    assert services.open_deviations(world["list"]) == 3
    assert ledger() == []
    assert list_of(world["employer"], world["branch"]).state == "in_progress"


def test_posting_is_refused_before_the_list_is_received(factory, world):
    other = factory.employer()
    factory._add(Employment(membership_id=world["members"]["known"].id, workplace_id=factory.workplace(
        other, world["branch"]).id, from_date=date(2020, 1, 1), payment_method="deduction"))
    services.form_lists(MARCH, only=(other.id, world["branch"].id))
    expected = list_of(other, world["branch"])
    with pytest.raises(services.Refused) as refused:
        services.post(world["officer"], expected)
    assert "ikke mottatt" in refused.value.message
    assert expected.state == "expected" and ledger() == []


def test_posting_a_handled_list_pays_the_members_deducted_for(world):
    handle_all(world)
    members = world["members"]
    assert services.payable_members(world["list"]) == 3

    paid = services.post(world["officer"], world["list"])

    assert paid == 3
    assert ledger() == sorted([
        (members["over"].id, MARCH, world["list"].id, 80_000, FIXED),
        (members["fine"].id, MARCH, world["list"].id, DUES, FIXED),
        (members["known"].id, MARCH, world["list"].id, 50_000, FIXED),
    ], key=lambda item: item[0])
    # not the member who left (not deducted), not the person who is not ours
    assert paid_up_to(members["gone"].id) is None
    assert paid_up_to(members["fine"].id) == MARCH
    deduction_list = list_of(world["employer"], world["branch"])
    assert (deduction_list.state, deduction_list.posted_by) == ("posted", world["officer"].id)
    assert deduction_list.posted_at is not None and deduction_list.posted
    audit = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "deduction_list")
                               .order_by(AuditLog.id)).all()[-1]
    assert "framført: 3 medlemmer betalt for perioden" in audit.summary
    assert audit.user_id == world["officer"].id and '"state": ["in_progress", "posted"]' in audit.changes


def test_a_list_without_deviations_is_posted_at_once(factory, world):
    other = factory.employer()
    workplace = factory.workplace(other, world["branch"])
    member = factory.member(world["branch"])
    factory._add(Employment(membership_id=member.id, workplace_id=workplace.id, from_date=date(2020, 1, 1),
                            payment_method="deduction", monthly_pay_ore=3_000_000))
    services.form_lists(APRIL)
    april = list_of(other, world["branch"], APRIL)
    assert services.import_file(world["central"], employer_file(april)).ok
    assert april.state == "received"

    assert services.post(world["officer"], april) == 1
    assert ledger() == [(member.id, APRIL, april.id, DUES, FIXED)]
    assert paid_up_to(member.id) == APRIL


def test_a_carried_line_pays_up_its_own_month_when_settled_on_a_later_list(world):
    handle_all(world, carry="known")
    assert services.post(world["officer"], world["list"]) == 2
    assert world["members"]["known"].id not in {item[0] for item in ledger()}

    april = list_of(world["employer"], world["branch"], APRIL)
    assert services.import_file(world["central"], employer_file(april)).ok
    copy = line(world, "known", april)
    assert copy.carried_from_id is not None and copy.open
    with pytest.raises(services.Refused):
        services.post(world["officer"], april)
    services.resolve(world["officer"], copy, "accepted", {})

    # "over" and "fine" for April ("gone" has left), and "known" for March, where it was reported
    assert services.post(world["officer"], april) == 3
    assert {item[0] for item in ledger() if item[1] == APRIL} == {world["members"]["over"].id,
                                                                  world["members"]["fine"].id}
    assert paid_up_to(world["members"]["fine"].id) == APRIL
    known = [item for item in ledger() if item[0] == world["members"]["known"].id]
    assert [(item[1], item[2]) for item in known] == [(MARCH, april.id)]
    assert paid_up_to(world["members"]["known"].id) == MARCH


def test_one_ledger_row_per_member_and_month(factory, world):
    """Two employers deducted for the same member in March: the second list posted pays nobody twice."""
    handle_all(world)
    services.post(world["officer"], world["list"])
    fine = world["members"]["fine"]
    other = factory.employer()
    factory.workplace(other, world["branch"])
    second = type("Target", (), {"period": MARCH, "employer": other, "branch": world["branch"]})
    assert services.import_file(world["central"], csv_bytes([
        row(second, national_id=fine.person.national_id, dues_ore=10_000, insurance_ore=0)])).ok
    second_list = list_of(other, world["branch"])
    services.resolve(world["officer"], line(world, "fine", second_list), "accepted", {})
    assert services.payable_members(second_list) == 0

    assert services.post(world["officer"], second_list) == 0
    assert [item for item in ledger() if item[0] == fine.id] == [(fine.id, MARCH, world["list"].id, DUES, FIXED)]
    assert second_list.state == "posted"


def test_a_posted_list_is_locked(world):
    handle_all(world)
    services.post(world["officer"], world["list"])
    rows = ledger()

    with pytest.raises(services.Refused) as refused:
        services.post(world["officer"], world["list"])
    assert refused.value.message == "Listen er allerede framført."
    with pytest.raises(services.Refused):
        services.resolve(world["officer"], line(world, "fine"), "accepted", {})
    with pytest.raises(services.Refused):
        services.set_note(world["officer"], line(world, "fine"), "Merknad")
    # another file for it is refused
    outcome = services.import_file(world["central"], employer_file(world["list"]))
    assert not outcome.ok and "allerede framført" in outcome.errors[0].message
    assert ledger() == rows
