"""Starting a transfer from the member card: the giving membership ends with code 1 the day before."""
import json
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from models import AuditLog, DuesCodePeriod, Membership, Transfer
from web import clock

CONFLICT = "Noen andre har endret dette medlemskapet mens du arbeidet. Last siden på nytt og prøv igjen."


def transfers(session) -> list[Transfer]:
    session.expire_all()
    return session.scalars(sa.select(Transfer)).all()


def stored(session, membership) -> Membership:
    session.expire_all()
    return session.get(Membership, membership.id)


def form_data(world, **changes) -> dict:
    return {"version": world.member.version, "to_branch": world.b.id, "transfer_date": "01.03.2026",
            "note": "", **changes}


def error_of(response, field) -> str | None:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True))
    return found.group(1) if found else None


def test_the_card_offers_a_transfer_for_an_active_branch_membership(client_for, world, factory):
    html = client_for("a").get(f"/medlemmer/{world.member.person_id}").get_data(as_text=True)
    assert f'href="/overforing/ny/{world.member.id}"' in html
    assert "Overfør til annen fagforening" in html

    student = factory.member(membership_type="student", county=world.county_n, first_name="Siri")
    html = client_for("county_n").get(f"/medlemmer/{student.person_id}").get_data(as_text=True)
    assert "Overfør til annen fagforening" not in html


def test_the_form_proposes_the_first_of_next_month_and_every_other_branch(client_for, world):
    response = client_for("a").get(f"/overforing/ny/{world.member.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    first = (clock.today().replace(day=1) + timedelta(days=32)).replace(day=1)
    assert f'value="{first:%d.%m.%Y}"' in html
    assert f">{world.b.number} Fjellby Fagforening</option>" in html
    assert f">{world.c.number} Sjøvik Fagforening</option>" in html  # another county's branch too
    assert f">{world.a.number} Elvedal Fagforening</option>" not in html
    assert "Åse Bækkelund" in html and str(world.member.member_number) in html


def test_starting_ends_the_membership_the_day_before_with_code_1(client_for, world, session, send):
    response = send(client_for("a"), f"/overforing/ny/{world.member.id}",
                    form_data(world, note="Flyttet til Fjellby"))
    assert response.status_code == 303 and response.location == "/overforing/"
    page = client_for("a").get(response.location).get_data(as_text=True)
    assert "Overføringen av Åse Bækkelund til" in page and "avsluttet med kode 1 28.02.2026" in page

    membership = stored(session, world.member)
    assert (membership.end_date, membership.withdrawal_code) == (date(2026, 2, 28), 1)
    assert [(p.code, p.to_date) for p in membership.dues_codes] == [("Y", date(2026, 2, 28))]
    assert {(i.kind, i.to_date) for i in membership.insurances} == {
        ("home", date(2026, 2, 28)), ("benefit_fund", date(2026, 2, 28)), ("education_fund", date(2026, 2, 28)),
        ("group", date(2020, 12, 31))}
    assert [e.to_date for e in membership.employments] == [None]  # the member still works there

    [transfer] = transfers(session)
    assert (transfer.state, transfer.from_branch_id, transfer.to_branch_id, transfer.transfer_date) == (
        "pending", world.a.id, world.b.id, date(2026, 3, 1))
    assert (transfer.started_by, transfer.note, transfer.person_id) == (
        world.users["a"].id, "Flyttet til Fjellby", world.member.person_id)

    row = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "transfer", AuditLog.entity_id == transfer.id))
    assert row.actor == world.users["a"].username and row.person_id == world.member.person_id
    assert "Overføring startet" in row.summary and "utmeldt med kode 1" in row.summary
    changes = json.loads(row.changes)
    assert changes["end_date"] == [None, "2026-02-28"] and changes["withdrawal_code"] == [None, 1]
    assert changes["Kontingentkode Y til"] == [None, "2026-02-28"]


def test_a_transfer_to_the_same_branch_is_refused(client_for, world, session, send):
    response = send(client_for("a"), f"/overforing/ny/{world.member.id}", form_data(world, to_branch=world.a.id))
    assert response.status_code == 422
    assert "en overføring må gå til en annen fagforening" in error_of(response, "to_branch")
    assert transfers(session) == []
    assert stored(session, world.member).end_date is None


