"""The "stop deduction" queue: withdrawn members with deduction at an employer, by employer, without
transfers between branches and members out of scope; the stop notice, the exports, the notified marks."""
import csv
import io
import json
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from models import AuditLog, Employment, Membership
from web import clock

TODAY = clock.today()
MONDAY = TODAY - timedelta(days=TODAY.weekday())
THIS_WEEK = MONDAY + timedelta(days=2)
LAST_MONTH = MONDAY - timedelta(days=30)
NOTICE_TEXT = "for mye trukket skal refunderes til medlemmet av arbeidsgiver"


@pytest.fixture
def world(factory):
    county = factory.county()
    a, b = factory.branch(county, name="Lag A"), factory.branch(county, name="Lag B")
    hospital = factory.employer(name="Aker sykehus HF")
    council = factory.employer(name="Bydel Nordstrand")
    at_hospital = factory.workplace(hospital, a, name="Post 1")
    at_council = factory.workplace(council, a, name="Hjemmetjenesten")

    def withdrawn(last_name, workplace, branch=a, code=5, end=THIS_WEEK, **kw):
        return factory.member(branch, workplace=workplace, end=end, withdrawal_code=code, first_name="Test",
                              last_name=last_name, **kw)

    members = {
        "resigned": withdrawn("Aaberg", at_hospital),
        "deceased": withdrawn("Dahl", at_council, code=2),
        "struck": withdrawn("Eide", at_hospital, code=4),
        "transferred": withdrawn("Foss", at_hospital, code=1),
        "other_branch": withdrawn("Gran", at_hospital, branch=b),
        "last_month": withdrawn("Haug", at_hospital, end=LAST_MONTH),
        "active": factory.member(a, workplace=at_hospital, first_name="Test", last_name="Iversen"),
        "no_workplace": withdrawn("Jensen", None),
    }
    invoiced = withdrawn("Kvam", at_hospital)
    invoiced.employments[0].payment_method = "invoice"
    factory.session.flush()
    members["invoiced"] = invoiced
    return {"county": county, "a": a, "b": b, "hospital": hospital, "council": council, "members": members}


@pytest.fixture
def officer(factory, world, login):
    user = factory.user("branch", branches=[world["a"]])
    login(user)
    return user


def sections(html: str) -> dict[str, str]:
    """Each employer group of the queue page: its name and its HTML."""
    return dict(re.findall(r'<section class="employer-group" aria-label="([^"]+)">(.*?)</section>', html, re.S))


def names_in(fragment: str) -> list[str]:
    return re.findall(r'<a href="/medlemmer/\d+">([^<]+)</a>', fragment)


def test_the_queue_groups_this_weeks_withdrawn_members_by_employer(client, officer, world):
    response = client.get("/utmelding/")
    assert response.status_code == 200
    groups = sections(response.get_data(as_text=True))
    assert list(groups) == ["Aker sykehus HF", "Bydel Nordstrand"]
    assert names_in(groups["Aker sykehus HF"]) == ["Aaberg, Test", "Eide, Test"]
    assert names_in(groups["Bydel Nordstrand"]) == ["Dahl, Test"]
    assert "Post 1" in groups["Aker sykehus HF"]


def test_a_chosen_period_is_in_the_url(client, officer, world):
    html = client.get("/utmelding/", query_string={"fra": (LAST_MONTH - timedelta(days=1)).strftime("%d.%m.%Y"),
                                                   "til": LAST_MONTH.isoformat()}).get_data(as_text=True)
    groups = sections(html)
    assert list(groups) == ["Aker sykehus HF"]
    assert names_in(groups["Aker sykehus HF"]) == ["Haug, Test"]


def test_a_county_sees_the_queue_of_all_its_branches(factory, client, login, world):
    login(factory.user("county", counties=[world["county"]]))
    groups = sections(client.get("/utmelding/").get_data(as_text=True))
    assert names_in(groups["Aker sykehus HF"]) == ["Aaberg, Test", "Eide, Test", "Gran, Test"]


def test_a_withdrawal_through_the_form_lands_in_the_queue(client, post, officer, world):
    member = world["members"]["active"]
    response = post(f"/utmelding/{member.id}", {"version": str(member.version), "code": "5",
                                                "end_date": TODAY.isoformat()})
    assert response.status_code == 303
    html = client.get("/utmelding/", query_string={"fra": TODAY.isoformat(), "til": TODAY.isoformat()})
    assert "Iversen, Test" in names_in(sections(html.get_data(as_text=True))["Aker sykehus HF"])


@pytest.mark.parametrize("query, message", [
    ({"fra": "32.01.2026"}, "«32.01.2026» er ikke en gyldig dato."),
    ({"fra": "2026-03-10", "til": "2026-03-01"}, "Til-datoen kan ikke være før fra-datoen."),
])
def test_a_bad_period_is_told(client, officer, world, query, message):
    response = client.get("/utmelding/", query_string=query)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert sections(html) == {}


