"""The queue "new members to put on deduction": grouped by employer, without transfers (code 1) and
without members out of scope, with the payroll notice, the export and the notified marks."""
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from models import AuditLog, Employment, Membership
from web import clock

PERIOD = {"fra": "02.03.2026", "til": "08.03.2026"}
IN_PERIOD = date(2026, 3, 3)


@pytest.fixture
def branch(factory):
    return factory.branch(number=4601, name="Bergen Fagforening", rate_bp=175)


@pytest.fixture
def employers(factory, branch):
    haukeland = factory.employer(name="Haukeland universitetssjukehus", orgnr="983974724")
    kommune = factory.employer(name="Bergen kommune", orgnr="964338531")
    return {
        "haukeland": factory.workplace(haukeland, branch, name="Sengepost 3"),
        "kommune": factory.workplace(kommune, branch, name="Årstad sykehjem"),
    }


@pytest.fixture
def world(factory, session, branch, employers):
    """New members of the week at two employers, and those that must not be in the queue."""
    other_branch = factory.branch(branch.county)
    members = {
        "anne": factory.member(branch, workplace=employers["haukeland"], start=IN_PERIOD, first_name="Anne",
                               last_name="Aas"),
        "bodil": factory.member(branch, workplace=employers["haukeland"], start=date(2026, 3, 8),
                                first_name="Bodil", last_name="Berg"),
        "carl": factory.member(branch, workplace=employers["kommune"], start=IN_PERIOD, first_name="Carl",
                               last_name="Dahl"),
        "transfer": factory.member(branch, workplace=employers["haukeland"], start=IN_PERIOD,
                                   first_name="Trine", last_name="Overført"),
        "other_branch": factory.member(other_branch, workplace=employers["haukeland"], start=IN_PERIOD,
                                       first_name="Olga", last_name="Annenstad"),
        "last_week": factory.member(branch, workplace=employers["haukeland"], start=date(2026, 3, 1),
                                    first_name="Lars", last_name="Forrige"),
        "invoiced": factory.member(branch, workplace=employers["kommune"], start=IN_PERIOD,
                                   first_name="Inger", last_name="Faktura"),
    }
    members["transfer"].enrollment_code = 1
    session.scalar(sa.select(Employment).where(Employment.membership_id == members["invoiced"].id)) \
        .payment_method = "invoice"
    session.flush()
    return members


@pytest.fixture
def officer(factory, branch, login):
    user = factory.user("branch", branches=[branch])
    login(user)
    return user


def groups(html: str) -> dict[str, list[str]]:
    """Employer heading → the names listed under it."""
    found = {}
    for section in re.findall(r'<section class="employer-group".*?</section>', html, re.S):
        heading = re.search(r"<h2[^>]*>([^<]+?) <span", section).group(1)
        found[heading] = re.findall(r'<td><a href="/medlemmer/\d+">([^<]+)</a></td>', section)
    return found


def test_the_queue_groups_the_weeks_new_members_by_employer(client, officer, world):
    response = client.get("/innmelding/ny-trekk", query_string=PERIOD)
    assert response.status_code == 200
    assert groups(response.get_data(as_text=True)) == {
        "Bergen kommune": ["Dahl, Carl"],
        "Haukeland universitetssjukehus": ["Aas, Anne", "Berg, Bodil"],
    }


def test_a_row_shows_the_member_and_the_dues_of_the_start_date(client, officer, world):
    html = client.get("/innmelding/ny-trekk", query_string=PERIOD).get_data(as_text=True)
    anne = world["anne"]
    row = re.search(rf"<tr>\s*<td><a href=\"/medlemmer/{anne.person_id}\">.*?</tr>", html, re.S).group(0)
    national_id = anne.person.national_id
    for text in (f"{national_id[:6]} {national_id[6:]}", str(anne.member_number), "03.03.2026", "Sengepost 3",
                 "100 %", "1,75 %", "749,00 kr", "125,00 kr", "Merk som varslet"):
        assert text in row, text  # 1,75 % of 45 000 capped at 749; 74 + 26 + 25 fixed (2022 rates)


def test_the_queue_defaults_to_this_week(client, officer, factory, branch, employers):
    monday = clock.today() - timedelta(days=clock.today().weekday())
    factory.member(branch, workplace=employers["kommune"], start=monday + timedelta(days=6), first_name="Sunniva",
                   last_name="Søndag")
    factory.member(branch, workplace=employers["kommune"], start=monday - timedelta(days=1), first_name="Forrige",
                   last_name="Uke")
    html = client.get("/innmelding/ny-trekk").get_data(as_text=True)
    assert groups(html) == {"Bergen kommune": ["Søndag, Sunniva"]}
    assert f'value="{monday:%d.%m.%Y}"' in html


