"""Handling the deviations of a deduction list in place (htmx), each action fixing the register and
the list in one step; bad input refused next to its field with nothing changed; a note alone; and
posting (framføring) with its confirmation, refused while a deviation is open.

"Aker sykehus HF" (workplace "Sengepost 3") has five members of "Lag A" on its March list: Aas is
reported as expected, Berg and Eik are missing, Dahl had 800 kr deducted (over the cap of 749 kr), and
Fjell is missing too. The file also has Ukjent, whom the register does not know. "Bydel Nordstrand"
(workplace "Skolen") is the employer a member may have moved to."""
import html
import re
from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.deviations import services
from models import (
    DeductionLine,
    DeductionList,
    DuesCodePeriod,
    Employment,
    Membership,
    PaidPeriod,
    Section,
    db,
)
from tests.deviations_files import employer_file, row
from tests.factories import make_national_id
from tests.pages import text
from web.commands import SYSTEM

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)
MEMBERS = ("Aas", "Berg", "Dahl", "Eik", "Fjell")




def field_error(body: str, line_id: int, field: str) -> str | None:
    found = re.search(rf'<p class="error" id="line{line_id}-{field}-error">([^<]*)</p>', body)
    return html.unescape(found.group(1)) if found else None


class _Key:
    def __init__(self, period, employer, branch):
        self.period, self.employer, self.branch = period, employer, branch


@pytest.fixture
def world(app, factory, login):
    county = factory.county()
    a = factory.branch(county, name="Lag A")
    hospital = factory.employer(name="Aker sykehus HF")
    workplace = factory.workplace(hospital, a, name="Sengepost 3")
    council = factory.employer(name="Bydel Nordstrand")
    school = factory.workplace(council, a, name="Skolen")
    members = {name: factory.member(a, workplace=workplace, first_name="Test", last_name=name,
                                    birth=date(1970 + n, 1 + n, 10 + n))
               for n, name in enumerate(MEMBERS)}
    officer = factory.user("branch", branches=[a])
    stranger = make_national_id(date(1990, 2, 3), factory.rng)
    with app.app_context():
        services.form_lists(MARCH, only=(hospital.id, a.id))
        deduction_list = db.session.scalar(sa.select(DeductionList).where(DeductionList.employer_id == hospital.id))
        nid = {name: member.person.national_id for name, member in members.items()}
        outcome = services.import_file(SYSTEM, employer_file(
            deduction_list, drop={nid["Berg"], nid["Eik"], nid["Fjell"]},
            change={nid["Dahl"]: {"kontingent": "800,00"}},
            add=[row(_Key(MARCH, hospital, a), national_id=stranger, last_name="Ukjent", first_name="Ulla",
                     dues_ore=50_000, insurance_ore=12_500)]))
        assert outcome.ok, outcome.errors
        list_id = deduction_list.id
        db.session.commit()
    login(officer)
    return {"a": a, "hospital": hospital, "workplace": workplace, "council": council, "school": school,
            "members": members, "officer": officer, "stranger": stranger, "list_id": list_id}


@pytest.fixture
def lines(world, session):
    """name → the line's id on the March list."""
    return {line.name.split(",")[0]: line.id for line in session.scalars(
        sa.select(DeductionLine).where(DeductionLine.list_id == world["list_id"]))}


@pytest.fixture
def handle(world, post):
    """POST an action for a line as the page's form does (htmx), with the fields given by their names."""

    def send(line_id: int, action: str, htmx: bool = True, **fields):
        data = {f"line{line_id}-action": action} | {f"line{line_id}-{name}": value for name, value in fields.items()}
        return post(f"/trekklister/{world['list_id']}/linjer/{line_id}/behandle", data,
                    headers={"HX-Request": "true"} if htmx else {})

    return send


def line(session, line_id: int) -> DeductionLine:
    session.expire_all()
    return session.get(DeductionLine, line_id)


def employments(session, membership) -> list[Employment]:
    session.expire_all()
    return session.scalars(sa.select(Employment).where(Employment.membership_id == membership.id)
                           .order_by(Employment.from_date, Employment.id)).all()


def dues_codes(session, membership) -> list[tuple]:
    session.expire_all()
    return [(p.code, p.from_date, p.to_date) for p in session.scalars(
        sa.select(DuesCodePeriod).where(DuesCodePeriod.membership_id == membership.id)
        .order_by(DuesCodePeriod.from_date))]


def open_count(body: str) -> int:
    return int(re.search(r'data-count="open">(\d+)<', body).group(1))


