"""Changing a membership's dues code from a date: history without gap or overlap, W, conflicts, scope."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditLog, DuesCodePeriod, Membership

CONFLICT = "Noen andre har endret dette medlemskapet mens du arbeidet. Last siden på nytt og prøv igjen."


@pytest.fixture
def branch(factory):
    return factory.branch()


@pytest.fixture
def member(factory, branch):
    return factory.member(branch, dues_code="Y", start=date(2015, 1, 1), first_name="Åse", last_name="Bækkelund")


@pytest.fixture
def officer(factory, branch, login):
    user = factory.user("branch", branches=[branch])
    login(user)
    return user


def url(membership) -> str:
    return f"/medlemmer/medlemskap/{membership.id}/kontingentkode"


def periods(session, membership) -> list[tuple[str, date, date | None]]:
    session.expire_all()
    return [(p.code, p.from_date, p.to_date) for p in session.scalars(
        sa.select(DuesCodePeriod).where(DuesCodePeriod.membership_id == membership.id)
        .order_by(DuesCodePeriod.from_date))]


def field_error(response, field) -> str | None:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True))
    return found.group(1) if found else None


def switch_to(client, login, user):
    client.post("/logg-ut", data={"csrf_token": client.csrf})
    login(user)


def change(post, membership, code, from_date, version=None, **extra):
    return post(url(membership), {"code": code, "from_date": from_date,
                                  "version": str(membership.version if version is None else version), **extra})


def test_the_card_has_the_buttons_for_each_active_membership(client, officer, member, factory, branch):
    ended = factory.member(branch, person=member.person, start=date(2001, 1, 1), end=date(2010, 1, 1),
                           withdrawal_code=5)
    html = client.get(f"/medlemmer/{member.person_id}").get_data(as_text=True)
    assert f'href="{url(member)}"' in html and "Endre kontingentkode" in html
    assert f'href="/medlemmer/medlemskap/{member.id}/type"' in html and "Endre medlemstype" in html
    assert url(ended) not in html


def test_a_code_change_closes_the_open_period_and_opens_the_next(client, officer, member, post, session):
    version = member.version
    form = client.get(url(member)).get_data(as_text=True)
    assert f'name="version" type="hidden" value="{version}"' in form
    response = change(post, member, "A", "01.03.2026", reason="Sykmeldt over ett år")
    assert response.status_code == 303
    assert response.location == f"/medlemmer/{member.person_id}?fane=kontingentkoder"
    card = client.get(response.location).get_data(as_text=True)
    assert "Kontingentkoden er endret til A fra 01.03.2026." in card

    assert periods(session, member) == [("Y", date(2015, 1, 1), date(2026, 2, 28)), ("A", date(2026, 3, 1), None)]
    assert session.get(Membership, member.id).version == version + 1
    row = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "membership", AuditLog.entity_id == member.id))
    assert row.actor == officer.username and row.person_id == member.person_id
    assert row.summary == f"Kontingentkode endret fra Y til A fra 01.03.2026 (medlemsnr. {member.member_number})"
    assert row.change_list == [("Kontingentkode", "Y", "A"), ("Fra", "2015-01-01", "2026-03-01"),
                               ("Merknad", None, "Sykmeldt over ett år")]


def test_three_changes_leave_a_history_without_gaps_or_overlaps(client, officer, member, post, session):
    for code, day in (("L", "2024-02-01"), ("Y", "2024-09-15"), ("O", "2025-01-01")):
        session.expire_all()
        assert change(post, member, code, day, version=session.get(Membership, member.id).version).status_code == 303
    history = periods(session, member)
    assert [p[0] for p in history] == ["Y", "L", "Y", "O"]
    for before, after in zip(history, history[1:]):
        assert (after[1] - before[2]).days == 1
    assert history[-1][2] is None


def test_the_open_periods_start_date_corrects_its_code(client, officer, member, post, session):
    assert change(post, member, "A", "2026-03-01").status_code == 303
    session.expire_all()
    assert change(post, member, "L", "2026-03-01", version=session.get(Membership, member.id).version).status_code == 303
    assert periods(session, member) == [("Y", date(2015, 1, 1), date(2026, 2, 28)), ("L", date(2026, 3, 1), None)]


@pytest.mark.parametrize("code, from_date, field, message", [
    ("A", "2014-12-31", "from_date", "Fra-datoen kan ikke være før gjeldende kode startet (01.01.2015)."),
    ("A", "31.02.2026", "from_date", "«31.02.2026» er ikke en gyldig dato."),
    ("A", "i morgen", "from_date", "«i morgen» er ikke en dato (skriv ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ)."),
    ("A", "", "from_date", "Skriv datoen den nye koden gjelder fra."),
    ("Y", "2026-03-01", "code", "Medlemmet har allerede kode Y."),
    ("W", "2026-03-01", "code", "Bare Medlemsregisteret kan sette kode W."),
    ("Q", "2026-03-01", "code", "Velg en kontingentkode fra listen."),
    ("", "2026-03-01", "code", "Velg en kontingentkode."),
])
def test_bad_input_is_told_and_nothing_is_stored(client, officer, member, post, session, code, from_date, field,
                                                  message):
    version = member.version
    response = change(post, member, code, from_date)
    assert response.status_code == 422
    assert field_error(response, field) == message
    assert "Ingenting ble lagret." in response.get_data(as_text=True)
    assert periods(session, member) == [("Y", date(2015, 1, 1), None)]
    assert session.get(Membership, member.id).version == version
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "update")) == 0


def test_w_is_not_offered_to_a_branch_but_to_central(client, officer, member, factory, login):
    assert '<option value="W">' not in client.get(url(member)).get_data(as_text=True)
    switch_to(client, login, factory.user("central"))
    assert '<option value="W">' in client.get(url(member)).get_data(as_text=True)


def test_central_sets_w_and_a_branch_changes_from_w(client, member, factory, login, post, session, officer):
    switch_to(client, login, factory.user("central"))
    assert change(post, member, "W", "2026-01-01").status_code == 303
    switch_to(client, login, officer)
    session.expire_all()
    response = change(post, member, "Y", "2026-04-01", version=session.get(Membership, member.id).version)
    assert response.status_code == 303
    assert [p[0] for p in periods(session, member)] == ["Y", "W", "Y"]


def test_a_county_may_not_set_w(client, member, branch, factory, login, post, session):
    login(factory.user("county", counties=[branch.county]))
    response = change(post, member, "W", "2026-01-01")
    assert response.status_code == 422 and field_error(response, "code") == "Bare Medlemsregisteret kan sette kode W."
    assert periods(session, member) == [("Y", date(2015, 1, 1), None)]


def test_a_stale_form_is_refused_with_409(client, officer, member, post, session):
    stale = member.version
    assert change(post, member, "A", "2026-03-01", version=stale).status_code == 303
    response = change(post, member, "L", "2026-05-01", version=stale)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert CONFLICT in html
    session.expire_all()
    assert f'name="version" type="hidden" value="{session.get(Membership, member.id).version}"' in html
    assert periods(session, member) == [("Y", date(2015, 1, 1), date(2026, 2, 28)), ("A", date(2026, 3, 1), None)]


def test_a_garbled_version_counts_as_stale(client, officer, member, post, session):
    assert change(post, member, "A", "2026-03-01", version="abc").status_code == 409
    assert periods(session, member) == [("Y", date(2015, 1, 1), None)]


def test_another_branchs_member_and_an_ended_membership_are_404(client, officer, factory, post, session, branch,
                                                                  member):
    other = factory.member(factory.branch())
    ended = factory.member(branch, start=date(2001, 1, 1), end=date(2010, 1, 1), withdrawal_code=5)
    for target in (other, ended):
        assert client.get(url(target)).status_code == 404
        assert change(post, target, "A", "2026-03-01").status_code == 404
        assert periods(session, target)[-1][0] == "Y"
    assert client.get("/medlemmer/medlemskap/999999999/kontingentkode").status_code == 404


def test_a_county_changes_the_code_of_a_student_attached_to_it(client, factory, login, post, session):
    county = factory.county()
    student = factory.member(membership_type="student", county=county, dues_code="Y")
    login(factory.user("county", counties=[county]))
    assert change(post, student, "L", "2026-02-01").status_code == 303
    assert periods(session, student)[-1] == ("L", date(2026, 2, 1), None)


def test_employer_contacts_are_refused(client, factory, login, member):
    login(factory.user("employer", employers=[factory.employer()]))
    assert client.get(url(member)).status_code == 403
