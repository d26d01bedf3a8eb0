"""models.changes: the dues code and employment changes that the member card and the handling of
deduction list deviations share. Each closes the open row and opens the next, audits, and gives the
membership a new version; a refusal names its form field and changes nothing."""
import json
from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditLog, DuesCodePeriod, Employment, Membership, changes, db

START = date(2015, 1, 1)


@pytest.fixture
def member(factory, app_ctx) -> Membership:
    """A working member with one employment (the test's session outlives the application's)."""
    employer = factory.employer(name="Sykehuset AS")
    workplace = factory.workplace(employer, name="Sengepost 3")
    membership = factory.member(workplace=workplace)
    return db.session.get(Membership, membership.id)


def code_rows(membership) -> list[tuple]:
    return [(p.code, p.from_date, p.to_date) for p in db.session.scalars(
        sa.select(DuesCodePeriod).where(DuesCodePeriod.membership_id == membership.id)
        .order_by(DuesCodePeriod.from_date))]


def employment_rows(membership) -> list[tuple]:
    return [(e.workplace_id, e.position_bp, e.monthly_pay_ore, e.from_date, e.to_date) for e in db.session.scalars(
        sa.select(Employment).where(Employment.membership_id == membership.id)
        .order_by(Employment.from_date, Employment.id))]


def last_audit() -> AuditLog | None:
    return db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id.desc()).limit(1)).first()


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))


def test_change_dues_code_closes_the_open_period_and_audits(factory, member):
    version = member.version
    user = factory.user("branch")
    period = changes.change_dues_code("branch", member, "L", date(2026, 3, 1), "avvik på trekkliste", user=user)
    db.session.flush()
    assert (period.code, period.from_date, period.to_date) == ("L", date(2026, 3, 1), None)
    assert code_rows(member) == [("Y", START, date(2026, 2, 28)), ("L", date(2026, 3, 1), None)]
    row = last_audit()
    assert (row.entity, row.entity_id, row.person_id, row.user_id) == ("membership", member.id, member.person_id, user.id)
    assert row.summary == f"Kontingentkode endret fra Y til L fra 01.03.2026 (medlemsnr. {member.member_number})"
    assert json.loads(row.changes) == {"dues_code": ["Y", "L"], "from_date": ["2015-01-01", "2026-03-01"],
                                       "note": [None, "avvik på trekkliste"]}
    assert member.version == version + 1


def test_change_dues_code_on_the_periods_first_day_corrects_it(member):
    changes.change_dues_code("branch", member, "A", START)
    db.session.flush()
    assert code_rows(member) == [("A", START, None)]


@pytest.mark.parametrize("role, code, from_date, field, words", [
    ("branch", "X", date(2026, 3, 1), "code", "Velg en kontingentkode"),
    ("branch", "Y", date(2026, 3, 1), "code", "allerede kode Y"),
    ("branch", "W", date(2026, 3, 1), "code", "Bare Medlemsregisteret"),
    ("branch", "L", date(2014, 12, 31), "from_date", "01.01.2015"),
])
def test_change_dues_code_refusals_name_the_field_and_change_nothing(member, role, code, from_date, field, words):
    audits, version = audit_count(), member.version
    with pytest.raises(changes.Refused) as refused:
        changes.change_dues_code(role, member, code, from_date)
    assert refused.value.field == field and words in refused.value.message
    assert refused.value.message == str(refused.value)
    db.session.flush()
    assert code_rows(member) == [("Y", START, None)]
    assert (audit_count(), member.version) == (audits, version)


def test_central_may_set_w(member):
    changes.change_dues_code("central", member, "W", date(2026, 3, 1))
    db.session.flush()
    assert code_rows(member)[-1] == ("W", date(2026, 3, 1), None)


def test_change_dues_code_without_an_open_period_is_refused(member):
    member.current_dues_code.to_date = date(2020, 1, 1)
    db.session.flush()
    with pytest.raises(changes.Refused) as refused:
        changes.change_dues_code("branch", member, "L", date(2026, 3, 1))
    assert refused.value.field == "code" and "ingen gjeldende kontingentkode" in refused.value.message


