"""Importing employers' deduction list files (services.import_file) and the comparison it stores.

Three members of a branch at 1,75 % work for one employer; their dues in March 2026 (cap 749 kr, fixed
parts 125 kr): pay 30 000 → 525,00; pay 45 000 → 787,50 capped at 749,00; pay 20 000 → 350,00."""
import random
from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.deviations import services
from models import AuditLog, DeductionLine, DeductionList, Employment, db
from tests.deviations_files import csv_bytes, employer_file, employer_rows, row, xlsx_bytes
from tests.factories import make_national_id, make_orgnr

MARCH = date(2026, 3, 1)


def employ(factory, membership, workplace, pay_ore):
    return factory._add(Employment(membership_id=membership.id, workplace_id=workplace.id, position_bp=10_000,
                                   from_date=date(2015, 1, 1), payment_method="deduction", monthly_pay_ore=pay_ore))


@pytest.fixture
def world(factory, app_ctx):
    """The branch, its employer and three members on a formed March list (the test's session is set
    up before the application context, so that it outlives the application's session)."""
    county = factory.county()
    branch = factory.branch(county)
    employer = factory.employer()
    workplace = factory.workplace(employer, branch)
    members = {}
    for key, first, pay in (("low", "Anne", 3_000_000), ("high", "Bjørn", 4_500_000), ("small", "Cecilie", 2_000_000)):
        members[key] = factory.member(branch, first_name=first, last_name="Hansen")
        employ(factory, members[key], workplace, pay)
    services.form_lists(MARCH)
    return {"county": county, "branch": branch, "employer": employer, "workplace": workplace, "members": members,
            "list": the_list(employer, branch), "central": factory.user("central")}


def the_list(employer, branch, period=MARCH) -> DeductionList | None:
    return db.session.scalar(sa.select(DeductionList).where(
        DeductionList.period == period, DeductionList.employer_id == employer.id, DeductionList.branch_id == branch.id))


def nid(world, key) -> str:
    return world["members"][key].person.national_id


def lines_by_nid(deduction_list) -> dict[str, DeductionLine]:
    db.session.expire_all()
    return {line.national_id: line for line in db.session.scalars(
        sa.select(DeductionLine).where(DeductionLine.list_id == deduction_list.id))}


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (DeductionList, DeductionLine, AuditLog))


def tally(matched=0, missing=0, unexpected=0, amount=0) -> dict[str, int]:
    return {"matched": matched, "missing": missing, "unexpected": unexpected, "amount": amount}


def import_ok(world, data, user=None) -> services.FileImport:
    outcome = services.import_file(user or world["central"], data)
    assert outcome.ok, [str(error) for error in outcome.errors]
    return outcome


def test_a_file_as_expected_matches_every_line(world):
    deduction_list = world["list"]
    outcome = import_ok(world, employer_file(deduction_list))

    [item] = outcome.lists
    assert (item.already, item.counts, item.deduction_list.id) == (False, tally(matched=3), deduction_list.id)
    assert outcome.message == "1 trekkliste mottatt med 3 linjer."
    lines = lines_by_nid(deduction_list)
    assert {line.status for line in lines.values()} == {"matched"}
    low = lines[nid(world, "low")]
    assert (low.reported_dues_ore, low.reported_insurance_ore, low.reported_row, low.reasons) == (52_500, 12_500, 2, None)
    db.session.refresh(deduction_list)
    assert (deduction_list.state, deduction_list.source, deduction_list.reported_count) == ("received", "file", 3)
    assert deduction_list.reported_dues_ore == 52_500 + 74_900 + 35_000
    assert deduction_list.reported_insurance_ore == 3 * 12_500
    assert deduction_list.received_at is not None and len(deduction_list.file_digest) == 64
    audit = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "deduction_list")).one()
    assert audit.action == "import" and audit.entity_id == deduction_list.id
    assert "3 linjer, 0 mangler, 0 ikke forventet, 0 beløpsavvik" in audit.summary


def test_a_member_left_off_the_file_is_missing(world):
    import_ok(world, employer_file(world["list"], drop={nid(world, "small")}))
    lines = lines_by_nid(world["list"])
    small = lines[nid(world, "small")]
    assert small.status == "missing" and small.open
    assert (small.reported_dues_ore, small.reported_insurance_ore, small.reported_row) == (None, None, None)
    assert small.expected_dues_ore == 35_000  # what was expected stays
    assert [line.status for line in lines.values()].count("matched") == 2


