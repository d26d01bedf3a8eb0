"""Accepting a transfer (a new membership with code 1, continuity kept) or refusing it (back to the
giving branch, which sees why)."""
import json
from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditLog, Employment, InsurancePeriod, Membership, Transfer

CONFLICT = "Noen andre har endret denne overføringen mens du arbeidet. Last siden på nytt og prøv igjen."


def fresh(session, cls, id_):
    session.expire_all()
    return session.get(cls, id_)


def test_accepting_makes_a_membership_in_the_receiving_branch_with_continuity(client_for, world, start_transfer,
                                                                            session, send):
    transfer = start_transfer()
    response = send(client_for("b"), f"/overforing/{transfer.id}/motta", {"version": transfer.version})
    assert response.status_code == 303 and response.location == "/overforing/"
    page = client_for("b").get(response.location).get_data(as_text=True)
    assert (f"Åse Bækkelund (medlemsnr. {world.member.member_number}) er tatt imot i {world.b.number} "
            f"Fjellby Fagforening fra 01.03.2026.") in page
    assert "Ingen overføringer venter på oss." in page

    transfer = fresh(session, Transfer, transfer.id)
    old, new = transfer.from_membership, transfer.to_membership
    assert (transfer.state, transfer.decided_by) == ("accepted", world.users["b"].id)
    assert transfer.decided_at is not None
    assert (new.branch_id, new.enrollment_code, new.member_number) == (world.b.id, 1, old.member_number)
    assert (new.membership_type, new.section_id, new.apprentice) == ("main", world.section.id, True)
    assert (new.start_date, new.end_date, new.person_id) == (date(2026, 3, 1), None, old.person_id)
    assert old.end_date == date(2026, 2, 28) and old.withdrawal_code == 1  # continuity: no day between
    assert [(p.code, p.from_date, p.to_date) for p in new.dues_codes] == [("Y", date(2026, 3, 1), None)]
    assert sorted((i.kind, i.reserved, i.from_date, i.to_date) for i in new.insurances) == [
        ("benefit_fund", False, date(2026, 3, 1), None), ("education_fund", False, date(2026, 3, 1), None),
        ("home", False, date(2026, 3, 1), None)]  # group insurance had ended in 2020: not carried
    [old_job] = old.employments
    [new_job] = new.employments
    assert old_job.to_date == date(2026, 2, 28)
    assert (new_job.workplace_id, new_job.position_bp, new_job.payment_method, new_job.monthly_pay_ore,
            new_job.from_date, new_job.to_date) == (world.workplace.id, 10000, "deduction", 4_500_000,
                                                    date(2026, 3, 1), None)

    summaries = session.scalars(sa.select(AuditLog.summary).where(
        AuditLog.person_id == old.person_id, AuditLog.action.in_(("create", "update"))).order_by(AuditLog.id)).all()
    assert summaries[-2].startswith("Innmeldt med kode 1 (overført fra")
    assert summaries[-1] == f"Overføring mottatt av {world.b.number} Fjellby Fagforening"
    accepted = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "transfer", AuditLog.action == "update"))
    assert json.loads(accepted.changes) == {
        "state": ["pending", "accepted"],
        "Arbeidsforhold Sykehjemmet (avgivende fagforening) til": [None, "2026-02-28"]}


def test_after_accepting_the_receiving_branch_sees_the_card_and_finds_the_member(client_for, world,
                                                                                start_transfer, send):
    transfer = start_transfer()
    card = f"/medlemmer/{world.member.person_id}"
    assert client_for("b").get(card).status_code == 404
    send(client_for("b"), f"/overforing/{transfer.id}/motta", {"version": transfer.version})
    response = client_for("b").get(card + "?fane=medlemskap")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Fjellby Fagforening" in html and "Elvedal Fagforening" not in html  # only their membership
    search = client_for("b").get("/medlemmer/", query_string={"q": str(world.member.member_number)})
    assert f'href="{card}"' in search.get_data(as_text=True)


def test_a_reservation_is_carried(client_for, world, start_transfer, session, send):
    [home] = [i for i in world.member.insurances if i.kind == "home"]
    home.to_date = date(2019, 12, 31)
    session.add(InsurancePeriod(membership_id=world.member.id, kind="home", reserved=True,
                                from_date=date(2020, 1, 1)))
    session.flush()
    transfer = start_transfer()
    send(client_for("b"), f"/overforing/{transfer.id}/motta", {"version": transfer.version})
    new = fresh(session, Transfer, transfer.id).to_membership
    assert [(i.reserved, i.from_date) for i in new.insurances if i.kind == "home"] == [(True, date(2026, 3, 1))]


@pytest.mark.parametrize("user", ["a", "c", "county_s"])
def test_only_the_receiving_side_may_decide(client_for, world, start_transfer, session, user, send):
    transfer = start_transfer()
    assert send(client_for(user), f"/overforing/{transfer.id}/motta", {"version": transfer.version}).status_code == 404
    assert send(client_for(user), f"/overforing/{transfer.id}/avvis",
                {"version": transfer.version, "reason": "Nei"}).status_code == 404
    assert fresh(session, Transfer, transfer.id).state == "pending"


def test_the_county_of_the_receiving_branch_may_accept(client_for, world, start_transfer, session, send):
    transfer = start_transfer()
    assert send(client_for("county_n"), f"/overforing/{transfer.id}/motta",
                {"version": transfer.version}).status_code == 303
    assert fresh(session, Transfer, transfer.id).state == "accepted"


