from models import AuditLog


def test_branch_officer_finds_member_and_corrects_address(factory, session, client, login, post):
    branch = factory.branch()
    member = factory.member(branch, first_name="Åse", last_name="Bækkelund", address="Gamleveien 1",
                            postal_code="0150", city="Oslo")
    user = factory.user("branch", branches=[branch])
    login(user)

    page = client.get("/medlemmer/?q=bækk")
    assert page.status_code == 200
    assert "Bækkelund, Åse" in page.get_data(as_text=True)

    card = client.get(f"/medlemmer/{member.person_id}")
    assert "Gamleveien 1" in card.get_data(as_text=True)

    form = client.get(f"/medlemmer/{member.person_id}/endre").get_data(as_text=True)
    version = form.split('name="version" type="hidden" value="')[1].split('"')[0]
    response = post(f"/medlemmer/{member.person_id}/endre", {
        "version": version, "first_name": "Åse", "last_name": "Bækkelund", "address": "Nyveien 2",
        "postal_code": "0151", "city": "Oslo",
    })
    assert response.status_code == 303, response.get_data(as_text=True)[-1500:]
    card = client.get(f"/medlemmer/{member.person_id}").get_data(as_text=True)
    assert "Nyveien 2" in card
    history = client.get(f"/medlemmer/{member.person_id}?fane=historikk").get_data(as_text=True)
    assert "Gamleveien 1" in history and "Nyveien 2" in history
    reads = session.query(AuditLog).filter_by(person_id=member.person_id, action="read").count()
    assert reads >= 2