def test_a_person_unknown_to_the_register_is_kept_by_national_id_and_name(world):
    stranger = make_national_id(date(1990, 2, 3), random.Random(5))
    extra = row(world["list"], national_id=stranger, last_name="Olsen", first_name="Per", member_number=999_999,
                dues_ore=40_000, insurance_ore=12_500)
    outcome = import_ok(world, employer_file(world["list"], add=[extra]))

    assert outcome.lists[0].counts == tally(matched=3, unexpected=1)
    line = lines_by_nid(world["list"])[stranger]
    assert (line.status, line.expected, line.name, line.member_number) == ("unexpected", False, "Olsen, Per", 999_999)
    assert (line.membership_id, line.person_id) == (None, None)
    assert (line.reported_dues_ore, line.reported_insurance_ore, line.reported_row) == (40_000, 12_500, 5)
    assert line.origin_period == MARCH and line.open


def test_an_unexpected_member_of_the_branch_is_linked_to_the_membership(factory, world):
    # a member of the branch the register does not know works for this employer
    known = factory.member(world["branch"], first_name="Dag", last_name="Berg")
    # a person whose only membership is in another branch is linked too, to that membership
    elsewhere = factory.member(factory.branch(world["county"]), first_name="Eva", last_name="Lie")
    add = [row(world["list"], national_id=known.person.national_id, last_name="Berg", first_name="Dag",
               dues_ore=50_000, insurance_ore=12_500),
           row(world["list"], national_id=elsewhere.person.national_id, last_name="Lie", first_name="Eva",
               member_number=1, dues_ore=50_000, insurance_ore=12_500)]
    import_ok(world, employer_file(world["list"], add=add))

    lines = lines_by_nid(world["list"])
    line = lines[known.person.national_id]
    assert (line.status, line.membership_id, line.person_id, line.member_number) == (
        "unexpected", known.id, known.person_id, known.member_number)
    other = lines[elsewhere.person.national_id]
    assert (other.status, other.membership_id, other.member_number) == ("unexpected", elsewhere.id,
                                                                       elsewhere.member_number)


def test_a_person_with_memberships_in_two_branches_is_linked_to_the_lists_branch(factory, world):
    person = factory.person(first_name="Frida", last_name="Moe")
    other = factory.member(factory.branch(world["county"]), person=person, membership_type="main")
    here = factory.member(world["branch"], person=person, membership_type="secondary")
    import_ok(world, employer_file(world["list"], add=[
        row(world["list"], national_id=person.national_id, last_name="Moe", first_name="Frida", dues_ore=100)]))
    line = lines_by_nid(world["list"])[person.national_id]
    assert line.membership_id == here.id != other.id


@pytest.mark.parametrize("change, reason", [
    # over the cap (749 kr) for the member paid 45 000
    ({"high": {"kontingent": "800,00"}}, "Prosenttrekket 800,00 er over taket 749,00"),
    # the fixed part is not the member's 125 kr
    ({"low": {"forsikring": "100,00"}}, "Forsikringsbeløpet 100,00 er ikke medlemmets 125,00"),
    # 1,75 % of the reported pay basis 30 000 is 525,00, not 500,00
    ({"low": {"trekkgrunnlag": "30 000,00", "kontingent": "500,00"}},
     "Prosenttrekket 500,00 er ikke 1,75 % av trekkgrunnlaget 30 000,00 (525,00)"),
    # 1,75 % of 50 000 is 875,00, capped at 749,00
    ({"high": {"trekkgrunnlag": "50000", "kontingent": "700"}},
     "Prosenttrekket 700,00 er ikke 1,75 % av trekkgrunnlaget 50 000,00 (875,00, begrenset til taket 749,00)"),
])
def test_amount_deviations(world, change, reason):
    key = next(iter(change))
    import_ok(world, employer_file(world["list"], change={nid(world, key): change[key]}))
    lines = lines_by_nid(world["list"])
    line = lines[nid(world, key)]
    assert line.status == "amount" and line.open
    assert line.reason_list == [reason]
    assert [other.status for other in lines.values()].count("matched") == 2