def test_a_county_sees_the_new_members_of_all_its_branches(client, login, factory, branch, world):
    login(factory.user("county", counties=[branch.county]))
    html = client.get("/innmelding/ny-trekk", query_string=PERIOD).get_data(as_text=True)
    assert groups(html)["Haukeland universitetssjukehus"] == ["Aas, Anne", "Annenstad, Olga", "Berg, Bodil"]


def test_a_wrong_period_is_told_and_this_week_shown(client, officer):
    response = client.get("/innmelding/ny-trekk", query_string={"fra": "32.13.2026", "til": "01.01.2026"})
    assert response.status_code == 422
    assert "«32.13.2026» er ikke en gyldig dato." in response.get_data(as_text=True)
    response = client.get("/innmelding/ny-trekk", query_string={"fra": "08.03.2026", "til": "02.03.2026"})
    assert response.status_code == 422
    assert "Til-datoen kan ikke være før fra-datoen." in response.get_data(as_text=True)


def test_the_csv_export_has_the_rows(client, officer, world):
    response = client.get("/innmelding/ny-trekk", query_string={**PERIOD, "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Arbeidsgiver;Org.nr.;Arbeidssted;Navn;Fødselsnummer;Medlemsnr.;Startdato")
    assert len(lines) == 4
    anne = world["anne"]
    assert (f"Haukeland universitetssjukehus;983974724;Sengepost 3;Aas, Anne;{anne.person.national_id};"
            f"{anne.member_number};03.03.2026;100;1,75;749,00;125,00;4601 Bergen Fagforening;;") in lines
    assert not any("Overført" in line or "Annenstad" in line for line in lines)


def test_the_xlsx_export_has_numbers(client, officer, world):
    response = client.get("/innmelding/ny-trekk", query_string={**PERIOD, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[3] for row in rows] == ["Dahl, Carl", "Aas, Anne", "Berg, Bodil"]
    assert rows[1][8:11] == (1.75, 749, 125)


def test_the_notice_to_the_payroll_office_lists_the_members(client, officer, world, employers):
    employer_id = employers["haukeland"].employer_id
    response = client.get(f"/innmelding/ny-trekk/{employer_id}/varsel", query_string=PERIOD)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Lønningskontoret" in html and "983974724" in html
    anne = world["anne"]
    row = re.search(r"<tr><td>Aas, Anne</td>.*?</tr>", html, re.S).group(0)
    for text in (f"{anne.person.national_id[:6]} {anne.person.national_id[6:]}", "03.03.2026", "1,75 %",
                 "749,00 kr", "125,00 kr"):
        assert text in row, text
    assert "Berg, Bodil" in html and "Dahl, Carl" not in html and "Overført" not in html
    assert "Annenstad" not in html


def test_the_notice_of_an_unknown_employer_is_404(client, officer):
    assert client.get("/innmelding/ny-trekk/999999/varsel").status_code == 404


def test_marking_a_group_stores_date_and_who_and_is_audited(client, officer, post, session, world, employers):
    employer_id = employers["haukeland"].employer_id
    anne, bodil = world["anne"], world["bodil"]
    response = post(f"/innmelding/ny-trekk/{employer_id}/varslet", {**PERIOD, "m": [anne.id, bodil.id]})
    assert response.status_code == 303
    assert response.headers["Location"] == "/innmelding/ny-trekk?fra=02.03.2026&til=08.03.2026"

    session.expire_all()
    for member in (anne, bodil):
        membership = session.get(Membership, member.id)
        assert membership.start_notified_at is not None and membership.start_notified_by == officer.id
        audit = session.scalar(sa.select(AuditLog).where(AuditLog.entity_id == member.id,
                                                         AuditLog.entity == "membership"))
        assert audit.summary == "Lønningskontoret varslet om trekk for nytt medlem"
        assert ("Varslet av", None, officer.username) in audit.change_list
    assert session.get(Membership, world["carl"].id).start_notified_at is None

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 medlemmer hos Haukeland universitetssjukehus er merket som varslet." in page
    assert groups(page) == {"Bergen kommune": ["Dahl, Carl"]}  # the notified are hidden ...
    shown = client.get("/innmelding/ny-trekk", query_string={**PERIOD, "varslede": "y"}).get_data(as_text=True)
    assert groups(shown)["Haukeland universitetssjukehus"] == ["Aas, Anne", "Berg, Bodil"]  # ... unless asked for
    assert shown.count(f"Varslet {clock.now_oslo():%d.%m.%Y} av Test branch") == 2


def test_a_group_mark_touches_only_the_members_the_page_listed(client, officer, post, session, world, employers):
    employer_id = employers["haukeland"].employer_id
    post(f"/innmelding/ny-trekk/{employer_id}/varslet",
         {**PERIOD, "m": [world["anne"].id, world["transfer"].id, world["other_branch"].id, world["carl"].id]})
    session.expire_all()
    marked = {key for key, m in world.items() if session.get(Membership, m.id).start_notified_at is not None}
    assert marked == {"anne"}


def carl_mark(employers) -> str:
    return f"/innmelding/ny-trekk/{employers['kommune'].employer_id}/varslet"


def test_marking_one_member_with_the_rows_own_button(client, officer, post, session, world, employers):
    html = client.get("/innmelding/ny-trekk", query_string=PERIOD).get_data(as_text=True)
    button = re.search(rf'<button[^>]*value="{world["carl"].id}">Merk som varslet</button>', html).group(0)
    form = re.search(r'form="([^"]+)"', button).group(1)
    assert re.search(rf'<form method="post" action="{carl_mark(employers)}" id="{form}">', html)

    response = post(carl_mark(employers), {**PERIOD, "m": world["carl"].id})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Membership, world["carl"].id).start_notified_by == officer.id
    assert session.get(Membership, world["invoiced"].id).start_notified_at is None
    assert "1 medlem hos Bergen kommune er merket som varslet." in client.get(
        response.headers["Location"]).get_data(as_text=True)


def test_marking_twice_keeps_the_first_mark(client, officer, post, session, world, employers):
    post(carl_mark(employers), {**PERIOD, "m": world["carl"].id})
    session.expire_all()
    first = session.get(Membership, world["carl"].id).start_notified_at
    post(carl_mark(employers), {**PERIOD, "m": world["carl"].id, "varslede": "y"})
    session.expire_all()
    assert session.get(Membership, world["carl"].id).start_notified_at == first
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.entity_id == world["carl"].id, AuditLog.entity == "membership")) == 1


