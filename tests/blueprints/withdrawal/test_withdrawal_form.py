"""Withdrawing a membership: what ends, what is written to the log, what is refused (and then nothing
is stored), scope, optimistic locking, the deceased reminder and the transfer form for another union."""
import json
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from models import AuditLog, DuesCodePeriod, Employment, InsurancePeriod, Membership
from rules.lifecycle import add_months
from web import clock

CONFLICT = "Noen andre har endret dette medlemskapet mens du arbeidet. Last siden på nytt og prøv igjen."
TODAY = clock.today()


@pytest.fixture
def branch(factory):
    return factory.branch()


@pytest.fixture
def workplace(factory, branch):
    return factory.workplace(factory.employer(name="Sunnås sykehus HF"), branch, name="Sengepost 2")


@pytest.fixture
def member(factory, branch, workplace):
    return factory.member(branch, workplace=workplace, first_name="Åse", last_name="Bækkelund",
                          start=date(2015, 1, 1))


@pytest.fixture
def officer(factory, branch, login):
    user = factory.user("branch", branches=[branch])
    login(user)
    return user


def form_data(membership, **changes) -> dict:
    data = {"version": str(membership.version), "code": "5", "end_date": TODAY.strftime("%d.%m.%Y"),
            "receiving_union": "", "note": ""}
    return {**data, **changes}


def field_error(response, field) -> str | None:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True))
    return found.group(1) if found else None


def audit_rows(session, membership) -> list[AuditLog]:
    return session.scalars(sa.select(AuditLog).where(AuditLog.person_id == membership.person_id,
                                                      AuditLog.action == "update").order_by(AuditLog.id)).all()


def assert_nothing_stored(session, membership):
    session.expire_all()
    fresh = session.get(Membership, membership.id)
    assert (fresh.end_date, fresh.withdrawal_code, fresh.note) == (None, None, None)
    assert all(p.to_date is None for p in fresh.dues_codes + fresh.employments + fresh.insurances)
    assert audit_rows(session, membership) == []


def listed(client, membership, status) -> bool:
    html = client.get("/medlemmer/", query_string={"q": "Bækkelund", "status": status}).get_data(as_text=True)
    return f'/medlemmer/{membership.person_id}"' in html


# --- the happy path -----------------------------------------------------------------------------

def test_the_member_card_offers_withdrawal_for_the_active_membership(client, officer, member):
    html = client.get(f"/medlemmer/{member.person_id}").get_data(as_text=True)
    assert f'href="/utmelding/{member.id}"' in html and ">Meld ut</a>" in html

    form = client.get(f"/utmelding/{member.id}")
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    assert "Meld ut Åse Bækkelund" in html
    assert f'value="{TODAY:%d.%m.%Y}"' in html  # the date defaults to today
    codes = re.findall(r'<option[^>]*value="(\d+)"', html)
    assert codes == ["2", "4", "5", "6", "7"]  # no 1 (transfers) and no 8 (central only) for a branch


def test_withdrawal_with_code_5_ends_the_membership_and_everything_that_runs(
        client, post, officer, member, session):
    last_day = TODAY - timedelta(days=3)
    response = post(f"/utmelding/{member.id}", form_data(member, end_date=last_day.strftime("%d.%m.%Y"),
                                                          note="Sa opp per e-post"))
    assert response.status_code == 303
    assert response.location == f"/utmelding/{member.id}/utmeldt"
    done = client.get(response.location).get_data(as_text=True)
    assert f"Åse Bækkelund er meldt ut med kode 5, siste dag {last_day:%d.%m.%Y}." in done
    assert "Stønadskassa" not in done

    session.expire_all()
    fresh = session.get(Membership, member.id)
    assert (fresh.end_date, fresh.withdrawal_code, fresh.note) == (last_day, 5, "Sa opp per e-post")
    assert [p.to_date for p in fresh.dues_codes] == [last_day]
    assert [e.to_date for e in fresh.employments] == [last_day]
    assert [i.to_date for i in fresh.insurances] == [last_day] * 3
    assert fresh.person is not None  # nothing deleted
    assert session.scalar(sa.select(sa.func.count()).select_from(DuesCodePeriod)
                          .where(DuesCodePeriod.membership_id == member.id)) == 1

    rows = audit_rows(session, member)
    assert rows[0].entity == "membership" and rows[0].entity_id == member.id
    assert rows[0].summary.startswith("Utmeldt med kode 5")
    assert json.loads(rows[0].changes) == {"end_date": [None, last_day.isoformat()], "withdrawal_code": [None, 5],
                                           "note": [None, "Sa opp per e-post"]}
    closed = {(r.entity, r.entity_id): json.loads(r.changes) for r in rows[1:]}
    expected = ([("dues_code_period", p.id) for p in fresh.dues_codes] + [("employment", e.id) for e in fresh.employments]
                + [("insurance_period", i.id) for i in fresh.insurances])
    assert sorted(closed) == sorted(expected)
    assert all(c == {"to_date": [None, last_day.isoformat()]} for c in closed.values())
    assert all(r.user_id == officer.id for r in rows)

    # Gone from the active members, found among the former ones; the card says so and offers no withdrawal.
    assert not listed(client, member, "active")
    assert listed(client, member, "former")
    card = client.get(f"/medlemmer/{member.person_id}").get_data(as_text=True)
    assert "Tidligere medlem" in card and ">Meld ut</a>" not in card
    assert client.get(f"/utmelding/{member.id}").location == f"/utmelding/{member.id}/utmeldt"


