"""The A/L/O review report and the batch of income letters."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from models import AuditLog, DuesCodePeriod
from rules.lifecycle import add_months
from web import clock

REPORT = "/medlemmer/kontingentkoder/gjennomgang"
LETTERS = "/medlemmer/kontingentkoder/brev"


def on_code(factory, branch, code, since, **person):
    """A member working since 2015 and on `code` from `since`."""
    membership = factory.member(branch, dues_code="Y", start=date(2015, 1, 1), **person)
    factory.session.execute(sa.update(DuesCodePeriod).where(DuesCodePeriod.membership_id == membership.id)
                            .values(to_date=since - timedelta(days=1)))
    factory.session.add(DuesCodePeriod(membership_id=membership.id, code=code, from_date=since))
    factory.session.flush()
    return membership


@pytest.fixture
def branch(factory):
    return factory.branch(number=4601, name="Bergen", county=factory.county())


@pytest.fixture
def members(factory, branch):
    today = clock.today()
    return {
        "anne": on_code(factory, branch, "A", add_months(today, -14), first_name="Anne", last_name="Attføring",
                        address="Gata 1", postal_code="5003", city="Bergen"),
        "lars": on_code(factory, branch, "L", add_months(today, -5), first_name="Lars", last_name="Ledig"),
        "ola": on_code(factory, branch, "O", add_months(today, -2), first_name="Ola", last_name="Orlov"),
        "yngve": factory.member(branch, dues_code="Y", first_name="Yngve", last_name="Yrkesaktiv"),
        "ulla": factory.member(branch, dues_code="U", first_name="Ulla", last_name="Ufør"),
        "gone": factory.member(branch, dues_code="L", end=date(2024, 1, 1), withdrawal_code=5,
                               first_name="Gunnar", last_name="Gått"),
        "elsewhere": on_code(factory, factory.branch(), "A", add_months(today, -30), first_name="Else",
                             last_name="Annensted"),
    }


@pytest.fixture
def officer(factory, branch, login):
    user = factory.user("branch", branches=[branch])
    login(user)
    return user


def listed(html) -> list[str]:
    return re.findall(r'<a href="/medlemmer/\d+\?fane=kontingentkoder">([^<]+)</a>', html)


def test_the_report_lists_active_members_on_a_l_o_longest_first(client, officer, members):
    html = client.get(REPORT).get_data(as_text=True)
    assert listed(html) == ["Attføring, Anne", "Ledig, Lars", "Orlov, Ola"]
    assert "3 medlemmer" in html
    row = re.search(r"<tr>.*?Attføring, Anne.*?</tr>", html, re.S).group(0)
    assert "A – " in row and add_months(clock.today(), -14).strftime("%d.%m.%Y") in row
    assert re.search(r'<td class="num">14</td>', row)


def test_filter_by_code_and_by_more_than_n_months(client, officer, members):
    assert listed(client.get(REPORT, query_string={"kode": "L"}).get_data(as_text=True)) == ["Ledig, Lars"]
    assert listed(client.get(REPORT, query_string={"mer_enn": "4"}).get_data(as_text=True)) == [
        "Attføring, Anne", "Ledig, Lars"]
    # Exactly five months on L is not more than five months.
    assert listed(client.get(REPORT, query_string={"mer_enn": "5"}).get_data(as_text=True)) == ["Attføring, Anne"]
    assert listed(client.get(REPORT, query_string={"kode": "O", "mer_enn": "12"}).get_data(as_text=True)) == []


def test_a_bad_month_count_is_told_and_ignored(client, officer, members):
    response = client.get(REPORT, query_string={"mer_enn": "-3"})
    html = response.get_data(as_text=True)
    assert "Skriv et antall måneder fra 0 til 600." in html
    assert len(listed(html)) == 3


def test_central_sees_every_branch(client, factory, login, members):
    login(factory.user("central"))
    names = listed(client.get(REPORT).get_data(as_text=True))
    assert names[0] == "Annensted, Else" and len(names) >= 4


def test_letters_one_per_member_with_name_and_address(client, officer, members, post, session):
    anne, lars = members["anne"], members["lars"]
    response = post(LETTERS, {"ids": [str(lars.id), str(anne.id)]})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    letters = re.findall(r'<article class="printable income-letter">.*?</article>', html, re.S)
    assert len(letters) == 2
    assert "Anne Attføring<br>Gata 1<br>5003 Bergen" in letters[0]
    assert "Er du tilbake i arbeid?" in letters[0] and "Brutto månedslønn" in letters[0]
    assert "kontingentkode A" in letters[0] and "kontingentkode L" in letters[1]
    assert "4601 Bergen" in letters[0]
    reads = session.scalars(sa.select(AuditLog).where(AuditLog.action == "read", AuditLog.entity == "membership")).all()
    assert {r.person_id for r in reads} == {anne.person_id, lars.person_id}
    assert all(r.summary.startswith("Brev om inntekt skrevet ut") for r in reads)


def test_letters_by_get_too(client, officer, members):
    html = client.get(LETTERS, query_string={"ids": members["ola"].id}).get_data(as_text=True)
    assert html.count('class="printable income-letter"') == 1 and "Ola Orlov" in html


@pytest.mark.parametrize("key", ["elsewhere", "yngve", "gone"])
def test_a_member_out_of_scope_or_not_on_a_l_o_makes_the_batch_404(client, officer, members, post, key):
    response = post(LETTERS, {"ids": [str(members["anne"].id), str(members[key].id)]})
    assert response.status_code == 404
    assert "Attføring" not in response.get_data(as_text=True)
    assert client.get(LETTERS, query_string={"ids": 999999999}).status_code == 404


def test_no_selection_goes_back_with_a_message(client, officer, members, post):
    response = post(LETTERS, {})
    assert response.status_code == 303 and response.location == REPORT
    assert "Velg minst ett medlem å skrive brev til." in client.get(REPORT).get_data(as_text=True)


def test_employer_contacts_are_refused(client, factory, login):
    login(factory.user("employer", employers=[factory.employer()]))
    assert client.get(REPORT).status_code == 403
    assert client.get(LETTERS, query_string={"ids": 1}).status_code == 403
