"""Forming the expected deduction lists of a month (services.form_lists, the "lists.form" job).

Rates in force in 2026 (the 2022 row): cap reference 42 827,59 kr, fixed parts 74 + 26 + 25 = 125 kr.
A branch at 1,75 % has the cap 749 kr (1,75 % of 42 827,59 = 749,48, rounded to whole kroner)."""
from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.deviations import services
from models import BranchRate, DeductionLine, DeductionList, Employment, InsurancePeriod, Job, db
from rules.kid import is_valid_kid
from tests.deviations_files import employer_file
from web import jobs

MARCH = date(2026, 3, 1)
CAP = 74_900
FIXED = 12_500


def employ(factory, membership, workplace, *, position_bp=10_000, pay_ore=3_000_000, start=date(2015, 1, 1),
           end=None, payment_method="deduction") -> Employment:
    return factory._add(Employment(membership_id=membership.id, workplace_id=workplace.id, position_bp=position_bp,
                                   from_date=start, to_date=end, payment_method=payment_method,
                                   monthly_pay_ore=pay_ore))


@pytest.fixture
def place(factory, app_ctx):
    """An employer with a workplace in a branch at 1,75 %. (The test's session is set up before the
    application context, so that it outlives the application's session.)"""
    county = factory.county()
    branch = factory.branch(county)
    employer = factory.employer()
    return {"county": county, "branch": branch, "employer": employer,
            "workplace": factory.workplace(employer, branch)}


def lines_of(employer, branch, period=MARCH) -> list[DeductionLine]:
    return db.session.scalars(
        sa.select(DeductionLine).join(DeductionList, DeductionList.id == DeductionLine.list_id)
        .where(DeductionList.period == period, DeductionList.employer_id == employer.id,
               DeductionList.branch_id == branch.id).order_by(DeductionLine.id)).all()


def list_of(employer, branch, period=MARCH) -> DeductionList | None:
    return db.session.scalar(sa.select(DeductionList).where(
        DeductionList.period == period, DeductionList.employer_id == employer.id, DeductionList.branch_id == branch.id))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_only_working_members_paying_by_deduction_on_the_first_day_are_expected(factory, place):
    branch, county, workplace = place["branch"], place["county"], place["workplace"]
    member = lambda **kw: factory.member(branch, **kw)  # noqa: E731
    expected = [
        employ(factory, member(), workplace).membership_id,
        # ends in the middle of the month: was a member and employed on the 1st
        employ(factory, member(end=date(2026, 3, 15), withdrawal_code=5), workplace).membership_id,
        # the employment ends on the 1st: still covers it
        employ(factory, member(), workplace, end=MARCH).membership_id,
    ]
    # invoice payer
    employ(factory, member(), workplace, payment_method="invoice")
    # deducted by NAV, and every non-working code
    for code in ("W", "A", "L", "O", "M", "U", "P"):
        employ(factory, member(dues_code=code, birth=date(1962, 5, 17)), workplace)
    # students and pupils belong to the county
    employ(factory, factory.member(membership_type="student", county=county), workplace)
    employ(factory, factory.member(membership_type="pupil", county=county, birth=date(2009, 5, 17)), workplace)
    # the membership ended before the month, or starts after its first day
    employ(factory, member(end=date(2026, 2, 28), withdrawal_code=5), workplace, end=date(2026, 2, 28))
    employ(factory, member(start=date(2026, 3, 2)), workplace, start=date(2026, 3, 2))
    # the employment ended before the month, or starts after its first day
    employ(factory, member(), workplace, end=date(2026, 2, 28))
    employ(factory, member(), workplace, start=date(2026, 3, 2))
    # a member of the branch with no employment at all
    member()

    result = services.form_lists(MARCH)

    lines = lines_of(place["employer"], branch)
    assert sorted(line.membership_id for line in lines) == sorted(expected)
    assert all(line.expected and line.origin_period == MARCH and line.status is None for line in lines)
    assert (result.lists_created, result.lines_created, result.lists_existing, result.members_without_rate) == (1, 3, 0, 0)
    deduction_list = list_of(place["employer"], branch)
    assert deduction_list.state == "expected" and deduction_list.expected_count == 3


