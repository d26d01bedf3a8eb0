"""Handling deviations (services.resolve): what each action changes in the register and on the list,
the audit rows, and the refusals that change nothing.

The March 2026 list of one employer for one branch, received from a file with:
- "gone": expected, left off the file (missing);
- "over": expected, reported 800 kr, over the cap of 749 kr (amount);
- "fine": expected and reported as expected (matched);
- "stranger": a person the register does not know (unexpected);
- "known": a member of the branch not expected at this employer (unexpected, linked)."""
import random
from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.deviations import queries, services
from models import (
    AuditLog,
    DeductionLine,
    DeductionList,
    DuesCodePeriod,
    Employment,
    Membership,
    db,
)
from tests.deviations_files import employer_file, row
from tests.factories import make_national_id

MARCH, APRIL, MAY = date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)
START = date(2015, 1, 1)


@pytest.fixture
def world(factory, app_ctx):
    """(The test's session is set up before the application context, so that it outlives the
    application's session.)"""
    county = factory.county()
    branch = factory.branch(county)
    employer = factory.employer(name="Sykehuset AS")
    workplace = factory.workplace(employer, branch, name="Sengepost 3")
    other_employer = factory.employer(name="Kommunen")
    other_workplace = factory.workplace(other_employer, branch, name="Rådhuset")
    members = {}
    for key, first in (("gone", "Anne"), ("over", "Bjørn"), ("fine", "Cecilie")):
        members[key] = factory.member(branch, first_name=first, last_name="Hansen")
        factory._add(Employment(membership_id=members[key].id, workplace_id=workplace.id, from_date=START,
                                position_bp=10_000, payment_method="deduction", monthly_pay_ore=4_500_000))
    members["known"] = factory.member(branch, first_name="Dag", last_name="Berg")
    stranger = make_national_id(date(1991, 4, 5), random.Random(11))
    services.form_lists(MARCH)
    deduction_list = list_of(employer, branch)
    data = employer_file(deduction_list, drop={members["gone"].person.national_id}, change={
        members["over"].person.national_id: {"kontingent": "800,00"}}, add=[
        row(deduction_list, national_id=stranger, last_name="Olsen", first_name="Per", dues_ore=60_000,
            insurance_ore=12_500),
        row(deduction_list, national_id=members["known"].person.national_id, last_name="Berg", first_name="Dag",
            dues_ore=50_000, insurance_ore=12_500)])
    central = factory.user("central")
    outcome = services.import_file(central, data)
    assert outcome.ok, outcome.errors
    return {"branch": branch, "employer": employer, "workplace": workplace, "other_employer": other_employer,
            "other_workplace": other_workplace, "members": members, "stranger": stranger, "list": deduction_list,
            "officer": factory.user("branch", branches=[branch]), "central": central}


def list_of(employer, branch, period=MARCH) -> DeductionList | None:
    return db.session.scalar(sa.select(DeductionList).where(
        DeductionList.period == period, DeductionList.employer_id == employer.id, DeductionList.branch_id == branch.id))


def line(world, key, period=MARCH) -> DeductionLine:
    national_id = world["stranger"] if key == "stranger" else world["members"][key].person.national_id
    deduction_list = list_of(world["employer"], world["branch"], period)
    return db.session.scalar(
        sa.select(DeductionLine).where(DeductionLine.list_id == deduction_list.id,
                                       DeductionLine.national_id == national_id)
        .order_by(DeductionLine.id).options(*queries.line_options()))


def employments(membership) -> list[tuple]:
    return [(e.workplace_id, e.position_bp, e.monthly_pay_ore, e.from_date, e.to_date, e.payment_method)
            for e in db.session.scalars(sa.select(Employment).where(Employment.membership_id == membership.id)
                                        .order_by(Employment.from_date, Employment.id))]


def codes(membership) -> list[tuple]:
    return [(p.code, p.from_date, p.to_date) for p in db.session.scalars(
        sa.select(DuesCodePeriod).where(DuesCodePeriod.membership_id == membership.id)
        .order_by(DuesCodePeriod.from_date))]


