"""The printable welcome letter: who, where, from when, and what the member will pay."""
from datetime import date

import sqlalchemy as sa

from models import AuditLog


def test_the_welcome_letter_shows_the_member_and_the_dues(factory, client, login, session):
    branch = factory.branch(number=4601, name="Bergen Fagforening", rate_bp=175)
    member = factory.member(branch, workplace=factory.workplace(branch=branch), start=date(2026, 3, 2),
                            first_name="Ola", last_name="Nordmann", address="Storgata 1", postal_code="5003",
                            city="Bergen", number=777001)
    login(factory.user("branch", branches=[branch]))

    response = client.get(f"/innmelding/{member.id}/velkomstbrev")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Velkommen som medlem!" in html
    for text in ("Ola Nordmann", "Storgata 1", "5003 Bergen", "777001", "4601 Bergen Fagforening", "Hovedmedlem",
                 "02.03.2026", "874,00 kr per måned", "trekkes av arbeidsgiveren din",
                 "1,75 % av 45 000,00 = 787,50, begrenset til 749"):
        assert text in html, text
    assert 'class="letter printable"' in html
    session.expire_all()
    assert session.scalar(sa.select(AuditLog.summary).where(AuditLog.entity_id == member.id,
                                                            AuditLog.entity == "membership")) == "Velkomstbrev vist"


def test_the_welcome_letter_of_a_student_tells_the_half_year_fee(factory, client, login):
    county = factory.county()
    member = factory.member(membership_type="student", county=county, start=date(2026, 3, 2))
    login(factory.user("county", counties=[county]))
    html = client.get(f"/innmelding/{member.id}/velkomstbrev").get_data(as_text=True)
    assert "per halvår" in html


def test_the_welcome_letter_is_scoped(factory, client, login):
    member = factory.member(factory.branch(), first_name="Mette", last_name="Hemmelig")
    login(factory.user("branch", branches=[factory.branch()]))
    response = client.get(f"/innmelding/{member.id}/velkomstbrev")
    assert response.status_code == 404 and "Hemmelig" not in response.get_data(as_text=True)
    assert client.get("/innmelding/999999/velkomstbrev").status_code == 404
