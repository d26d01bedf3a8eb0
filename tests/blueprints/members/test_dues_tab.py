from datetime import date

from models import DuesCodePeriod


def test_dues_tab_shows_what_the_member_pays_now_and_why_and_under_earlier_rates(factory, client, login):
    branch = factory.branch(rate_bp=175)
    member = factory.member(branch, workplace=factory.workplace(), start=date(2015, 1, 1))  # pay 45 000 kr
    login(factory.user("branch", branches=[branch]))

    page = client.get(f"/medlemmer/{member.person_id}?fane=kontingent").get_data(as_text=True)

    # 2022 rates: 1,75 % of 45 000 = 787,50, capped at 749 (1,75 % of 42 827,59), + 74 + 26 + 25
    assert "874,00 kr per måned" in page
    assert "1,75 % av 45 000,00 = 787,50, begrenset til 749 (1,75 % av 42 827,59)" in page
    assert "hjemforsikring 74,00, stønadskassa 26,00, utdanningsfond 25,00" in page
    # Under the 2008 rates, from the start of the membership: capped at 536 + 97
    assert "01.01.2015" in page and "633,00 kr per måned" in page


def test_dues_tab_follows_a_change_of_dues_code(factory, session, client, login):
    branch = factory.branch(rate_bp=145)
    member = factory.member(branch, workplace=factory.workplace(), start=date(2015, 1, 1))
    period = member.dues_codes[0]
    period.to_date = date(2024, 5, 31)
    session.add(DuesCodePeriod(membership_id=member.id, code="O", from_date=date(2024, 6, 1)))
    session.flush()
    login(factory.user("branch", branches=[branch]))

    page = client.get(f"/medlemmer/{member.person_id}?fane=kontingent").get_data(as_text=True)

    assert "200,00 kr per to måneder" in page  # (74 + 26) a month, invoiced two months at a time
    assert "01.06.2024" in page
    assert "Kode O" in page


def test_dues_tab_is_scoped_like_the_rest_of_the_card(factory, client, login):
    member = factory.member(factory.branch(), workplace=factory.workplace())
    login(factory.user("branch", branches=[factory.branch()]))
    assert client.get(f"/medlemmer/{member.person_id}?fane=kontingent").status_code == 404