@pytest.mark.parametrize("changes, field, message", [
    ({"to_branch": ""}, "to_branch", "Velg fagforeningen medlemmet skal overføres til."),
    ({"to_branch": "999999999"}, "to_branch", "Velg fagforeningen medlemmet skal overføres til."),
    ({"to_branch": "tull"}, "to_branch", "Velg fagforeningen medlemmet skal overføres til."),
    ({"transfer_date": ""}, "transfer_date", "Fyll ut overføringsdatoen."),
    ({"transfer_date": "31.02.2026"}, "transfer_date", "«31.02.2026» er ikke en gyldig dato."),
    ({"transfer_date": "neste uke"}, "transfer_date", "er ikke en dato"),
    ({"transfer_date": "01.01.2015"}, "transfer_date", "må være etter at medlemskapet begynte (01.01.2015)"),
    ({"note": "x" * 2001}, "note", "Høyst 2000 tegn."),
])
def test_bad_input_is_told_at_its_field_and_nothing_is_stored(client_for, world, session, send,
                                                              changes, field, message):
    version = world.member.version
    response = send(client_for("a"), f"/overforing/ny/{world.member.id}", form_data(world, **changes))
    assert response.status_code == 422
    assert message in error_of(response, field)
    assert "Ingenting ble lagret." in response.get_data(as_text=True)
    assert transfers(session) == []
    membership = stored(session, world.member)
    assert (membership.end_date, membership.withdrawal_code, membership.version) == (None, None, version)


def test_a_dues_code_from_after_the_transfer_date_is_refused(client_for, world, session, send):
    [period] = world.member.dues_codes
    period.to_date = date(2026, 3, 31)
    session.add(DuesCodePeriod(membership_id=world.member.id, code="L", from_date=date(2026, 4, 1)))
    session.flush()
    response = send(client_for("a"), f"/overforing/ny/{world.member.id}", form_data(world))
    assert response.status_code == 422
    assert "gjelder fra 01.04.2026" in error_of(response, "transfer_date")
    assert transfers(session) == []


def test_a_stale_version_is_a_conflict_and_nothing_is_stored(client_for, world, session, send):
    stale = world.member.version - 1
    response = send(client_for("a"), f"/overforing/ny/{world.member.id}", form_data(world, version=stale))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert CONFLICT in html
    assert f'name="version" type="hidden" value="{world.member.version}"' in html  # the next try may save
    assert transfers(session) == []
    assert stored(session, world.member).end_date is None


def test_a_membership_outside_the_scope_is_404_and_untouched(client_for, world, session, send):
    for url in (f"/overforing/ny/{world.member.id}", "/overforing/ny/999999999"):
        assert client_for("b").get(url).status_code == 404
        assert send(client_for("b"), url, form_data(world)).status_code == 404
    assert client_for("county_s").get(f"/overforing/ny/{world.member.id}").status_code == 404
    assert transfers(session) == []
    assert stored(session, world.member).end_date is None


def test_the_county_and_central_may_start_a_transfer(client_for, world, session, send):
    assert client_for("county_n").get(f"/overforing/ny/{world.member.id}").status_code == 200
    response = send(client_for("central"), f"/overforing/ny/{world.member.id}",
                    form_data(world, to_branch=world.c.id))
    assert response.status_code == 303
    [transfer] = transfers(session)
    assert (transfer.to_branch_id, transfer.started_by) == (world.c.id, world.users["central"].id)


def test_an_ended_membership_or_a_student_cannot_be_transferred(client_for, world, factory, session, send):
    ended = factory.member(world.a, end=date(2024, 6, 30), withdrawal_code=5, first_name="Ola")
    response = client_for("a").get(f"/overforing/ny/{ended.id}")
    assert "Medlemskapet ble avsluttet 30.06.2024 og kan ikke overføres." in response.get_data(as_text=True)
    assert 'name="transfer_date"' not in response.get_data(as_text=True)
    response = send(client_for("a"), f"/overforing/ny/{ended.id}",
                    {"version": ended.version, "to_branch": world.b.id, "transfer_date": "01.03.2026"})
    assert response.status_code == 422

    student = factory.member(membership_type="student", county=world.county_n, first_name="Siri")
    response = send(client_for("county_n"), f"/overforing/ny/{student.id}",
                    {"version": student.version, "to_branch": world.b.id, "transfer_date": "01.03.2026"})
    assert response.status_code == 422
    assert "Studenter og elever hører til fylkeskretsen" in response.get_data(as_text=True)
    assert transfers(session) == []


def test_a_membership_with_a_pending_transfer_cannot_be_transferred_again(client_for, world, start_transfer,
                                                                          session, send):
    start_transfer()
    response = send(client_for("a"), f"/overforing/ny/{world.member.id}",
                    form_data(world, version=stored(session, world.member).version, to_branch=world.c.id))
    assert response.status_code == 422
    assert "Medlemskapet ble avsluttet 28.02.2026" in response.get_data(as_text=True)
    assert len(transfers(session)) == 1
