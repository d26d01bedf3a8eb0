"""Changing personal data: field messages, what a role may change, conflicts, history, notes, return mail."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditLog, Person, PersonNote
from tests.factories import make_national_id
from web import clock

CONFLICT = "Noen andre lagret endringer på dette medlemmet mens du redigerte."


@pytest.fixture
def branch(factory):
    return factory.branch()


@pytest.fixture
def member(factory, branch):
    return factory.member(branch, first_name="Åse", last_name="Bækkelund", address="Gamleveien 1",
                          postal_code="0150", city="Oslo", birth=date(1980, 5, 17))


@pytest.fixture
def officer(factory, branch, login):
    user = factory.user("branch", branches=[branch])
    login(user)
    return user


@pytest.fixture
def central(factory, login):
    user = factory.user("central")
    login(user)
    return user


def form_of(client, person_id) -> dict:
    """The edit form's fields as the browser would send them (disabled fields are not sent)."""
    html = client.get(f"/medlemmer/{person_id}/endre").get_data(as_text=True)
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrf_token" or " disabled" in tag:
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                data[name.group(1)] = "y"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    return data


def field_error(response, field) -> str | None:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True))
    return found.group(1) if found else None


def stored(session, person_id) -> Person:
    session.expire_all()
    return session.get(Person, person_id)


def test_a_change_is_stored_audited_and_shown_in_the_history(client, officer, member, post, session):
    data = {**form_of(client, member.person_id), "address": "Nyveien 2", "postal_code": "0151"}
    response = post(f"/medlemmer/{member.person_id}/endre", data)
    assert response.status_code == 303
    assert response.location == f"/medlemmer/{member.person_id}"
    card = client.get(response.location).get_data(as_text=True)
    assert "Endringene er lagret." in card and "Nyveien 2" in card

    person = stored(session, member.person_id)
    assert (person.address, person.postal_code, person.version) == ("Nyveien 2", "0151", 2)
    row = session.scalar(sa.select(AuditLog).where(AuditLog.person_id == member.person_id,
                                                   AuditLog.action == "update"))
    assert row.actor == officer.username
    assert row.summary == "Personalia endret: Adresse, Postnummer"

    history = client.get(f"/medlemmer/{member.person_id}?fane=historikk").get_data(as_text=True)
    assert "<del>Gamleveien 1</del> → <ins>Nyveien 2</ins>" in history
    assert "<del>0150</del> → <ins>0151</ins>" in history
    assert "<strong>Adresse</strong>" in history  # the field's Norwegian name, not the column's


def test_saving_without_changes_says_so(client, officer, member, post, session):
    response = post(f"/medlemmer/{member.person_id}/endre", form_of(client, member.person_id))
    assert response.status_code == 303
    assert "Ingen endringer å lagre." in client.get(response.location).get_data(as_text=True)
    assert stored(session, member.person_id).version == 1


@pytest.mark.parametrize("field, value, message", [
    ("postal_code", "12a", "Postnummeret skal være fire siffer."),
    ("postal_code", "12345", "Postnummeret skal være fire siffer."),
    ("email", "ase@", "E-postadressen er ikke gyldig."),
    ("email", "ikke en adresse", "E-postadressen er ikke gyldig."),
    ("last_name", "", "Etternavn må fylles ut."),
    ("last_name", "   ", "Etternavn må fylles ut."),
    ("first_name", "", "Fornavn må fylles ut."),
    ("phone", "12", "Telefonnummeret skal være 8 til 15 siffer."),
    ("city", "", "Poststed må fylles ut når postnummer er oppgitt."),
    ("last_name", "x" * 101, "Høyst 100 tegn."),
])
def test_bad_input_gets_a_message_next_to_the_field_and_nothing_is_stored(client, officer, member, post, session,
                                                                          field, value, message):
    data = {**form_of(client, member.person_id), "address": "Nyveien 2", field: value}
    response = post(f"/medlemmer/{member.person_id}/endre", data)
    assert response.status_code == 422
    assert field_error(response, field) == message
    assert "Ingenting ble lagret." in response.get_data(as_text=True)
    person = stored(session, member.person_id)
    assert (person.address, person.last_name, person.version) == ("Gamleveien 1", "Bækkelund", 1)


