"""Changes since last month in the employer portal: who is new on the list, who is gone from it,
whose expected amount changed, against the previous month's list of the same employer and branch;
confirmed all at once, with who confirmed when.

"Sykehuset AS" / "Lag A": in February Aas, Berg and Dahl (45 000 kr a month: 749 + 125 kr); Berg
left at the end of February, Dahl went down to 30 000 kr from March (525 + 125 kr), and Eik started
on 1 March."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.deviations import services as deviations
from blueprints.portal import queries
from models import AuditLog, DeductionList, Employment, db
from tests.pages import text

FEBRUARY, MARCH, APRIL = date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)
START = date(2015, 1, 1)


def section_text(page: str, heading: str) -> str:
    found = re.search(rf'<h2 id="{heading}-heading">.*?</section>', page, re.S)
    assert found, f"no section {heading}"
    return text(found.group(0))


def employ(factory, membership, workplace, start, end=None, pay=4_500_000):
    factory._add(Employment(membership_id=membership.id, workplace_id=workplace.id, from_date=start, to_date=end,
                            position_bp=10_000, payment_method="deduction", monthly_pay_ore=pay))


@pytest.fixture
def world(app, factory):
    branch = factory.branch(factory.county(), name="Lag A")
    employer = factory.employer(name="Sykehuset AS")
    workplace = factory.workplace(employer, branch)
    members = {name: factory.member(branch, first_name="Test", last_name=name) for name in ("Aas", "Berg", "Dahl", "Eik")}
    employ(factory, members["Aas"], workplace, START)
    employ(factory, members["Berg"], workplace, START, date(2026, 2, 28))
    employ(factory, members["Dahl"], workplace, START, date(2026, 2, 28))
    employ(factory, members["Dahl"], workplace, MARCH, pay=3_000_000)
    employ(factory, members["Eik"], workplace, MARCH)
    contact = factory.user("employer", employers=[employer])
    with app.app_context():
        ids = {}
        for period in (FEBRUARY, MARCH, APRIL):
            deviations.form_lists(period, only=(employer.id, branch.id))
            ids[period] = db.session.scalar(sa.select(DeductionList.id).where(DeductionList.period == period))
        db.session.commit()
    return {"members": members, "contact": contact, "ids": ids, "url": f"/portal/liste/{ids[MARCH]}/endringer"}


def test_the_changes_since_last_month(client, login, world):
    login(world["contact"])
    response = client.get(world["url"])
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "03.2026 sammenlignet med 02.2026" in text(body)
    members = world["members"]
    new = section_text(body, "new")
    assert "Nye på listen (1)" in new and "Eik, Test" in new and str(members["Eik"].member_number) in new
    assert "874,00 kr" in new
    gone = section_text(body, "gone")
    assert "Ikke lenger på listen (1)" in gone and "Berg, Test" in gone and "874,00 kr" in gone
    changed = section_text(body, "changed")
    assert "Endret beløp (1)" in changed and "Dahl, Test" in changed
    assert re.search(r"Dahl, Test .* 874,00 kr 650,00 kr", changed)
    assert "Aas" not in body  # unchanged
    assert "Bekreft endringene" in body


def test_confirming_the_changes_at_once(client, login, post, world, session):
    login(world["contact"])
    response = post(world["url"])
    assert response.status_code == 303 and response.headers["Location"] == world["url"]
    session.expire_all()
    deduction_list = session.get(DeductionList, world["ids"][MARCH])
    assert deduction_list.changes_confirmed_at is not None
    audit = session.scalars(sa.select(AuditLog).where(AuditLog.entity == "deduction_list")).all()[-1]
    assert audit.user_id == world["contact"].id and audit.entity_id == deduction_list.id
    assert audit.summary.startswith(queries.CONFIRMED_SUMMARY)
    assert "1 nye, 1 ikke lenger på listen, 1 med endret beløp" in audit.summary

    body = text(client.get(world["url"]).get_data(as_text=True))
    assert "Endringene siden forrige måned er bekreftet." in body
    assert re.search(r"Endringene ble bekreftet \d\d\.\d\d\.\d{4} \d\d:\d\d av Test employer\.", body)
    assert "Bekreft endringene" not in body
    # the list page says so too
    list_page = text(client.get(f"/portal/liste/{deduction_list.id}").get_data(as_text=True))
    assert "1 ny, 1 ikke lenger på listen, 1 med endret beløp. Bekreftet" in list_page

    again = post(world["url"])
    assert again.status_code == 422 and "Endringene er allerede bekreftet." in text(again.get_data(as_text=True))


def test_the_list_page_sums_up_the_changes_not_yet_confirmed(client, login, world):
    login(world["contact"])
    body = text(client.get(f"/portal/liste/{world['ids'][MARCH]}").get_data(as_text=True))
    assert "Endringer siden forrige måned 1 ny, 1 ikke lenger på listen, 1 med endret beløp. Ikke bekreftet" in body


def test_no_changes_or_no_previous_list_has_nothing_to_confirm(client, login, post, world, session):
    login(world["contact"])
    april = f"/portal/liste/{world['ids'][APRIL]}/endringer"
    body = text(client.get(april).get_data(as_text=True))
    assert "Ingen endringer siden forrige måned" in body and "Bekreft endringene" not in body
    february = f"/portal/liste/{world['ids'][FEBRUARY]}/endringer"
    body = text(client.get(february).get_data(as_text=True))
    assert "Det finnes ingen liste for forrige måned" in body
    for url in (april, february):
        response = post(url)
        assert response.status_code == 422
        assert "Det er ingen endringer å bekrefte." in text(response.get_data(as_text=True))
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).where(DeductionList.changes_confirmed_at.is_not(None))) == 0