# --- the form -------------------------------------------------------------------------------------

def test_the_form_offers_what_fits_each_kind_of_deviation(client, world, lines):
    def offered(line_id):
        response = client.get(f"/trekklister/{world['list_id']}/linjer/{line_id}/behandle",
                              headers={"HX-Request": "true"})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert body.lstrip().startswith(f'<tr id="line-{line_id}" class="line-form-row')
        select = re.search(rf'<select[^>]*name="line{line_id}-action".*?</select>', body, re.S).group(0)
        return [value for value in re.findall(r'value="([^"]*)"', select) if value]

    assert offered(lines["Berg"]) == ["employment_ended", "moved", "dues_code", "leave", "position", "accepted",
                                      "carried"]
    assert offered(lines["Dahl"]) == ["accepted", "position", "dues_code", "carried"]
    assert offered(lines["Ukjent"]) == ["not_member", "new_member", "carried"]  # not a member: no "accepted"


def test_without_htmx_the_form_opens_inside_the_whole_page(client, world, lines):
    response = client.get(f"/trekklister/{world['list_id']}/linjer/{lines['Berg']}/behandle")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in body
    assert f'<tr id="line-{lines["Berg"]}" class="line-form-row' in body
    assert f'<tr id="line-{lines["Eik"]}" class="line ' in body  # the other lines are there too


def test_cancel_gives_back_the_row(client, world, lines):
    response = client.get(f"/trekklister/{world['list_id']}/linjer/{lines['Berg']}", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<tr id="line-{lines["Berg"]}" class="line status-missing"')
    assert "hx-swap-oob" not in body


# --- each action ----------------------------------------------------------------------------------

def test_employment_ended_ends_the_employment_and_resolves_the_line(world, lines, handle, session):
    response = handle(lines["Berg"], "employment_ended", date="28.02.2026", note="Sluttet i februar")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    # the row, now handled, and the counts out of band
    assert body.lstrip().startswith(f'<tr id="line-{lines["Berg"]}" class="line status-missing resolved"')
    assert "Arbeidsforholdet hos Aker sykehus HF avsluttet 28.02.2026" in text(body)
    assert "Sluttet i februar" in text(body) and "data-just-resolved" in body
    assert 'id="list-counts" class="list-counts"' in body and 'hx-swap-oob="true"' in body
    assert open_count(body) == 4
    assert 'id="list-state" class="tag list-state state-in_progress" hx-swap-oob="true">Under behandling<' in body

    [employment] = employments(session, world["members"]["Berg"])
    assert employment.to_date == date(2026, 2, 28)
    resolved = line(session, lines["Berg"])
    assert resolved.resolution == "employment_ended" and resolved.note == "Sluttet i februar"
    assert resolved.resolved_by == world["officer"].id
    assert session.get(DeductionList, world["list_id"]).state == "in_progress"


def test_moved_starts_an_employment_at_the_other_employer(world, lines, handle, session):
    response = handle(lines["Berg"], "moved", date="01.03.2026", orgnr=world["council"].orgnr)
    assert response.status_code == 200
    assert "Flyttet til Bydel Nordstrand (Skolen) fra 01.03.2026" in text(response.get_data(as_text=True))
    old, new = employments(session, world["members"]["Berg"])
    assert (old.workplace_id, old.to_date) == (world["workplace"].id, date(2026, 2, 28))
    assert (new.workplace_id, new.from_date, new.to_date) == (world["school"].id, date(2026, 3, 1), None)
    assert new.payment_method == "deduction"


def test_dues_code_changed_opens_a_new_code_period(world, lines, handle, session):
    response = handle(lines["Dahl"], "dues_code", code="U", date="01.03.2026")
    assert response.status_code == 200
    assert "Kontingentkode U fra 01.03.2026" in text(response.get_data(as_text=True))
    assert dues_codes(session, world["members"]["Dahl"]) == [
        ("Y", date(2015, 1, 1), date(2026, 2, 28)), ("U", date(2026, 3, 1), None)]


def test_leave_without_pay_gives_code_o(world, lines, handle, session):
    response = handle(lines["Eik"], "leave", date="15.02.2026")
    assert response.status_code == 200
    assert "Permisjon uten lønn (kode O) fra 15.02.2026" in text(response.get_data(as_text=True))
    assert dues_codes(session, world["members"]["Eik"])[-1] == ("O", date(2026, 2, 15), None)
    assert line(session, lines["Eik"]).resolution == "leave"


def test_position_changed_opens_a_new_employment_row(world, lines, handle, session):
    response = handle(lines["Dahl"], "position", date="01.03.2026", position="50", monthly_pay="22 500")
    assert response.status_code == 200
    assert "Stillingsprosent 50 % fra 01.03.2026, lønn 22 500,00 kr" in text(response.get_data(as_text=True))
    old, new = employments(session, world["members"]["Dahl"])
    assert (old.position_bp, old.to_date) == (10_000, date(2026, 2, 28))
    assert (new.position_bp, new.monthly_pay_ore, new.from_date) == (5_000, 2_250_000, date(2026, 3, 1))


def test_not_a_member_marks_the_refund(world, lines, handle, session):
    response = handle(lines["Ukjent"], "not_member")
    assert response.status_code == 200
    assert "Ikke medlem: arbeidsgiveren skal refundere 625,00 kr" in text(response.get_data(as_text=True))
    assert line(session, lines["Ukjent"]).resolution == "not_member"


def test_accepted_amount(world, lines, handle, session):
    response = handle(lines["Dahl"], "accepted", note="Avtalt med lønn")
    assert response.status_code == 200
    assert "Beløpet godtatt" in text(response.get_data(as_text=True))
    assert line(session, lines["Dahl"]).resolution == "accepted"


def test_carried_forward_needs_a_note_and_puts_the_line_on_next_month(world, lines, handle, session):
    response = handle(lines["Fjell"], "carried")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), lines["Fjell"], "note") == \
        "Skriv en merknad om hvorfor avviket overføres."
    assert session.scalar(sa.select(DeductionList).where(DeductionList.period == APRIL)) is None

    response = handle(lines["Fjell"], "carried", note="Sykmeldt, venter på lønn")
    assert response.status_code == 200
    assert "Overført til 04.2026" in text(response.get_data(as_text=True))
    session.expire_all()
    carried = session.scalar(sa.select(DeductionLine).where(DeductionLine.carried_from_id == lines["Fjell"]))
    assert carried.deduction_list.period == APRIL and carried.origin_period == MARCH
    assert carried.resolution is None and carried.note == "Sykmeldt, venter på lønn"


