"""What a new password must be (web.passwords.password_problem), wherever one is chosen: at least 12
characters and not easy to guess, judged offline by zxcvbn; long passphrases in Norwegian are welcome."""
import re
import time

import pytest
import sqlalchemy as sa

from models import AccessRequest
from tests.factories import PASSWORD
from tests.pages import csrf_from
from web.passwords import SCORED_CHARACTERS, password_problem

COMMON = "Passordet er for lett å gjette: det står på lister over vanlige passord."
PASSPHRASE = ("Jeg går over brua til Ørsta hver morgen, og kaffen på fergekaia smaker best når været er grått og "
              "måkene skriker over båtene som ligger og vugger ved kaia i Ålesund, før bussen kommer klokka sju idag.")


@pytest.fixture
def nb(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("password", [
    PASSWORD,  # the test accounts' password
    "demo1234demo",  # the demo data's
    "et-langt-og-godt-passord", "mitt-eget-passord-123", "karis-eget-passord-42", "et langt passord 2026",
    "blåbærsyltetøy på vaffel hver fredag",
])
def test_the_passwords_the_project_uses_are_good(nb, password):
    assert password_problem(password) is None


def test_a_long_norwegian_passphrase_is_good_and_quick_to_judge(nb):
    assert len(PASSPHRASE) == 200 and {"æ", "ø", "å", "Ø", "Å"} <= set(PASSPHRASE)
    started = time.perf_counter()
    assert password_problem(PASSPHRASE) is None
    assert password_problem(PASSPHRASE * 50) is None  # 10 000 characters: only the start is scored
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("password", ["qwerty123456", "QWERTY123456", "1qaz2wsx3edc", "123456789987654321"])
def test_passwords_on_the_common_list_are_refused(nb, password):
    assert password_problem(password) == COMMON


@pytest.mark.parametrize("password, reason", [
    ("kort-pass", "Passordet må ha minst 12 tegn."),
    ("", "Passordet må ha minst 12 tegn."),
    ("passordpassord", "gjentakelser som «aaa» eller «abcabc» prøves tidlig"),
    ("abcdefghijklmnop", "rekker som «abcd» eller «6543» prøves tidlig"),
    ("qwertyuiopasdf", "det ligner et vanlig passord"),
    ("Fagforening2024!", "det bygger på et vanlig ord"),
    ("Passord12345", "det bygger på et vanlig ord"),
    ("a" * SCORED_CHARACTERS + "ikke-lett-å-gjette-resten", "gjentakelser"),
])
def test_easily_guessed_passwords_are_refused_with_the_reason(nb, password, reason):
    problem = password_problem(password)
    assert problem is not None and reason in problem


def test_the_portals_access_request_refuses_a_common_password_and_stores_nothing(client, factory, session):
    employer = factory.employer()
    factory.workplace(employer, factory.branch())
    page = client.get("/portal/tilgang")
    response = client.post("/portal/tilgang", data={
        "full_name": "Lise Lønn", "email": "lise.lonn@aker.example", "orgnr": employer.orgnr,
        "password": "qwerty123456", "password2": "qwerty123456", "confirm": "y", "csrf_token": csrf_from(page)})
    assert response.status_code == 422
    assert COMMON in re.findall(r'<p class="error"[^>]*>([^<]*)</p>', response.get_data(as_text=True))
    assert session.scalar(sa.select(sa.func.count()).select_from(AccessRequest)) == 0