def audit(entity=None) -> list[AuditLog]:
    query = sa.select(AuditLog).order_by(AuditLog.id)
    if entity:
        query = query.where(AuditLog.entity == entity)
    return db.session.scalars(query).all()


def snapshot(world) -> tuple:
    """Everything an action might change, read from the database."""
    db.session.expire_all()
    lines = db.session.execute(sa.select(DeductionLine.id, DeductionLine.list_id, DeductionLine.membership_id,
                                         DeductionLine.resolution, DeductionLine.note).order_by(DeductionLine.id)).all()
    lists = db.session.execute(sa.select(DeductionList.id, DeductionList.state).order_by(DeductionList.id)).all()
    register = [(employments(m), codes(m)) for m in world["members"].values()]
    versions = db.session.execute(sa.select(Membership.id, Membership.version).order_by(Membership.id)).all()
    return lines, lists, register, versions, len(audit())


def resolved(world, key, action, data=None, user="officer") -> DeductionLine:
    target = line(world, key)
    services.resolve(world[user], target, action, data or {})
    return target


def assert_handled(world, target, resolution, text):
    assert (target.resolution, target.resolution_text) == (resolution, text)
    assert target.resolved_by == world["officer"].id and target.resolved_at is not None
    assert not target.open
    assert list_of(world["employer"], world["branch"]).state == "in_progress"
    row = audit("deduction_line")[-1]
    assert (row.entity_id, row.user_id, row.person_id) == (target.id, world["officer"].id, target.person_id)
    assert text in row.summary and f'"resolution": [null, "{resolution}"]' in row.changes


def test_the_world_has_each_kind_of_line(world):
    statuses = {key: line(world, key).status for key in ("gone", "over", "fine", "stranger", "known")}
    assert statuses == {"gone": "missing", "over": "amount", "fine": "matched", "stranger": "unexpected",
                        "known": "unexpected"}
    assert list_of(world["employer"], world["branch"]).state == "received"


def test_accepted_changes_only_the_line(world):
    before = snapshot(world)
    target = resolved(world, "over", "accepted", {"note": "Lønnstillegg i mars"})
    assert_handled(world, target, "accepted", "Beløpet godtatt")
    assert target.note == "Lønnstillegg i mars"
    after = snapshot(world)
    assert after[2:4] == before[2:4]  # the register and the memberships' versions are untouched


def test_accepted_is_refused_for_a_person_who_is_not_a_member(world):
    with pytest.raises(services.Refused) as refused:
        resolved(world, "stranger", "accepted")
    assert refused.value.field is None and "ikke medlem" in refused.value.message


@pytest.mark.parametrize("last_day", [date(2026, 2, 28), date(2026, 3, 15)])
def test_employment_ended_ends_the_employment_on_the_day(world, last_day):
    """Also on a day before the list's month: the member left before the list was formed."""
    member = world["members"]["gone"]
    version = member.version
    target = resolved(world, "gone", "employment_ended", {"date": last_day})

    assert employments(member) == [(world["workplace"].id, 10_000, 4_500_000, START, last_day, "deduction")]
    assert_handled(world, target, "employment_ended", f"Arbeidsforholdet hos Sykehuset AS avsluttet {last_day:%d.%m.%Y}")
    employment_audit = audit("employment")[-1]
    assert employment_audit.person_id == member.person_id and f"avsluttet {last_day:%d.%m.%Y}" in employment_audit.summary
    assert db.session.get(Membership, member.id).version > version  # a form opened on the card before is stale


