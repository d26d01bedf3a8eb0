"""Changing a membership's type: allowed transitions, the attachment rule, history, conflicts, scope."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from models import AuditLog, Membership, MembershipChange
from web import clock

CONFLICT = "Noen andre har endret dette medlemskapet mens du arbeidet. Last siden på nytt og prøv igjen."


@pytest.fixture
def county(factory):
    return factory.county(number=46, name="Vestland")


@pytest.fixture
def branch(factory, county):
    return factory.branch(county, number=4601, name="Bergen")


@pytest.fixture
def county_user(factory, county, login):
    user = factory.user("county", counties=[county])
    login(user)
    return user


def url(membership) -> str:
    return f"/medlemmer/medlemskap/{membership.id}/type"


def change(post, membership, new_type, branch=None, from_date="2026-01-01", version=None, **extra):
    return post(url(membership), {
        "new_type": new_type, "branch": str(branch.id) if branch else "", "from_date": from_date,
        "version": str(membership.version if version is None else version), **extra,
    })


def stored(session, membership) -> Membership:
    session.expire_all()
    return session.get(Membership, membership.id)


def history(session, membership) -> list[tuple[str, str | None, str | None, date]]:
    session.expire_all()
    return [(c.field, c.old_value, c.new_value, c.from_date) for c in session.scalars(
        sa.select(MembershipChange).where(MembershipChange.membership_id == membership.id)
        .order_by(MembershipChange.id))]


def field_error(response, field) -> str | None:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True))
    return found.group(1) if found else None


def test_pupil_to_student_stays_with_the_county(client, county_user, factory, county, post, session):
    pupil = factory.member(membership_type="pupil", county=county)
    response = change(post, pupil, "student", from_date="15.08.2025", reason="Begynt på høgskolen")
    assert response.status_code == 303
    assert response.location == f"/medlemmer/{pupil.person_id}?fane=medlemskap"
    assert "Medlemstypen er endret til Student (46 Vestland)." in client.get(response.location).get_data(as_text=True)
    m = stored(session, pupil)
    assert (m.membership_type, m.county_id, m.branch_id) == ("student", county.id, None)
    assert history(session, pupil) == [("membership_type", "pupil", "student", date(2025, 8, 15))]
    change_row = session.scalar(sa.select(MembershipChange).where(MembershipChange.membership_id == pupil.id))
    assert (change_row.reason, change_row.changed_by) == ("Begynt på høgskolen", county_user.id)


def test_main_to_student_moves_to_the_county_of_the_branch(client, factory, branch, county, login, post, session):
    officer = factory.user("branch", branches=[branch])
    login(officer)
    main = factory.member(branch)
    response = change(post, main, "student")
    assert response.status_code == 303
    # The student now belongs to the county, outside the branch officer's sight.
    assert response.location == "/medlemmer/"
    assert "Medlemskapet hører nå til en enhet utenfor din tilgang." in client.get("/medlemmer/").get_data(as_text=True)
    m = stored(session, main)
    assert (m.membership_type, m.branch_id, m.county_id) == ("student", None, county.id)
    assert history(session, main) == [("membership_type", "main", "student", date(2026, 1, 1)),
                                      ("branch", "4601 Bergen", None, date(2026, 1, 1)),
                                      ("county", None, "46 Vestland", date(2026, 1, 1))]
    audit = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "membership", AuditLog.entity_id == main.id))
    assert audit.actor == officer.username
    assert audit.summary == f"Medlemstype endret fra Hovedmedlem til Student fra 01.01.2026 (medlemsnr. {main.member_number})"
    assert audit.change_list == [("Medlemstype", "Hovedmedlem", "Student"), ("Fagforening", "4601 Bergen", None),
                                 ("Fylkeskrets", None, "46 Vestland"), ("Fra", None, "2026-01-01")]


def test_student_to_main_goes_to_the_chosen_branch(client, county_user, factory, county, branch, post, session):
    student = factory.member(membership_type="student", county=county)
    assert change(post, student, "main", branch).status_code == 303
    m = stored(session, student)
    assert (m.membership_type, m.branch_id, m.county_id) == ("main", branch.id, None)
    assert [h[0] for h in history(session, student)] == ["membership_type", "branch", "county"]


def test_student_to_main_needs_a_branch_in_scope(client, county_user, factory, county, post, session):
    student = factory.member(membership_type="student", county=county)
    elsewhere = factory.branch()  # another county's branch
    for target in (None, elsewhere):
        response = change(post, student, "main", target)
        assert response.status_code == 422
        assert field_error(response, "branch") == "Velg en fagforening du har tilgang til."
    assert stored(session, student).membership_type == "student"
    assert history(session, student) == []


def test_the_branch_list_offers_only_branches_in_scope(client, county_user, factory, county, branch):
    student = factory.member(membership_type="student", county=county)
    elsewhere = factory.branch()
    html = client.get(url(student)).get_data(as_text=True)
    assert f'<option value="{branch.id}">4601 Bergen</option>' in html
    assert f'value="{elsewhere.id}"' not in html
    assert '<option value="main">Hovedmedlem</option>' in html and 'value="pupil"' not in html


def test_secondary_to_main_keeps_its_branch(client, factory, branch, login, post, session):
    login(factory.user("branch", branches=[branch]))
    secondary = factory.member(branch, membership_type="secondary")
    assert change(post, secondary, "main", branch).status_code == 303
    assert stored(session, secondary).branch_id == branch.id
    assert history(session, secondary) == [("membership_type", "secondary", "main", date(2026, 1, 1))]


def test_an_apprentice_who_becomes_a_student_is_no_longer_an_apprentice(client, county_user, factory, branch, post,
                                                                        session):
    apprentice = factory.member(branch)
    apprentice.apprentice = True
    session.flush()
    assert change(post, apprentice, "student").status_code == 303
    assert stored(session, apprentice).apprentice is False
    assert ("apprentice", "ja", "nei", date(2026, 1, 1)) in history(session, apprentice)
    audit = session.scalar(sa.select(AuditLog).where(AuditLog.entity_id == apprentice.id,
                                                     AuditLog.entity == "membership"))
    assert ("Lærling", True, False) in audit.change_list


@pytest.mark.parametrize("old, new, message", [
    ("main", "pupil", "Endring fra Hovedmedlem til Elev er ikke tillatt."),
    ("main", "secondary", "Endring fra Hovedmedlem til Bimedlem er ikke tillatt."),
    ("student", "pupil", "Endring fra Student til Elev er ikke tillatt."),
    ("secondary", "student", "Endring fra Bimedlem til Student er ikke tillatt."),
    ("main", "main", "Endring fra Hovedmedlem til Hovedmedlem er ikke tillatt."),
    ("main", "boss", "Velg en medlemstype fra listen."),
])
def test_forbidden_transitions_are_refused(client, county_user, factory, branch, post, session, old, new, message):
    membership = factory.member(branch, membership_type=old)
    version = membership.version
    response = change(post, membership, new, branch)
    assert response.status_code == 422
    assert field_error(response, "new_type") == message
    m = stored(session, membership)
    assert (m.membership_type, m.version) == (old, version)
    assert history(session, membership) == []
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "update")) == 0


def test_a_second_active_main_membership_is_refused(client, county_user, factory, branch, county, post, session):
    main = factory.member(branch)
    pupil = factory.member(membership_type="pupil", county=county, person=main.person)
    response = change(post, pupil, "main", branch)
    assert response.status_code == 422
    assert field_error(response, "new_type") == "Personen har allerede et annet aktivt hovedmedlemskap."
    assert stored(session, pupil).membership_type == "pupil"


@pytest.mark.parametrize("from_date, message", [
    ("2014-12-31", "Fra-datoen kan ikke være før medlemskapet startet (01.01.2015)."),
    ((clock.today() + timedelta(days=1)).isoformat(), "Fra-datoen kan ikke være fram i tid: endringen gjelder straks."),
    ("32.01.2026", "«32.01.2026» er ikke en gyldig dato."),
    ("", "Skriv datoen endringen gjelder fra."),
])
def test_bad_dates_are_refused(client, county_user, factory, county, post, session, from_date, message):
    pupil = factory.member(membership_type="pupil", county=county)
    response = change(post, pupil, "student", from_date=from_date)
    assert response.status_code == 422
    assert field_error(response, "from_date") == message
    assert stored(session, pupil).membership_type == "pupil"


def test_a_change_may_not_predate_the_previous_one(client, county_user, factory, county, branch, post, session):
    pupil = factory.member(membership_type="pupil", county=county)
    assert change(post, pupil, "student", from_date="2025-08-01").status_code == 303
    response = change(post, pupil, "main", branch, from_date="2025-07-31", version=stored(session, pupil).version)
    assert response.status_code == 422
    assert field_error(response, "from_date") == "Fra-datoen kan ikke være før forrige endring av medlemskapet (01.08.2025)."


def test_the_history_is_shown_by_the_card_partial(app, client, county_user, factory, county, post, session):
    pupil = factory.member(membership_type="pupil", county=county)
    assert change(post, pupil, "student", from_date="2025-08-01", reason="Studiestart").status_code == 303
    with app.test_request_context():
        html = app.jinja_env.get_template("members/_membership_changes.html").render(
            memberships=[stored(session, pupil)])
    assert "Medlemstype" in html and "Elev" in html and "Student" in html and "01.08.2025" in html
    assert "Studiestart" in html


def test_a_stale_form_is_refused_with_409(client, county_user, factory, county, branch, post, session):
    pupil = factory.member(membership_type="pupil", county=county)
    stale = pupil.version
    assert change(post, pupil, "student", version=stale).status_code == 303
    response = change(post, pupil, "main", branch, version=stale)
    assert response.status_code == 409
    assert CONFLICT in response.get_data(as_text=True)
    assert stored(session, pupil).membership_type == "student"


def test_out_of_scope_and_unknown_memberships_are_404(client, county_user, factory, post, session):
    other_student = factory.member(membership_type="student", county=factory.county())
    assert client.get(url(other_student)).status_code == 404
    assert change(post, other_student, "main", factory.branch()).status_code == 404
    assert stored(session, other_student).membership_type == "student"
    assert client.get("/medlemmer/medlemskap/999999999/type").status_code == 404