def test_the_queue_exports_as_csv_and_xlsx(client, officer, world):
    response = client.get("/utmelding/", query_string={"format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:7] == ["Arbeidsgiver", "Org.nr.", "Arbeidssted", "Navn", "Fødselsnummer", "Medlemsnr.",
                           "Siste dag som medlem"]
    resigned = world["members"]["resigned"]
    assert [r[3] for r in rows[1:]] == ["Aaberg, Test", "Eide, Test", "Dahl, Test"]
    assert rows[1][:7] == ["Aker sykehus HF", world["hospital"].orgnr, "Post 1", "Aaberg, Test",
                           resigned.person.national_id, str(resigned.member_number), f"{THIS_WEEK:%d.%m.%Y}"]

    xlsx = client.get("/utmelding/", query_string={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.values)
    assert values[1][3] == "Aaberg, Test" and values[1][4] == resigned.person.national_id
    assert len(values) == 4

    one = client.get(f"/utmelding/stopp/{world['council'].id}/varsel", query_string={"format": "csv"})
    assert [r.split(";")[3] for r in one.get_data(as_text=True).strip().splitlines()[1:]] == ["Dahl, Test"]


def test_the_stop_notice_to_the_payroll_office(client, officer, world):
    response = client.get(f"/utmelding/stopp/{world['hospital'].id}/varsel")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Stopp i trekk av fagforeningskontingent" in html and NOTICE_TEXT in html
    for key in ("resigned", "struck"):
        member = world["members"][key]
        nid = member.person.national_id
        assert f"<td>{member.person.last_name}, Test</td><td>{nid[:6]} {nid[6:]}</td>" \
               f'<td class="num">{member.member_number}</td><td>{THIS_WEEK:%d.%m.%Y}</td>' in html
    for key in ("deceased", "transferred", "other_branch", "last_month", "invoiced"):
        assert world["members"][key].person.last_name not in html, key
    assert client.get("/utmelding/stopp/999999999/varsel").status_code == 404


def test_marking_a_group_notified_is_stored_and_logged(client, post, officer, world, session):
    hospital = world["hospital"]
    response = post(f"/utmelding/stopp/{hospital.id}/varslet", {"fra": MONDAY.isoformat(),
                                                                "til": (MONDAY + timedelta(days=6)).isoformat()})
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert "2 medlemmer markert som varslet om stopp i trekk." in page
    assert "Alle varslet" in sections(page)["Aker sykehus HF"]
    assert officer.username in sections(page)["Aker sykehus HF"]

    session.expire_all()
    members = world["members"]
    marked = {k for k, m in members.items() if session.get(Membership, m.id).stop_notified_at is not None}
    assert marked == {"resigned", "struck"}
    assert session.get(Membership, members["resigned"].id).stop_notified_by == officer.id
    log = session.scalars(sa.select(AuditLog).where(AuditLog.person_id == members["resigned"].person_id)).all()
    assert [row.summary for row in log] == ["Lønnskontoret varslet om stopp i trekk"]
    assert json.loads(log[0].changes)["stop_notified_by"] == [None, officer.username]

    again = post(f"/utmelding/stopp/{hospital.id}/varslet", {})
    assert "Alle var allerede markert som varslet." in client.get(again.location).get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                          .where(AuditLog.summary == "Lønnskontoret varslet om stopp i trekk")) == 2


def test_marking_one_member_notified(client, post, officer, world, session):
    deceased = world["members"]["deceased"]
    response = post(f"/utmelding/stopp/medlem/{deceased.id}/varslet", {})
    assert response.status_code == 303
    assert "1 medlem markert som varslet om stopp i trekk." in client.get(response.location).get_data(as_text=True)
    session.expire_all()
    assert session.get(Membership, deceased.id).stop_notified_at is not None
    assert session.get(Membership, world["members"]["resigned"].id).stop_notified_at is None


@pytest.mark.parametrize("key, status", [("other_branch", 404), ("active", 422), ("transferred", 422)])
def test_marking_outside_the_queue_is_refused(client, post, officer, world, session, key, status):
    member = world["members"][key]
    response = post(f"/utmelding/stopp/medlem/{member.id}/varslet", {})
    assert response.status_code == status
    if status == 422:
        assert "står ikke i køen for stopp i trekk" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Membership, member.id).stop_notified_at is None
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                          .where(AuditLog.person_id == member.person_id)) == 0


def test_a_group_mark_touches_only_members_in_scope(client, post, officer, world, session):
    post(f"/utmelding/stopp/{world['hospital'].id}/varslet", {})
    session.expire_all()
    assert session.get(Membership, world["members"]["other_branch"].id).stop_notified_at is None


def test_a_member_with_two_workplaces_at_one_employer_is_listed_once(factory, client, officer, world, session):
    member = world["members"]["resigned"]
    second = factory.workplace(world["hospital"], world["a"], name="Post 2")
    session.add(Employment(membership_id=member.id, workplace_id=second.id, from_date=date(2020, 1, 1),
                           to_date=THIS_WEEK, position_bp=2000))
    session.flush()
    group = sections(client.get("/utmelding/").get_data(as_text=True))["Aker sykehus HF"]
    assert names_in(group) == ["Aaberg, Test", "Eide, Test"]
    assert "Post 1, Post 2" in group


def test_an_employer_contact_is_refused(factory, client, post, login, world):
    login(factory.user("employer", employers=[world["hospital"]]))
    assert client.get("/utmelding/").status_code == 403
    assert client.get(f"/utmelding/stopp/{world['hospital'].id}/varsel").status_code == 403
    assert post(f"/utmelding/stopp/{world['hospital'].id}/varslet", {}).status_code == 403