def test_a_member_out_of_scope_cannot_be_marked(client, officer, post, session, world, employers):
    other = world["other_branch"]
    haukeland = employers["haukeland"].employer_id
    response = post(f"/innmelding/ny-trekk/{haukeland}/varslet", {**PERIOD, "m": other.id})
    assert "0 medlemmer hos Haukeland universitetssjukehus er merket som varslet." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert post("/innmelding/ny-trekk/999999/varslet", {**PERIOD, "m": other.id}).status_code == 404
    session.expire_all()
    assert session.get(Membership, other.id).start_notified_at is None


def test_employer_contacts_may_not_see_the_queue(factory, client, login, post, employers):
    login(factory.user("employer", employers=[employers["haukeland"].employer]))
    assert client.get("/innmelding/ny-trekk").status_code == 403
    assert client.get(f"/innmelding/ny-trekk/{employers['haukeland'].employer_id}/varsel").status_code == 403
    assert post(f"/innmelding/ny-trekk/{employers['haukeland'].employer_id}/varslet", PERIOD).status_code == 403


def test_a_member_changed_by_someone_else_meanwhile_is_a_conflict(client, officer, post, session, world,
                                                                   employers):
    """Someone else saves the membership between this request's read and its write."""
    carl = world["carl"]

    def someone_else_saves(flushing_session, flush_context, instances):
        if any(isinstance(obj, Membership) and obj.id == carl.id for obj in flushing_session.dirty):
            flushing_session.connection().execute(
                sa.text("UPDATE memberships SET version = version + 1 WHERE id = :id"), {"id": carl.id})

    sa.event.listen(sa.orm.Session, "before_flush", someone_else_saves)
    try:
        response = post(carl_mark(employers), {**PERIOD, "m": carl.id})
    finally:
        sa.event.remove(sa.orm.Session, "before_flush", someone_else_saves)
    assert response.status_code == 409
    assert ("Noen andre har endret dette medlemskapet mens du arbeidet. Last siden på nytt og prøv igjen."
            in response.get_data(as_text=True))
    session.expire_all()
    assert session.get(Membership, carl.id).start_notified_at is None
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.entity_id == carl.id, AuditLog.entity == "membership")) == 0
