"""Uploading an employer's deduction list file (the central registry's routine): accepted whole (lists
received, counts per status), idempotent (the same file again stores nothing and says so), refused whole
with every bad row's number, column and reason. That branches and counties may not upload at all is
tests/blueprints/deviations/test_foreign_members.py."""
import io
import random
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from demo.numbers import national_id
from models import AuditLog, DeductionLine, DeductionList
from tests.deviations_files import csv_bytes, people_rows, reported, xlsx_bytes

JANUARY = date(2026, 1, 1)


def rows_for(employer, branch, people, period=JANUARY) -> list[dict]:
    """people: (national id, member number, last name, first name, dues, insurance)."""
    return people_rows(period, employer, branch, people)


def strangers(count: int) -> list[tuple]:
    """People the register does not know, with valid identity numbers."""
    rng = random.Random(11)
    ids: set[str] = set()
    while len(ids) < count:
        ids.add(national_id(date(1960, 1, 1) + timedelta(days=rng.randint(0, 15000)), rng.random() < 0.5, rng))
    return [(nid, None, "Person", f"Nr {n}", "300,00", "125,00") for n, nid in enumerate(sorted(ids))]


@pytest.fixture
def world(factory):
    county = factory.county()
    a = factory.branch(county, number=7301, name="Lag A")
    b = factory.branch(county, number=7302, name="Lag B")
    hospital = factory.employer(name="Aker sykehus HF")
    at_hospital = factory.workplace(hospital, a)
    members = {name: factory.member(a, workplace=at_hospital, first_name="Test", last_name=name)
               for name in ("Aas", "Berg", "Dahl")}
    other = factory.member(b, workplace=factory.workplace(hospital, b), first_name="Test", last_name="Bee")
    return {"county": county, "a": a, "b": b, "hospital": hospital, "members": members, "other": other}


@pytest.fixture
def officer(factory, world, login):
    """The central registry's officer, who loads employers' files."""
    user = factory.user("central")
    login(user)
    return user


def good_rows(world) -> list[dict]:
    m = world["members"]
    return rows_for(world["hospital"], world["a"], [reported(m["Aas"]), reported(m["Dahl"], dues="800,00"),
                                                    strangers(1)[0]])


def upload(post, content: bytes, filename: str = "trekk.csv"):
    return post("/trekklister/last-opp", {"file": (io.BytesIO(content), filename)},
                content_type="multipart/form-data")


def stored(factory) -> tuple[int, int]:
    session = factory.session
    session.expire_all()
    return (session.scalar(sa.select(sa.func.count()).select_from(DeductionList)),
            session.scalar(sa.select(sa.func.count()).select_from(DeductionLine)))


def received_counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="(\w+)">(\d+)</td>', html))


def error_rows(html: str) -> list[tuple[str, str, str]]:
    table = re.search(r'<table class="grid" id="errors">(.*?)</table>', html, re.S)
    assert table, "no table of errors"
    return re.findall(r'<tr><td class="num">([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>', table.group(1))


def test_the_upload_page(client, officer):
    html = client.get("/trekklister/last-opp").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html and 'name="csrf_token"' in html


def test_a_good_file_is_received_and_compared(post, factory, officer, world):
    response = upload(post, csv_bytes(good_rows(world)))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "1 trekkliste mottatt med 3 linjer." in html
    assert received_counts(html) == {"matched": "1", "missing": "1", "unexpected": "1", "amount": "1"}
    the_list = factory.session.scalar(sa.select(DeductionList))
    assert the_list.state == "received" and the_list.branch_id == world["a"].id
    assert f'href="/trekklister/{the_list.id}"' in html and f'href="/trekklister/{the_list.id}/avviksrapport"' in html
    assert stored(factory) == (1, 4)  # three expected members and the stranger


def test_an_xlsx_file_is_received_too(post, factory, officer, world):
    response = upload(post, xlsx_bytes(good_rows(world)), "trekk.xlsx")
    assert response.status_code == 200
    assert received_counts(response.get_data(as_text=True))["amount"] == "1"
    assert stored(factory) == (1, 4)


def test_the_same_file_twice_says_so_and_stores_nothing_more(post, factory, officer, world):
    content = csv_bytes(good_rows(world))
    assert upload(post, content).status_code == 200
    before = stored(factory)
    audit_before = factory.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))

    again = upload(post, content, "samme-fil-nytt-navn.csv")
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert "Filen er allerede importert. Ingenting er endret." in html
    assert "Allerede importert – ingenting endret." in html
    assert stored(factory) == before
    assert factory.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == audit_before


def test_one_bad_line_among_three_thousand_refuses_the_whole_file(post, factory, officer, world):
    people = strangers(3000)
    bad_at = 1234  # the 1235th data row: row 1236 of the file, the header being row 1
    nid = people[bad_at][0]
    people[bad_at] = (nid[:10] + str((int(nid[10]) + 1) % 10), *people[bad_at][1:])  # a wrong check digit
    response = upload(post, csv_bytes(rows_for(world["hospital"], world["a"], people)))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Filen ble avvist med 1 feil. Ingenting er lagret." in html
    errors = error_rows(html)
    assert len(errors) == 1
    assert errors[0][0] == str(bad_at + 2) and errors[0][1] == "fodselsnummer"
    assert stored(factory) == (0, 0)


def test_a_file_with_many_bad_lines_shows_every_one(post, factory, officer, world):
    rows = good_rows(world)
    rows[0]["kontingent"] = "mye"
    rows[2]["orgnr"] = "123"
    response = upload(post, csv_bytes(rows))
    assert response.status_code == 422
    assert [(row, column) for row, column, _ in error_rows(response.get_data(as_text=True))] == [
        ("2", "kontingent"), ("4", "orgnr")]
    assert stored(factory) == (0, 0)


@pytest.mark.parametrize("files, message", [
    ({}, "Velg en fil å laste opp."),
    ({"file": (io.BytesIO(b""), "tom.csv")}, "Filen er tom."),
])
def test_no_file_or_an_empty_file_is_told_next_to_the_field(post, factory, officer, world, files, message):
    response = post("/trekklister/last-opp", files, content_type="multipart/form-data")
    assert response.status_code == 422
    error = re.search(r'<p class="error" id="file-error">([^<]*)</p>', response.get_data(as_text=True))
    assert error and error.group(1) == message
    assert stored(factory) == (0, 0)


def test_an_employer_contact_cannot_upload(client, login, post, factory, world):
    login(factory.user("employer", employers=[world["hospital"]]))
    assert client.get("/trekklister/last-opp").status_code == 403
    assert upload(post, csv_bytes(good_rows(world))).status_code == 403
    assert stored(factory) == (0, 0)