def test_employment_ended_ends_the_row_in_force_on_the_day_not_an_earlier_one(factory, world):
    member = world["members"]["gone"]
    first = factory.session.scalars(sa.select(Employment).where(Employment.membership_id == member.id)).one()
    first.to_date = date(2026, 3, 9)
    factory._add(Employment(membership_id=member.id, workplace_id=world["workplace"].id, from_date=date(2026, 3, 10),
                            position_bp=5_000, payment_method="deduction", monthly_pay_ore=2_250_000))
    resolved(world, "gone", "employment_ended", {"date": date(2026, 3, 20)})
    assert [(e[3], e[4]) for e in employments(member)] == [(START, date(2026, 3, 9)),
                                                            (date(2026, 3, 10), date(2026, 3, 20))]


@pytest.mark.parametrize("data, field, words", [
    ({}, "date", "Skriv en dato"),
    ({"date": "2026-02-28"}, "date", "Skriv en dato"),
    ({"date": date(2014, 12, 31)}, "date", "begynner 01.01.2015, etter datoen"),
])
def test_employment_ended_refuses_bad_dates_and_changes_nothing(world, data, field, words):
    before = snapshot(world)
    with pytest.raises(services.Refused) as refused:
        resolved(world, "gone", "employment_ended", data)
    assert refused.value.field == field and words in refused.value.message
    assert snapshot(world) == before


def test_employment_ended_refuses_a_day_after_the_employment_ended(factory, world):
    member = world["members"]["gone"]
    factory.session.scalars(sa.select(Employment).where(Employment.membership_id == member.id)).one().to_date = \
        date(2026, 2, 10)
    factory.session.flush()
    before = snapshot(world)
    with pytest.raises(services.Refused) as refused:
        resolved(world, "gone", "employment_ended", {"date": date(2026, 2, 28)})
    assert refused.value.field == "date" and "ikke noe arbeidsforhold hos Sykehuset AS 28.02.2026" in refused.value.message
    assert snapshot(world) == before


def test_employment_ended_refuses_when_a_later_employment_starts_after_the_day(factory, world):
    member = world["members"]["gone"]
    factory.session.scalars(sa.select(Employment).where(Employment.membership_id == member.id)).one().to_date = \
        date(2026, 3, 9)
    factory._add(Employment(membership_id=member.id, workplace_id=world["workplace"].id, from_date=date(2026, 3, 10),
                            position_bp=5_000, payment_method="deduction"))
    before = snapshot(world)
    with pytest.raises(services.Refused) as refused:
        resolved(world, "gone", "employment_ended", {"date": date(2026, 3, 5)})
    assert refused.value.field == "date" and "begynner 10.03.2026" in refused.value.message
    assert snapshot(world) == before


def test_moved_ends_the_employment_and_starts_one_at_the_other_employer(world):
    member = world["members"]["gone"]
    target = resolved(world, "gone", "moved", {"date": MARCH, "workplace": world["other_workplace"]})

    assert employments(member) == [
        (world["workplace"].id, 10_000, 4_500_000, START, date(2026, 2, 28), "deduction"),
        (world["other_workplace"].id, 10_000, 4_500_000, MARCH, None, "deduction"),
    ]
    assert_handled(world, target, "moved", "Flyttet til Kommunen (Rådhuset) fra 01.03.2026")
    moved_from, moved_to = world["workplace"].id, world["other_workplace"].id
    assert f'"workplace": [{moved_from}, {moved_to}]' in audit("employment")[-1].changes


def test_moved_on_the_employments_first_day_corrects_the_row(factory, world):
    member = world["members"]["gone"]
    factory.session.scalars(sa.select(Employment).where(Employment.membership_id == member.id)).one().from_date = \
        date(2026, 2, 1)
    factory.session.flush()
    resolved(world, "gone", "moved", {"date": date(2026, 2, 1), "workplace": world["other_workplace"]})
    assert employments(member) == [(world["other_workplace"].id, 10_000, 4_500_000, date(2026, 2, 1), None, "deduction")]


