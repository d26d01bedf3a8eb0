"""A person a workplace contact adds who is expected at another workplace of the same list (DOMAIN.md
section 1: an employer contact never learns whether someone outside its own lines is a member).

In the world of test_portal_workplaces, the ward contact (Akutten, Barneklinikken) adds "Dahl, Nina" at
Akutten with Dahl's identity number; Dahl is expected at Kreftavdelingen, where the cancer contact marks
him not deducted. When both parts are approved, the ward contact's added row must not be paired with
Dahl's expected line (its row and comment would vanish from its view, telling it that Dahl is a member):
it keeps seeing exactly what it typed, and the union gets both lines. Approving the last part also says
what the whole list costs, since the KID pays the whole list."""
import re

import sqlalchemy as sa

from blueprints.deviations import services as deviations
from models import DeductionLine, DeductionList, db
from rules.money import format_kroner
from tests.blueprints.portal import test_portal_workplaces as workplaces
from tests.pages import sign_in, text

world = workplaces.world  # the fixture: Storsykehuset's list with its ward, cancer and payroll contacts
export, lines = workplaces.export, workplaces.lines

TYPED_COMMENT = "Begynte hos oss 01.03"
OTHER_COMMENT = "Sluttet hos oss 28.02"


def add_dahl(client, world):
    found = re.findall(r'name="n(\d+)-keep"', client.get(world["url"]).get_data(as_text=True))
    assert not found
    response = client.post(world["url"], data={
        "ny-workplace": str(world["workplaces"]["Akutten"]), "ny-national_id": world["nids"]["Dahl"],
        "ny-last_name": "Dahl", "ny-first_name": "Nina", "ny-dues": "300", "ny-insurance": "0",
        "ny-comment": TYPED_COMMENT, "csrf_token": client.csrf})
    assert response.status_code == 303, text(response.get_data(as_text=True))


def assert_only_typed(client, world, member_number: int, status: str, moment: str, exported: str | None = None):
    """The ward contact sees its added row as typed and nothing of Dahl's expected line."""
    nid = world["nids"]["Dahl"]
    page = client.get(world["url"]).get_data(as_text=True)
    fragment = client.get(world["url"], headers={"HX-Request": "true"}).get_data(as_text=True)
    for shown in (page, fragment):
        words = text(shown)
        assert "Dahl, Nina" in words and TYPED_COMMENT in shown, moment  # the draft's comment is a field
        assert "Dahl, Test" not in words and OTHER_COMMENT not in words, moment
        assert "Kreftavdelingen" not in words, moment
        assert not re.search(rf"\b{member_number}\b", shown), moment
        row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Dahl, Nina.*?</tr>", shown, re.S)
        assert row and status in text(row.group(0)), moment
    for fmt in ("csv", "xlsx"):
        table = export(client, world["url"], fmt)
        mine = [row for row in table.splitlines() if nid in row or f"{nid[:6]} {nid[6:]}" in row]
        assert len(mine) == 1, (moment, fmt, mine)
        assert "Dahl, Nina" in mine[0] and TYPED_COMMENT in mine[0] and (exported or status) in mine[0], (moment, fmt)
        assert "Dahl, Test" not in table and OTHER_COMMENT not in table, (moment, fmt)
        assert not re.search(rf"\b{member_number}\b", table), (moment, fmt)


def test_a_person_added_who_is_expected_at_another_workplace_stays_as_typed(app, world, session):
    ward, cancer = sign_in(app, world["users"]["ward"]), sign_in(app, world["users"]["cancer"])
    dahl = lines(session, world)["Dahl"]
    add_dahl(ward, world)
    response = cancer.post(world["url"], data={
        f"r{dahl.id}-outcome": "not_deducted", f"r{dahl.id}-reason": "left", f"r{dahl.id}-comment": OTHER_COMMENT,
        "csrf_token": cancer.csrf})
    assert response.status_code == 303, text(response.get_data(as_text=True))
    assert_only_typed(ward, world, dahl.member_number, "Registrert av dere", "draft", exported="Utkast")

    # the ward part first: its flash says the part is approved and the list waits for the rest
    assert ward.post(f"{world['url']}/send", data={"csrf_token": ward.csrf}).status_code == 303
    waiting = text(ward.get(world["url"]).get_data(as_text=True))
    assert "Din del av trekklisten for 03.2026 er godkjent (Akutten, Barneklinikken). Listen sendes til " \
           "fagforeningen når resten av den er godkjent." in waiting
    assert "Å betale:" not in waiting

    # the last part sends the list: the flash gives the whole list's amount, which the KID pays
    assert cancer.post(f"{world['url']}/send", data={"csrf_token": cancer.csrf}).status_code == 303
    session.expire_all()
    deduction_list = session.get(DeductionList, world["list_id"])
    assert deduction_list.state == "received"
    found = lines(session, world)
    cancer_part = found["Dal"].expected_total_ore
    assert deduction_list.reported_total_ore == sum(
        found[name].expected_total_ore for name in ("Aas", "Alm", "Bakke", "Dal")) + 30000
    sent = text(cancer.get(world["url"]).get_data(as_text=True))
    assert (f"Trekklisten for 03.2026 er godkjent og sendt til fagforeningen. Å betale: "
            f"{format_kroner(deduction_list.reported_total_ore)} kr med KID {deduction_list.kid}.") in sent
    assert f"Å betale: {format_kroner(cancer_part)} kr" not in sent

    # the ward contact still sees its row as typed, and nothing of Dahl's expected line
    assert_only_typed(ward, world, dahl.member_number, "Registrert av dere", "sent")

    # the union gets both lines: Dahl's expected line missing with the cancer contact's words, and the
    # ward contact's added line, unexpected at Akutten with its comment
    both = session.scalars(sa.select(DeductionLine).where(
        DeductionLine.list_id == world["list_id"], DeductionLine.national_id == world["nids"]["Dahl"])).all()
    assert sorted((line.expected, line.name, line.status, line.workplace_id, line.employer_comment)
                  for line in both) == [
        (False, "Dahl, Nina", "unexpected", world["workplaces"]["Akutten"], TYPED_COMMENT),
        (True, "Dahl, Test", "missing", world["workplaces"]["Kreftavdelingen"], OTHER_COMMENT)]
    officer = sign_in(app, world["users"]["officer"])
    union = text(officer.get(f"/trekklister/{world['list_id']}").get_data(as_text=True))
    assert "Dahl, Nina" in union and "Dahl, Test" in union

    with app.app_context():  # the union accepts the added line: the ward contact sees it handled
        central = db.session.get(type(world["users"]["officer"]), world["users"]["officer"].id)
        added = db.session.scalar(sa.select(DeductionLine).where(
            DeductionLine.list_id == world["list_id"], DeductionLine.expected.is_(False)))
        deviations.resolve(central, added, "accepted", {})
        db.session.commit()
    assert_only_typed(ward, world, dahl.member_number, "Behandlet", "handled by the union")
