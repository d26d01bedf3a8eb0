"""Workplace scope in the employer portal (issue 12, section 3; DOMAIN.md section 1): a contact
answering for some workplaces of an employer sees, enters and approves only those workplaces' lines,
its part of the list; the list goes to the union when every part is approved, and the union's list
page shows who approved which part and when. A contact of the whole employer sees all of it.

"Storsykehuset" has three workplaces in "Lag A": Akutten (Aas, Alm), Barneklinikken (Bakke) and
Kreftavdelingen (Dahl, Dal). "Ward contact" answers for Akutten and Barneklinikken, "cancer contact"
for Kreftavdelingen, "payroll" for the whole employer."""
import io
import random
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from blueprints.deviations import services as deviations
from models import DeductionLine, DeductionList, Person, PortalEntry, UserScope, db
from models.portal import PortalApproval
from tests.factories import make_national_id
from tests.pages import sign_in, text

MARCH = date(2026, 3, 1)
WARDS = {"Akutten": ("Aas", "Alm"), "Barneklinikken": ("Bakke",), "Kreftavdelingen": ("Dahl", "Dal")}


def workplace_contact(factory, session, *workplaces):
    user = factory.user("employer")
    for workplace in workplaces:
        session.add(UserScope(user_id=user.id, kind="workplace", ref_id=workplace.id))
    session.flush()
    session.refresh(user)
    return user


@pytest.fixture
def world(app, factory, session):
    branch = factory.branch(factory.county(), name="Lag A")
    employer = factory.employer(name="Storsykehuset")
    workplaces = {name: factory.workplace(employer, branch, name=name) for name in WARDS}
    nids = {}
    for ward, names in WARDS.items():
        for name in names:
            member = factory.member(branch, workplace=workplaces[ward], first_name="Test", last_name=name)
            nids[name] = session.get(Person, member.person_id).national_id
    users = {"ward": workplace_contact(factory, session, workplaces["Akutten"], workplaces["Barneklinikken"]),
             "cancer": workplace_contact(factory, session, workplaces["Kreftavdelingen"]),
             "payroll": factory.user("employer", employers=[employer]),
             "officer": factory.user("branch", branches=[branch])}
    with app.app_context():
        deviations.form_lists(MARCH, only=(employer.id, branch.id))
        list_id = db.session.scalar(sa.select(DeductionList.id).where(DeductionList.employer_id == employer.id))
        db.session.commit()
    return {"list_id": list_id, "url": f"/portal/liste/{list_id}", "nids": nids, "users": users,
            "workplaces": {name: workplace.id for name, workplace in workplaces.items()}, "branch": branch,
            "employer": employer}


def lines(session, world) -> dict[str, DeductionLine]:
    session.expire_all()
    return {line.name.split(",")[0]: line for line in session.scalars(
        sa.select(DeductionLine).where(DeductionLine.list_id == world["list_id"]))}


def shown(fragment: str, world) -> set[str]:
    """The members whose identity number (as the page or a file writes it) is in `fragment`."""
    return {name for name, nid in world["nids"].items() if nid in fragment or f"{nid[:6]} {nid[6:]}" in fragment}


