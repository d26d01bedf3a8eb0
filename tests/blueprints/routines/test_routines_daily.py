"""`flask routines daily` and its page: U becomes P after the month of turning 67, pupils over 20 queued."""
import json
from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditLog, DuesCodePeriod, FollowUp, Membership
from web import clock


@pytest.fixture
def county(factory):
    return factory.county()


@pytest.fixture
def world(factory, county):
    branch = factory.branch(county)
    u_start = date(2015, 1, 1)
    return {
        # Turns 67 on 31 January 2027: P from 1 February.
        "u_jan31": factory.member(branch, dues_code="U", start=u_start, birth=date(1960, 1, 31)),
        # Turns 67 on 1 February 2027: U all of February, P from 1 March.
        "u_feb1": factory.member(branch, dues_code="U", start=u_start, birth=date(1960, 2, 1)),
        "y_old": factory.member(branch, dues_code="Y", start=u_start, birth=date(1950, 6, 1)),
        "u_ended": factory.member(branch, dues_code="U", start=u_start, end=date(2020, 1, 1), withdrawal_code=5,
                                  birth=date(1950, 6, 1)),
        "pupil_21": factory.member(membership_type="pupil", county=county, birth=date(2006, 2, 1)),
        "pupil_20": factory.member(membership_type="pupil", county=county, birth=date(2006, 2, 2)),
        "student_old": factory.member(membership_type="student", county=county, birth=date(1990, 1, 1)),
    }


def run(app, *args):
    return app.test_cli_runner().invoke(args=["routines", "daily", *args])


def periods(session, membership) -> list[tuple[str, date, date | None]]:
    session.expire_all()
    return [(p.code, p.from_date, p.to_date) for p in session.scalars(
        sa.select(DuesCodePeriod).where(DuesCodePeriod.membership_id == membership.id)
        .order_by(DuesCodePeriod.from_date))]


def follow_ups(session) -> list[tuple[int, int, str]]:
    session.expire_all()
    return [(f.membership_id, f.county_id, f.kind) for f in session.scalars(sa.select(FollowUp).order_by(FollowUp.id))]


def member_audit_rows(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.entity != "routine_daily"))


def test_not_before_the_end_of_the_month_of_turning_67(app, world, session):
    result = run(app, "--date", "2027-01-31")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "U→P: 0 medlemmer; elever over 20 til oppfølging: 0. Ingenting å endre."
    assert periods(session, world["u_jan31"]) == [("U", date(2015, 1, 1), None)]


def test_u_becomes_p_on_the_first_day_after_the_month_of_turning_67(app, world, session):
    result = run(app, "--date", "2027-02-01")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "U→P: 1 medlem; elever over 20 til oppfølging: 1"
    assert f"  medlemsnr. {world['u_jan31'].member_number}: U→P fra 01.02.2027" in lines
    assert periods(session, world["u_jan31"]) == [("U", date(2015, 1, 1), date(2027, 1, 31)),
                                                  ("P", date(2027, 2, 1), None)]
    assert periods(session, world["u_feb1"]) == [("U", date(2015, 1, 1), None)]
    assert periods(session, world["y_old"]) == [("Y", date(2015, 1, 1), None)]
    assert periods(session, world["u_ended"]) == [("U", date(2015, 1, 1), date(2020, 1, 1))]

    result = run(app, "--date", "2027-03-01")
    assert result.output.splitlines()[0] == "U→P: 1 medlem; elever over 20 til oppfølging: 1"  # pupil_20 too
    assert periods(session, world["u_feb1"])[-1] == ("P", date(2027, 3, 1), None)


def test_a_late_run_dates_p_from_the_month_after_turning_67(app, world, session):
    assert run(app, "--date", "2027-06-15").exit_code == 0
    assert periods(session, world["u_jan31"])[-1] == ("P", date(2027, 2, 1), None)
    assert periods(session, world["u_feb1"])[-1] == ("P", date(2027, 3, 1), None)


def test_pupils_over_20_go_to_their_countys_queue_once(app, world, county, session):
    run(app, "--date", "2027-02-01")
    assert follow_ups(session) == [(world["pupil_21"].id, county.id, "pupil_over_20")]
    item = session.scalar(sa.select(FollowUp))
    assert item.created_by is None and item.done_at is None
    assert item.text == "Født 01.02.2006: 21 år 01.02.2027."
    run(app, "--date", "2027-02-01")
    assert len(follow_ups(session)) == 1
    run(app, "--date", "2027-02-02")  # pupil_20 turns 21
    assert follow_ups(session) == [(world["pupil_21"].id, county.id, "pupil_over_20"),
                                   (world["pupil_20"].id, county.id, "pupil_over_20")]


