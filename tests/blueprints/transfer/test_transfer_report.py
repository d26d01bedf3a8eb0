"""The monthly report of transfers not yet received, oldest first, with reminders."""
import re
from datetime import datetime

import sqlalchemy as sa

from models import AuditLog, Transfer
from web import clock


def rows(client, month: str | None = None) -> list[str]:
    response = client.get("/overforing/rapport", query_string={"maned": month} if month else None)
    assert response.status_code == 200
    return re.findall(r'<tr id="transfer-(\d+)">(.*?)</tr>', response.get_data(as_text=True), re.S)


def started(session, transfer, moment: datetime) -> Transfer:
    session.get(Transfer, transfer.id).started_at = moment
    session.flush()
    return transfer


def test_pending_transfers_started_by_the_end_of_the_month_are_listed_oldest_first(
        client_for, world, factory, start_transfer, session, send):
    ola = factory.member(world.a, first_name="Ola", last_name="Dunk")
    kari = factory.member(world.a, first_name="Kari", last_name="Lid")
    per = factory.member(world.a, first_name="Per", last_name="Sand")
    newest = started(session, start_transfer(), datetime(2026, 1, 20, 9))
    oldest = started(session, start_transfer(membership=ola), datetime(2025, 11, 3, 9))
    too_late = started(session, start_transfer(membership=kari), datetime(2026, 2, 1, 9))
    accepted = started(session, start_transfer(membership=per), datetime(2025, 12, 1, 9))
    send(client_for("b"), f"/overforing/{accepted.id}/motta", {"version": session.get(Transfer, accepted.id).version})

    listed = rows(client_for("a"), "2026-01")
    assert [int(i) for i, _ in listed] == [oldest.id, newest.id]
    assert "Dunk, Ola" in listed[0][1] and "03.11.2025" in listed[0][1]
    assert '<td class="num">89</td>' in listed[0][1]  # 3 Nov to 31 Jan
    assert '<td class="num">11</td>' in listed[1][1]
    assert [int(i) for i, _ in rows(client_for("b"), "2026-02")] == [oldest.id, newest.id, too_late.id]
    assert rows(client_for("c"), "2026-01") == []


def test_the_report_defaults_to_this_month(client_for, world, start_transfer):
    transfer = start_transfer()
    html = client_for("county_n").get("/overforing/rapport").get_data(as_text=True)
    assert f'value="{clock.today():%Y-%m}"' in html and f'<tr id="transfer-{transfer.id}">' in html
    assert 'class="printable"' in html


def test_a_month_that_is_no_month_is_told(client_for, world):
    response = client_for("a").get("/overforing/rapport", query_string={"maned": "januar"})
    assert response.status_code == 422
    assert "«januar» er ikke en måned (skriv ÅÅÅÅ-MM" in response.get_data(as_text=True)


def test_a_reminder_is_stored_audited_and_shown(client_for, world, start_transfer, session, send):
    transfer = start_transfer()
    version = transfer.version
    month = f"{clock.today():%Y-%m}"
    response = send(client_for("a"), f"/overforing/{transfer.id}/paminnelse", {"maned": month})
    assert response.status_code == 303 and response.location == f"/overforing/rapport?maned={month}"

    session.expire_all()
    transfer = session.get(Transfer, transfer.id)
    assert transfer.reminded_at is not None
    assert transfer.version == version  # a reminder is no decision: open accept forms stay valid
    [(_, row)] = rows(client_for("a"), month)
    assert f"påminnet {clock.today():%d.%m.%Y}" in row and "Send påminnelse igjen" in row
    row = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "transfer", AuditLog.entity_id == transfer.id,
                                                   AuditLog.action == "update"))
    assert row.actor == world.users["a"].username and row.summary.startswith("Påminnelse om overføring til")
    assert f"påminnet {clock.today():%d.%m.%Y}" in client_for("b").get("/overforing/").get_data(as_text=True)

    assert send(client_for("b"), f"/overforing/{transfer.id}/motta", {"version": version}).status_code == 303


def test_only_the_giving_side_sends_reminders(client_for, world, start_transfer, session, send):
    transfer = start_transfer()
    [(_, row)] = rows(client_for("b"))
    assert "Send påminnelse" not in row
    for user in ("b", "c"):
        assert send(client_for(user), f"/overforing/{transfer.id}/paminnelse").status_code == 404
    session.expire_all()
    assert session.get(Transfer, transfer.id).reminded_at is None


def test_a_decided_transfer_gets_no_reminder(client_for, world, start_transfer, session, send):
    transfer = start_transfer()
    send(client_for("b"), f"/overforing/{transfer.id}/motta", {"version": transfer.version})
    response = send(client_for("a"), f"/overforing/{transfer.id}/paminnelse")
    assert response.status_code == 409
    assert "Overføringen er allerede behandlet (mottatt)." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Transfer, transfer.id).reminded_at is None