@pytest.mark.parametrize("cells", [
    {"kontingent": "525,99"},  # within 1 kr of 525,00
    {"kontingent": "524,00", "forsikring": "126,00"},  # 1 kr off on each side
    {"trekkgrunnlag": "30 000", "kontingent": "526,00"},  # within 1 kr of 1,75 % of the pay basis
    {"trekkgrunnlag": "28 000", "kontingent": "490,00"},  # a pay basis other than registered: its own 1,75 %
    {"kontingent": "600,00"},  # no pay basis: only the cap is checked
])
def test_within_the_tolerance_or_rules_is_matched(world, cells):
    outcome = import_ok(world, employer_file(world["list"], change={nid(world, "low"): cells}))
    assert outcome.lists[0].counts == tally(matched=3)


def test_just_over_the_tolerance_is_an_amount_deviation(world):
    outcome = import_ok(world, employer_file(world["list"], change={
        nid(world, "low"): {"trekkgrunnlag": "30 000", "kontingent": "526,01"}}))
    assert outcome.lists[0].counts == tally(matched=2, amount=1)


def test_a_mistyped_national_id_is_matched_by_member_number(world):
    member = world["members"]["low"]
    wrong = make_national_id(date(1981, 6, 18), random.Random(9))
    outcome = import_ok(world, employer_file(world["list"], change={
        member.person.national_id: {"fodselsnummer": wrong, "medlemsnummer": member.member_number}}))
    assert outcome.lists[0].counts == tally(matched=3)
    lines = lines_by_nid(world["list"])
    assert wrong not in lines
    assert lines[member.person.national_id].status == "matched"


def test_the_same_file_twice_changes_nothing_the_second_time(world):
    data = employer_file(world["list"], drop={nid(world, "small")})
    import_ok(world, data)
    before = counts()
    statuses = {key: line.status for key, line in lines_by_nid(world["list"]).items()}

    again = import_ok(world, data)

    assert again.already and again.lists[0].already
    assert again.message == "Filen er allerede importert. Ingenting er endret."
    assert counts() == before
    assert {key: line.status for key, line in lines_by_nid(world["list"]).items()} == statuses


def test_the_same_lines_in_another_order_or_as_xlsx_count_as_the_same(world):
    rows = employer_rows(world["list"])
    import_ok(world, csv_bytes(rows))
    before = counts()
    for data in (csv_bytes(list(reversed(rows)), separator=","), csv_bytes(rows, encoding="cp1252"),
                 xlsx_bytes(rows[1:] + rows[:1])):
        outcome = import_ok(world, data)
        assert outcome.already, outcome.message
    assert counts() == before


def test_another_file_for_a_received_list_is_refused_with_a_row_error(world):
    import_ok(world, employer_file(world["list"]))
    before = counts()

    outcome = services.import_file(world["central"], employer_file(world["list"], change={
        nid(world, "low"): {"kontingent": "1,00"}}))

    assert not outcome.ok and outcome.lists == []
    [error] = outcome.errors
    assert (error.row, error.column) == (2, "periode")
    assert "allerede mottatt" in error.message and "andre linjer" in error.message
    assert outcome.message == "Filen ble avvist med 1 feil. Ingenting er lagret."
    assert counts() == before
    assert {line.status for line in lines_by_nid(world["list"]).values()} == {"matched"}


def test_one_bad_line_among_3000_refuses_the_whole_file(factory, app_ctx):
    employer, branch = factory.employer(), factory.branch()
    rng = random.Random(1)
    national_ids = set()
    while len(national_ids) < 3000:
        national_ids.add(make_national_id(date(1960 + rng.randrange(40), rng.randrange(1, 13), rng.randrange(1, 29)), rng))
    target = type("Target", (), {"period": MARCH, "employer": employer, "branch": branch})
    rows = [row(target, national_id=number, dues_ore=50_000, insurance_ore=12_500) for number in sorted(national_ids)]
    rows[1776]["kontingent"] = "fem hundre"
    before = counts()

    outcome = services.import_file(factory.user("central"), csv_bytes(rows))

    assert not outcome.ok and outcome.lists == []
    [error] = outcome.errors
    assert (error.row, error.column) == (1778, "kontingent")  # the header is row 1
    assert "fem hundre" in error.message
    assert counts() == before
    assert the_list(employer, branch) is None

    rows[1776]["kontingent"] = "500,00"
    outcome = services.import_file(factory.user("central"), csv_bytes(rows))
    assert outcome.ok and outcome.lists[0].counts == tally(unexpected=3000)
    assert the_list(employer, branch).reported_count == 3000