def test_the_amounts_are_the_members_dues_as_registered(factory, place):
    branch, workplace = place["branch"], place["workplace"]
    under_cap = employ(factory, factory.member(branch), workplace, pay_ore=3_000_000, position_bp=8_000)
    over_cap = employ(factory, factory.member(branch), workplace, pay_ore=4_500_000)
    no_pay = employ(factory, factory.member(branch), workplace, pay_ore=None)
    reserved_member = factory.member(branch)
    employ(factory, reserved_member, workplace, pay_ore=2_000_000)
    home = factory.session.scalars(sa.select(InsurancePeriod).where(
        InsurancePeriod.membership_id == reserved_member.id, InsurancePeriod.kind == "home")).one()
    home.reserved = True
    secondary = employ(factory, factory.member(branch, membership_type="secondary"), workplace, pay_ore=1_000_000)
    factory.session.flush()

    services.form_lists(MARCH)

    by_member = {line.membership_id: line for line in lines_of(place["employer"], branch)}
    got = {key: (line.position_bp, line.pay_basis_ore, line.branch_rate_bp, line.cap_ore, line.expected_dues_ore,
                 line.expected_insurance_ore) for key, line in by_member.items()}
    assert got == {
        under_cap.membership_id: (8_000, 3_000_000, 175, CAP, 52_500, FIXED),  # 1,75 % of 30 000
        over_cap.membership_id: (10_000, 4_500_000, 175, CAP, CAP, FIXED),  # 787,50 capped at 749
        no_pay.membership_id: (10_000, None, 175, CAP, None, FIXED),  # no pay: no percentage part known
        reserved_member.id: (10_000, 2_000_000, 175, CAP, 35_000, 5_100),  # low fixed: 26 + 25
        secondary.membership_id: (10_000, 1_000_000, 175, CAP, 17_500, 0),  # a secondary member: no fixed part
    }
    first = by_member[under_cap.membership_id]
    member = factory.session.get(type(reserved_member), under_cap.membership_id)
    assert (first.national_id, first.member_number, first.name, first.person_id) == (
        member.person.national_id, member.member_number, "Nordmann, Kari", member.person_id)
    deduction_list = list_of(place["employer"], branch)
    assert deduction_list.expected_count == 5
    assert deduction_list.expected_dues_ore == 52_500 + CAP + 35_000 + 17_500
    assert deduction_list.expected_insurance_ore == 4 * FIXED - FIXED + 5_100
    assert deduction_list.expected_total_ore == deduction_list.expected_dues_ore + deduction_list.expected_insurance_ore


def test_one_list_per_employer_and_branch_with_a_valid_unique_kid(factory, place):
    other_branch = factory.branch(place["county"], rate_bp=200)
    other_employer = factory.employer()
    places = [(place["employer"], place["branch"]), (place["employer"], other_branch),
              (other_employer, place["branch"]), (other_employer, other_branch)]
    counts = {}
    for number, (employer, branch) in enumerate(places, start=1):
        # the member's branch decides, not the workplace's
        workplace = factory.workplace(employer, place["branch"])
        for _ in range(number):
            employ(factory, factory.member(branch), workplace)
        counts[(employer.id, branch.id)] = number

    result = services.form_lists(MARCH)

    lists = db.session.scalars(sa.select(DeductionList).where(DeductionList.period == MARCH)).all()
    assert {(item.employer_id, item.branch_id): item.expected_count for item in lists} == counts
    assert (result.lists_created, result.lines_created) == (4, 10)
    assert len({item.kid for item in lists}) == 4
    assert all(is_valid_kid(item.kid) for item in lists)
    # the other branch's rate gives its own cap: 2 % of 42 827,59 = 856,55 → 857 kr
    assert {line.cap_ore for line in lines_of(other_employer, other_branch)} == {85_700}


def test_a_member_with_two_employers_is_on_the_list_of_the_larger_position(factory, place):
    branch, main = place["branch"], place["workplace"]
    second_employer = factory.employer()
    second = factory.workplace(second_employer, branch)
    member = factory.member(branch)
    employ(factory, member, main, position_bp=4_000, pay_ore=1_200_000)
    employ(factory, member, second, position_bp=6_000, pay_ore=1_800_000)
    # two positions at the first employer add up to more than the second's
    other = factory.member(branch)
    employ(factory, other, main, position_bp=3_500, pay_ore=1_000_000)
    employ(factory, other, factory.workplace(place["employer"], branch), position_bp=3_500, pay_ore=1_000_000)
    employ(factory, other, second, position_bp=5_000, pay_ore=1_500_000)

    services.form_lists(MARCH)

    assert [line.membership_id for line in lines_of(second_employer, branch)] == [member.id]
    [line] = lines_of(place["employer"], branch)
    assert line.membership_id == other.id
    assert (line.position_bp, line.pay_basis_ore) == (7_000, 2_000_000)
    # the dues are the member's, of all the pay: 1,75 % of 35 000 = 612,50
    assert line.expected_dues_ore == 61_250
    moved = lines_of(second_employer, branch)[0]
    assert (moved.position_bp, moved.pay_basis_ore, moved.expected_dues_ore) == (6_000, 1_800_000, 52_500)


def test_forming_again_creates_nothing(factory, place):
    for _ in range(3):
        employ(factory, factory.member(place["branch"]), place["workplace"])
    first = services.form_lists(MARCH)
    lists, lines = count(DeductionList), count(DeductionLine)
    deduction_list = list_of(place["employer"], place["branch"])
    kid, formed_at = deduction_list.kid, deduction_list.formed_at

    # a member who comes since does not change the expected list either
    employ(factory, factory.member(place["branch"]), place["workplace"])
    again = services.form_lists(MARCH)

    assert (first.lists_created, first.lines_created) == (1, 3)
    assert (again.lists_created, again.lines_created, again.lists_existing) == (0, 0, 1)
    assert (count(DeductionList), count(DeductionLine)) == (lists, lines)
    db.session.refresh(deduction_list)
    assert (deduction_list.kid, deduction_list.formed_at, deduction_list.expected_count) == (kid, formed_at, 3)
    assert again.message == "0 trekklister dannet for 03.2026 med 0 medlemmer; 1 fantes fra før og ble ikke endret."


