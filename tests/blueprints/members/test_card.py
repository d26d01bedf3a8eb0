"""The member card: each tab, a 'read' row in the audit log per view, the audit trail for central only."""
from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditLog


@pytest.fixture
def branch(factory):
    return factory.branch()


@pytest.fixture
def member(factory, branch):
    employer = factory.employer(name="Bærum kommune", orgnr="974760673")
    return factory.member(branch, first_name="Åse", last_name="Bækkelund", address="Gamleveien 1",
                          postal_code="0150", city="Oslo", phone="22 33 44 55", email="ase@example.no",
                          start=date(2015, 1, 1), workplace=factory.workplace(employer, branch, name="Rådhuset"))


def reads(session, person_id) -> list[str]:
    return session.scalars(sa.select(AuditLog.summary).where(
        AuditLog.person_id == person_id, AuditLog.action == "read").order_by(AuditLog.id)).all()


TABS = {
    "personalia": ["Gamleveien 1", "0150 Oslo", "22 33 44 55", "ase@example.no"],
    "medlemskap": ["Hovedmedlem", "01.01.2015"],
    "kontingentkoder": ["Yrkesaktiv"],
    "arbeidsforhold": ["Bærum kommune", "974760673", "Rådhuset", "100 %", "45 000,00 kr"],
    "forsikringer": ["Hjemforsikring", "Stønadskassa", "Utdanningsfond (OUO)"],
    "notater": ["Ingen notater.", "Lagre notat"],
    "historikk": ["Ingen endringer registrert."],
}
LABELS = {"personalia": "Personalia", "medlemskap": "Medlemskap", "kontingentkoder": "Kontingentkoder",
          "arbeidsforhold": "Arbeidsforhold", "forsikringer": "Forsikringer", "notater": "Notater",
          "historikk": "Endringshistorikk"}


@pytest.mark.parametrize("tab", list(TABS))
def test_each_tab_shows_its_facts_and_is_logged_as_read(client, factory, branch, member, login, session, tab):
    login(factory.user("branch", branches=[branch]))
    response = client.get(f"/medlemmer/{member.person_id}?fane={tab}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Åse Bækkelund</h1>" in html
    assert str(member.member_number) in html
    for fact in TABS[tab]:
        assert fact in html, fact
    assert reads(session, member.person_id) == [f"Medlemskort lest ({LABELS[tab]})"]


def test_every_view_is_a_read_row_with_who_and_when(client, factory, branch, member, login, session):
    user = factory.user("branch", branches=[branch])
    login(user)
    client.get(f"/medlemmer/{member.person_id}")
    client.get(f"/medlemmer/{member.person_id}?fane=medlemskap", headers={"HX-Request": "true"})
    client.get(f"/medlemmer/{member.person_id}")
    rows = session.scalars(sa.select(AuditLog).where(AuditLog.person_id == member.person_id)).all()
    assert [r.summary for r in rows] == ["Medlemskort lest (Personalia)", "Medlemskort lest (Medlemskap)",
                                         "Medlemskort lest (Personalia)"]
    assert {(r.user_id, r.actor) for r in rows} == {(user.id, user.username)}
    assert all(r.at is not None for r in rows)


def test_a_tab_asked_for_by_htmx_is_only_the_tab(client, factory, branch, member, login):
    login(factory.user("branch", branches=[branch]))
    fragment = client.get(f"/medlemmer/{member.person_id}?fane=forsikringer", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "Hjemforsikring" in html and "<html" not in html and "<h1>" not in html
    assert "HX-Request" in fragment.headers["Vary"]
    page = client.get(f"/medlemmer/{member.person_id}?fane=forsikringer")
    assert "<html" in page.get_data(as_text=True) and "HX-Request" in page.headers["Vary"]


def test_the_audit_trail_is_for_central(client, factory, branch, member, login, session):
    officer = factory.user("branch", branches=[branch])
    session.add(AuditLog(user_id=officer.id, actor=officer.username, action="read", entity="person",
                         entity_id=member.person_id, person_id=member.person_id, summary="Medlemskort lest (Notater)"))
    session.flush()
    login(factory.user("central"))
    html = client.get(f"/medlemmer/{member.person_id}?fane=logg").get_data(as_text=True)
    assert "Innsynslogg" in html
    assert officer.username in html and "Medlemskort lest (Notater)" in html
    assert reads(session, member.person_id)[-1] == "Medlemskort lest (Innsynslogg)"


@pytest.mark.parametrize("role", ["branch", "county"])
def test_others_asking_for_the_audit_trail_get_the_personalia_tab(client, factory, branch, member, login,
                                                                  session, role):
    login(factory.user(role, branches=[branch]) if role == "branch" else factory.user(role, counties=[branch.county]))
    response = client.get(f"/medlemmer/{member.person_id}?fane=logg")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Innsynslogg" not in html and f'href="/medlemmer/{member.person_id}?fane=logg"' not in html
    assert "Gamleveien 1" in html  # the personalia tab
    assert reads(session, member.person_id) == ["Medlemskort lest (Personalia)"]


def test_an_unknown_tab_shows_the_personalia_tab(client, factory, branch, member, login):
    login(factory.user("branch", branches=[branch]))
    response = client.get(f"/medlemmer/{member.person_id}?fane=%3Cscript%3E")
    assert response.status_code == 200
    assert "Gamleveien 1" in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)


def test_a_former_member_is_marked(client, factory, branch, login):
    former = factory.member(branch, end=date(2024, 6, 30), withdrawal_code=5)
    login(factory.user("branch", branches=[branch]))
    html = client.get(f"/medlemmer/{former.person_id}?fane=medlemskap").get_data(as_text=True)
    assert "Tidligere medlem" in html and "30.06.2024" in html


@pytest.mark.parametrize("url", ["/medlemmer/999999999", "/medlemmer/99999999999999999999999",
                                 "/medlemmer/abc", "/medlemmer/999999999/endre", "/medlemmer/0?fane=logg"])
def test_a_missing_member_is_a_friendly_404(client, factory, login, url):
    login(factory.user("central"))
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Fant ikke siden" in html and "Traceback" not in html
