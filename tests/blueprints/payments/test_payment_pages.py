"""The payments pages: uploading the bank's payment file (all or nothing, the same file twice), a
transmission's payments, the unidentified payments, matching one by hand (a suggestion or a typed
KID, with a note, audited), the county's queue of posted lists not paid, and who may see what.
The union of tests/payments_world.py: the March lists of 7301 (1 950,00 kr) and 7302 (1 964,00 kr)."""
import csv
import html as html_lib
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import AuditLog, DeductionList, Payment, PaymentTransmission, db, list_payment, utcnow
from rules.kid import make_kid
from rules.payment_file import Transaction, build_payment_file
from tests.payments_world import APRIL, MARCH, add_members, committed_world, form_and_post, pay, payment_file, post_list

UNKNOWN_KID = make_kid("999000000001")
OURS = "12345678903"  # build_payment_file's payee account unless told


@pytest.fixture(autouse=True)
def union_accounts(app, monkeypatch):
    monkeypatch.setitem(app.config, "UNION_ACCOUNTS", OURS)


@pytest.fixture
def world(app, factory, session):
    return committed_world(app, factory, session)


@pytest.fixture
def central(world, login):
    login(world.central)
    return world.central


def upload(post, content: bytes, filename: str = "ocr.txt"):
    return post("/innbetalinger/last-opp", {"file": (io.BytesIO(content), filename)},
                content_type="multipart/form-data")


def text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def job_page(client, response) -> str:
    """The page of the import job an upload answered with (the tests run jobs at once)."""
    assert response.status_code == 303
    assert re.fullmatch(r"/innbetalinger/import/\d+", response.headers["Location"])
    return text(client.get(response.headers["Location"]))


def transmission_link(html: str) -> str:
    return re.search(r'href="(/innbetalinger/forsendelse/\d+)"', html).group(1)


def stored(session) -> tuple[int, int, int]:
    session.expire_all()
    return tuple(session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (PaymentTransmission, Payment, AuditLog))


def paid_ore(app, deduction_list) -> int:
    with app.app_context():
        return list_payment(db.session.get(DeductionList, deduction_list.id)).paid_ore


def counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="(\w+)">(\d+)<', html))


def totals(html: str) -> dict[str, str]:
    """The counts of the landing page's links: unidentified payments and the unpaid queue."""
    return dict(re.findall(r'data-total="(\w+)">(\d+)<', html))


def field_error(html: str, name: str) -> str | None:
    found = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', html)
    return found and found.group(1)


def typo_of(kid: str) -> str:
    """The KID with its first two different neighbours swapped."""
    i = next(i for i in range(len(kid) - 1) if kid[i] != kid[i + 1])
    return kid[:i] + kid[i + 1] + kid[i] + kid[i + 2:]


def paid(app, session, world, amounts, **options) -> list[Payment]:
    """The bank's payment file imported (tests.payments_world.pay), as its own request would; its
    payments, loaded in the test's session."""
    with app.app_context():
        transmission_id = pay(world, amounts, **options).transmission.id
        db.session.commit()
    return session.scalars(sa.select(Payment).where(Payment.transmission_id == transmission_id)
                           .order_by(Payment.id)).all()


def unidentified_payment(app, session, world, kid=UNKNOWN_KID, amount=195_000) -> Payment:
    payment, = paid(app, session, world, [(kid, amount)])
    assert payment.list_id is None
    return payment


# --- upload and the transmission page -------------------------------------------------------------

def test_the_landing_page_for_central_has_the_upload_form_and_the_counts(client, central, world):
    html = text(client.get("/innbetalinger/"))
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html
    assert "Ingen innbetalingsfiler er importert ennå." in html
    assert totals(html) == {"unidentified": "0", "unpaid": "0"}
    assert 'href="/innbetalinger/uidentifiserte"' in html and 'href="/innbetalinger/ubetalte"' in html