def test_periods_that_ended_before_the_date_are_left_alone(client, post, officer, member, session, workplace):
    old = Employment(membership_id=member.id, workplace_id=workplace.id, from_date=date(2015, 1, 1),
                     to_date=date(2016, 12, 31), payment_method="deduction")
    session.add(old)
    session.flush()
    assert post(f"/utmelding/{member.id}", form_data(member)).status_code == 303
    session.expire_all()
    assert session.get(Employment, old.id).to_date == date(2016, 12, 31)


def test_deceased_shows_the_benefit_fund_reminder(client, post, officer, member):
    response = post(f"/utmelding/{member.id}", form_data(member, code="2"))
    assert response.status_code == 303
    html = client.get(response.location).get_data(as_text=True)
    assert "Husk Stønadskassa" in html
    assert "har krav på 1/5 G (en femtedel av folketrygdens grunnbeløp) fra Stønadskassa" in html
    assert "Send de etterlatte kravskjemaet for Stønadskassa" in html


def test_a_county_withdraws_a_student_attached_to_it(factory, client, post, login, session):
    county = factory.county()
    student = factory.member(membership_type="student", county=county, last_name="Bækkelund")
    login(factory.user("county", counties=[county]))
    assert post(f"/utmelding/{student.id}", form_data(student)).status_code == 303
    session.expire_all()
    assert session.get(Membership, student.id).withdrawal_code == 5


def test_central_may_delete_with_code_8(factory, client, post, login, member, session):
    login(factory.user("central"))
    assert '<option value="8">' in client.get(f"/utmelding/{member.id}").get_data(as_text=True)
    assert post(f"/utmelding/{member.id}", form_data(member, code="8")).status_code == 303
    session.expire_all()
    assert session.get(Membership, member.id).withdrawal_code == 8


# --- refused: a message, nothing stored ---------------------------------------------------------

def test_code_1_is_refused_with_a_pointer_to_transfer(client, post, officer, member, session):
    response = post(f"/utmelding/{member.id}", form_data(member, code="1"))
    assert response.status_code == 422
    assert "overfør medlemmet med «Overfør til annen fagforening» på medlemskortet" in field_error(response, "code")
    assert_nothing_stored(session, member)


def test_code_8_is_refused_to_a_branch(client, post, officer, member, session):
    response = post(f"/utmelding/{member.id}", form_data(member, code="8"))
    assert response.status_code == 422
    assert field_error(response, "code") == "Bare Medlemsregisteret kan melde ut med kode 8 (slettet sentralt)."
    assert_nothing_stored(session, member)


@pytest.mark.parametrize("changes, field, message", [
    ({"end_date": "31.12.2014"}, "end_date", "Datoen kan ikke være før medlemskapet startet (01.01.2015)."),
    ({"end_date": "31.02.2026"}, "end_date", "«31.02.2026» er ikke en gyldig dato."),
    ({"end_date": "i går"}, "end_date", "«i går» er ikke en dato (skriv ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ)."),
    ({"end_date": ""}, "end_date", "Fyll ut datoen."),
    ({"end_date": (TODAY + timedelta(days=100)).isoformat()}, "end_date",
     "Datoen kan ikke være mer enn tre måneder fram i tid"),
    ({"code": "4"}, "note", "Skriv en kort merknad om hvorfor medlemmet strykes (kode 4)."),
    ({"code": "4", "note": "   "}, "note", "Skriv en kort merknad om hvorfor medlemmet strykes (kode 4)."),
    ({"code": "6"}, "receiving_union", "Skriv navnet på forbundet medlemmet går over til (kode 6 og 7)."),
    ({"code": ""}, "code", "Velg en utmeldingskode."),
    ({"code": "3"}, "code", "Velg en utmeldingskode fra listen."),
    ({"code": "fem"}, "code", "Velg en utmeldingskode fra listen."),
])
def test_bad_input_is_told_next_to_its_field(client, post, officer, member, session, changes, field, message):
    response = post(f"/utmelding/{member.id}", form_data(member, **changes))
    assert response.status_code == 422
    assert message in (field_error(response, field) or ""), response.get_data(as_text=True)
    assert "Ingenting ble lagret." in response.get_data(as_text=True)
    assert_nothing_stored(session, member)


def test_a_date_before_a_later_registration_is_refused(client, post, officer, member, session):
    session.get(DuesCodePeriod, member.dues_codes[0].id).to_date = date(2019, 12, 31)
    later = DuesCodePeriod(membership_id=member.id, code="L", from_date=date(2020, 1, 1))
    session.add(later)
    session.flush()
    response = post(f"/utmelding/{member.id}", form_data(member, end_date="15.06.2019"))
    assert response.status_code == 422
    assert field_error(response, "end_date") == (
        "Medlemskapet har en registrering som starter 01.01.2020 (Kontingentkode L). Datoen kan ikke være før den.")
    session.expire_all()
    assert session.get(Membership, member.id).end_date is None