def export(client, url: str, fmt: str) -> str:
    response = client.get(url + ("&" if "?" in url else "?") + f"format={fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        return response.get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    return "\n".join(";".join("" if v is None else str(v) for v in row) for row in sheet.iter_rows(values_only=True))


def rows_of(page: str) -> list[str]:
    return re.findall(r'name="(r\d+)-outcome"', page)


def test_forming_gives_each_line_its_workplace(world, session):
    found = lines(session, world)
    ids = world["workplaces"]
    assert {name: line.workplace_id for name, line in found.items()} == {
        "Aas": ids["Akutten"], "Alm": ids["Akutten"], "Bakke": ids["Barneklinikken"],
        "Dahl": ids["Kreftavdelingen"], "Dal": ids["Kreftavdelingen"]}


def test_a_workplace_contact_sees_only_its_workplaces_lines(app, world):
    ward = sign_in(app, world["users"]["ward"])
    page = ward.get(world["url"]).get_data(as_text=True)
    assert shown(page, world) == {"Aas", "Alm", "Bakke"}
    assert "Dahl" not in page and "Kreftavdelingen" not in page
    assert len(rows_of(page)) == 3
    # the facts are its part's: 3 members, and the workplace column and filter
    assert re.search(r'class="member-count">3<', page)
    assert 'name="arbeidssted"' in page and ">Akutten</option>" in page and ">Barneklinikken</option>" in page
    assert '<td class="workplace">Barneklinikken</td>' in page
    for fmt in ("csv", "xlsx"):
        assert shown(export(ward, world["url"], fmt), world) == {"Aas", "Alm", "Bakke"}, fmt

    # filtered to one workplace (the page, its htmx fragment and the export); another's is not a filter
    one = f"{world['url']}?arbeidssted={world['workplaces']['Barneklinikken']}"
    assert shown(ward.get(one).get_data(as_text=True), world) == {"Bakke"}
    fragment = ward.get(one, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="list-body">') and shown(fragment, world) == {"Bakke"}
    assert shown(export(ward, one, "csv"), world) == {"Bakke"}
    other = f"{world['url']}?arbeidssted={world['workplaces']['Kreftavdelingen']}"
    assert shown(ward.get(other).get_data(as_text=True), world) == {"Aas", "Alm", "Bakke"}

    # the overview counts its part; the changes since last month are its members' too
    overview = ward.get("/portal").get_data(as_text=True)
    assert re.search(r'<td class="num">3</td>', overview) and "din del" in overview


def test_a_contact_of_the_whole_employer_sees_everything(app, world):
    payroll = sign_in(app, world["users"]["payroll"])
    page = payroll.get(world["url"]).get_data(as_text=True)
    assert shown(page, world) == set(world["nids"])
    assert re.search(r'class="member-count">5<', page)
    assert shown(export(payroll, world["url"], "xlsx"), world) == set(world["nids"])
    assert '<td class="workplace">Kreftavdelingen</td>' in page


def test_a_workplace_contact_cannot_save_another_workplaces_line(app, world, session):
    ward = sign_in(app, world["users"]["ward"])
    found = lines(session, world)
    rows = {f"r{found[name].id}-outcome": "deducted" for name in ("Aas", "Alm", "Bakke")}
    response = ward.post(world["url"], data=rows | {
        f"r{found['Dahl'].id}-outcome": "not_deducted", f"r{found['Dahl'].id}-reason": "left",
        "csrf_token": ward.csrf})
    assert response.status_code == 303
    session.expire_all()
    saved = session.scalars(sa.select(PortalEntry).where(PortalEntry.list_id == world["list_id"])).all()
    assert {entry.last_name for entry in saved} == {"Aas", "Alm", "Bakke"}
    assert {entry.workplace_id for entry in saved} == {world["workplaces"]["Akutten"],
                                                       world["workplaces"]["Barneklinikken"]}
    # and may add a person only at its own workplaces
    response = ward.post(world["url"], data=rows | {
        "ny-workplace": str(world["workplaces"]["Kreftavdelingen"]), "ny-national_id": make_national_id(
            date(1990, 2, 3), random.Random(4)), "ny-last_name": "Ny", "ny-first_name": "Nina", "ny-dues": "400",
        "ny-insurance": "0", "csrf_token": ward.csrf})
    assert response.status_code == 422
    assert "Velg arbeidsstedet der personen ble trukket." in text(response.get_data(as_text=True))


def test_approving_approves_only_the_contacts_part_and_the_union_sees_who(app, world, session):
    ward, cancer = sign_in(app, world["users"]["ward"]), sign_in(app, world["users"]["cancer"])
    found = lines(session, world)
    rows = {f"r{found[name].id}-outcome": "deducted" for name in ("Aas", "Alm", "Bakke")}
    rows |= {f"r{found['Alm'].id}-outcome": "not_deducted", f"r{found['Alm'].id}-reason": "left",
             f"r{found['Alm'].id}-comment": "Sluttet 28.02", "handling": "send", "csrf_token": ward.csrf}
    assert ward.post(world["url"], data=rows).headers["Location"] == f"{world['url']}/send"
    confirm = text(ward.get(f"{world['url']}/send").get_data(as_text=True))
    assert "Godkjenn din del av trekkliste 03.2026" in confirm
    assert "Du godkjenner Akutten, Barneklinikken" in confirm
    assert "1 del for andre arbeidssteder" in confirm and "Dahl" not in confirm
    assert "Trukket for 2 personer" in confirm  # Aas and Bakke; Alm not deducted

    response = ward.post(f"{world['url']}/send", data={"csrf_token": ward.csrf})
    assert response.status_code == 303
    page = ward.get(world["url"]).get_data(as_text=True)
    assert "Din del av trekklisten for 03.2026 er godkjent (Akutten, Barneklinikken)" in text(page)
    assert "Din del er godkjent; venter på resten av listen" in text(page)
    overview = ward.get("/portal").get_data(as_text=True)
    in_progress = re.search(r'<section id="in-progress".*?</section>', overview, re.S).group(0)
    assert f'/portal/liste/{world["list_id"]}"' in in_progress and "din del er godkjent" in in_progress
    session.expire_all()
    deduction_list = session.get(DeductionList, world["list_id"])
    assert deduction_list.state == "expected"
    approvals = session.scalars(sa.select(PortalApproval).where(PortalApproval.list_id == world["list_id"])).all()
    assert {(a.workplace_id, a.user_id, a.line_count) for a in approvals} == {
        (world["workplaces"]["Akutten"], world["users"]["ward"].id, 2),
        (world["workplaces"]["Barneklinikken"], world["users"]["ward"].id, 1)}

    # its approved rows are locked: a changed row is not read, approving again is refused
    locked = ward.post(world["url"], data={f"r{found['Aas'].id}-outcome": "not_deducted",
                                           f"r{found['Aas'].id}-reason": "sick", "csrf_token": ward.csrf})
    assert locked.status_code == 303
    session.expire_all()
    assert session.scalar(sa.select(PortalEntry.outcome).where(PortalEntry.line_id == found["Aas"].id)) == "deducted"
    again = ward.post(f"{world['url']}/send", data={"csrf_token": ward.csrf})
    assert again.status_code == 422 and "ingenting å godkjenne" in text(again.get_data(as_text=True))

    # the union's list page: which part is approved by whom, and which still waits
    officer = sign_in(app, world["users"]["officer"])
    union = officer.get(f"/trekklister/{world['list_id']}").get_data(as_text=True)
    parts = re.search(r'<section class="approval-parts".*?</section>', union, re.S).group(0)
    assert re.search(r'data-state="approved">\s*<th scope="row">Akutten</th>\s*<td class="num">2</td>\s*'
                     r'<td class="approved-by">Test employer</td>', parts)
    assert re.search(r'data-state="approved">\s*<th scope="row">Barneklinikken</th>', parts)
    assert re.search(r'data-state="waiting">\s*<th scope="row">Kreftavdelingen</th>', parts)
    assert "Venter på godkjenning" in text(parts)

    # the last part approved sends the whole list
    assert cancer.post(f"{world['url']}/send", data={"csrf_token": cancer.csrf}).status_code == 303
    session.expire_all()
    deduction_list = session.get(DeductionList, world["list_id"])
    assert (deduction_list.state, deduction_list.sent_by) == ("received", world["users"]["cancer"].id)
    found = lines(session, world)
    assert found["Alm"].status == "missing" and found["Alm"].employer_comment == "Sluttet 28.02"
    assert {found[name].status for name in ("Aas", "Bakke", "Dahl", "Dal")} == {"matched"}
    union = text(officer.get(f"/trekklister/{world['list_id']}").get_data(as_text=True))
    assert "Kreftavdelingen 2 Test employer" in union and "Venter på godkjenning" not in union
    # the cancer contact sees what was sent of its part only
    sent = cancer.get(world["url"]).get_data(as_text=True)
    assert shown(sent, world) == {"Dahl", "Dal"}


def test_of_two_contacts_approving_at_once_the_second_is_told(app, world, session):
    """The list's version goes up with each approval: a contact whose page was read before another
    contact's approval was committed gets the conflict (409 on the page), not a list that is never sent."""
    from sqlalchemy.orm.exc import StaleDataError

    from blueprints.portal import services

    ward = sign_in(app, world["users"]["ward"])
    found = lines(session, world)
    rows = {f"r{found[name].id}-outcome": "deducted" for name in ("Aas", "Alm", "Bakke")}
    assert ward.post(world["url"], data={**rows, "handling": "save", "csrf_token": ward.csrf}).status_code == 303
    with app.app_context():
        seen = db.session.get(DeductionList, world["list_id"])  # as the ward contact's request read it
        db.session.execute(sa.update(DeductionList).where(DeductionList.id == world["list_id"])
                           .values(version=DeductionList.version + 1)  # another contact's approval, committed
                           .execution_options(synchronize_session=False))
        with pytest.raises(StaleDataError):
            services.approve(db.session.get(type(world["users"]["ward"]), world["users"]["ward"].id), seen)


def test_a_contact_of_the_whole_employer_approves_all_of_it_at_once(app, world, session):
    payroll = sign_in(app, world["users"]["payroll"])
    confirm = text(payroll.get(f"{world['url']}/send").get_data(as_text=True))
    assert "Godkjenn og send trekkliste 03.2026" in confirm and "Trukket for 5 personer" in confirm
    assert payroll.post(f"{world['url']}/send", data={"csrf_token": payroll.csrf}).status_code == 303
    session.expire_all()
    assert session.get(DeductionList, world["list_id"]).state == "received"
    approvals = session.scalars(sa.select(PortalApproval).where(PortalApproval.list_id == world["list_id"])).all()
    assert [(a.workplace_id, a.user_id, a.line_count) for a in approvals] == [(None, world["users"]["payroll"].id, 5)]
    officer = sign_in(app, world["users"]["officer"])
    union = text(officer.get(f"/trekklister/{world['list_id']}").get_data(as_text=True))
    assert "Akutten 2 Test employer (for hele arbeidsgiveren)" in union


def test_a_person_added_for_a_workplace_belongs_to_it(app, world, session):
    """The ward contact adds a newcomer at Akutten and, deducted at both places, Dahl of Kreftavdelingen:
    it is not told that Dahl is on the list. The cancer contact sees neither; after sending, the lines
    of both belong to Akutten."""
    ward = sign_in(app, world["users"]["ward"])
    newcomer = make_national_id(date(1994, 6, 6), random.Random(21))
    for nid, last in ((newcomer, "Ny"), (world["nids"]["Dahl"], "Dahl")):
        added = re.findall(r'name="n(\d+)-keep"', ward.get(world["url"]).get_data(as_text=True))
        response = ward.post(world["url"], data={f"n{n}-{field}": value for n in added for field, value in (
            ("keep", "added"), ("dues", "300"), ("insurance", "0"))} | {
            "ny-workplace": str(world["workplaces"]["Akutten"]), "ny-national_id": nid, "ny-last_name": last,
            "ny-first_name": "Nina", "ny-dues": "300", "ny-insurance": "0", "csrf_token": ward.csrf})
        assert response.status_code == 303, text(response.get_data(as_text=True))
    page = text(ward.get(world["url"]).get_data(as_text=True))
    assert "Dahl, Nina" in page and "Dahl, Test" not in page and "står allerede" not in page

    cancer = sign_in(app, world["users"]["cancer"])
    assert "Ny, Nina" not in cancer.get(world["url"]).get_data(as_text=True)
    for contact in (ward, cancer):
        assert contact.post(f"{world['url']}/send", data={"csrf_token": contact.csrf}).status_code == 303
    session.expire_all()
    added = session.scalars(sa.select(DeductionLine).where(
        DeductionLine.list_id == world["list_id"], DeductionLine.expected.is_(False))).all()
    assert {(line.name, line.workplace_id, line.status) for line in added} == {
        ("Ny, Nina", world["workplaces"]["Akutten"], "unexpected"),
        ("Dahl, Nina", world["workplaces"]["Akutten"], "unexpected")}
    assert "Ny, Nina" in ward.get(world["url"]).get_data(as_text=True)
    assert "Ny, Nina" not in cancer.get(world["url"]).get_data(as_text=True)


def test_a_member_of_another_branch_working_at_the_workplace_brings_that_list(app, factory, world, session):
    """A member of "Lag B" at Akutten is on Storsykehuset's list of Lag B: the ward contact sees that list
    (with that line only), though Akutten belongs to Lag A."""
    other = factory.branch(name="Lag B")
    workplace = session.get(type(factory.workplace()), world["workplaces"]["Akutten"])
    factory.member(other, workplace=workplace, first_name="Test", last_name="Berg")
    with app.app_context():
        deviations.form_lists(MARCH, only=(world["employer"].id, other.id))
        db.session.commit()
    list_b = session.scalar(sa.select(DeductionList.id).where(DeductionList.branch_id == other.id))
    ward, cancer = sign_in(app, world["users"]["ward"]), sign_in(app, world["users"]["cancer"])
    assert f'/portal/liste/{list_b}"' in ward.get("/portal").get_data(as_text=True)
    assert "Berg, Test" in ward.get(f"/portal/liste/{list_b}").get_data(as_text=True)
    assert cancer.get(f"/portal/liste/{list_b}").status_code == 404
