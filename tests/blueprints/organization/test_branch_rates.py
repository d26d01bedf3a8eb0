"""Branches in the organization area: each user sees the branches in scope with their percentage over
time (central share and local share); central, and a county for its branches, registers a new one."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from models import AuditLog, BranchRate
from web import clock

TODAY = clock.today()
NEXT_MONTH = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=1)


def main_part(response) -> str:
    found = re.search(r"<main\b.*?</main>", response.get_data(as_text=True), re.S)
    assert found
    return found.group(0)


def table_rows(response, table_id) -> list[list[str]]:
    table = re.search(rf'<table class="grid" id="{table_id}">(.*?)</table>', response.get_data(as_text=True), re.S)
    assert table, main_part(response)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table.group(1).split("<tbody>")[1], re.S)]


def field_error(response, field) -> str | None:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True))
    return found.group(1) if found else None


def rates_of(session, branch) -> list[tuple[date, int]]:
    return session.execute(sa.select(BranchRate.valid_from, BranchRate.rate_bp)
                           .where(BranchRate.branch_id == branch.id).order_by(BranchRate.valid_from)).all()


@pytest.fixture
def county(factory):
    return factory.county(name="Innlandet")


@pytest.fixture
def branch(factory, county):
    return factory.branch(county, name="Hamar", rate_bp=160)


@pytest.fixture
def other(factory):
    return factory.branch(name="Bodø")


# --- reading ------------------------------------------------------------------------------------

def test_a_branch_officer_sees_the_own_branch_with_its_rate_over_time(factory, client, login, session, branch, other):
    session.add(BranchRate(branch_id=branch.id, valid_from=date(2022, 1, 1), rate_bp=175))
    session.flush()
    login(factory.user("branch", branches=[branch]))

    listed = table_rows(client.get("/organisasjon/fagforeninger"), "branches")
    assert listed == [[str(branch.number), "Hamar", "Innlandet", "1,75 %", "0,6 %", ""]]

    page = client.get(f"/organisasjon/fagforeninger/{branch.id}")
    assert page.status_code == 200
    assert table_rows(page, "branch-rates") == [
        ["01.01.2022", "1,75 %", "1,15 %", "0,6 %", "Gjelder nå"],
        ["01.03.2008", "1,6 %", "1,15 %", "0,45 %", "Tidligere"],
    ]
    assert "Ny prosentsats" not in main_part(page) and 'name="rate_bp"' not in main_part(page)


def test_another_branch_is_not_found(factory, client, login, branch, other):
    login(factory.user("branch", branches=[branch]))
    assert client.get(f"/organisasjon/fagforeninger/{other.id}").status_code == 404
    assert client.get("/organisasjon/fagforeninger/999999").status_code == 404


def test_a_county_sees_the_branches_of_its_county_only(factory, client, login, county, branch, other):
    second = factory.branch(county, name="Gjøvik")
    login(factory.user("county", counties=[county]))
    names = [row[1] for row in table_rows(client.get("/organisasjon/fagforeninger"), "branches")]
    assert sorted(names) == ["Gjøvik", "Hamar"]
    assert client.get(f"/organisasjon/fagforeninger/{second.id}").status_code == 200
    assert client.get(f"/organisasjon/fagforeninger/{other.id}").status_code == 404


# --- changing -----------------------------------------------------------------------------------

def test_a_branch_officer_cannot_register_a_rate(factory, login, post, session, branch):
    login(factory.user("branch", branches=[branch]))
    response = post(f"/organisasjon/fagforeninger/{branch.id}/satser",
                    {"valid_from": f"{NEXT_MONTH:%d.%m.%Y}", "rate_bp": "1,90"})
    assert response.status_code == 403
    assert rates_of(session, branch) == [(date(2008, 3, 1), 160)]


def test_central_registers_a_rate_from_a_date(factory, client, login, post, session, branch):
    central = factory.user("central")
    login(central)
    assert 'name="rate_bp"' in main_part(client.get(f"/organisasjon/fagforeninger/{branch.id}"))
    response = post(f"/organisasjon/fagforeninger/{branch.id}/satser",
                    {"valid_from": f"{NEXT_MONTH:%d.%m.%Y}", "rate_bp": "1,75"})
    assert response.status_code == 303
    assert rates_of(session, branch) == [(date(2008, 3, 1), 160), (NEXT_MONTH, 175)]

    page = client.get(response.headers["Location"])
    assert table_rows(page, "branch-rates")[0] == [f"{NEXT_MONTH:%d.%m.%Y}", "1,75 %", "1,15 %", "0,6 %", "Kommende"]
    assert table_rows(client.get("/organisasjon/fagforeninger"), "branches")[0][3:] == [
        "1,6 %", "0,45 %", f"1,75 % fra {NEXT_MONTH:%d.%m.%Y}"]
    audit = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "branch_rate"))
    assert audit.action == "create" and audit.user_id == central.id
    assert audit.summary == f"Prosentsatsen for {branch.number} Hamar satt til 1,75 % fra {NEXT_MONTH:%d.%m.%Y}"


def test_a_rate_not_yet_in_force_is_corrected_by_registering_the_same_date(factory, login, post, session, branch):
    login(factory.user("central"))
    url = f"/organisasjon/fagforeninger/{branch.id}/satser"
    post(url, {"valid_from": f"{NEXT_MONTH:%d.%m.%Y}", "rate_bp": "1,75"})
    assert post(url, {"valid_from": f"{NEXT_MONTH:%d.%m.%Y}", "rate_bp": "1,8"}).status_code == 303
    assert rates_of(session, branch) == [(date(2008, 3, 1), 160), (NEXT_MONTH, 180)]


def test_a_county_registers_for_its_own_branches_only(factory, login, post, session, county, branch, other):
    login(factory.user("county", counties=[county]))
    data = {"valid_from": f"{NEXT_MONTH:%d.%m.%Y}", "rate_bp": "1,7"}
    assert post(f"/organisasjon/fagforeninger/{branch.id}/satser", data).status_code == 303
    assert post(f"/organisasjon/fagforeninger/{other.id}/satser", data).status_code == 404
    assert rates_of(session, branch)[-1] == (NEXT_MONTH, 170)
    assert rates_of(session, other) == [(date(2008, 3, 1), 175)]


@pytest.mark.parametrize("data, field, message", [
    ({"rate_bp": "1,40"}, "rate_bp", "Prosentsatsen 1,4 % er under minstesatsen 1,45 %."),
    ({"rate_bp": "11"}, "rate_bp", "Prosentsatsen må være mellom 0 og 10 %, ikke 11 %."),
    ({"rate_bp": "høy"}, "rate_bp", "«høy» er ikke en prosentsats"),
    ({"rate_bp": ""}, "rate_bp", "Fyll ut feltet."),
    ({"valid_from": "15.01.2030"}, "valid_from", "Datoen må være den første dagen i en måned."),
    ({"valid_from": "01.01.2008"}, "valid_from", "Satsen kan ikke gjelde fra før den siste registrerte satsen (01.03.2008)."),
    ({"valid_from": "01.03.2008"}, "valid_from", "Satsen fra 01.03.2008 gjelder allerede og kan ikke endres"),
])
def test_bad_rates_are_refused_with_the_reason(factory, login, post, session, branch, data, field, message):
    login(factory.user("central"))
    response = post(f"/organisasjon/fagforeninger/{branch.id}/satser",
                    {"valid_from": f"{NEXT_MONTH:%d.%m.%Y}", "rate_bp": "1,75", **data})
    assert response.status_code == 422
    assert message in (field_error(response, field) or ""), main_part(response)
    assert rates_of(session, branch) == [(date(2008, 3, 1), 160)]
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.entity == "branch_rate")) == 0