def test_three_months_ahead_is_the_limit(client, post, officer, member, session):
    too_late = add_months(TODAY, 3) + timedelta(days=1)
    response = post(f"/utmelding/{member.id}", form_data(member, end_date=too_late.isoformat()))
    assert response.status_code == 422
    assert field_error(response, "end_date") == (
        f"Datoen kan ikke være mer enn tre måneder fram i tid (senest {add_months(TODAY, 3):%d.%m.%Y}).")
    response = post(f"/utmelding/{member.id}", form_data(member, end_date=add_months(TODAY, 3).isoformat()))
    assert response.status_code == 303


def test_a_stale_version_is_a_409_and_nothing_is_stored(client, post, officer, member, session):
    response = post(f"/utmelding/{member.id}", form_data(member, version=str(member.version - 1)))
    assert response.status_code == 409
    assert CONFLICT in response.get_data(as_text=True)
    assert_nothing_stored(session, member)
    garbled = post(f"/utmelding/{member.id}", form_data(member, version="x"))
    assert garbled.status_code == 409


def test_the_second_of_two_open_forms_is_told(client, post, officer, member, session):
    stale = form_data(member)
    assert post(f"/utmelding/{member.id}", form_data(member, code="2")).status_code == 303
    response = post(f"/utmelding/{member.id}", stale)
    assert response.status_code == 409
    assert CONFLICT in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Membership, member.id).withdrawal_code == 2


def test_an_ended_membership_cannot_be_withdrawn_again(client, post, officer, factory, branch, session):
    former = factory.member(branch, end=date(2020, 5, 31), withdrawal_code=5)
    response = post(f"/utmelding/{former.id}", form_data(former, code="2"))
    assert response.status_code == 422
    assert "Medlemskapet er allerede avsluttet 31.05.2020." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Membership, former.id).withdrawal_code == 5


# --- scope and roles ----------------------------------------------------------------------------

def test_another_branchs_membership_is_404_like_a_missing_one(factory, client, post, officer, session):
    other = factory.member(factory.branch(), last_name="Bækkelund")
    for url in (f"/utmelding/{other.id}", f"/utmelding/{other.id}/utmeldt", "/utmelding/999999999"):
        assert client.get(url).status_code == 404, url
    response = post(f"/utmelding/{other.id}", form_data(other))
    assert response.status_code == 404
    assert "Bækkelund" not in response.get_data(as_text=True)
    assert_nothing_stored(session, other)


def test_an_employer_contact_is_refused(factory, client, post, login, member, session):
    login(factory.user("employer", employers=[factory.employer()]))
    assert client.get(f"/utmelding/{member.id}").status_code == 403
    assert post(f"/utmelding/{member.id}", form_data(member)).status_code == 403
    assert_nothing_stored(session, member)


# --- transfer to another union of the confederation (codes 6 and 7) --------------------------------

def test_transfer_to_another_union_prints_a_transfer_form(client, post, officer, member, session):
    session.add(InsurancePeriod(membership_id=member.id, kind="group", reserved=True, from_date=date(2016, 1, 1)))
    session.flush()
    response = post(f"/utmelding/{member.id}", form_data(member, code="6", receiving_union="Fellesforbundet"))
    assert response.status_code == 303
    done = client.get(response.location).get_data(as_text=True)
    assert f'href="/utmelding/{member.id}/overforingsskjema"' in done

    session.expire_all()
    fresh = session.get(Membership, member.id)
    assert fresh.note == "Mottakende forbund: Fellesforbundet"
    assert json.loads(audit_rows(session, member)[0].changes)["receiving_union"] == [None, "Fellesforbundet"]

    form = client.get(f"/utmelding/{member.id}/overforingsskjema")
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    person = fresh.person
    for text in ("Åse Bækkelund", f"{person.national_id[:6]} {person.national_id[6:]}", str(member.member_number),
                 "01.01.2015", f"{TODAY:%d.%m.%Y}", "Fellesforbundet", "med kollektiv hjemforsikring",
                 "Hjemforsikring", "Stønadskassa", "Utdanningsfond (OUO)", "Gruppeliv", "Reservert"):
        assert text in html, text


def test_only_a_transfer_to_another_union_has_a_transfer_form(client, post, officer, member):
    assert client.get(f"/utmelding/{member.id}/overforingsskjema").status_code == 404
    post(f"/utmelding/{member.id}", form_data(member, code="5"))
    assert client.get(f"/utmelding/{member.id}/overforingsskjema").status_code == 404


def test_the_receiving_union_is_kept_only_for_codes_6_and_7(client, post, officer, member, session):
    post(f"/utmelding/{member.id}", form_data(member, code="5", receiving_union="Fellesforbundet"))
    session.expire_all()
    assert session.get(Membership, member.id).note is None