def test_end_employment_sets_the_last_day_and_audits(member):
    version = member.version
    employment = member.employments[0]
    changes.end_employment(member, employment, date(2026, 2, 28), "avvik på trekkliste")
    db.session.flush()
    assert employment_rows(member) == [(employment.workplace_id, 10_000, 4_500_000, START, date(2026, 2, 28))]
    row = last_audit()
    assert (row.entity, row.entity_id, row.person_id, row.actor) == ("employment", employment.id, member.person_id,
                                                                     "system")
    assert row.summary == (f"Arbeidsforhold hos Sykehuset AS avsluttet 28.02.2026 (avvik på trekkliste, "
                           f"medlemsnr. {member.member_number})")
    assert json.loads(row.changes) == {"to_date": [None, "2026-02-28"]}
    assert member.version == version + 1


@pytest.mark.parametrize("last_day, words", [
    (date(2014, 12, 31), "før arbeidsforholdet startet (01.01.2015)"),
    (date(2026, 3, 1), "allerede avsluttet 28.02.2026"),
])
def test_end_employment_refusals(member, last_day, words):
    employment = member.employments[0]
    employment.to_date = date(2026, 2, 28)
    db.session.flush()
    audits = audit_count()
    with pytest.raises(changes.Refused) as refused:
        changes.end_employment(member, employment, last_day, "avvik")
    assert refused.value.field == "end_date" and words in refused.value.message
    assert employment.to_date == date(2026, 2, 28) and audit_count() == audits


def test_replace_employment_ends_the_row_and_starts_a_copy_with_the_new_values(factory, member):
    employment = member.employments[0]
    other = factory.workplace(name="Rådhuset")
    successor = changes.replace_employment(member, employment, date(2026, 3, 1), "flyttet",
                                           workplace_id=other.id, position_bp=8_000)
    assert successor.id != employment.id
    assert employment_rows(member) == [
        (employment.workplace_id, 10_000, 4_500_000, START, date(2026, 2, 28)),
        (other.id, 8_000, 4_500_000, date(2026, 3, 1), None),
    ]
    assert (successor.payment_method, successor.membership_id) == ("deduction", member.id)
    row = last_audit()
    assert (row.entity, row.entity_id) == ("employment", successor.id)
    assert json.loads(row.changes) == {"workplace": [employment.workplace_id, other.id], "position": [10_000, 8_000],
                                       "from_date": ["2015-01-01", "2026-03-01"]}
    assert "Arbeidsforhold endret fra 01.03.2026 (flyttet" in row.summary


def test_replace_employment_keeps_a_planned_end(member):
    employment = member.employments[0]
    employment.to_date = date(2026, 12, 31)
    changes.replace_employment(member, employment, date(2026, 3, 1), "stilling", monthly_pay_ore=5_000_000)
    assert [(row[2], row[3], row[4]) for row in employment_rows(member)] == [
        (4_500_000, START, date(2026, 2, 28)), (5_000_000, date(2026, 3, 1), date(2026, 12, 31))]


def test_replace_employment_on_its_first_day_corrects_the_row(member):
    employment = member.employments[0]
    successor = changes.replace_employment(member, employment, START, "rettet", position_bp=6_000)
    assert successor is employment
    assert employment_rows(member) == [(employment.workplace_id, 6_000, 4_500_000, START, None)]


@pytest.mark.parametrize("from_date, words", [
    (date(2014, 12, 31), "før arbeidsforholdet startet"),
    (date(2026, 3, 1), "allerede avsluttet 28.02.2026"),
])
def test_replace_employment_refusals(member, from_date, words):
    employment = member.employments[0]
    employment.to_date = date(2026, 2, 28)
    db.session.flush()
    before, audits = employment_rows(member), audit_count()
    with pytest.raises(changes.Refused) as refused:
        changes.replace_employment(member, employment, from_date, "flyttet", position_bp=5_000)
    assert refused.value.field == "from_date" and words in refused.value.message
    assert employment_rows(member) == before and audit_count() == audits
