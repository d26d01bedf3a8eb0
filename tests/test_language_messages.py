"""Messages made in Python follow the language the user chose: flash messages, refusals from services,
export headers, the labels of the change history and the error pages. What is stored stays as it was
stored (the audit log's summary is Norwegian whatever the language)."""
import re

import sqlalchemy as sa

from models import AuditLog


def english(post, page: str) -> None:
    response = post("/sprak", {"lang": "en", "next": page})
    assert response.status_code == 303


def edit_form(client, person_id: int) -> dict:
    """The edit form's text fields as the browser sends them (disabled fields are not sent)."""
    html = client.get(f"/medlemmer/{person_id}/endre").get_data(as_text=True)
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrf_token" or " disabled" in tag or 'type="checkbox"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    return data


def test_a_saved_change_is_told_and_shown_in_english_and_audited_in_norwegian(factory, client, login, post,
                                                                               session):
    branch = factory.branch()
    member = factory.member(branch, first_name="Åse", last_name="Bækkelund", address="Gamleveien 1")
    login(factory.user("branch", branches=[branch]))
    english(post, f"/medlemmer/{member.person_id}")

    response = post(f"/medlemmer/{member.person_id}/endre",
                    {**edit_form(client, member.person_id), "address": "Nyveien 2"})
    assert response.status_code == 303
    card = client.get(response.location).get_data(as_text=True)
    assert "The changes have been saved." in card and "Endringene er lagret." not in card

    history = client.get(f"/medlemmer/{member.person_id}?fane=historikk").get_data(as_text=True)
    assert "<strong>Address</strong>" in history and "<strong>Adresse</strong>" not in history
    summary = session.scalar(sa.select(AuditLog.summary).where(AuditLog.person_id == member.person_id,
                                                               AuditLog.action == "update"))
    assert summary == "Personalia endret: Adresse"


def test_a_refusal_from_a_service_is_in_english(factory, client, login, post):
    county = factory.county()
    student = factory.member(membership_type="student", county=county)
    login(factory.user("county", counties=[county]))
    english(post, "/")

    page = client.get(f"/overforing/ny/{student.id}").get_data(as_text=True)
    assert "Students and pupils belong to the county and are not transferred between branches." in page
    assert "Studenter og elever hører til fylkeskretsen" not in page


def test_an_export_has_english_headers(factory, client, login, post):
    login(factory.user("central"))
    english(post, "/utmelding/")

    header = client.get("/utmelding/?format=csv").get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert header.startswith("Employer;Org. no.;Workplace;Name;National identity number;")
    assert "Arbeidsgiver" not in header


def test_an_error_page_is_in_english(factory, client, login, post):
    login(factory.user("central"))
    english(post, "/")

    response = client.get("/medlemmer/999999999")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and "Fant ikke siden" not in page
