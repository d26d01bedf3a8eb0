"""Enrolling a member: a new person, a former member, a current member refused, and every bad input
refused with a message and nothing stored."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from models import (
    AuditLog,
    DuesCodePeriod,
    Employment,
    FollowUp,
    InsurancePeriod,
    Membership,
    Person,
    Section,
)
from rules.idnumbers import InvalidNumber, parse_national_id
from tests.factories import make_national_id
from web import clock

START = date(2026, 3, 2)
NEW_ID = make_national_id(date(1990, 4, 12))


@pytest.fixture
def branch(factory):
    return factory.branch(number=4601, name="Bergen Fagforening", rate_bp=175)


@pytest.fixture
def workplace(factory, branch):
    return factory.workplace(factory.employer(name="Haukeland universitetssjukehus"), branch, name="Sengepost 3")


@pytest.fixture
def section(session):
    return session.scalar(sa.select(Section).where(Section.number == 1))


@pytest.fixture
def officer(factory, branch, login):
    user = factory.user("branch", branches=[branch])
    login(user)
    return user


def form_data(branch, section, workplace=None, /, **changes) -> dict:
    data = {
        "national_id": NEW_ID, "person_version": "", "first_name": "Ola", "last_name": "Nordmann",
        "address": "Storgata 1", "postal_code": "5003", "city": "Bergen", "phone": "55 55 55 55",
        "email": "ola@example.no", "membership_type": "main", "unit": f"branch-{branch.id}",
        "section": str(section.id), "enrollment_code": "0", "earlier_union": "", "earlier_union_start": "",
        "start_date": START.strftime("%d.%m.%Y"), "dues_code": "Y",
        "workplace": str(workplace.id) if workplace else "", "position": "80", "employment_from": "",
        "monthly_pay": "40 000", "payment_method": "deduction" if workplace else "invoice",
        "home": "covered", "benefit_fund": "y", "education_fund": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def field_error(response, field) -> str | None:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True))
    return found.group(1) if found else None


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def nothing_stored(session, before: dict) -> bool:
    return {model: count(session, model) for model in before} == before


@pytest.fixture
def counts(session):
    return {model: count(session, model) for model in (Person, Membership, DuesCodePeriod, InsurancePeriod,
                                                        Employment, FollowUp)}


# --- step 1: the identity number ------------------------------------------------------------------

def test_step_one_asks_for_the_identity_number(client, officer):
    html = client.get("/innmelding/").get_data(as_text=True)
    assert "Fødselsnummer (11 siffer)" in html and "Neste" in html


def test_an_unknown_number_leads_to_an_empty_person_form(client, officer, post, branch):
    response = post("/innmelding/", {"national_id": NEW_ID[:6] + " " + NEW_ID[6:]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ny person i registeret" in html
    assert f'name="national_id" type="hidden" value="{NEW_ID}"' in html
    assert re.search(r'name="first_name" required type="text" value=""', html)
    assert f'<option selected value="branch-{branch.id}">4601 Bergen Fagforening</option>' in html
    assert f'value="{clock.today():%d.%m.%Y}"' in html  # the start date is today unless changed


def test_an_invalid_number_is_refused_at_step_one(client, officer, post):
    response = post("/innmelding/", {"national_id": "15108612353"})
    assert response.status_code == 422
    assert field_error(response, "national_id") == "Fødselsnummeret er ikke gyldig (kontrollsifrene stemmer ikke)."


def test_a_former_member_is_found_with_their_data(client, officer, post, factory, branch, session):
    former = factory.member(branch, first_name="Kari", last_name="Berg", address="Fjellveien 2",
                            end=date(2020, 12, 31), withdrawal_code=5)
    response = post("/innmelding/", {"national_id": former.person.national_id})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tidligere medlem" in html
    assert 'value="Kari"' in html and 'value="Fjellveien 2"' in html
    session.expire_all()
    assert session.scalar(sa.select(AuditLog.summary).where(
        AuditLog.person_id == former.person_id, AuditLog.action == "read")) == \
        "Slått opp ved innmelding (tidligere medlem)"


def test_a_current_member_is_refused_with_a_link_to_their_card(client, officer, post, factory, branch):
    current = factory.member(branch, first_name="Kari", last_name="Berg")
    response = post("/innmelding/", {"national_id": current.person.national_id})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Personen er allerede medlem og kan ikke meldes inn på nytt." in html
    assert f'href="/medlemmer/{current.person_id}"' in html and "Kari Berg" in html
    assert 'name="first_name"' not in html  # no step 2


def test_a_current_member_elsewhere_is_refused_without_a_link_or_name(client, officer, post, factory):
    elsewhere = factory.member(factory.branch(), first_name="Mette", last_name="Hemmelig")
    response = post("/innmelding/", {"national_id": elsewhere.person.national_id})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Personen er allerede medlem" in html
    assert f"/medlemmer/{elsewhere.person_id}" not in html and "Hemmelig" not in html


# --- step 2: saving -------------------------------------------------------------------------------

def test_enrolling_a_new_person_creates_every_row(client, officer, post, session, branch, workplace, section,
                                                  factory):
    highest = factory.member(number=654321)  # elsewhere: member numbers are union-wide
    response = post("/innmelding/ny", form_data(branch, section, workplace))
    assert response.status_code == 303, response.get_data(as_text=True)

    session.expire_all()
    person = session.scalar(sa.select(Person).where(Person.national_id == NEW_ID))
    assert response.headers["Location"] == f"/medlemmer/{person.id}"
    assert (person.first_name, person.last_name, person.birth_date) == ("Ola", "Nordmann", date(1990, 4, 12))
    assert (person.address, person.postal_code, person.city, person.email) == (
        "Storgata 1", "5003", "Bergen", "ola@example.no")
    [membership] = person.memberships
    assert membership.member_number == highest.member_number + 1
    assert (membership.membership_type, membership.branch_id, membership.county_id, membership.section_id,
            membership.start_date, membership.enrollment_code, membership.end_date) == (
        "main", branch.id, None, section.id, START, 0, None)
    assert [(p.code, p.from_date, p.to_date) for p in membership.dues_codes] == [("Y", START, None)]
    assert sorted((i.kind, i.reserved, i.from_date, i.to_date) for i in membership.insurances) == [
        ("benefit_fund", False, START, None), ("education_fund", False, START, None), ("home", False, START, None)]
    [employment] = membership.employments
    assert (employment.workplace_id, employment.position_bp, employment.from_date, employment.to_date,
            employment.payment_method, employment.monthly_pay_ore) == (
        workplace.id, 8000, START, None, "deduction", 4_000_000)
    audit = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "membership",
                                                     AuditLog.entity_id == membership.id))
    assert audit.summary == "Innmeldt" and audit.action == "create" and audit.person_id == person.id
    changes = {label: new for label, old, new in audit.change_list}
    assert (changes["Innmeldt"], changes["Medlemstype"], changes["Fagforening"], changes["Stilling"]) == (
        "2026-03-02", "Hovedmedlem", "4601 Bergen Fagforening", "80 %")
    assert changes["Forsikringer"] == "Hjemforsikring, Stønadskassa, Utdanningsfond (OUO)"

    card = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Ola Nordmann er meldt inn med medlemsnummer {membership.member_number}." in card
    assert f'<a href="/innmelding/{membership.id}/velkomstbrev">Skriv ut velkomstbrevet</a>' in card


def test_a_former_member_gets_a_new_period_on_the_same_person(client, officer, post, session, factory, branch,
                                                            section):
    former = factory.member(branch, first_name="Kari", last_name="Berg", number=123456, start=date(2010, 1, 1),
                            end=date(2020, 12, 31), withdrawal_code=5, address="Gammel vei 1")
    person = former.person
    persons_before = count(session, Person)
    response = post("/innmelding/ny", form_data(
        branch, section, national_id=person.national_id, person_version=str(person.version),
        first_name="Kari", last_name="Berg", address="Ny vei 9"))
    assert response.status_code == 303, response.get_data(as_text=True)

    assert count(session, Person) == persons_before
    person = session.get(Person, person.id)
    assert person.address == "Ny vei 9"
    assert [(m.member_number, m.start_date, m.end_date) for m in person.memberships] == [
        (123456, date(2010, 1, 1), date(2020, 12, 31)), (123456, START, None)]
    update = session.scalar(sa.select(AuditLog).where(AuditLog.person_id == person.id,
                                                      AuditLog.action == "update"))
    assert ("Adresse", "Gammel vei 1", "Ny vei 9") in update.change_list


def test_a_former_member_changed_meanwhile_is_a_conflict(client, officer, post, session, factory, branch,
                                                       section, counts):
    former = factory.member(branch, end=date(2020, 12, 31), withdrawal_code=5)
    counts = {model: count(session, model) for model in counts}
    response = post("/innmelding/ny", form_data(
        branch, section, national_id=former.person.national_id, person_version=str(former.person.version - 1)))
    assert response.status_code == 409
    assert "Noen andre har endret opplysningene om denne personen mens du arbeidet." in response.get_data(
        as_text=True)
    assert nothing_stored(session, counts)


def test_a_student_is_attached_to_the_county_of_the_branch(client, officer, post, session, branch, section):
    response = post("/innmelding/ny", form_data(branch, section, membership_type="student",
                                                unit=f"county-{branch.county_id}"))
    assert response.status_code == 303
    session.expire_all()
    membership = session.scalar(sa.select(Membership).join(Membership.person).where(Person.national_id == NEW_ID))
    assert (membership.branch_id, membership.county_id, membership.employments) == (None, branch.county_id, [])


def test_code_7_records_the_earlier_union_the_reservation_and_a_county_follow_up(
        client, officer, post, session, branch, workplace, section):
    response = post("/innmelding/ny", form_data(
        branch, section, workplace, enrollment_code="7", earlier_union="Fellesforbundet",
        earlier_union_start="01.09.1995", home="reserved"))
    assert response.status_code == 303, response.get_data(as_text=True)
    session.expire_all()
    membership = session.scalar(sa.select(Membership).join(Membership.person).where(Person.national_id == NEW_ID))
    assert (membership.enrollment_code, membership.earlier_union, membership.earlier_union_start) == (
        7, "Fellesforbundet", date(1995, 9, 1))
    assert [i.reserved for i in membership.insurances if i.kind == "home"] == [True]
    follow_up = session.scalar(sa.select(FollowUp).where(FollowUp.membership_id == membership.id))
    assert (follow_up.kind, follow_up.county_id, follow_up.done_at) == ("home_reservation", branch.county_id, None)
    assert "Fellesforbundet" in follow_up.text


BAD_INPUT = [
    ("invalid identity number", {"national_id": "15108612353"}, None,
     "Fødselsnummeret er ikke gyldig (kontrollsifrene stemmer ikke)."),
    ("earlier union start after the start", {"enrollment_code": "6", "earlier_union": "Fellesforbundet",
                                             "earlier_union_start": "03.03.2026"},
     "earlier_union_start", "Medlemskapet i det forrige forbundet må ha startet før startdatoen (02.03.2026)."),
    ("pupil over 20", {"membership_type": "pupil", "unit": "county"}, "membership_type",
     "Elever kan være høyst 20 år. Personen er 35 år 02.03.2026: meld inn som student eller hovedmedlem."),
    ("student to a branch", {"membership_type": "student"}, "unit",
     "Studenter og elever knyttes direkte til fylket, ikke til en fagforening. Velg fylket."),
    ("main member to a county", {"unit": "county"}, "unit",
     "Hovedmedlemmer og bimedlemmer knyttes til en fagforening. Velg fagforening."),
    ("code 1", {"enrollment_code": "1"}, "enrollment_code",
     "Kode 1 (overført fra annen fagforening) settes bare når en overføring tas imot, under Overføringer."),
    ("code 7 without earlier union", {"enrollment_code": "7", "home": "reserved"}, "earlier_union",
     "Oppgi forbundet medlemmet kommer fra (kode 6 og 7)."),
    ("code 7 without its start", {"enrollment_code": "7", "home": "reserved", "earlier_union": "Fellesforbundet"},
     "earlier_union_start", "Oppgi når medlemskapet i det forrige forbundet startet (kode 6 og 7)."),
    ("code 7 without reservation", {"enrollment_code": "7", "earlier_union": "Fellesforbundet",
                                    "earlier_union_start": "01.01.2000"}, "home",
     "Kode 7 (fra forbund uten kollektiv hjemforsikring) betyr reservasjon mot hjemforsikring: "
     "velg «Reservert mot hjemforsikring»."),
    ("deduction without workplace", {"workplace": "", "payment_method": "deduction"}, "payment_method",
     "Trekk hos arbeidsgiver krever et arbeidssted. Velg arbeidssted, eller velg faktura."),
    ("W by a branch", {"dues_code": "W"}, "dues_code", "Bare Medlemsregisteret kan sette kontingentkode W."),
    ("apprentice student", {"membership_type": "student", "unit": "county", "apprentice": "y"}, "apprentice",
     "Bare hovedmedlemmer kan være lærlinger."),
    ("position over 100", {"position": "120"}, "position", "Stillingsprosenten må være mer enn 0 og høyst 100."),
    ("missing start date", {"start_date": ""}, "start_date", "Fyll ut startdatoen."),
    ("garbled start date", {"start_date": "31.02.2026"}, "start_date", "«31.02.2026» er ikke en gyldig dato."),
    ("postal code", {"postal_code": "123"}, "postal_code", "Postnummeret skal være fire siffer."),
    ("missing section", {"section": ""}, "section", "Velg seksjon."),
    ("missing first name", {"first_name": " "}, "first_name", "Fornavn må fylles ut."),
]


@pytest.mark.parametrize("label, changes, field, message", BAD_INPUT, ids=[case[0] for case in BAD_INPUT])
def test_bad_input_is_refused_with_a_message_and_nothing_stored(client, officer, post, session, branch, workplace,
                                                                section, counts, label, changes, field, message):
    birth_1990 = {"national_id": make_national_id(date(1990, 4, 12))}
    if changes.get("unit") == "county":
        changes = {**changes, "unit": f"county-{branch.county_id}"}
    counts = {**counts, AuditLog: count(session, AuditLog)}
    response = post("/innmelding/ny", form_data(branch, section, workplace, **{**birth_1990, **changes}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    if field:
        assert field_error(response, field) == message
    else:
        assert f'<p class="flash flash-error" role="alert">{message}</p>' in html
    assert nothing_stored(session, counts)


def number_without_birth_date() -> str:
    """An identity number valid only under the rule for numbers issued from 2032: it tells no birth date."""
    for n in range(410_112_345, 10**9):  # 41.01.12: a D-number's date, as every number needs
        for k1 in range(10):
            candidate = f"{n:09d}{k1}"
            k2 = -sum(int(d) * w for d, w in zip(candidate, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))) % 11
            try:
                if k2 < 10 and parse_national_id(f"{candidate}{k2}").birth_date is None:
                    return f"{candidate}{k2}"
            except InvalidNumber:
                continue
    raise AssertionError("no such number")


@pytest.mark.parametrize("national_id", [make_national_id(date(2005, 3, 3)), number_without_birth_date()],
                         ids=["20 on the start date", "birth date unknown"])
def test_a_pupil_of_20_or_of_unknown_age_is_enrolled(client, officer, post, session, branch, section, national_id):
    response = post("/innmelding/ny", form_data(branch, section, national_id=national_id, membership_type="pupil",
                                                unit=f"county-{branch.county_id}"))
    assert response.status_code == 303, field_error(response, "membership_type")
    session.expire_all()
    assert session.scalar(sa.select(Membership.membership_type).join(Person).where(
        Person.national_id == national_id)) == "pupil"


def test_a_former_members_new_period_cannot_start_before_the_last_ended(client, officer, post, session, factory,
                                                                      branch, section, counts):
    former = factory.member(branch, end=date(2026, 3, 31), withdrawal_code=5)
    counts = {model: count(session, model) for model in counts}
    response = post("/innmelding/ny", form_data(branch, section, national_id=former.person.national_id,
                                                person_version=str(former.person.version)))
    assert response.status_code == 422
    assert field_error(response, "start_date") == "Startdatoen må være etter at forrige medlemskap sluttet (31.03.2026)."
    assert nothing_stored(session, counts)


def test_a_current_member_is_refused_at_saving_too(client, officer, post, session, factory, branch, section):
    current = factory.member(branch)
    before = count(session, Membership)
    response = post("/innmelding/ny", form_data(branch, section, national_id=current.person.national_id,
                                                person_version=str(current.person.version)))
    assert response.status_code == 422
    assert "Personen er allerede medlem og kan ikke meldes inn på nytt." in response.get_data(as_text=True)
    assert count(session, Membership) == before


def test_a_branch_outside_the_officers_scope_is_refused(client, officer, post, session, factory, section, counts):
    other = factory.branch()
    counts = {model: count(session, model) for model in counts}
    response = post("/innmelding/ny", form_data(other, section))
    assert response.status_code == 422
    assert field_error(response, "unit") == "Du kan bare melde inn medlemmer i fagforeninger du har tilgang til."
    assert nothing_stored(session, counts)


def test_a_county_outside_the_officers_scope_is_refused(client, officer, post, session, factory, branch, section):
    other_county = factory.county()
    response = post("/innmelding/ny", form_data(branch, section, membership_type="student",
                                                unit=f"county-{other_county.id}"))
    assert response.status_code == 422
    assert field_error(response, "unit") == "Du kan bare melde inn medlemmer i fylker du har tilgang til."


def test_a_workplace_of_another_branch_is_refused(client, officer, post, session, factory, branch, section):
    foreign = factory.workplace(branch=factory.branch())
    response = post("/innmelding/ny", form_data(branch, section, foreign))
    assert response.status_code == 422
    assert field_error(response, "workplace") == "Velg et arbeidssted fra listen."


def test_central_may_set_w_and_choose_any_branch(factory, client, login, post, session, section):
    login(factory.user("central"))
    branch = factory.branch()
    response = post("/innmelding/ny", form_data(branch, section, dues_code="W"))
    assert response.status_code == 303
    session.expire_all()
    assert session.scalar(sa.select(DuesCodePeriod.code).join(Membership).join(Person).where(
        Person.national_id == NEW_ID)) == "W"


def test_the_form_offers_only_the_officers_branch_and_county_and_no_code_1(client, officer, post, factory, branch,
                                                                          workplace):
    other = factory.branch(number=4621, name="Voss Fagforening")
    factory.workplace(factory.employer(name="Voss kommune"), other, name="Rådhuset")
    html = post("/innmelding/", {"national_id": NEW_ID}).get_data(as_text=True)
    assert "4601 Bergen Fagforening" in html and "Voss Fagforening" not in html
    assert f'value="county-{branch.county_id}"' in html
    assert '<optgroup label="Haukeland universitetssjukehus (org.nr.' in html and "Rådhuset" not in html
    codes = re.search(r'<select id="enrollment_code".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option[^>]*value="(\d+)"', codes) == ["0", "6", "7"]


def test_employer_contacts_may_not_enroll(factory, client, login, post):
    login(factory.user("employer", employers=[factory.employer()]))
    assert client.get("/innmelding/").status_code == 403
    assert post("/innmelding/ny", {}).status_code == 403


def test_the_start_date_may_be_typed_as_iso(client, officer, post, session, branch, section):
    today = clock.today()
    response = post("/innmelding/ny", form_data(branch, section, start_date=f"{today:%Y-%m-%d}"))
    assert response.status_code == 303
    session.expire_all()
    assert session.scalar(sa.select(Membership.start_date).join(Person).where(Person.national_id == NEW_ID)) == today


def test_a_former_member_enrolled_by_someone_else_at_the_same_time_is_a_conflict(
        client, officer, post, session, factory, branch, section, counts):
    former = factory.member(branch, end=date(2020, 12, 31), withdrawal_code=5)
    counts = {model: count(session, model) for model in counts}

    def someone_else_saves(flushing_session, flush_context, instances):
        if any(isinstance(obj, Person) and obj.id == former.person_id for obj in flushing_session.dirty):
            flushing_session.connection().execute(
                sa.text("UPDATE persons SET version = version + 1 WHERE id = :id"), {"id": former.person_id})

    sa.event.listen(sa.orm.Session, "before_flush", someone_else_saves)
    try:
        response = post("/innmelding/ny", form_data(branch, section, national_id=former.person.national_id,
                                                    person_version=str(former.person.version)))
    finally:
        sa.event.remove(sa.orm.Session, "before_flush", someone_else_saves)
    assert response.status_code == 409
    assert "Noen andre har endret opplysningene om denne personen mens du arbeidet." in response.get_data(
        as_text=True)
    assert nothing_stored(session, counts)