@pytest.mark.parametrize("data, field", [
    ({"date": MARCH}, "orgnr"),
    ({"date": MARCH, "workplace": "Rådhuset"}, "orgnr"),
    ({"workplace": "other"}, "date"),
    ({"date": date(2014, 1, 1), "workplace": "other"}, "date"),
    ({"date": MARCH, "workplace": "same"}, "orgnr"),
])
def test_moved_refuses_bad_input_and_changes_nothing(world, data, field):
    data = dict(data)
    if data.get("workplace") == "other":
        data["workplace"] = world["other_workplace"]
    elif data.get("workplace") == "same":
        data["workplace"] = world["workplace"]
    before = snapshot(world)
    with pytest.raises(services.Refused) as refused:
        resolved(world, "gone", "moved", data)
    assert refused.value.field == field
    assert snapshot(world) == before


def test_dues_code_closes_the_code_and_opens_the_new_one(world):
    member = world["members"]["gone"]
    target = resolved(world, "gone", "dues_code", {"code": "A", "date": MARCH})
    assert codes(member) == [("Y", START, date(2026, 2, 28)), ("A", MARCH, None)]
    assert_handled(world, target, "dues_code", "Kontingentkode A fra 01.03.2026")
    assert '"dues_code": ["Y", "A"]' in audit("membership")[-1].changes


@pytest.mark.parametrize("data, field, words", [
    ({"code": "W", "date": MARCH}, "code", "A, L, O, M, U eller P"),
    ({"code": "Y", "date": MARCH}, "code", "A, L, O, M, U eller P"),
    ({"code": None, "date": MARCH}, "code", "A, L, O, M, U eller P"),
    ({"code": "L"}, "date", "Skriv en dato"),
    ({"code": "L", "date": date(2014, 12, 31)}, "from_date", "01.01.2015"),
])
def test_dues_code_refuses_bad_input_and_changes_nothing(world, data, field, words):
    before = snapshot(world)
    with pytest.raises(services.Refused) as refused:
        resolved(world, "gone", "dues_code", data)
    assert refused.value.field == field and words in refused.value.message
    assert snapshot(world) == before


def test_leave_gives_code_o(world):
    member = world["members"]["gone"]
    target = resolved(world, "gone", "leave", {"date": date(2026, 2, 15)})
    assert codes(member) == [("Y", START, date(2026, 2, 14)), ("O", date(2026, 2, 15), None)]
    assert_handled(world, target, "leave", "Permisjon uten lønn (kode O) fra 15.02.2026")


def test_position_starts_a_new_employment_row_with_the_percentage_and_pay(world):
    member = world["members"]["over"]
    target = resolved(world, "over", "position", {"date": MARCH, "position_bp": 8_000, "monthly_pay_ore": 4_000_000})
    assert employments(member) == [
        (world["workplace"].id, 10_000, 4_500_000, START, date(2026, 2, 28), "deduction"),
        (world["workplace"].id, 8_000, 4_000_000, MARCH, None, "deduction"),
    ]
    assert_handled(world, target, "position", "Stillingsprosent 80 % fra 01.03.2026, lønn 40 000,00 kr")
    changes = audit("employment")[-1].changes
    assert '"position": [10000, 8000]' in changes and '"monthly_pay": [4500000, 4000000]' in changes


def test_position_without_pay_keeps_the_pay(world):
    member = world["members"]["over"]
    target = resolved(world, "over", "position", {"date": MARCH, "position_bp": 5_050})
    assert employments(member)[-1] == (world["workplace"].id, 5_050, 4_500_000, MARCH, None, "deduction")
    assert target.resolution_text == "Stillingsprosent 50,5 % fra 01.03.2026"


@pytest.mark.parametrize("data, field", [
    ({"date": MARCH}, "position"),
    ({"date": MARCH, "position_bp": 0}, "position"),
    ({"date": MARCH, "position_bp": 10_001}, "position"),
    ({"date": MARCH, "position_bp": True}, "position"),
    ({"date": MARCH, "position_bp": 10_000}, "position"),  # what is registered already
    ({"date": MARCH, "position_bp": 8_000, "monthly_pay_ore": -1}, "monthly_pay"),
    ({"position_bp": 8_000}, "date"),
    ({"date": date(2014, 1, 1), "position_bp": 8_000}, "date"),
])
def test_position_refuses_bad_input_and_changes_nothing(world, data, field):
    before = snapshot(world)
    with pytest.raises(services.Refused) as refused:
        resolved(world, "over", "position", data)
    assert refused.value.field == field and refused.value.message
    assert snapshot(world) == before