def test_a_good_file_is_imported_and_its_transmission_shown(app, client, post, session, central, world):
    before = stored(session)
    response = upload(post, payment_file([(world.north_list.kid, 195_000), (UNKNOWN_KID, 40_000)]), "mai.txt")
    assert stored(session) == (before[0] + 1, before[1] + 2, before[2] + 1)
    transmission = session.scalar(sa.select(PaymentTransmission).order_by(PaymentTransmission.id.desc()))

    job = job_page(client, response)
    assert "mai.txt" in job and "Ferdig" in job
    assert ("importert: 2 transaksjoner, 1 koblet til trekkliste med KID, 1 uidentifiserte, til sammen "
            "2 350,00 kr.") in job
    assert transmission_link(job) == f"/innbetalinger/forsendelse/{transmission.id}"

    html = text(client.get(transmission_link(job)))
    assert counts(html) == {"transactions": "2", "matched": "1", "unidentified": "1"}
    assert "mai.txt" in html
    north = world.north_list
    assert f'<a href="/trekklister/{north.id}">Sykehuset AS, 7301 Fagforening Nord, 03.2026</a>' in html
    unknown = session.scalar(sa.select(Payment).where(Payment.kid == UNKNOWN_KID))
    assert "Uidentifisert" in html and f'href="/innbetalinger/{unknown.id}/koble"' in html
    assert "1 950,00 kr" in html and "400,00 kr" in html

    index = text(client.get("/innbetalinger/"))
    assert f'href="/innbetalinger/forsendelse/{transmission.id}"' in index and "mai.txt" in index
    assert totals(index) == {"unidentified": "1", "unpaid": "0"}
    assert counts(index) == {"transactions": "2", "matched": "1", "unidentified": "1"}
    assert paid_ore(app, north) == 195_000


def test_a_reversal_is_shown_negative_and_marked(client, post, central, world):
    response = upload(post, payment_file([(world.north_list.kid, 195_000), (world.north_list.kid, -5_000)]))
    html = text(client.get(transmission_link(job_page(client, response))))
    assert "-50,00 kr" in html and "Reversering med KID" in html
    assert html.count('<span class="tag tag-warn">Reversering</span>') == 1


def test_a_refused_file_shows_every_error_with_its_line_and_stores_nothing(client, post, session, central, world):
    lines = payment_file([(world.north_list.kid, 195_000), (UNKNOWN_KID, 40_000)]).decode("cp1252").splitlines()
    lines[-2] = lines[-2][:24] + f"{2:017d}" + lines[-2][41:]  # end of assignment: a wrong total
    lines[-1] = lines[-1][:24] + f"{1:017d}" + lines[-1][41:]  # end of transmission too
    before = stored(session)
    response = upload(post, "".join(line + "\n" for line in lines).encode("cp1252"))
    html = job_page(client, response)
    assert "Filen ble avvist med 2 feil. Ingenting er lagret." in html and "Feilet" in html
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>', html)
    assert [(line, column) for line, column, _ in rows] == [("7", "sumbeløp"), ("8", "sumbeløp")]
    assert "oppgir sum 0,01 kr" in rows[1][2]
    assert stored(session) == before


def test_the_same_file_twice_says_it_was_imported_and_changes_nothing(app, client, post, session, central, world):
    content = payment_file([(world.north_list.kid, 195_000)])
    first = transmission_link(job_page(client, upload(post, content)))
    before = stored(session)
    html = job_page(client, upload(post, content))
    assert "er allerede importert. Ingenting er endret." in html
    assert transmission_link(html) == first
    assert stored(session) == before
    assert paid_ore(app, world.north_list) == 195_000


@pytest.mark.parametrize(("files", "message"), [
    ({}, "Velg en fil å laste opp."),
    ({"file": (io.BytesIO(b""), "tom.txt")}, "Filen er tom."),
])
def test_no_file_or_an_empty_file_is_told_next_to_the_field(post, session, central, world, files, message):
    before = stored(session)
    response = post("/innbetalinger/last-opp", files, content_type="multipart/form-data")
    assert response.status_code == 422
    assert field_error(text(response), "file") == message
    assert stored(session) == before


def test_unknown_transmission_is_404(client, central):
    assert client.get("/innbetalinger/forsendelse/999999").status_code == 404


def test_an_import_job_is_shown_to_the_central_registry_only(client, login, post, world):
    login(world.central)
    location = upload(post, payment_file([(world.north_list.kid, 195_000)])).headers["Location"]
    assert client.get(location).status_code == 200
    assert client.get("/innbetalinger/import/999999").status_code == 404
    post("/logg-ut")
    login(world.county_officer)
    assert client.get(location).status_code == 403