def test_a_received_list_is_never_changed_by_forming(factory, place):
    member = employ(factory, factory.member(place["branch"]), place["workplace"])
    employ(factory, factory.member(place["branch"]), place["workplace"])
    services.form_lists(MARCH)
    deduction_list = list_of(place["employer"], place["branch"])
    outcome = services.import_file(factory.user("central"), employer_file(deduction_list, drop={
        deduction_list.lines[0].national_id}))
    assert outcome.ok, outcome.errors
    before = [(line.id, line.status, line.expected) for line in lines_of(place["employer"], place["branch"])]
    assert before[0][1] == "missing"

    factory.session.delete(member)
    factory.session.flush()
    employ(factory, factory.member(place["branch"]), place["workplace"])
    result = services.form_lists(MARCH)

    db.session.expire_all()
    assert [(line.id, line.status, line.expected) for line in lines_of(place["employer"], place["branch"])] == before
    assert list_of(place["employer"], place["branch"]).state == "received"
    assert (result.lists_created, result.lines_created, result.lists_existing) == (0, 0, 1)


def test_a_member_whose_branch_has_no_rate_is_counted_as_left_out(factory, place):
    no_rate = factory.branch(place["county"])
    factory.session.execute(sa.delete(BranchRate).where(BranchRate.branch_id == no_rate.id))
    # a rate that starts after the month counts as none
    late = factory.branch(place["county"])
    factory.session.execute(sa.update(BranchRate).where(BranchRate.branch_id == late.id)
                            .values(valid_from=date(2026, 4, 1)))
    employ(factory, factory.member(no_rate), place["workplace"])
    employ(factory, factory.member(late), place["workplace"])
    employ(factory, factory.member(place["branch"]), place["workplace"])

    result = services.form_lists(MARCH)

    assert (result.lists_created, result.lines_created, result.members_without_rate) == (1, 1, 2)
    assert list_of(place["employer"], no_rate) is None and list_of(place["employer"], late) is None
    assert "2 medlemmer med trekk manglet kontingentkode eller fagforeningssats" in result.message
    assert result.as_dict() == {"period": "2026-03", "lists_created": 1, "lines_created": 1, "lists_existing": 0,
                                "members_without_rate": 2, "message": result.message}


def test_forming_one_list_only_and_an_empty_list(factory, place):
    employ(factory, factory.member(place["branch"]), place["workplace"])
    other = factory.employer()
    employ(factory, factory.member(place["branch"]), factory.workplace(other, place["branch"]))
    nobody = factory.employer()

    result = services.form_lists(MARCH, only=(place["employer"].id, place["branch"].id))
    empty = services.form_lists(MARCH, only=(nobody.id, place["branch"].id))

    assert (result.lists_created, result.lines_created) == (1, 1)
    assert list_of(other, place["branch"]) is None
    assert (empty.lists_created, empty.lines_created) == (1, 0)
    assert list_of(nobody, place["branch"]).expected_count == 0
    assert services.form_lists(MARCH, only=(nobody.id, place["branch"].id)).lists_existing == 1


def test_progress_is_reported_per_chunk(factory, place, monkeypatch):
    monkeypatch.setattr(services, "FORM_CHUNK", 2)
    for _ in range(3):
        employ(factory, factory.member(place["branch"]), factory.workplace(factory.employer(), place["branch"]))
    calls = []
    services.form_lists(MARCH, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(2, 3), (3, 3)]


def test_the_form_job_forms_the_month_and_records_its_result(factory, place):
    employ(factory, factory.member(place["branch"]), place["workplace"])
    row = jobs.submit("lists.form", {"period": "2026-03"}, factory.user("central"))
    db.session.refresh(row)
    assert row.state == "done", row.message
    assert row.outcome["lists_created"] == 1 and row.outcome["lines_created"] == 1
    assert row.message.startswith("1 trekkliste dannet for 03.2026 med 1 medlem;")
    assert list_of(place["employer"], place["branch"]).expected_count == 1


def test_the_form_job_refuses_a_bad_period_with_a_message(factory, app_ctx):
    row = jobs.submit("lists.form", {"period": "2026-13"}, factory.user("central"))
    row = db.session.get(Job, row.id)
    assert row.state == "failed"
    assert "2026-13" in row.message and "periode" in row.message


def test_forming_a_month_before_the_first_rates_is_refused(factory, app_ctx):
    with pytest.raises(services.Refused) as refused:
        services.form_lists(date(2008, 2, 1))
    assert refused.value.field == "period" and "01.03.2008" in refused.value.message


def test_the_form_job_refuses_a_month_before_the_first_rates(factory, app_ctx):
    row = jobs.submit("lists.form", {"period": "2008-02"}, factory.user("central"))
    row = db.session.get(Job, row.id)
    assert row.state == "failed" and "01.03.2008" in row.message