def test_names_are_stored_trimmed_and_searchable(client, officer, member, post, session):
    data = {**form_of(client, member.person_id), "first_name": "  Åse Marie ", "last_name": " Øvrebø "}
    assert post(f"/medlemmer/{member.person_id}/endre", data).status_code == 303
    person = stored(session, member.person_id)
    assert (person.first_name, person.last_name) == ("Åse Marie", "Øvrebø")
    assert "Øvrebø, Åse Marie" in client.get("/medlemmer/?q=øvre").get_data(as_text=True)


def test_a_branch_officer_cannot_change_the_national_id(client, officer, member, post, session):
    form = form_of(client, member.person_id)
    assert "national_id" not in form  # shown disabled
    before = member.person.national_id
    other = make_national_id(date(1990, 1, 1))
    response = post(f"/medlemmer/{member.person_id}/endre", {**form, "national_id": other, "address": "Nyveien 2"})
    assert response.status_code == 303
    person = stored(session, member.person_id)
    assert person.national_id == before and person.birth_date == date(1980, 5, 17)
    assert person.address == "Nyveien 2"  # the rest of the form was saved


def test_a_branch_officer_posting_an_invalid_national_id_is_not_stopped_by_it(client, officer, member, post, session):
    data = {**form_of(client, member.person_id), "national_id": "123", "address": "Nyveien 2"}
    assert post(f"/medlemmer/{member.person_id}/endre", data).status_code == 303
    assert stored(session, member.person_id).national_id == member.person.national_id


def test_central_changes_the_national_id_and_the_birth_date_follows(client, central, member, post, session):
    new = make_national_id(date(1979, 12, 24))
    data = {**form_of(client, member.person_id), "national_id": f"{new[:6]} {new[6:]}"}
    assert post(f"/medlemmer/{member.person_id}/endre", data).status_code == 303
    person = stored(session, member.person_id)
    assert (person.national_id, person.birth_date) == (new, date(1979, 12, 24))
    history = client.get(f"/medlemmer/{member.person_id}?fane=historikk").get_data(as_text=True)
    assert "17.05.1980" in history and "24.12.1979" in history  # birth dates shown as dd.mm.yyyy


def test_a_2032_number_leaves_the_birth_date_unknown(client, central, member, post, session):
    data = {**form_of(client, member.person_id), "national_id": "12035678903"}
    assert post(f"/medlemmer/{member.person_id}/endre", data).status_code == 303
    person = stored(session, member.person_id)
    assert (person.national_id, person.birth_date) == ("12035678903", None)


@pytest.mark.parametrize("value, message", [
    ("15108612353", "Fødselsnummeret er ikke gyldig (kontrollsifrene stemmer ikke)."),
    ("1234", "Fødselsnummeret skal være 11 siffer."),
    ("", "Fødselsnummeret mangler."),
])
def test_central_gets_a_message_for_a_bad_national_id(client, central, member, post, session, value, message):
    response = post(f"/medlemmer/{member.person_id}/endre", {**form_of(client, member.person_id), "national_id": value})
    assert response.status_code == 422
    assert field_error(response, "national_id") == message
    assert stored(session, member.person_id).national_id == member.person.national_id


def test_a_national_id_someone_else_has_is_refused(client, factory, central, member, post, session):
    taken = factory.person(first_name="Ola", last_name="Annen").national_id
    response = post(f"/medlemmer/{member.person_id}/endre", {**form_of(client, member.person_id), "national_id": taken,
                                                             "address": "Nyveien 2"})
    assert response.status_code == 422
    assert field_error(response, "national_id") == "Fødselsnummeret er allerede registrert på en annen person."
    person = stored(session, member.person_id)
    assert (person.national_id, person.address) == (member.person.national_id, "Gamleveien 1")


