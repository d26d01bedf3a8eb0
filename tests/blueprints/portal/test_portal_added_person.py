"""A person the payroll office adds to a list shows only what it typed (issue 12, hole 1; DOMAIN.md
section 1): the register never tells an employer whether someone is a member, their member number or
their name, before or after the union has handled the line.

"Sykehuset AS" has Aas and Berg of "Lag A" on its March 2026 list. Its payroll office adds two persons
deducted but not on the list: Randi Hansen, a member of a branch in another county (member number
777001; the office types her as "Hansen, R."), and someone the register does not know ("Olsen, O.").
Both are typed with the same amounts; the union (the central registry) later accepts the member's
line and marks the other "not a member"."""
import io
import random
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from blueprints.deviations import services as deviations
from models import DeductionLine, DeductionList, Person, db
from tests.factories import make_national_id
from tests.pages import sign_in, text

MARCH = date(2026, 3, 1)
MEMBER_NUMBER = "777001"
REGISTER_FIRST_NAME = "Randi"


@pytest.fixture
def world(app, factory):
    branch = factory.branch(factory.county(), name="Lag A")
    employer = factory.employer(name="Sykehuset AS")
    workplace = factory.workplace(employer, branch, name="Sengepost 3")
    for name in ("Aas", "Berg"):
        factory.member(branch, workplace=workplace, first_name="Test", last_name=name)
    elsewhere = factory.branch(factory.county(name="Nordland"), name="Lag Nord")
    member = factory.member(elsewhere, number=int(MEMBER_NUMBER), first_name=REGISTER_FIRST_NAME, last_name="Hansen",
                            birth=date(1985, 4, 12))
    member_nid = factory.session.get(Person, member.person_id).national_id
    stranger_nid = make_national_id(date(1985, 4, 13), random.Random(12))
    contact = factory.user("employer", employers=[employer])
    central = factory.user("central")
    with app.app_context():
        deviations.form_lists(MARCH, only=(employer.id, branch.id))
        list_id = db.session.scalar(sa.select(DeductionList.id).where(DeductionList.employer_id == employer.id))
        db.session.commit()
    return {"list_id": list_id, "url": f"/portal/liste/{list_id}", "contact": contact, "central": central,
            "member": member_nid, "stranger": stranger_nid}


TYPED = {"member": ("Hansen", "R."), "stranger": ("Olsen", "O.")}


def add_both(client, world):
    """The payroll office adds the member, then the stranger, each with 400 kr + 125 kr."""
    page = client.get(world["url"]).get_data(as_text=True)
    rows = {f"r{n}-outcome": "deducted" for n in re.findall(r'name="r(\d+)-outcome"', page)}
    for who in ("member", "stranger"):
        last, first = TYPED[who]
        response = client.post(world["url"], data=rows | {
            "ny-national_id": world[who], "ny-last_name": last, "ny-first_name": first, "ny-dues": "400,00",
            "ny-insurance": "125,00", "handling": "lagre", "csrf_token": client.csrf})
        assert response.status_code == 303, text(response.get_data(as_text=True))
        page = client.get(world["url"]).get_data(as_text=True)
        rows |= {f"n{n}-keep": "added" for n in re.findall(r'name="n(\d+)-keep"', page)}
        rows |= {f"n{n}-{field}": value for n in re.findall(r'name="n(\d+)-keep"', page)
                 for field, value in (("dues", "400,00"), ("insurance", "125,00"))}


def masked(fragment: str, world, who: str) -> str:
    """The text of a row with what the office typed for `who` replaced, so that two rows compare."""
    last, first = TYPED[who]
    nid = world[who]
    return (text(fragment).replace(f"{nid[:6]} {nid[6:]}", "<fnr>").replace(nid, "<fnr>")
            .replace(f"{last}, {first}", "<navn>"))


def added_rows(page: str, world) -> dict[str, str]:
    """who → the text of the row of the added person, masked."""
    rows = re.findall(r"<tr[^>]*>.*?</tr>", page, re.S)
    found = {}
    for who, (last, first) in TYPED.items():
        mine = [row for row in rows if f"{last}, {first}" in text(row)]
        assert len(mine) == 1, (who, mine)
        found[who] = masked(mine[0], world, who)
    return found


def export_rows(client, world, fmt: str) -> list[list[str]]:
    response = client.get(f"{world['url']}?format={fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        return [line.split(";") for line in response.get_data(as_text=True).lstrip("\ufeff").splitlines()]
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    return [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]


def assert_only_typed(client, world, moment: str):
    """Nothing of what the register knows of the member shows, and her row equals the stranger's apart
    from the typed values: on the page, its htmx fragment, in both exports and on the list's messages
    page and the overview."""
    page = client.get(world["url"]).get_data(as_text=True)
    part = client.get(world["url"], headers={"HX-Request": "true"}).get_data(as_text=True)  # htmx's fragment
    assert part.lstrip().startswith('<div id="list-body">')
    assert added_rows(part, world) == added_rows(page, world)
    for fragment in (page, part, client.get("/portal").get_data(as_text=True),
                     client.get(f"/portal/liste/{world['list_id']}/meldinger").get_data(as_text=True)):
        assert MEMBER_NUMBER not in fragment, moment
        assert REGISTER_FIRST_NAME not in fragment, moment
        assert "ikke medlem" not in text(fragment).lower(), moment
    rows = added_rows(page, world)
    assert rows["member"] == rows["stranger"], moment
    for fmt in ("csv", "xlsx"):
        table = export_rows(client, world, fmt)
        flat = " ".join(" ".join(row) for row in table)
        assert MEMBER_NUMBER not in flat and REGISTER_FIRST_NAME not in flat, (moment, fmt)
        by_who = {}
        for who, (last, first) in TYPED.items():
            mine = [row for row in table if f"{last}, {first}" in row]
            assert len(mine) == 1, (moment, fmt, who)
            by_who[who] = [cell for cell in mine[0] if cell not in (f"{last}, {first}", world[who])]
        assert by_who["member"] == by_who["stranger"], (moment, fmt)
    return rows


def test_an_added_member_of_another_county_shows_only_what_the_employer_typed(app, world, session):
    contact = sign_in(app, world["contact"])
    add_both(contact, world)
    before = assert_only_typed(contact, world, "draft")
    assert "Registrert av dere" in before["member"]

    response = contact.post(f"{world['url']}/send", data={"csrf_token": contact.csrf})
    assert response.status_code == 303
    session.expire_all()
    line = session.scalar(sa.select(DeductionLine).where(DeductionLine.list_id == world["list_id"],
                                                         DeductionLine.national_id == world["member"]))
    assert str(line.member_number) == MEMBER_NUMBER  # the union's side links the line to the register
    sent = assert_only_typed(contact, world, "sent")
    assert "Registrert av dere" in sent["member"] and "Hansen, R." in contact.get(world["url"]).get_data(as_text=True)

    with app.app_context():  # the union handles both: the member's line accepted, the other not a member
        central = db.session.get(type(world["central"]), world["central"].id)
        for who, action in (("member", "accepted"), ("stranger", "not_member")):
            found = db.session.scalar(sa.select(DeductionLine).where(
                DeductionLine.list_id == world["list_id"], DeductionLine.national_id == world[who]))
            deviations.resolve(central, found, action, {})
        db.session.commit()
    handled = assert_only_typed(contact, world, "handled by the union")
    assert "Behandlet" in handled["member"] and "Registrert av dere" not in handled["member"]