def test_new_member_is_refused_until_enrolled_then_ties_the_line_to_the_membership(
        client, post, world, lines, handle, session):
    line_id = lines["Ukjent"]
    response = handle(line_id, "new_member")
    assert response.status_code == 422
    assert "Personen er ikke innmeldt ennå. Meld inn først" in text(response.get_data(as_text=True))
    assert line(session, line_id).resolution is None

    # The form links to enrollment filled in from the line (named by its id: the identity number is
    # never in a URL), coming back to the list.
    form = client.get(f"/trekklister/{world['list_id']}/linjer/{line_id}/behandle",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    link = html.unescape(re.search(r'<a class="button" href="([^"]+)">Meld inn</a>', form).group(1))
    assert f"fra_linje={line_id}" in link and world["stranger"] not in link
    enrollment = client.get(link)
    page = enrollment.get_data(as_text=True)
    assert enrollment.status_code == 200
    assert re.search(r'name="last_name"[^>]*value="Ukjent"', page) and re.search(r'name="first_name"[^>]*value="Ulla"', page)
    assert re.search(rf'name="national_id"[^>]*value="{world["stranger"]}"', page)
    assert re.search(rf'<option selected value="{world["workplace"].id}"', page)
    back = f"/trekklister/{world['list_id']}?vis=avvik"
    assert f'<input type="hidden" name="neste" value="{html.escape(back)}">' in page

    section = session.scalar(sa.select(Section).where(Section.number == 1))
    enrolled = post("/innmelding/ny", {
        "national_id": world["stranger"], "person_version": "", "first_name": "Ulla", "last_name": "Ukjent",
        "membership_type": "main", "unit": f"branch-{world['a'].id}", "section": str(section.id),
        "enrollment_code": "0", "start_date": "01.03.2026", "dues_code": "Y",
        "workplace": str(world["workplace"].id), "position": "100", "monthly_pay": "30 000",
        "payment_method": "deduction", "home": "covered", "benefit_fund": "y", "education_fund": "y",
        "neste": back})
    assert enrolled.status_code == 303, text(enrolled.get_data(as_text=True))[:500]
    assert enrolled.headers["Location"] == back

    response = handle(line_id, "new_member")
    assert response.status_code == 200
    membership = session.scalar(sa.select(Membership).join(Membership.person)
                                .where(Membership.branch_id == world["a"].id, Membership.member_number.is_not(None))
                                .order_by(Membership.id.desc()))
    resolved = line(session, line_id)
    assert resolved.resolution == "new_member" and resolved.membership_id == membership.id
    assert f"medlemsnr. {membership.member_number}" in text(response.get_data(as_text=True))


def test_enrollment_comes_back_only_to_a_local_address(client, world, lines):
    for bad in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        page = client.get("/innmelding/", query_string={"fra_linje": lines["Ukjent"], "neste": bad})
        assert page.status_code == 200
        assert 'name="neste"' not in page.get_data(as_text=True), bad


def test_without_htmx_an_action_redirects_back_to_the_list_with_a_message(client, world, lines, handle, session):
    response = handle(lines["Berg"], "employment_ended", htmx=False, date="28.02.2026")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/trekklister/{world['list_id']}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Berg, Test: Arbeidsforholdet hos Aker sykehus HF avsluttet 28.02.2026." in text(page)


def test_a_handled_line_is_not_handled_twice(world, lines, handle, session):
    assert handle(lines["Dahl"], "accepted").status_code == 200
    response = handle(lines["Dahl"], "position", date="01.03.2026", position="50")
    assert response.status_code == 422
    assert "Avviket er allerede behandlet: Beløpet godtatt." in text(response.get_data(as_text=True))
    assert len(employments(session, world["members"]["Dahl"])) == 1


def test_a_note_alone_leaves_the_deviation_open(world, lines, post, session):
    line_id = lines["Eik"]
    response = post(f"/trekklister/{world['list_id']}/linjer/{line_id}/merknad",
                    {f"line{line_id}-note": "Ringt lønn 12.05."}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Ringt lønn 12.05." in text(response.get_data(as_text=True))
    assert "data-just-resolved" not in response.get_data(as_text=True)
    noted = line(session, line_id)
    assert noted.note == "Ringt lønn 12.05." and noted.resolution is None and noted.open


# --- bad input: a message next to the field, 422, nothing changed ---------------------------------

@pytest.mark.parametrize(("action", "fields", "field", "message"), [
    ("employment_ended", {}, "date", "Skriv en dato (dd.mm.åååå)."),
    ("employment_ended", {"date": "31.02.2026"}, "date", None),
    ("employment_ended", {"date": "01.01.2010"}, "date", None),  # before the employment started
    ("dues_code", {"code": "X", "date": "01.03.2026"}, "code", "Velg en av kodene A, L, O, M, U eller P."),
    ("dues_code", {"code": "U", "date": "01.01.2010"}, "date",
     "Fra-datoen kan ikke være før gjeldende kode startet (01.01.2015)."),
    ("moved", {"date": "01.03.2026", "orgnr": "999999999"}, "orgnr",
     "Fant ingen arbeidsgiver med organisasjonsnummer 999999999 i registeret."),
    ("moved", {"date": "01.03.2026", "orgnr": "12345"}, "orgnr", "Organisasjonsnummeret skal være 9 siffer."),
    ("moved", {"date": "01.03.2026"}, "orgnr", "Velg den nye arbeidsgiveren (organisasjonsnummer)."),
    ("position", {"date": "01.03.2026", "position": "0"}, "position",
     "Skriv en stillingsprosent over 0 og høyst 100."),
    ("position", {"date": "01.03.2026", "position": "150"}, "position",
     "Skriv en stillingsprosent over 0 og høyst 100."),
    ("", {}, "action", "Velg hva som skal gjøres med avviket."),
    ("not_member", {}, "action", "Velg hva som skal gjøres med avviket."),  # not offered for a missing line
])
def test_bad_input_is_refused_next_to_its_field(world, lines, handle, session, action, fields, field, message):
    member = world["members"]["Berg"]
    before = (employments(session, member), dues_codes(session, member))
    before = ([(e.workplace_id, e.position_bp, e.from_date, e.to_date) for e in before[0]], before[1])
    response = handle(lines["Berg"], action, **fields)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    error = field_error(body, lines["Berg"], field)
    assert error if message is None else error == message, body
    assert "hx-swap-oob" not in body and 'class="line-form-row' in body
    after = ([(e.workplace_id, e.position_bp, e.from_date, e.to_date) for e in employments(session, member)],
             dues_codes(session, member))
    assert after == before
    assert line(session, lines["Berg"]).resolution is None


# --- posting --------------------------------------------------------------------------------------

def test_posting_is_refused_while_deviations_are_open_and_done_after_handling(
        client, post, world, lines, handle, session):
    url = f"/trekklister/{world['list_id']}/framfor"
    confirmation = client.get(url).get_data(as_text=True)
    assert "Listen kan ikke framføres: 5 avvik er ikke behandlet." in text(confirmation)
    assert f'href="/trekklister/{world["list_id"]}?vis=avvik"' in confirmation
    assert "<button" not in re.search(r"<main.*</main>", confirmation, re.S).group(0).split("Framfør trekkliste")[1]

    refused = post(url)
    assert refused.status_code == 422
    assert "5 avvik er ikke behandlet. Behandle dem før listen framføres." in text(refused.get_data(as_text=True))
    assert session.scalar(sa.select(sa.func.count()).select_from(PaidPeriod)) == 0

    for name, action, fields in (("Berg", "employment_ended", {"date": "28.02.2026"}),
                                 ("Eik", "leave", {"date": "01.02.2026"}),
                                 ("Fjell", "carried", {"note": "Venter"}),
                                 ("Dahl", "accepted", {}),
                                 ("Ukjent", "not_member", {})):
        assert handle(lines[name], action, **fields).status_code == 200, name

    page = client.get(f"/trekklister/{world['list_id']}").get_data(as_text=True)
    assert open_count(page) == 0 and 'id="post-button"' in page
    confirmation = client.get(url).get_data(as_text=True)
    assert "2 medlemmer blir betalt for 03.2026." in text(confirmation)  # Aas and Dahl: reported and ours
    assert "listen godkjennes og låses" in text(confirmation)

    posted = post(url)
    assert posted.status_code == 303 and posted.headers["Location"] == f"/trekklister/{world['list_id']}"
    page = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert "Trekklisten for 03.2026 er framført. 2 medlemmer er betalt for 03.2026." in text(page)
    assert "Listen ble framført" in text(page)
    assert "data-open-form" not in page and "hx-post" not in page  # no handling, no notes

    session.expire_all()
    assert session.get(DeductionList, world["list_id"]).state == "posted"
    paid = {(p.membership_id, p.period, p.dues_ore, p.insurance_ore) for p in session.scalars(sa.select(PaidPeriod))}
    members = world["members"]
    assert paid == {(members["Aas"].id, MARCH, 74_900, 12_500), (members["Dahl"].id, MARCH, 80_000, 12_500)}

    # locked: no action, no note, no second posting
    response = handle(lines["Dahl"], "position", date="01.03.2026", position="50")
    assert response.status_code == 422
    assert "Listen er framført og kan ikke endres." in text(response.get_data(as_text=True))
    response = post(f"/trekklister/{world['list_id']}/linjer/{lines['Aas']}/merknad",
                    {f"line{lines['Aas']}-note": "for sent"}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "Listen er framført og kan ikke endres." in text(response.get_data(as_text=True))
    again = post(url)
    assert again.status_code == 422 and "Listen er allerede framført." in text(again.get_data(as_text=True))
    assert line(session, lines["Aas"]).note is None
    assert session.scalar(sa.select(sa.func.count()).select_from(PaidPeriod)) == 2


def test_a_list_not_received_cannot_be_posted(app, client, post, factory, login):
    branch = factory.branch()
    employer = factory.employer()
    factory.member(branch, workplace=factory.workplace(employer, branch))
    with app.app_context():
        services.form_lists(MARCH, only=(employer.id, branch.id))
        db.session.commit()
    list_id = factory.session.scalar(sa.select(DeductionList.id).where(DeductionList.employer_id == employer.id))
    login(factory.user("county", counties=[branch.county]))
    assert "den er ikke mottatt fra arbeidsgiveren ennå" in text(client.get(f"/trekklister/{list_id}/framfor")
                                                                 .get_data(as_text=True))
    response = post(f"/trekklister/{list_id}/framfor")
    assert response.status_code == 422
    assert "Listen er ikke mottatt fra arbeidsgiveren ennå og kan ikke framføres." in text(response.get_data(as_text=True))


def test_a_concurrent_change_of_the_list_is_told_not_overwritten(world, lines, handle, session, monkeypatch):
    """Another officer changed the list (its version) between loading and saving: 409 and a message."""
    from sqlalchemy.orm.exc import StaleDataError

    def stale(*args, **kwargs):
        raise StaleDataError("deduction_lists version changed")

    monkeypatch.setattr(services, "resolve", stale)
    response = handle(lines["Dahl"], "accepted")
    assert response.status_code == 409
    assert "Noen andre endret listen samtidig. Ingenting ble lagret" in text(response.get_data(as_text=True))
    assert line(session, lines["Dahl"]).resolution is None