# --- unidentified payments ------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["central", "county_officer"])
def test_the_unidentified_payments_are_listed_for_central_and_county(app, client, login, session, world, role):
    old = unidentified_payment(app, session, world, UNKNOWN_KID, 40_000)
    paid(app, session, world, [(None, 12_300)], free_text="Kontingent mars")
    paid(app, session, world, [(world.north_list.kid, 195_000)])  # matched: not listed
    login(getattr(world, role))
    html = text(client.get("/innbetalinger/uidentifiserte"))
    assert "2 uidentifiserte innbetalinger" in html
    assert UNKNOWN_KID in html and "Kontingent mars" in html and "400,00 kr" in html and "123,00 kr" in html
    assert html.index(UNKNOWN_KID) < html.index("Kontingent mars")  # the same day: in the order imported
    assert world.north_list.kid not in html
    has_link = f'href="/innbetalinger/{old.id}/koble"' in html
    assert has_link == (role == "central")
    index = text(client.get("/innbetalinger/"))
    assert totals(index)["unidentified"] == "2"
    assert ('type="file"' in index) == (role == "central")


def test_an_invalid_kid_is_marked(app, client, session, central, world):
    unidentified_payment(app, session, world, typo_of(world.north_list.kid), 195_000)
    assert "ugyldig KID" in text(client.get("/innbetalinger/uidentifiserte"))


# --- matching by hand -----------------------------------------------------------------------------

def test_matching_by_hand_with_a_suggestion(app, client, post, session, central, world):
    payment = unidentified_payment(app, session, world, UNKNOWN_KID, 195_000)
    page = text(client.get(f"/innbetalinger/{payment.id}/koble"))
    north, south = world.north_list, world.south_list
    assert f'value="{north.id}"' in page and f'value="{south.id}"' not in page  # owing 1 950,00 = the payment
    assert "Beløpet stemmer" in page and north.kid in page and "Ikke betalt" in page

    before = stored(session)
    response = post(f"/innbetalinger/{payment.id}/koble", {"list_id": str(north.id), "note": "Ringte lønningskontoret"})
    assert response.status_code == 303 and response.headers["Location"] == "/innbetalinger/uidentifiserte"
    assert stored(session)[2] == before[2] + 1
    audit = session.scalars(sa.select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (audit.entity, audit.entity_id, audit.actor) == ("payment", payment.id, "sentral")
    assert "Ringte lønningskontoret" in audit.changes
    assert (payment.list_id, payment.matched_by, payment.note) == (north.id, "hand", "Ringte lønningskontoret")
    assert paid_ore(app, north) == 195_000

    listing = text(client.get("/innbetalinger/uidentifiserte"))
    assert "er koblet til trekklisten for Sykehuset AS, 7301 Fagforening Nord, 03.2026." in listing
    assert UNKNOWN_KID not in listing and "Ingen uidentifiserte innbetalinger." in listing
    matched = text(client.get(f"/innbetalinger/{payment.id}/koble"))
    assert "Koblet for hånd" in matched and f'href="/trekklister/{north.id}"' in matched
    assert "Koble innbetalingen" not in matched
    assert "Ringte lønningskontoret" in matched


def test_a_kid_one_typo_away_is_suggested(app, client, session, central, world):
    payment = unidentified_payment(app, session, world, typo_of(world.south_list.kid), 1_000)
    page = text(client.get(f"/innbetalinger/{payment.id}/koble"))
    assert f'value="{world.south_list.id}"' in page and "KID-en ligner" in page
    assert f'value="{world.north_list.id}"' not in page


def test_matching_by_hand_with_a_typed_kid(app, client, post, session, central, world):
    payment = unidentified_payment(app, session, world, None, 50_000)
    south = world.south_list
    response = post(f"/innbetalinger/{payment.id}/koble", {"kid": south.kid, "note": "Avtalt med arbeidsgiveren"})
    assert response.status_code == 303
    session.expire_all()
    assert (payment.list_id, payment.matched_by) == (south.id, "hand")
    assert paid_ore(app, south) == 50_000
    assert session.scalar(sa.select(sa.func.count(AuditLog.id)).where(
        AuditLog.entity == "payment", AuditLog.entity_id == payment.id)) == 1
    assert "Ingen uidentifiserte innbetalinger." in text(client.get("/innbetalinger/uidentifiserte"))


NOTE_MISSING = "Skriv et notat om hvorfor innbetalingen hører til denne trekklisten."


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"list_id": "NORTH", "note": ""}, "note", NOTE_MISSING),
    ({"list_id": "NORTH", "note": "   "}, "note", NOTE_MISSING),
    ({"kid": "NORTH", "note": ""}, "note", NOTE_MISSING),
    ({"note": "Ringte"}, "list_id", "Velg en trekkliste eller skriv KID-en til trekklisten."),
    ({"kid": UNKNOWN_KID, "note": "Ringte"}, "kid", f"Fant ingen trekkliste med KID {UNKNOWN_KID}."),
    ({"kid": "12a", "note": "Ringte"}, "kid", "En KID er 2 til 25 sifre."),
    ({"list_id": "SOUTH", "note": "Ringte"}, "list_id", "Velg en av trekklistene i listen."),
    ({"list_id": "x1", "note": "Ringte"}, "list_id", "Velg en av trekklistene i listen."),
])
def test_matching_errors_are_told_next_to_the_field_and_nothing_is_stored(app, post, session, central, world, data,
                                                                          field, message):
    payment = unidentified_payment(app, session, world, UNKNOWN_KID, 195_000)
    ids = {"list_id": {"NORTH": str(world.north_list.id), "SOUTH": str(world.south_list.id)},
           "kid": {"NORTH": world.north_list.kid}}
    data = {key: ids.get(key, {}).get(value, value) for key, value in data.items()}
    before = stored(session)
    response = post(f"/innbetalinger/{payment.id}/koble", data)
    assert response.status_code == 422
    html = text(response)
    assert field_error(html, field) == message
    assert html.count('class="error"') == 1
    assert stored(session) == before
    assert payment.list_id is None
    assert paid_ore(app, world.north_list) == 0