def test_a_second_run_changes_nothing_and_says_so(app, world, session):
    run(app, "--date", "2027-02-01")
    before = (periods(session, world["u_jan31"]), follow_ups(session), member_audit_rows(session),
              session.get(Membership, world["u_jan31"].id).version)
    result = run(app, "--date", "2027-02-01")
    assert result.exit_code == 0
    assert result.output == "U→P: 0 medlemmer; elever over 20 til oppfølging: 0. Ingenting å endre.\n"
    after = (periods(session, world["u_jan31"]), follow_ups(session), member_audit_rows(session),
             session.get(Membership, world["u_jan31"].id).version)
    assert after == before


def test_audited_as_done_by_the_system(app, world, session):
    run(app, "--date", "2027-02-01")
    rows = session.scalars(sa.select(AuditLog).order_by(AuditLog.id)).all()
    assert {(r.actor, r.user_id) for r in rows} == {("system", None)}
    u_row = next(r for r in rows if r.entity == "membership")
    assert u_row.person_id == world["u_jan31"].person_id
    assert u_row.change_list == [("Kontingentkode", "U", "P"), ("Fra", "2015-01-01", "2027-02-01")]
    assert rows[-1].entity == "routine_daily"
    assert rows[-1].summary == "Daglige rutiner kjørt for 01.02.2027: U→P: 1 medlem; elever over 20 til oppfølging: 1"


def test_json_output(app, world):
    result = run(app, "--date", "01.02.2027", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["date"] == "2027-02-01" and data["changed"] is True
    assert data["u_to_p"] == [{"membership_id": world["u_jan31"].id, "member_number": world["u_jan31"].member_number,
                               "from_date": "2027-02-01"}]
    assert [p["membership_id"] for p in data["pupils_over_20"]] == [world["pupil_21"].id]


def test_a_bad_date_is_refused_and_nothing_runs(app, world, session):
    result = run(app, "--date", "2027-02-30")
    assert result.exit_code == 2
    assert "«2027-02-30» er ikke en gyldig dato." in result.output
    assert member_audit_rows(session) == 0 and follow_ups(session) == []


# --- the page for the central registry -----------------------------------------------------------------

@pytest.fixture
def due_today(factory, county):
    """Members the routine changes whatever day the tests run: 70 and 22 years old."""
    today = clock.today()
    return {
        "disabled": factory.member(factory.branch(county), dues_code="U", start=date(2010, 1, 1),
                                   birth=date(today.year - 70, 1, 1)),
        "pupil": factory.member(membership_type="pupil", county=county, birth=date(today.year - 22, 1, 1)),
    }


def test_central_runs_the_routine_in_the_browser(client, factory, login, post, due_today, session):
    central = factory.user("central")
    login(central)
    page = client.get("/rutiner/daglig").get_data(as_text=True)
    assert "Kjør daglige rutiner nå" in page and "Aldri" in page

    response = post("/rutiner/daglig")
    assert response.status_code == 303 and response.location == "/rutiner/daglig"
    page = client.get("/rutiner/daglig").get_data(as_text=True)
    assert "U→P: 1 medlem; elever over 20 til oppfølging: 1" in page
    assert f"av {central.username}" in page
    assert periods(session, due_today["disabled"])[-1][0] == "P"
    # In the browser the member changes are the central user's, who pressed the button.
    actors = set(session.scalars(sa.select(AuditLog.actor).where(AuditLog.entity.in_(("membership", "follow_up")))))
    assert actors == {central.username}

    post("/rutiner/daglig")
    assert "Ingenting å endre." in client.get("/rutiner/daglig").get_data(as_text=True)


@pytest.mark.parametrize("role", ["branch", "county", "employer"])
def test_others_may_not_run_it(client, factory, login, post, due_today, session, county, role):
    scopes = {"branch": {"branches": [factory.branch(county)]}, "county": {"counties": [county]},
              "employer": {"employers": [factory.employer()]}}[role]
    login(factory.user(role, **scopes))
    assert client.get("/rutiner/daglig").status_code == 403
    assert post("/rutiner/daglig").status_code == 403
    assert periods(session, due_today["disabled"])[-1][0] == "U"
    assert follow_ups(session) == []
