"""The facts of every membership at once (models.dues.load_member_facts) are the facts of each one
read through its ORM objects (models.dues.member_facts): the preview and the benchmark rest on it."""
from dataclasses import FrozenInstanceError, replace
from datetime import date, timedelta

import pytest

from models import BranchRate, DuesCodePeriod, Employment, Membership, db
from models.dues import load_member_facts, member_facts
from rules.dues import DuesError, MemberFacts
from web import clock

TODAY = clock.today()
NEXT_MONTH = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=1)
LONG_AGO = date(2014, 6, 1)  # before every membership below started


def employ(factory, membership, *, pay, method="deduction", start=date(2015, 1, 1), end=None, branch=None):
    return factory._add(Employment(
        membership_id=membership.id, workplace_id=factory.workplace(branch=branch).id, from_date=start,
        to_date=end, position_bp=5000, payment_method=method, monthly_pay_ore=pay,
    ))


@pytest.fixture
def memberships(factory):
    """Memberships of every kind that changes the facts, by what is special about them."""
    branch = factory.branch(rate_bp=175)
    factory._add(BranchRate(branch_id=branch.id, valid_from=NEXT_MONTH, rate_bp=190))  # not yet in force
    made = {}

    made["working"] = factory.member(branch, workplace=factory.workplace(branch=branch))
    made["two jobs"] = factory.member(branch)
    employ(factory, made["two jobs"], pay=1_000_000, method="invoice")
    employ(factory, made["two jobs"], pay=2_000_000, method="deduction")
    made["invoiced, no pay"] = factory.member(branch)
    employ(factory, made["invoiced, no pay"], pay=None, method="invoice")
    made["job ended"] = factory.member(branch)
    employ(factory, made["job ended"], pay=3_000_000, end=date(2020, 12, 31))
    made["home reserved"] = factory.member(branch, workplace=factory.workplace(branch=branch))
    for insurance in made["home reserved"].insurances:
        insurance.reserved = insurance.kind == "home"
    made["secondary"] = factory.member(branch, membership_type="secondary")
    employ(factory, made["secondary"], pay=1_500_000)
    made["student"] = factory.member(membership_type="student", birth=date(2003, 4, 4))
    made["pupil paying"] = factory.member(membership_type="pupil", birth=date(2009, 9, 9))
    made["pupil paying"].pays_insurance_fee = True
    made["apprentice"] = factory.member(branch)
    made["apprentice"].apprentice = True
    made["unemployed"] = factory.member(branch, dues_code="L")

    retired = made["retired this year"] = factory.member(branch, birth=date(1955, 1, 1))
    retirement = date(TODAY.year, 2, 1) if TODAY >= date(TODAY.year, 2, 1) else date(TODAY.year - 1, 2, 1)
    retired.dues_codes[0].to_date = retirement - timedelta(days=1)
    factory._add(DuesCodePeriod(membership_id=retired.id, code="P", from_date=retirement))

    made["no code today"] = factory.member(branch)
    made["no code today"].dues_codes[0].to_date = date(2019, 12, 31)
    made["ended"] = factory.member(branch, end=date(2021, 6, 30), withdrawal_code=5)
    factory.session.flush()
    return made


# `memberships` before `app_ctx`: the test's own session must outlive the application's, whose
# savepoint is nested in it.
@pytest.mark.parametrize("day", [TODAY, NEXT_MONTH, date(2020, 6, 1), LONG_AGO])
def test_the_bulk_facts_are_the_facts_of_each_membership(memberships, app_ctx, day):
    ids = [m.id for m in memberships.values()]
    bulk = dict(load_member_facts(day, membership_ids=ids))
    assert set(bulk) == set(ids)
    for what, membership in memberships.items():
        one = db.session.get(Membership, membership.id)
        try:
            expected = member_facts(one, day)
        except DuesError:
            expected = None
        assert bulk[membership.id] == expected, what


def test_the_kinds_really_differ(memberships, app_ctx):
    """The fixture covers what it claims: the facts that tell the kinds apart are there."""
    facts = dict(load_member_facts(TODAY, membership_ids=[m.id for m in memberships.values()]))
    of = {what: facts[m.id] for what, m in memberships.items()}
    assert (of["two jobs"].monthly_pay_ore, of["two jobs"].payment) == (3_000_000, "deduction")
    assert (of["invoiced, no pay"].monthly_pay_ore, of["invoiced, no pay"].payment) == (None, "invoice")
    assert (of["job ended"].monthly_pay_ore, of["job ended"].payment) == (None, "invoice")
    assert of["home reserved"].home_reserved and not of["working"].home_reserved
    assert of["student"].branch_rate_bp is None and of["working"].branch_rate_bp == 175
    assert of["pupil paying"].optional_insurance and of["apprentice"].apprentice
    assert of["retired this year"].dues_code == "P" and of["retired this year"].code_from.month == 2
    assert of["no code today"] is None
    assert dict(load_member_facts(NEXT_MONTH, membership_ids=[memberships["working"].id])).popitem()[1] \
        .branch_rate_bp == 190


def test_without_ids_every_active_membership_and_no_ended_one(memberships, app_ctx):
    loaded = {membership_id for membership_id, _ in load_member_facts(TODAY)}
    active = {m.id for what, m in memberships.items() if what != "ended"}
    assert active <= loaded
    assert memberships["ended"].id not in loaded


def test_facts_made_quickly_are_still_frozen_values():
    """rules.dues builds MemberFacts and Dues with a quicker __init__ for the bulk: the same values."""
    by_keyword = MemberFacts(dues_code="Y", membership_type="main", monthly_pay_ore=3_300_000, branch_rate_bp=175)
    by_position = MemberFacts("Y", "main", False, "deduction", 3_300_000, 175)
    assert by_keyword == by_position and hash(by_keyword) == hash(by_position)
    assert by_keyword.payment == "deduction" and by_keyword.birth_date is None  # the defaults
    assert replace(by_keyword, home_reserved=True) != by_keyword
    with pytest.raises(FrozenInstanceError):
        by_keyword.monthly_pay_ore = 0
    with pytest.raises(TypeError):
        MemberFacts("Y")  # the membership type is required