def test_a_payment_matched_by_kid_says_so_and_cannot_be_matched_again(app, client, post, session, central, world):
    payment, = paid(app, session, world, [(world.north_list.kid, 195_000)])
    page = text(client.get(f"/innbetalinger/{payment.id}/koble"))
    assert "Koblet med KID til trekklisten" in page and f'href="/trekklister/{world.north_list.id}"' in page
    before = stored(session)
    response = post(f"/innbetalinger/{payment.id}/koble", {"kid": world.south_list.kid, "note": "Feil liste"})
    assert response.status_code == 422
    assert "Innbetalingen er allerede koblet til en trekkliste." in text(response)
    assert stored(session) == before
    assert payment.list_id == world.north_list.id


def test_unknown_payment_is_404(client, post, central):
    assert client.get("/innbetalinger/999999/koble").status_code == 404
    assert post("/innbetalinger/999999/koble", {"note": "x"}).status_code == 404


# --- the county's queue of posted lists not paid --------------------------------------------------

def other_county_list(factory, world) -> int:
    """A March list of a branch in another county, for the same employer, posted (call in an app
    context)."""
    county = factory.county(number=94, name="Fylke Sør")
    branch = factory.branch(county, number=7401, name="Fagforening Vest")
    add_members(factory, branch, factory.workplace(world.employer, branch, name="Avdeling Vest"), ("Frida",), 3_000_000)
    return post_list(world.central, world.employer, branch, MARCH).id


def posted_days_ago(session, deduction_list: DeductionList, days: int) -> None:
    session.refresh(deduction_list)
    deduction_list.posted_at = utcnow() - timedelta(days=days)
    session.flush()