def test_unknown_transfers_are_404(client_for, world, send):
    for action in ("motta", "avvis"):
        assert send(client_for("central"), f"/overforing/999999999/{action}", {"version": 1}).status_code == 404


def test_a_stale_version_is_a_conflict_and_nothing_is_stored(client_for, world, start_transfer, session, send):
    transfer = start_transfer()
    response = send(client_for("b"), f"/overforing/{transfer.id}/motta", {"version": transfer.version + 1})
    assert response.status_code == 409
    assert CONFLICT in response.get_data(as_text=True)
    response = send(client_for("b"), f"/overforing/{transfer.id}/avvis",
                    {"version": "gammel", "reason": "Feil fagforening"})
    assert response.status_code == 409
    session.expire_all()
    assert fresh(session, Transfer, transfer.id).state == "pending"
    assert session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.person_id == world.member.person_id)) == 1


def test_a_decided_transfer_cannot_be_decided_again(client_for, world, start_transfer, session, send):
    transfer = start_transfer()
    send(client_for("b"), f"/overforing/{transfer.id}/motta", {"version": transfer.version})
    version = fresh(session, Transfer, transfer.id).version
    response = send(client_for("b"), f"/overforing/{transfer.id}/avvis", {"version": version, "reason": "Nei"})
    assert response.status_code == 409
    assert "Overføringen er allerede behandlet (mottatt)." in response.get_data(as_text=True)
    assert fresh(session, Transfer, transfer.id).state == "accepted"


def test_accepting_is_refused_when_the_person_is_already_an_active_member_of_that_type(
        client_for, world, start_transfer, factory, session, send):
    transfer = start_transfer()
    other = factory.member(world.b, person=world.member.person, number=777001)
    response = send(client_for("b"), f"/overforing/{transfer.id}/motta", {"version": transfer.version})
    assert response.status_code == 422
    assert f"allerede aktivt medlem av samme type (medlemsnr. 777001, {world.b.number} Fjellby" in \
        response.get_data(as_text=True)
    assert fresh(session, Transfer, transfer.id).state == "pending"
    assert other.id


def test_refusing_needs_a_reason(client_for, world, start_transfer, session, send):
    transfer = start_transfer()
    response = send(client_for("b"), f"/overforing/{transfer.id}/avvis", {"version": transfer.version, "reason": " "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'<p class="error" id="reason-{transfer.id}-error">Skriv grunnen til at overføringen avvises.</p>' in html
    transfer = fresh(session, Transfer, transfer.id)
    assert (transfer.state, transfer.from_membership.end_date) == ("pending", date(2026, 2, 28))


def test_refusing_opens_the_giving_membership_again_and_tells_why(client_for, world, start_transfer, session,
                                                                  send):
    transfer = start_transfer()
    response = send(client_for("b"), f"/overforing/{transfer.id}/avvis",
                    {"version": transfer.version, "reason": "Medlemmet bor ikke hos oss"})
    assert response.status_code == 303

    transfer = fresh(session, Transfer, transfer.id)
    assert (transfer.state, transfer.refusal_reason, transfer.decided_by) == (
        "refused", "Medlemmet bor ikke hos oss", world.users["b"].id)
    membership = transfer.from_membership
    assert (membership.end_date, membership.withdrawal_code) == (None, None)
    assert [(p.code, p.to_date) for p in membership.dues_codes] == [("Y", None)]
    assert sorted((i.kind, i.to_date) for i in membership.insurances) == [
        ("benefit_fund", None), ("education_fund", None), ("group", date(2020, 12, 31)), ("home", None)]
    assert [e.to_date for e in membership.employments] == [None]
    assert session.scalar(sa.select(sa.func.count()).select_from(Employment).join(Membership).where(
        Membership.person_id == membership.person_id)) == 1

    outgoing = client_for("a").get("/overforing/").get_data(as_text=True)
    assert "Avvist: Medlemmet bor ikke hos oss" in outgoing
    assert "Bækkelund, Åse" not in client_for("b").get("/overforing/").get_data(as_text=True)
    assert client_for("b").get(f"/medlemmer/{membership.person_id}").status_code == 404
    member_list = client_for("a").get("/medlemmer/", query_string={"q": "Bækkelund"}).get_data(as_text=True)
    assert f'href="/medlemmer/{membership.person_id}"' in member_list  # active in the giving branch again

    row = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "transfer", AuditLog.entity_id == transfer.id,
                                                   AuditLog.action == "update"))
    assert row.summary.startswith(f"Overføring avvist av {world.b.number} Fjellby Fagforening: Medlemmet bor ikke")
    changes = json.loads(row.changes)
    assert changes["end_date"] == ["2026-02-28", None] and changes["state"] == ["pending", "refused"]
    assert changes["refusal_reason"] == [None, "Medlemmet bor ikke hos oss"]


def test_a_refused_member_can_be_transferred_again(client_for, world, start_transfer, session, send):
    first = start_transfer()
    send(client_for("b"), f"/overforing/{first.id}/avvis", {"version": first.version, "reason": "Feil fagforening"})
    second = start_transfer(to_branch=world.c)
    assert second.id != first.id and second.state == "pending" and second.to_branch_id == world.c.id