def test_not_member_changes_nothing_but_the_line(world):
    before = snapshot(world)
    target = resolved(world, "stranger", "not_member")
    assert_handled(world, target, "not_member", "Ikke medlem: arbeidsgiveren skal refundere 725,00 kr")
    assert target.membership_id is None
    assert snapshot(world)[2:4] == before[2:4]


def test_not_member_is_only_for_an_unexpected_person(world):
    with pytest.raises(services.Refused):
        resolved(world, "gone", "not_member")


def test_new_member_is_refused_until_the_person_is_enrolled_then_linked(factory, world):
    before = snapshot(world)
    with pytest.raises(services.Refused) as refused:
        resolved(world, "stranger", "new_member")
    assert "ikke innmeldt ennå" in refused.value.message
    assert snapshot(world) == before

    enrolled = factory.member(world["branch"], national_id=world["stranger"], first_name="Per", last_name="Olsen",
                              start=date(2026, 5, 10))
    target = resolved(world, "stranger", "new_member")
    assert (target.membership_id, target.person_id, target.member_number) == (
        enrolled.id, enrolled.person_id, enrolled.member_number)
    assert target.membership.id == enrolled.id
    assert_handled(world, target, "new_member", f"Innmeldt som nytt medlem, medlemsnr. {enrolled.member_number}")


def test_new_member_is_only_for_an_unexpected_person(world):
    with pytest.raises(services.Refused):
        resolved(world, "over", "new_member")


def test_carried_copies_the_line_to_next_months_list_formed_for_it(world):
    assert list_of(world["employer"], world["branch"], APRIL) is None
    source = resolved(world, "gone", "carried", {"note": "Venter på svar fra lønningskontoret"})

    assert_handled(world, source, "carried", "Overført til 04.2026")
    april = list_of(world["employer"], world["branch"], APRIL)
    assert april.state == "expected" and april.expected_count == 3  # formed from the register
    copy = db.session.scalars(sa.select(DeductionLine).where(DeductionLine.carried_from_id == source.id)).one()
    assert copy.list_id == april.id
    assert (copy.status, copy.expected, copy.resolution, copy.open) == ("missing", False, None, True)
    assert (copy.membership_id, copy.national_id, copy.name) == (source.membership_id, source.national_id, source.name)
    assert (copy.expected_dues_ore, copy.expected_insurance_ore) == (source.expected_dues_ore,
                                                                     source.expected_insurance_ore)
    assert copy.origin_period == MARCH and copy.age_months(APRIL) == 1
    assert copy.note == "Venter på svar fra lønningskontoret"
    assert copy.carried_from.id == source.id

    # carried again from April: it keeps the month it was found in
    services.resolve(world["officer"], db.session.get(DeductionLine, copy.id), "carried", {"note": "Fortsatt ikke svar"})
    again = db.session.scalars(sa.select(DeductionLine).where(DeductionLine.carried_from_id == copy.id)).one()
    assert again.list_id == list_of(world["employer"], world["branch"], MAY).id
    assert again.origin_period == MARCH and again.age_months(MAY) == 2


def test_carried_to_a_list_that_exists_and_the_amount_line(world):
    services.form_lists(APRIL)
    april = list_of(world["employer"], world["branch"], APRIL)
    lines_before = len(april.lines)
    source = resolved(world, "over", "carried", {"note": "Sjekkes i april"})
    db.session.expire_all()
    assert len(april.lines) == lines_before + 1
    copy = april.lines[-1]
    assert (copy.carried_from_id, copy.status, copy.reported_dues_ore, copy.reason_list) == (
        source.id, "amount", 80_000, source.reason_list)


