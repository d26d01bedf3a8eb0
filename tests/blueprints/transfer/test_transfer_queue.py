"""The queue of transfers under way: both branches see it, nobody else; the card stays closed to the
receiving branch until it has accepted."""
import re
from datetime import timedelta

import pytest

from models import Transfer


def section(html: str, name: str) -> str:
    found = re.search(rf'<section id="{name}"[^>]*>(.*?)</section>', html, re.S)
    assert found, name
    return found.group(1)


def queue(client) -> tuple[str, str]:
    response = client.get("/overforing/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return section(html, "incoming"), section(html, "outgoing")


def test_both_branches_see_the_transfer_and_another_branch_does_not(client_for, world, start_transfer, session):
    transfer = start_transfer()
    session.get(Transfer, transfer.id).started_at -= timedelta(days=12)
    session.flush()
    number = str(world.member.member_number)

    incoming, outgoing = queue(client_for("a"))
    assert "Bækkelund, Åse" not in incoming
    assert "Bækkelund, Åse" in outgoing and number in outgoing
    assert f"Venter på mottak. Ansvarlig: {world.a.number} Elvedal Fagforening" in outgoing
    assert '<td class="num">12</td>' in outgoing  # age in days
    assert f'href="/medlemmer/{world.member.person_id}"' in outgoing

    incoming, outgoing = queue(client_for("b"))
    assert "Bækkelund, Åse" in incoming and number in incoming
    assert f"{world.a.number} Elvedal Fagforening" in incoming and "01.03.2026" in incoming
    assert "Flyttet til Fjellby" in incoming and "Ta imot" in incoming and "Avvis" in incoming
    assert "Bækkelund, Åse" not in outgoing
    assert f'href="/medlemmer/{world.member.person_id}"' not in incoming  # not their member yet

    incoming, outgoing = queue(client_for("c"))
    assert "Bækkelund" not in incoming + outgoing and number not in incoming + outgoing
    assert "Ingen overføringer venter på oss." in incoming


def test_the_receiving_branch_cannot_open_the_card_while_the_transfer_is_pending(client_for, world, start_transfer):
    start_transfer()
    card = f"/medlemmer/{world.member.person_id}"
    assert client_for("b").get(card).status_code == 404
    assert client_for("a").get(card).status_code == 200  # the giving branch stays responsible
    search = client_for("b").get("/medlemmer/", query_string={"q": "Bækkelund", "status": "all"})
    assert card not in search.get_data(as_text=True)


@pytest.mark.parametrize("to, county, where", [("b", "county_n", "incoming"), ("c", "county_n", "outgoing"),
                                               ("c", "county_s", "incoming")])
def test_a_county_sees_the_transfers_of_its_branches(client_for, world, start_transfer, to, county, where):
    start_transfer(to_branch=getattr(world, to))
    incoming, outgoing = queue(client_for(county))
    assert ("Bækkelund, Åse" in incoming, "Bækkelund, Åse" in outgoing) == (where == "incoming",
                                                                         where == "outgoing")


def test_a_county_of_neither_branch_sees_nothing_and_central_sees_all(client_for, world, start_transfer):
    start_transfer()
    incoming, outgoing = queue(client_for("county_s"))
    assert "Bækkelund" not in incoming + outgoing
    incoming, _ = queue(client_for("central"))
    assert "Bækkelund, Åse" in incoming
