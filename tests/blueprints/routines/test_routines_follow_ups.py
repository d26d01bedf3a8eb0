"""The county's follow-up queue: who sees which items, and marking one done with a note."""
from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditLog, FollowUp

QUEUE = "/rutiner/"


@pytest.fixture
def counties(factory):
    return factory.county(number=46, name="Vestland"), factory.county(number=50, name="Trøndelag")


def queued(factory, county, kind="pupil_over_20", **person):
    membership = factory.member(membership_type="pupil", county=county, birth=date(2004, 3, 3), **person)
    return factory._add(FollowUp(county_id=county.id, membership_id=membership.id, kind=kind,
                                 text="Født 03.03.2004: 22 år 03.03.2026."))


@pytest.fixture
def items(factory, counties):
    vestland, trondelag = counties
    return {
        "vestland": queued(factory, vestland, first_name="Vilde", last_name="Vestby"),
        "reservation": queued(factory, vestland, kind="home_reservation", first_name="Rune", last_name="Reserve"),
        "trondelag": queued(factory, trondelag, first_name="Trine", last_name="Trøen"),
    }


def stored(session, item) -> FollowUp:
    session.expire_all()
    return session.get(FollowUp, item.id)


def test_a_county_sees_its_own_open_items(client, factory, login, counties, items):
    login(factory.user("county", counties=[counties[0]]))
    html = client.get(QUEUE).get_data(as_text=True)
    assert "2 åpne saker" in html
    assert "Vestby, Vilde" in html and "Reserve, Rune" in html and "Trøen" not in html
    assert "Elev over 20 år: skal bli student eller hovedmedlem" in html
    assert "Reservasjon mot hjemforsikring (innmeldt med kode 7)" in html
    assert f'href="/medlemmer/{items["vestland"].membership.person_id}"' in html
    assert f"medlemsnr. {items['vestland'].membership.member_number}" in html
    assert "Født 03.03.2004: 22 år 03.03.2026." in html


def test_central_sees_every_county(client, factory, login, items):
    login(factory.user("central"))
    html = client.get(QUEUE).get_data(as_text=True)
    assert all(name in html for name in ("Vestby", "Reserve", "Trøen"))


@pytest.mark.parametrize("role", ["branch", "employer"])
def test_branches_and_employers_are_refused(client, factory, login, post, items, session, role):
    scopes = {"branch": {"branches": [factory.branch()]}, "employer": {"employers": [factory.employer()]}}[role]
    login(factory.user(role, **scopes))
    assert client.get(QUEUE).status_code == 403
    assert post(f"/rutiner/{items['vestland'].id}/ferdig", {"note": "x"}).status_code == 403
    assert stored(session, items["vestland"]).done_at is None


def test_marking_done_with_a_note(client, factory, login, post, counties, items, session):
    user = factory.user("county", counties=[counties[0]])
    login(user)
    item = items["vestland"]
    response = post(f"/rutiner/{item.id}/ferdig", {"note": "  Ringt: begynner på høgskolen i august.  "})
    assert response.status_code == 303 and response.location == QUEUE
    html = client.get(QUEUE).get_data(as_text=True)
    assert f"Ferdig: Vilde Vestby (medlemsnr. {item.membership.member_number})." in html
    assert "1 åpen sak" in html and "Vestby, Vilde" not in html

    done = stored(session, item)
    assert done.done_at is not None and done.done_by == user.id
    assert done.done_note == "Ringt: begynner på høgskolen i august."
    row = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "follow_up", AuditLog.entity_id == item.id))
    assert row.actor == user.username and row.person_id == item.membership.person_id
    assert row.summary.startswith("Oppfølging ferdig: Elev over 20 år")
    assert ("Notat", None, "Ringt: begynner på høgskolen i august.") in row.change_list


def test_a_note_is_optional_and_a_second_ferdig_changes_nothing(client, factory, login, post, counties, items,
                                                                 session):
    login(factory.user("central"))
    item = items["trondelag"]
    assert post(f"/rutiner/{item.id}/ferdig", {"note": ""}).status_code == 303
    first = stored(session, item).done_at
    response = post(f"/rutiner/{item.id}/ferdig", {"note": "igjen"})
    assert response.status_code == 303
    assert "Saken var allerede ferdigmeldt." in client.get(QUEUE).get_data(as_text=True)
    again = stored(session, item)
    assert (again.done_at, again.done_note) == (first, None)
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.entity == "follow_up")) == 1


def test_a_too_long_note_is_refused_and_nothing_stored(client, factory, login, post, counties, items, session):
    login(factory.user("county", counties=[counties[0]]))
    item = items["vestland"]
    response = post(f"/rutiner/{item.id}/ferdig", {"note": "x" * 2001})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'<p class="error" id="note-{item.id}-error">Høyst 2000 tegn.</p>' in html
    assert stored(session, item).done_at is None


def test_another_countys_item_is_404_and_untouched(client, factory, login, post, counties, items, session):
    login(factory.user("county", counties=[counties[0]]))
    for follow_up_id in (items["trondelag"].id, 999999999):
        assert post(f"/rutiner/{follow_up_id}/ferdig", {"note": "nei"}).status_code == 404
    assert stored(session, items["trondelag"]).done_at is None
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.entity == "follow_up")) == 0