def test_carried_is_refused_without_a_note(world):
    before = snapshot(world)
    for data in ({}, {"note": "   "}):
        with pytest.raises(services.Refused) as refused:
            resolved(world, "gone", "carried", data)
        assert refused.value.field == "note"
    assert snapshot(world) == before
    assert list_of(world["employer"], world["branch"], APRIL) is None


def test_carried_is_refused_when_next_months_list_is_posted(world):
    services.form_lists(APRIL)
    april = list_of(world["employer"], world["branch"], APRIL)
    assert services.import_file(world["central"], employer_file(april)).ok
    services.post(world["central"], april)
    before = snapshot(world)
    with pytest.raises(services.Refused) as refused:
        resolved(world, "gone", "carried", {"note": "Venter"})
    assert "04.2026 er allerede framført" in refused.value.message
    assert snapshot(world) == before


def test_nothing_can_be_done_on_a_posted_list(world):
    for key, action in (("gone", "employment_ended"), ("over", "accepted"), ("stranger", "not_member"),
                        ("known", "accepted")):
        resolved(world, key, action, {"date": date(2026, 2, 28)})
    services.post(world["officer"], list_of(world["employer"], world["branch"]))
    before = snapshot(world)
    with pytest.raises(services.Refused) as refused:
        resolved(world, "over", "position", {"date": MARCH, "position_bp": 5_000})
    assert "framført" in refused.value.message
    with pytest.raises(services.Refused) as refused:
        services.set_note(world["officer"], line(world, "fine"), "for sent")
    assert refused.value.field == "note"
    assert snapshot(world) == before


def test_a_line_without_deviation_or_already_handled_is_refused(world):
    with pytest.raises(services.Refused) as refused:
        resolved(world, "fine", "accepted")
    assert "ikke noe avvik" in refused.value.message
    resolved(world, "over", "accepted")
    before = snapshot(world)
    with pytest.raises(services.Refused) as refused:
        resolved(world, "over", "position", {"date": MARCH, "position_bp": 5_000})
    assert "allerede behandlet: Beløpet godtatt" in refused.value.message
    assert snapshot(world) == before


def test_an_unknown_action_is_refused(world):
    with pytest.raises(services.Refused) as refused:
        resolved(world, "over", "delete")
    assert refused.value.field == "action"


def test_a_refusal_half_way_undoes_what_was_changed(factory, world, monkeypatch):
    """Two employments at the employer: the second one's end is refused after the first was ended."""
    member = world["members"]["gone"]
    factory._add(Employment(membership_id=member.id, workplace_id=world["workplace"].id, from_date=date(2020, 1, 1),
                            position_bp=2_000, payment_method="deduction"))
    db.session.expire_all()
    before = snapshot(world)
    real = services.changes.end_employment
    calls = []

    def end_then_refuse(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise services.Refused("date", "Nei.")
        real(*args, **kwargs)

    monkeypatch.setattr(services.changes, "end_employment", end_then_refuse)
    with pytest.raises(services.Refused):
        resolved(world, "gone", "employment_ended", {"date": date(2026, 2, 28)})
    assert len(calls) == 2
    assert snapshot(world) == before


def test_the_state_moves_to_in_progress_once_and_each_action_is_audited(world):
    resolved(world, "over", "accepted")
    resolved(world, "stranger", "not_member")
    rows = audit("deduction_line")
    assert len(rows) == 2
    assert '"state": ["received", "in_progress"]' in rows[0].changes
    assert '"state"' not in rows[1].changes


def test_set_note_keeps_a_note_and_audits_it(world):
    target = line(world, "fine")
    services.set_note(world["officer"], target, "  Ringt lønningskontoret  ")
    assert target.note == "Ringt lønningskontoret" and target.resolution is None
    row = audit("deduction_line")[-1]
    assert row.entity_id == target.id and '"note": [null, "Ringt lønningskontoret"]' in row.changes
    services.set_note(world["officer"], target, "")
    assert target.note is None