def test_a_change_saved_meanwhile_is_not_overwritten(client, officer, member, post, session):
    form = form_of(client, member.person_id)
    meanwhile = session.get(Person, member.person_id)
    meanwhile.phone = "99 88 77 66"
    session.flush()  # someone else saved: the version moves on

    response = post(f"/medlemmer/{member.person_id}/endre", {**form, "address": "Min vei 3"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert CONFLICT in html
    assert 'value="99 88 77 66"' in html  # the form now shows what was saved
    person = stored(session, member.person_id)
    assert (person.address, person.phone) == ("Gamleveien 1", "99 88 77 66")


def test_the_second_of_two_posts_from_the_same_form_is_a_conflict(client, officer, member, post, session):
    form = form_of(client, member.person_id)
    assert post(f"/medlemmer/{member.person_id}/endre", {**form, "address": "Første vei 1"}).status_code == 303
    response = post(f"/medlemmer/{member.person_id}/endre", {**form, "address": "Andre vei 2"})
    assert response.status_code == 409 and CONFLICT in response.get_data(as_text=True)
    assert stored(session, member.person_id).address == "Første vei 1"

    again = form_of(client, member.person_id)  # after reloading, the change goes through
    assert post(f"/medlemmer/{member.person_id}/endre", {**again, "address": "Andre vei 2"}).status_code == 303
    assert stored(session, member.person_id).address == "Andre vei 2"


@pytest.mark.parametrize("version", ["", "abc", "-1"])
def test_a_missing_or_garbled_version_is_a_conflict_not_an_error(client, officer, member, post, session, version):
    response = post(f"/medlemmer/{member.person_id}/endre",
                    {**form_of(client, member.person_id), "version": version, "address": "Nyveien 2"})
    assert response.status_code == 409
    assert stored(session, member.person_id).address == "Gamleveien 1"


def test_a_note_is_added_with_its_author(client, officer, member, post, session):
    response = post(f"/medlemmer/{member.person_id}/notater", {"text": "  Ringte om ny adresse.  "})
    assert response.status_code == 303
    assert response.location == f"/medlemmer/{member.person_id}?fane=notater"
    html = client.get(response.location).get_data(as_text=True)
    assert "Notatet er lagret." in html
    assert "<p>Ringte om ny adresse.</p>" in html and officer.username in html
    assert session.scalars(sa.select(PersonNote.text)).all() == ["Ringte om ny adresse."]


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_an_empty_note_gets_a_message(client, officer, member, post, session, text):
    response = post(f"/medlemmer/{member.person_id}/notater", {"text": text})
    assert response.status_code == 422
    assert field_error(response, "text") == "Skriv et notat."
    assert session.scalar(sa.select(sa.func.count()).select_from(PersonNote)) == 0


def test_notes_are_escaped(client, officer, member, post):
    post(f"/medlemmer/{member.person_id}/notater", {"text": "<script>alert(1)</script>"})
    html = client.get(f"/medlemmer/{member.person_id}?fane=notater").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_return_mail_set_and_cleared_shows_in_the_return_mail_list(client, officer, member, post, session):
    response = post(f"/medlemmer/{member.person_id}/returpost", {"flagged": "1"})
    assert response.status_code == 303
    card = client.get(response.location).get_data(as_text=True)
    assert "Returpost registrert." in card and "Returpost siden " + clock.today().strftime("%d.%m.%Y") in card
    listed = client.get("/medlemmer/returpost").get_data(as_text=True)
    assert "Bækkelund, Åse" in listed and "Gamleveien 1, 0150 Oslo" in listed

    post(f"/medlemmer/{member.person_id}/returpost", {"flagged": "0"})
    assert "Bækkelund, Åse" not in client.get("/medlemmer/returpost").get_data(as_text=True)
    assert "Ingen medlemmer har returpost." in client.get("/medlemmer/returpost").get_data(as_text=True)
    summaries = session.scalars(sa.select(AuditLog.summary).where(
        AuditLog.person_id == member.person_id, AuditLog.action == "update").order_by(AuditLog.id)).all()
    assert summaries == ["Returpost registrert", "Returpost fjernet"]


def test_return_mail_through_the_edit_form(client, officer, member, post, session):
    assert post(f"/medlemmer/{member.person_id}/endre",
                {**form_of(client, member.person_id), "return_mail": "y"}).status_code == 303
    person = stored(session, member.person_id)
    assert person.return_mail and person.return_mail_since == clock.today()
    assert "Bækkelund, Åse" in client.get("/medlemmer/returpost").get_data(as_text=True)
