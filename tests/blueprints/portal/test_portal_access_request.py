"""Asking for access to the employer portal: the public page, its workplace checkboxes, and what it
refuses. "Aker sykehus HF" has two workplaces, "Sengepost 3" and "Kjøkkenet", both of Lag A in
Fylke Øst; Lise Lønn is its payroll officer."""
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from models import AccessRequest, AuditLog
from tests.factories import PASSWORD, make_orgnr
from tests.pages import csrf_from

CHOSEN = "mitt-eget-passord-123"
UNKNOWN = "Fant ingen arbeidsgiver med dette organisasjonsnummeret. Kontakt fylkeskretsen."


@pytest.fixture
def world(factory):
    county = factory.county(name="Fylke Øst")
    branch = factory.branch(county, name="Lag A")
    employer = factory.employer(name="Aker sykehus HF")
    return SimpleNamespace(
        county=county, branch=branch, employer=employer,
        ward=factory.workplace(employer, branch, name="Sengepost 3"),
        kitchen=factory.workplace(employer, branch, name="Kjøkkenet"),
    )


def form(world, **changes) -> dict:
    data = {"full_name": "Lise Lønn", "email": "Lise.Lonn@aker.example", "phone": "22 33 44 55",
            "orgnr": world.employer.orgnr, "workplaces": [str(world.ward.number)],
            "password": CHOSEN, "password2": CHOSEN, "confirm": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def ask(client, data):
    page = client.get("/portal/tilgang")
    return client.post("/portal/tilgang", data={**data, "csrf_token": csrf_from(page)})


def requests(session) -> list[AccessRequest]:
    session.expire_all()
    return session.scalars(sa.select(AccessRequest).order_by(AccessRequest.id)).all()


def errors(response) -> list[str]:
    return re.findall(r'<p class="error"[^>]*>([^<]*)</p>', response.get_data(as_text=True))


def test_the_login_page_links_to_the_request(client):
    html = client.get("/logg-inn").get_data(as_text=True)
    assert 'href="/portal/tilgang"' in html and "Be om tilgang til arbeidsgiverportalen" in html


def test_a_request_waits_in_the_countys_queue_with_the_password_hashed(client, world, session):
    response = ask(client, form(world))
    assert response.status_code == 303 and response.location == "/portal/tilgang/sendt"
    page = client.get(response.location).get_data(as_text=True)
    assert "Forespørselen er sendt; fylkeskretsen behandler den." in page

    [stored] = requests(session)
    assert (stored.state, stored.full_name, stored.email, stored.phone) == (
        "pending", "Lise Lønn", "lise.lonn@aker.example", "22 33 44 55")
    assert stored.employer_id == world.employer.id and stored.county_id == world.county.id
    assert stored.workplace_id_list == [world.ward.id]
    assert CHOSEN not in stored.password_hash
    assert PasswordHasher().verify(stored.password_hash, CHOSEN)
    with pytest.raises(VerificationError):
        PasswordHasher().verify(stored.password_hash, PASSWORD)
    audit = session.scalar(sa.select(AuditLog).where(AuditLog.entity == "access_request",
                                                     AuditLog.entity_id == stored.id))
    assert audit.action == "create" and "Lise Lønn" in audit.summary


def test_no_workplace_checked_means_the_whole_employer(client, world, session):
    assert ask(client, form(world, workplaces=None)).status_code == 303
    [stored] = requests(session)
    assert stored.workplace_ids is None and stored.workplace_id_list == []
    assert stored.county_id == world.county.id  # from any workplace of the employer


def test_an_employer_without_workplaces_goes_to_central_alone(client, factory, session):
    employer = factory.employer(name="Ensom AS")
    world = SimpleNamespace(employer=employer, ward=SimpleNamespace(number=None))
    assert ask(client, form(world, workplaces=None)).status_code == 303
    [stored] = requests(session)
    assert stored.employer_id == employer.id and stored.county_id is None


def test_an_unknown_employer_is_told_on_the_field_and_nothing_is_stored(client, world, session):
    response = ask(client, form(world, orgnr=make_orgnr(), workplaces=None))
    assert response.status_code == 422
    assert UNKNOWN in errors(response)
    assert 'id="orgnr-feedback"><p class="error">' + UNKNOWN in response.get_data(as_text=True)
    assert requests(session) == []


def test_an_organization_number_with_a_wrong_check_digit(client, world, session):
    wrong = world.employer.orgnr[:8] + str((int(world.employer.orgnr[8]) + 1) % 10)
    response = ask(client, form(world, orgnr=wrong, workplaces=None))
    assert response.status_code == 422
    assert "Organisasjonsnummeret er ikke gyldig (kontrollsifferet stemmer ikke)." in errors(response)
    assert requests(session) == []


def test_a_workplace_of_another_employer_is_refused(client, world, factory, session):
    other = factory.workplace(factory.employer(), world.branch, name="Fremmed sted")
    response = ask(client, form(world, workplaces=[str(other.number)]))
    assert response.status_code == 422
    assert "Velg bare arbeidssteder hos denne arbeidsgiveren." in errors(response)
    assert requests(session) == []


def test_a_bad_email_is_refused(client, world, session):
    response = ask(client, form(world, email="lise.aker.example"))
    assert response.status_code == 422
    assert "E-postadressen er ikke gyldig." in errors(response)
    assert requests(session) == []


@pytest.mark.parametrize("first, second, message", [
    (CHOSEN, CHOSEN + "x", "Passordene er ikke like."),
    ("kort-pass", "kort-pass", "Passordet må ha minst 12 tegn."),
])
def test_passwords_that_differ_or_are_too_short(client, world, session, first, second, message):
    response = ask(client, form(world, password=first, password2=second))
    assert response.status_code == 422
    assert message in errors(response)
    assert CHOSEN not in response.get_data(as_text=True)  # a password is never sent back
    assert requests(session) == []


def test_the_confirmation_is_required(client, world, session):
    response = ask(client, form(world, confirm=None))
    assert response.status_code == 422
    assert "Du må bekrefte dette for å sende forespørselen." in errors(response)
    assert requests(session) == []


def test_a_second_request_for_the_same_email_and_employer_is_not_stored_again(client, world, session):
    assert ask(client, form(world)).status_code == 303
    again = ask(client, form(world, email="lise.lonn@aker.example", password="et-annet-passord-456",
                             password2="et-annet-passord-456", workplaces=None))
    assert again.status_code == 303 and again.location == "/portal/tilgang/sendt"
    [stored] = requests(session)
    assert stored.workplace_id_list == [world.ward.id]
    assert PasswordHasher().verify(stored.password_hash, CHOSEN)  # the first one's password stays


def test_at_most_three_pending_requests_per_email(client, factory, world, session):
    for _ in range(2):
        other = factory.employer()
        assert ask(client, form(world, orgnr=other.orgnr, workplaces=None)).status_code == 303
    assert ask(client, form(world)).status_code == 303
    fourth = factory.employer()
    response = ask(client, form(world, orgnr=fourth.orgnr, workplaces=None))
    assert response.status_code == 422
    assert any("allerede flere forespørsler fra denne e-postadressen" in e for e in errors(response))
    assert len(requests(session)) == 3


def test_at_most_ten_requests_an_hour_from_one_address(client, world, session):
    for n in range(10):
        assert ask(client, form(world, email=f"person{n}@aker.example")).status_code == 303
    response = ask(client, form(world, email="den.ellevte@aker.example"))
    assert response.status_code == 422
    assert "For mange forespørsler på kort tid. Prøv igjen om en time." in response.get_data(as_text=True)
    assert len(requests(session)) == 10


def test_an_email_that_has_an_account_gets_the_same_answer(client, world, factory, session):
    factory.user("employer", employers=[factory.employer()], username="lise.lonn@aker.example")
    taken = ask(client, form(world))
    fresh = ask(client, form(world, email="ny.person@aker.example"))
    assert taken.status_code == fresh.status_code == 303
    assert taken.location == fresh.location
    assert len(requests(session)) == 2  # the county sees that the username is taken when it decides


def test_without_the_csrf_token_nothing_is_stored(client, world, session):
    client.get("/portal/tilgang")
    response = client.post("/portal/tilgang", data=form(world))
    assert response.status_code == 400
    assert requests(session) == []


# --- the workplace checkboxes -----------------------------------------------------------------------

def test_htmx_loads_the_employers_workplaces_as_checkboxes(client, world):
    response = client.get("/portal/tilgang/arbeidssteder", query_string={"orgnr": world.employer.orgnr},
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith(("{#", "<fieldset"))
    boxes = re.findall(r'<input type="checkbox" name="workplaces" value="(\d+)"', html)
    assert boxes == [str(world.ward.number), str(world.kitchen.number)]
    assert "Aker sykehus HF" in html and "Sengepost 3" in html and "Kjøkkenet" in html
    assert "Lag A" not in html and "Fylke Øst" not in html  # names and numbers only
    assert 'id="orgnr-feedback" hx-swap-oob="true"></div>' in html  # an earlier message goes away


def test_an_unknown_number_gets_the_message_out_of_band(client, world):
    response = client.get("/portal/tilgang/arbeidssteder", query_string={"orgnr": make_orgnr()},
                          headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert 'type="checkbox"' not in html
    assert f'<div id="orgnr-feedback" hx-swap-oob="true"><p class="error">{UNKNOWN}</p></div>' in html


def test_without_htmx_the_lookup_is_the_whole_form(client, world, session):
    html = client.get("/portal/tilgang/arbeidssteder", query_string={"orgnr": world.employer.orgnr}
                      ).get_data(as_text=True)
    assert "<html" in html and f'value="{world.employer.orgnr}"' in html and "Sengepost 3" in html
    assert 'hx-swap-oob' not in html

    page = client.get("/portal/tilgang")
    shown = client.post("/portal/tilgang", data={**form(world, password=None, password2=None),
                                                 "action": "workplaces", "csrf_token": csrf_from(page)})
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert f'value="{world.ward.number}" checked' in html and "Kjøkkenet" in html
    assert requests(session) == []