def test_unknown_employer_or_branch_is_refused(factory, world):
    stranger = make_national_id(date(1970, 1, 1), random.Random(3))
    unknown_employer = type("Target", (), {"period": MARCH, "employer": type("E", (), {"orgnr": make_orgnr(
        random.Random(77))}), "branch": world["branch"]})
    unknown_branch = type("Target", (), {"period": MARCH, "employer": world["employer"],
                                         "branch": type("B", (), {"number": 4})})
    data = csv_bytes(employer_rows(world["list"]) + [
        row(unknown_employer, national_id=stranger, dues_ore=100),
        row(unknown_branch, national_id=stranger, dues_ore=100),
    ])
    before = counts()

    outcome = services.import_file(world["central"], data)

    assert [(error.row, error.column) for error in outcome.errors] == [(5, "orgnr"), (6, "avdeling")]
    assert "finnes ikke i registeret" in outcome.errors[0].message
    assert "Fagforening nummer 4 finnes ikke" in outcome.errors[1].message
    assert outcome.lists == [] and counts() == before
    assert the_list(world["employer"], world["branch"]).state == "expected"


@pytest.mark.parametrize("role", ["branch", "county"])
def test_only_the_central_registry_loads_an_employers_file(factory, world, role):
    """Matching a file's identity numbers across the register is the central registry's (a branch that
    could load any file could probe who is a member where), even for the branch's own list."""
    user = factory.user(role, branches=[world["branch"]] if role == "branch" else [],
                        counties=[world["county"]] if role == "county" else [])
    before = counts()
    with pytest.raises(services.Refused, match="Bare Medlemsregisteret"):
        services.import_file(user, employer_file(world["list"]))
    assert counts() == before and the_list(world["employer"], world["branch"]).state == "expected"


def test_a_month_before_the_first_rates_is_refused_with_a_row_error(world):
    old = type("Target", (), {"period": date(2007, 12, 1), "employer": world["employer"], "branch": world["branch"]})
    before = counts()
    outcome = services.import_file(world["central"], csv_bytes(employer_rows(world["list"]) + [
        row(old, national_id=nid(world, "low"), dues_ore=100)]))
    assert [(error.row, error.column) for error in outcome.errors] == [(5, "periode")]
    assert "ingen satser for 01.12.2007" in outcome.errors[0].message
    assert counts() == before


def test_a_list_not_formed_before_is_formed_at_import(factory, world):
    april = date(2026, 4, 1)
    target = type("Target", (), {"period": april, "employer": world["employer"], "branch": world["branch"]})
    rows = [row(target, national_id=nid(world, "low"), dues_ore=52_500, insurance_ore=12_500),
            row(target, national_id=nid(world, "high"), dues_ore=74_900, insurance_ore=12_500)]
    assert the_list(world["employer"], world["branch"], april) is None

    outcome = import_ok(world, csv_bytes(rows))

    deduction_list = the_list(world["employer"], world["branch"], april)
    assert outcome.lists[0].deduction_list.id == deduction_list.id
    assert (deduction_list.state, deduction_list.expected_count) == ("received", 3)
    assert outcome.lists[0].counts == tally(matched=2, missing=1)
    assert lines_by_nid(deduction_list)[nid(world, "small")].status == "missing"
    # March is untouched
    assert the_list(world["employer"], world["branch"]).state == "expected"


def test_a_file_with_a_new_list_and_one_imported_before(factory, world):
    import_ok(world, employer_file(world["list"]))
    april = type("Target", (), {"period": date(2026, 4, 1), "employer": world["employer"], "branch": world["branch"]})
    rows = employer_rows(world["list"]) + [row(april, national_id=nid(world, "low"), dues_ore=52_500,
                                                insurance_ore=12_500)]
    outcome = import_ok(world, csv_bytes(rows))
    assert [item.already for item in outcome.lists] == [True, False]
    assert outcome.message == "1 trekkliste mottatt med 1 linje. 1 var allerede importert og ble ikke endret."
    data = outcome.as_dict()
    assert data["ok"] and data["errors"] == []
    assert [(item["period"], item["already_imported"], item["rows"], item["counts"]) for item in data["lists"]] == [
        ("2026-03", True, 3, {}), ("2026-04", False, 1, tally(matched=1, missing=2))]


def test_a_damaged_file_is_refused_without_a_stack_trace(world):
    before = counts()
    for data in (b"", b"PK\x03\x04 not a zip", b"periode;orgnr\n2026-03;1\n"):
        outcome = services.import_file(world["central"], data)
        assert not outcome.ok and outcome.errors and outcome.lists == []
        assert all(error.message for error in outcome.errors)
    assert counts() == before