def shown_lists(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr data-list-id="(\d+)">', html)]


def test_the_unpaid_queue(app, client, login, factory, session, world):
    with app.app_context():
        april = [dl.id for dl in form_and_post(world, APRIL)]
        other = other_county_list(factory, world)
        db.session.commit()
    north_april, south_april, other = (session.get(DeductionList, i) for i in (*april, other))
    posted_days_ago(session, world.north_list, 40)  # unpaid, 40 days: shown
    posted_days_ago(session, world.south_list, 10)  # unpaid, 10 days: not yet
    posted_days_ago(session, north_april, 45)  # paid in full: not shown
    posted_days_ago(session, south_april, 35)  # partly paid: shown
    posted_days_ago(session, other, 50)  # another county's: only for central
    paid(app, session, world, [(north_april.kid, north_april.reported_total_ore), (south_april.kid, 100_000)])

    login(world.county_officer)
    html = text(client.get("/innbetalinger/ubetalte"))
    assert "framført for mer enn 30 dager siden" in html
    assert shown_lists(html) == [world.north_list.id, south_april.id]  # the oldest posting first
    assert f'href="/trekklister/{world.north_list.id}"' in html
    row = html[html.index(f'data-list-id="{south_april.id}"'):]
    row = row[:row.index("</tr>")]
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == ["1 964,00 kr", "1 000,00 kr", "964,00 kr", "35"]
    assert "Delvis betalt" in row and south_april.kid in row and "04.2026" in row and "7302 Fagforening Sør" in row
    assert totals(text(client.get("/innbetalinger/")))["unpaid"] == "2"

    client.post("/logg-ut", data={"csrf_token": client.csrf})
    login(world.central)
    assert shown_lists(text(client.get("/innbetalinger/ubetalte"))) == [other.id, world.north_list.id, south_april.id]


def test_the_unpaid_queue_as_csv(client, login, session, world):
    posted_days_ago(session, world.north_list, 40)
    login(world.county_officer)
    response = client.get("/innbetalinger/ubetalte?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Arbeidsgiver", "Org.nr.", "Fagforening"]
    assert rows[1][2:9] == ["7301 Fagforening Nord", "03.2026", world.north_list.kid, "1 950,00", "0,00", "1 950,00",
                            "Ikke betalt"]
    assert rows[1][10] == "40" and len(rows) == 2
    assert client.get("/innbetalinger/ubetalte?format=xlsx").status_code == 200


def test_the_unpaid_queue_may_be_empty(client, login, world):
    login(world.county_officer)
    assert "Ingen framførte trekklister venter på betaling." in text(client.get("/innbetalinger/ubetalte"))


# --- access ---------------------------------------------------------------------------------------

def every_url(payment: Payment) -> list[tuple[str, str]]:
    return [("get", "/innbetalinger/"), ("post", "/innbetalinger/last-opp"),
            ("get", f"/innbetalinger/forsendelse/{payment.transmission_id}"), ("get", "/innbetalinger/uidentifiserte"),
            ("get", f"/innbetalinger/{payment.id}/koble"), ("post", f"/innbetalinger/{payment.id}/koble"),
            ("get", "/innbetalinger/ubetalte"), ("get", "/innbetalinger/ubetalte?format=csv"),
            ("get", "/innbetalinger/import/1")]


@pytest.mark.parametrize("role", ["north_officer", "south_officer", "employer_contact"])
def test_branch_officers_and_employer_contacts_are_refused_everything(app, client, login, post, session, world,
                                                                      role):
    payment = unidentified_payment(app, session, world)
    login(getattr(world, role))
    before = stored(session)
    for method, url in every_url(payment):
        if method == "get":
            assert client.get(url).status_code == 403, url
        else:
            data = {"file": (io.BytesIO(payment_file([(world.north_list.kid, 195_000)])), "ocr.txt"),
                    "list_id": str(world.north_list.id), "note": "x"}
            assert post(url, data, content_type="multipart/form-data").status_code == 403, url
    assert stored(session) == before
    assert payment.list_id is None


def test_the_county_may_not_upload_see_transmissions_or_match(app, client, login, post, session, world):
    payment = unidentified_payment(app, session, world)
    login(world.county_officer)
    before = stored(session)
    assert upload(post, payment_file([(world.north_list.kid, 195_000)])).status_code == 403
    assert client.get(f"/innbetalinger/forsendelse/{payment.transmission_id}").status_code == 403
    assert client.get(f"/innbetalinger/{payment.id}/koble").status_code == 403
    assert post(f"/innbetalinger/{payment.id}/koble", {"list_id": str(world.north_list.id),
                                                       "note": "x"}).status_code == 403
    assert stored(session) == before
    assert client.get("/innbetalinger/").status_code == 200


def test_signed_out_goes_to_the_login_page(client, world):
    response = client.get("/innbetalinger/uidentifiserte")
    assert response.status_code in (302, 303) and "/logg-inn" in response.headers["Location"]


def test_pages_are_paginated_and_htmx_gets_the_fragment(app, client, session, central, world, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    first, second = paid(app, session, world, [(UNKNOWN_KID, 1_000), (None, 2_000)], free_text="Uten KID")
    page = text(client.get("/innbetalinger/uidentifiserte"))
    assert "Side 1 av 2" in page and 'href="/innbetalinger/uidentifiserte?page=2"' in page
    assert UNKNOWN_KID in page and "Uten KID" not in page
    fragment = text(client.get("/innbetalinger/uidentifiserte?page=2", headers={"HX-Request": "true"}))
    assert fragment.lstrip().startswith('<div id="unidentified"') and "<html" not in fragment
    assert "Uten KID" in fragment and UNKNOWN_KID not in fragment

    url = f"/innbetalinger/forsendelse/{first.transmission_id}"
    page = text(client.get(url))
    assert "Side 1 av 2" in page and f'href="{url}?page=2"' in page
    fragment = text(client.get(f"{url}?page=2", headers={"HX-Request": "true"}))
    assert fragment.lstrip().startswith('<div id="payments"') and "Uten KID" not in fragment and "20,00 kr" in fragment


# --- credit notes, the same number, the payee account, AvtaleGiro (issue 13) ----------------------

def built(amounts: list[tuple[str | None, int]], number: str, *, account: str = OURS) -> bytes:
    """Payments of type 10: a negative amount is a credit note (sign '-')."""
    return build_payment_file([Transaction(transaction_type=10, transaction_number=n, settlement_date=MARCH.replace(day=20),
                                           amount_ore=amount, kid=kid) for n, (kid, amount) in enumerate(amounts, 1)],
                              transmission_number=number, account=account)


def error_rows(html: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<tr><td class="num">(\d*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>', html)


def test_a_credit_note_is_shown_negative_marked_and_reduces_what_was_paid(app, client, post, central, world):
    kid = world.north_list.kid
    job = job_page(client, upload(post, built([(kid, 195_000), (kid, -20_000), (kid, -500), (UNKNOWN_KID, -100)],
                                              "8800001")))
    assert "importert: 4 transaksjoner, 3 koblet til trekkliste med KID, 1 uidentifiserte, til sammen 1 744,00 kr." in job
    html = text(client.get(transmission_link(job)))
    assert "-200,00 kr" in html and "-5,00 kr" in html and "-1,00 kr" in html
    assert html.count('<span class="tag tag-warn">Kreditnota</span>') == 3
    assert "Reversering</span>" not in html
    assert paid_ore(app, world.north_list) == 195_000 - 20_000 - 500
    list_page = text(client.get(f"/trekklister/{world.north_list.id}"))
    assert "Delvis betalt" in list_page


def test_the_same_number_with_other_content_is_refused_on_the_page(app, client, post, session, central, world):
    kid = world.north_list.kid
    first = job_page(client, upload(post, built([(kid, 195_000)], "8800002"), "mai.txt"))
    assert "Ferdig" in first
    again = job_page(client, upload(post, built([(kid, 195_000)], "8800002").replace(b"\n", b"\r\n"), "kopi.txt"))
    assert "er allerede importert. Ingenting er endret." in again
    before = stored(session)
    html = job_page(client, upload(post, built([(kid, 100_000)], "8800002"), "mai-2.txt"))
    assert "Filen ble avvist. Ingenting er lagret." in html and "Feilet" in html
    [(line, column, message)] = error_rows(html)
    assert (line, column) == ("", "")
    assert message.startswith("Forsendelse 8800002 fra dataavsender 00008080 er allerede importert med et annet "
                              "innhold (mai.txt, importert ")
    assert stored(session) == before
    assert paid_ore(app, world.north_list) == 195_000


def test_a_file_for_another_payee_account_is_refused_on_the_page(app, client, post, session, central, world):
    before = stored(session)
    html = job_page(client, upload(post, built([(world.north_list.kid, 195_000)], "8800003", account="86011117947")))
    assert "Filen ble avvist med 1 feil. Ingenting er lagret." in html
    assert error_rows(html) == [("2", "oppdragskonto", "Oppdrag 0000001 er innbetalinger til konto 8601.11.17947, "
                                                       "som ikke er fagforeningens konto (1234.56.78903). "
                                                       "Filen er ikke til oss.")]
    assert stored(session) == before
    assert paid_ore(app, world.north_list) == 0


def test_without_union_accounts_the_page_says_the_account_was_not_checked(app, client, post, central, world,
                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "UNION_ACCOUNTS", "")
    html = job_page(client, upload(post, built([(world.north_list.kid, 195_000)], "8800004", account="86011117947")))
    assert "Ferdig" in html
    assert ("Mottakerkontoen (8601.11.17947) er ikke kontrollert: fagforeningens kontoer (UNION_ACCOUNTS) er ikke "
            "satt opp.") in html
    assert paid_ore(app, world.north_list) == 195_000


def test_an_avtalegiro_file_is_refused_in_one_line_on_the_page(client, post, session, central, world):
    lines = built([(world.north_list.kid, 195_000)], "8800005").decode("cp1252").splitlines()
    lines = [line[:2] + "21" + line[4:] if line[2:4] == "09" else line for line in lines]
    before = stored(session)
    html = job_page(client, upload(post, "".join(line + "\n" for line in lines).encode("cp1252"), "avtalegiro.txt"))
    assert "Filen ble avvist. Ingenting er lagret." in html
    assert error_rows(html) == [("", "", "Filen er en AvtaleGiro-fil (tjenestekode 21), ikke en innbetalingsfil for "
                                         "OCR giro (tjenestekode 09), og kan ikke importeres her.")]
    assert stored(session) == before
