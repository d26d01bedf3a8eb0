"""A small union for the transfer tests: county N with branches A and B, county S with branch C.

The member to transfer is in A: main member since 2015 with code Y, the three insurances, a
reservation against group insurance that ended in 2020, and an employment."""
import itertools
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa

from models import InsurancePeriod, Membership, Section, Transfer
from tests import pages
from tests.factories import PASSWORD
from tests.pages import csrf_from

_sections = itertools.count(8100)


@dataclass
class World:
    county_n: object
    county_s: object
    a: object  # branch A (county N): the giving branch
    b: object  # branch B (county N): the receiving branch
    c: object  # branch C (county S): nothing to do with the transfer
    member: Membership
    workplace: object
    section: Section
    users: dict


@pytest.fixture
def world(factory, session) -> World:
    county_n, county_s = factory.county(name="Nordfylket"), factory.county(name="Sørfylket")
    a = factory.branch(county_n, name="Elvedal Fagforening")
    b = factory.branch(county_n, name="Fjellby Fagforening")
    c = factory.branch(county_s, name="Sjøvik Fagforening")
    section = Section(number=next(_sections), name="Helse og sosial")
    session.add(section)
    workplace = factory.workplace(factory.employer(name="Elvedal kommune"), a, name="Sykehjemmet")
    member = factory.member(a, workplace=workplace, first_name="Åse", last_name="Bækkelund",
                            start=date(2015, 1, 1), birth=date(1980, 5, 17))
    member.section_id, member.apprentice = section.id, True
    session.add(InsurancePeriod(membership_id=member.id, kind="group", reserved=True,
                                from_date=date(2015, 1, 1), to_date=date(2020, 12, 31)))
    session.flush()
    session.refresh(member)
    users = {
        "a": factory.user("branch", branches=[a]),
        "b": factory.user("branch", branches=[b]),
        "c": factory.user("branch", branches=[c]),
        "county_n": factory.user("county", counties=[county_n]),
        "county_s": factory.user("county", counties=[county_s]),
        "central": factory.user("central"),
    }
    return World(county_n, county_s, a, b, c, member, workplace, section, users)


@pytest.fixture
def client_for(app, world):
    """A signed-in test client per user key of the world (each with its own cookies)."""
    clients = {}

    def get(key):
        if key not in clients:
            client = app.test_client()
            page = client.get("/logg-inn")
            response = client.post("/logg-inn", data={
                "username": world.users[key].username, "password": PASSWORD, "csrf_token": csrf_from(page)})
            response = pages.answer_second_factor(app, client, world.users[key], response)
            assert response.status_code == 303
            client.csrf = csrf_from(client.get("/"))
            clients[key] = client
        return clients[key]

    return get


@pytest.fixture
def send():
    """POST a form with the client's CSRF token."""
    return pages.send


@pytest.fixture
def start_transfer(client_for, world, session):
    """Start a transfer of a membership (the world's member by default) as branch A's officer."""

    def start(to_branch=None, day="01.03.2026", membership=None, user="a", note="Flyttet til Fjellby"):
        membership = membership or world.member
        session.refresh(membership)
        response = pages.send(client_for(user), f"/overforing/ny/{membership.id}", {
            "version": membership.version, "to_branch": (to_branch or world.b).id, "transfer_date": day,
            "note": note})
        assert response.status_code == 303, response.get_data(as_text=True)
        session.expire_all()
        return session.scalars(sa.select(Transfer).where(Transfer.from_membership_id == membership.id)
                               .order_by(Transfer.id.desc())).first()

    return start
