"""Importing the bank's payment file (FORMATS.md section 2; services.import_payment_file and
`flask payments import`): payments matched by KID to a deduction list, an unknown KID kept as
unidentified, a reversal reducing what was paid, a wrong end-record total refusing the file whole,
the same transmission twice changing nothing, and matching by hand with a note.

A branch at 1,75 % with three members at one employer, pay 30 000 (650,00 a month each)."""
import json
from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.deviations import services as lists
from blueprints.payments import services
from models import (
    AuditLog,
    DeductionList,
    Employment,
    Payment,
    PaymentTransmission,
    db,
    paid_ore_for_list,
    payment_state,
)
from models.payment import list_payment
from rules.kid import make_kid
from rules.payment_file import Transaction, build_payment_file

MARCH = date(2026, 3, 1)
DAY = date(2026, 5, 20)
UNKNOWN_KID = make_kid("999000000001")
OURS = "12345678903"  # build_payment_file's payee account unless told
OTHER_ACCOUNT = "86011117947"


@pytest.fixture(autouse=True)
def union_accounts(app, monkeypatch):
    """The union receives payments on OURS (and another account) unless a test says otherwise."""
    monkeypatch.setitem(app.config, "UNION_ACCOUNTS", f" {OURS}, 1503.20.80119 ")


class _Central:
    id = None
    role = "central"
    username = "system"


CENTRAL = _Central()


@pytest.fixture
def deduction_list(factory, app_ctx) -> DeductionList:
    branch = factory.branch(number=7301, name="Fagforening Nord")
    employer = factory.employer(name="Sykehuset AS")
    workplace = factory.workplace(employer, branch)
    for first in ("Anne", "Bjørn", "Cecilie"):
        member = factory.member(branch, first_name=first, last_name="Hansen")
        factory._add(Employment(membership_id=member.id, workplace_id=workplace.id, from_date=date(2015, 1, 1),
                                position_bp=10_000, payment_method="deduction", monthly_pay_ore=3_000_000))
    lists.form_lists(MARCH, only=(employer.id, branch.id))
    db.session.flush()
    found = db.session.scalar(sa.select(DeductionList).where(DeductionList.employer_id == employer.id))
    assert found is not None and found.expected_total_ore == 195_000
    return found


def payment_file(kid: str, *, number: str = "0000001", account: str = OURS) -> bytes:
    return build_payment_file([
        Transaction(transaction_type=10, transaction_number=1, settlement_date=DAY, amount_ore=195_000, kid=kid),
        Transaction(transaction_type=10, transaction_number=2, settlement_date=DAY, amount_ore=40_000,
                    kid=UNKNOWN_KID),
        Transaction(transaction_type=18, transaction_number=3, settlement_date=DAY, amount_ore=-5_000, kid=kid),
        Transaction(transaction_type=21, transaction_number=4, settlement_date=DAY, amount_ore=12_300,
                    free_text="Kontingent mars"),
    ], transmission_number=number, account=account)


def counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (PaymentTransmission, Payment, AuditLog))


def test_payments_are_matched_by_kid_and_the_rest_kept_unidentified(deduction_list):
    before = counts()
    outcome = services.import_payment_file(CENTRAL, payment_file(deduction_list.kid), "ocr.txt")
    assert outcome.ok and not outcome.already
    assert (outcome.transactions, outcome.matched, outcome.unidentified) == (4, 2, 2)
    assert outcome.total_ore == 195_000 + 40_000 - 5_000 + 12_300
    assert outcome.message == ("Forsendelse 0000001 fra dataavsender 00008080 importert: 4 transaksjoner, "
                               "2 koblet til trekkliste med KID, 2 uidentifiserte, til sammen 2 423,00 kr.")
    assert counts() == (before[0] + 1, before[1] + 4, before[2] + 1)

    payments = db.session.scalars(sa.select(Payment).order_by(Payment.transaction_number)).all()
    assert [(p.amount_ore, p.list_id, p.matched_by) for p in payments] == [
        (195_000, deduction_list.id, "kid"), (40_000, None, None), (-5_000, deduction_list.id, "kid"),
        (12_300, None, None)]
    assert payments[1].kid == UNKNOWN_KID and payments[1].unidentified
    assert payments[3].kid is None and not payments[3].kid_valid and payments[3].free_text == "Kontingent mars"
    assert payments[2].is_reversal

    transmission = outcome.transmission
    assert (transmission.file_name, transmission.transaction_count, transmission.matched_count,
            transmission.unidentified_count, transmission.bank_total_ore) == ("ocr.txt", 4, 2, 2, 252_300)

    paid = paid_ore_for_list(deduction_list.id)
    assert paid == 190_000  # the reversal reduces what was paid
    assert payment_state(deduction_list.expected_total_ore, paid) == "partly_paid"


@pytest.mark.parametrize(("due", "paid", "state"), [
    (195_000, 0, "unpaid"), (195_000, -5_000, "unpaid"), (195_000, 100, "partly_paid"),
    (195_000, 195_000, "paid"), (195_000, 195_001, "overpaid"), (0, 0, "paid")])
def test_payment_state(due, paid, state):
    assert payment_state(due, paid) == state


def test_a_wrong_end_record_total_refuses_the_file_whole(deduction_list):
    lines = payment_file(deduction_list.kid).decode("cp1252").splitlines()
    lines[-1] = lines[-1][:24] + f"{252_301:017d}" + lines[-1][41:]
    before = counts()
    outcome = services.import_payment_file(CENTRAL, "".join(line + "\n" for line in lines).encode("cp1252"))
    assert not outcome.ok and outcome.errors
    assert outcome.message == f"Filen ble avvist med {len(outcome.errors)} feil. Ingenting er lagret."
    assert counts() == before
    assert paid_ore_for_list(deduction_list.id) == 0


def test_the_same_transmission_again_changes_nothing(deduction_list):
    data = payment_file(deduction_list.kid)
    first = services.import_payment_file(CENTRAL, data)
    assert first.ok
    before = counts()
    again = services.import_payment_file(CENTRAL, data)
    assert again.ok and again.already and again.transmission.id == first.transmission.id
    assert "allerede importert" in again.message
    assert counts() == before
    assert paid_ore_for_list(deduction_list.id) == 190_000


def test_only_the_central_registry_imports(deduction_list):
    branch_user = type("BranchUser", (), {"id": None, "role": "branch", "username": "b"})()
    with pytest.raises(services.Refused):
        services.import_payment_file(branch_user, payment_file(deduction_list.kid))


def test_match_by_hand_requires_a_note_and_is_audited(deduction_list):
    services.import_payment_file(CENTRAL, payment_file(deduction_list.kid))
    payment = db.session.scalar(sa.select(Payment).where(Payment.kid == UNKNOWN_KID))
    for note in ("", "   ", None):
        with pytest.raises(services.Refused) as refused:
            services.match_by_hand(CENTRAL, payment, deduction_list, note)
        assert refused.value.field == "note"
    assert payment.list_id is None

    audits = counts()[2]
    services.match_by_hand(CENTRAL, payment, deduction_list, "  Feil KID, avtalt med lønningskontoret  ")
    assert (payment.list_id, payment.matched_by, payment.note) == (
        deduction_list.id, "hand", "Feil KID, avtalt med lønningskontoret")
    assert payment.matched_at is not None
    assert counts()[2] == audits + 1
    assert paid_ore_for_list(deduction_list.id) == 230_000
    assert payment_state(deduction_list.expected_total_ore, 230_000) == "overpaid"

    matched_by_kid = db.session.scalar(sa.select(Payment).where(Payment.matched_by == "kid").limit(1))
    with pytest.raises(services.Refused):
        services.match_by_hand(CENTRAL, matched_by_kid, deduction_list, "flytt")


def run(app, *args):
    return app.test_cli_runner().invoke(args=["payments", *args])


def test_cli_imports_prints_a_summary_and_again_changes_nothing(app, deduction_list, tmp_path):
    path = tmp_path / "ocr.txt"
    path.write_bytes(payment_file(deduction_list.kid))
    result = run(app, "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.output == ("Forsendelse 0000001 fra dataavsender 00008080 importert: 4 transaksjoner, "
                             "2 koblet til trekkliste med KID, 2 uidentifiserte, til sammen 2 423,00 kr.\n")
    before = counts()

    again = run(app, "import", str(path), "--json")
    assert again.exit_code == 0, again.output
    body = json.loads(again.output)
    assert body["ok"] and body["already_imported"]
    assert "allerede importert" in body["message"]
    assert counts() == before


def test_cli_json_summary(app, deduction_list, tmp_path):
    path = tmp_path / "ocr.txt"
    path.write_bytes(payment_file(deduction_list.kid, number="0000042"))
    result = run(app, "import", str(path), "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert {k: body[k] for k in ("ok", "already_imported", "transmission_number", "transactions", "matched",
                                  "unidentified", "total_ore", "errors")} == {
        "ok": True, "already_imported": False, "transmission_number": "0000042", "transactions": 4,
        "matched": 2, "unidentified": 2, "total_ore": 242_300, "errors": []}


def test_cli_refuses_a_bad_file_with_reasons(app, deduction_list, tmp_path):
    lines = payment_file(deduction_list.kid).decode("cp1252").splitlines()
    lines[-1] = lines[-1][:24] + f"{1:017d}" + lines[-1][41:]
    path = tmp_path / "ocr.txt"
    path.write_bytes("".join(line + "\n" for line in lines).encode("cp1252"))
    before = counts()
    result = run(app, "import", str(path))
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Filen ble avvist med ")
    assert "  rad " in result.output
    as_json = run(app, "import", str(path), "--json")
    assert as_json.exit_code == 1
    body = json.loads(as_json.output)
    assert body["ok"] is False and body["errors"] and body["errors"][0]["message"]
    assert counts() == before


@pytest.mark.parametrize("args", [["import"], ["import", "/finnes/ikke.txt"], ["import", "--bogus", "x"]])
def test_cli_wrong_usage_exits_2(app, args):
    assert run(app, *args).exit_code == 2


# --- credit notes (issue 13, item 2) -------------------------------------------------------------

def credit_note_file(kid: str, *, number: str = "0000009") -> bytes:
    """Four payments and three credit notes (type 10 with the sign '-'), as the app's builder writes them."""
    amounts = [(195_000, kid), (-20_000, kid), (40_000, UNKNOWN_KID), (-1_000, UNKNOWN_KID), (-5_000, kid),
               (10_000, None), (2_500, kid)]
    return build_payment_file([
        Transaction(transaction_type=10, transaction_number=n, settlement_date=DAY, amount_ore=amount, kid=k)
        for n, (amount, k) in enumerate(amounts, start=1)], transmission_number=number)


def test_a_file_with_three_credit_notes_imports_and_its_totals_add_up(deduction_list):
    data = credit_note_file(deduction_list.kid)
    end = data.decode("cp1252").splitlines()[-1]
    assert int(end[24:41]) == 195_000 - 20_000 + 40_000 - 1_000 - 5_000 + 10_000 + 2_500  # the bank deducts them
    outcome = services.import_payment_file(CENTRAL, data, "kreditnota.txt")
    assert outcome.ok, outcome.errors
    assert (outcome.transactions, outcome.matched, outcome.unidentified) == (7, 4, 3)
    assert outcome.total_ore == 221_500
    assert outcome.transmission.bank_total_ore == 221_500
    payments = db.session.scalars(sa.select(Payment).order_by(Payment.transaction_number)).all()
    assert [(p.amount_ore, p.is_credit_note, p.is_reversal) for p in payments if p.amount_ore < 0] == [
        (-20_000, True, False), (-1_000, True, False), (-5_000, True, False)]


def test_a_credit_note_reduces_what_was_paid_on_its_list(deduction_list):
    services.import_payment_file(CENTRAL, credit_note_file(deduction_list.kid))
    paid = paid_ore_for_list(deduction_list.id)
    assert paid == 195_000 - 20_000 - 5_000 + 2_500
    assert payment_state(deduction_list.expected_total_ore, paid) == "partly_paid"
    assert list_payment(deduction_list).paid_ore == paid and list_payment(deduction_list).owing_ore == 195_000 - paid


# --- the same transmission number (issue 13, item 3) ----------------------------------------------

def test_the_same_file_with_other_line_endings_is_already_imported(deduction_list):
    data = payment_file(deduction_list.kid)
    first = services.import_payment_file(CENTRAL, data)
    again = services.import_payment_file(CENTRAL, b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"))
    assert again.ok and again.already and again.transmission.id == first.transmission.id


def other_content(kid: str) -> bytes:
    """Another file with the same data sender and transmission number (0000001) as payment_file."""
    return build_payment_file([
        Transaction(transaction_type=10, transaction_number=1, settlement_date=DAY, amount_ore=50_000, kid=kid),
    ], transmission_number="0000001")


def test_the_same_number_with_other_content_is_refused_and_nothing_stored(deduction_list):
    first = services.import_payment_file(CENTRAL, payment_file(deduction_list.kid), "mai.txt")
    assert first.ok
    before = counts()
    other = services.import_payment_file(CENTRAL, other_content(deduction_list.kid), "mai-2.txt")
    assert not other.ok and not other.already and other.transmission is None
    assert other.message == "Filen ble avvist. Ingenting er lagret."
    [error] = other.errors
    assert error.row is None and error.message.startswith(
        "Forsendelse 0000001 fra dataavsender 00008080 er allerede importert med et annet innhold (mai.txt, importert ")
    assert error.message.endswith("Denne filen er ikke den samme og er ikke importert.")
    assert counts() == before
    assert paid_ore_for_list(deduction_list.id) == 190_000  # the first file's money only


def test_a_transmission_stored_without_a_digest_is_compared_by_number_only(deduction_list):
    first = services.import_payment_file(CENTRAL, payment_file(deduction_list.kid))
    first.transmission.digest = None  # imported before digests were kept
    db.session.flush()
    again = services.import_payment_file(CENTRAL, other_content(deduction_list.kid))
    assert again.ok and again.already and again.transmission.id == first.transmission.id


def test_cli_same_number_other_content_exits_1_with_the_reason(app, deduction_list, tmp_path):
    first, second = tmp_path / "mai.txt", tmp_path / "mai-2.txt"
    first.write_bytes(payment_file(deduction_list.kid))
    second.write_bytes(other_content(deduction_list.kid))
    assert run(app, "import", str(first)).exit_code == 0
    again = run(app, "import", str(first))
    assert again.exit_code == 0 and "er allerede importert. Ingenting er endret." in again.output
    before = counts()
    result = run(app, "import", str(second))
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Filen ble avvist. Ingenting er lagret."
    assert lines[1].startswith("  Forsendelse 0000001 fra dataavsender 00008080 er allerede importert med et "
                               "annet innhold (mai.txt, importert ")
    assert len(lines) == 2
    body = json.loads(run(app, "import", str(second), "--json").output)
    assert body["ok"] is False and body["already_imported"] is False and "annet innhold" in body["errors"][0]["message"]
    assert counts() == before


# --- the payee account (issue 13, item 4) ---------------------------------------------------------

def test_a_file_for_another_payee_account_is_refused(deduction_list):
    before = counts()
    outcome = services.import_payment_file(CENTRAL, payment_file(deduction_list.kid, account=OTHER_ACCOUNT))
    assert not outcome.ok
    assert [(e.row, e.column, e.message) for e in outcome.errors] == [
        (2, "oppdragskonto", "Oppdrag 0000001 er innbetalinger til konto 8601.11.17947, som ikke er fagforeningens "
                             "konto (1234.56.78903, 1503.20.80119). Filen er ikke til oss.")]
    assert counts() == before
    assert paid_ore_for_list(deduction_list.id) == 0


def test_cli_refuses_a_file_for_another_payee_account(app, deduction_list, tmp_path):
    path = tmp_path / "ocr.txt"
    path.write_bytes(payment_file(deduction_list.kid, account=OTHER_ACCOUNT))
    before = counts()
    result = run(app, "import", str(path))
    assert result.exit_code == 1
    assert result.output == ("Filen ble avvist med 1 feil. Ingenting er lagret.\n"
                             "  rad 2, kolonne oppdragskonto: Oppdrag 0000001 er innbetalinger til konto 8601.11.17947, "
                             "som ikke er fagforeningens konto (1234.56.78903, 1503.20.80119). Filen er ikke til oss.\n")
    assert counts() == before


def test_without_union_accounts_any_account_is_accepted_and_the_outcome_says_so(app, deduction_list, monkeypatch,
                                                                              tmp_path):
    monkeypatch.setitem(app.config, "UNION_ACCOUNTS", "")
    path = tmp_path / "ocr.txt"
    path.write_bytes(payment_file(deduction_list.kid, account=OTHER_ACCOUNT))
    result = run(app, "import", str(path), "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    note = ("Mottakerkontoen (8601.11.17947) er ikke kontrollert: fagforeningens kontoer (UNION_ACCOUNTS) "
            "er ikke satt opp.")
    assert body["ok"] and body["transactions"] == 4 and body["notes"] == [note]
    assert body["message"].endswith("til sammen 2 423,00 kr. " + note)
    assert paid_ore_for_list(deduction_list.id) == 190_000



def test_a_file_imported_before_union_accounts_was_set_is_still_already_imported(app, deduction_list, monkeypatch):
    """Setting UNION_ACCOUNTS later does not turn the file imported before into a refused one."""
    monkeypatch.setitem(app.config, "UNION_ACCOUNTS", "")
    data = payment_file(deduction_list.kid, account=OTHER_ACCOUNT)
    assert services.import_payment_file(CENTRAL, data).ok
    monkeypatch.setitem(app.config, "UNION_ACCOUNTS", OURS)
    again = services.import_payment_file(CENTRAL, data)
    assert again.ok and again.already and not again.errors
    assert paid_ore_for_list(deduction_list.id) == 190_000

# --- an AvtaleGiro file (issue 13, item 6) --------------------------------------------------------

def test_cli_refuses_an_avtalegiro_file_in_one_line(app, tmp_path):
    lines = payment_file(make_kid("4711")).decode("cp1252").splitlines()
    lines = [line[:2] + "21" + line[4:] if line[2:4] == "09" else line for line in lines]  # service code 21
    path = tmp_path / "avtalegiro.txt"
    path.write_bytes("".join(line + "\n" for line in lines).encode("cp1252"))
    result = run(app, "import", str(path))
    assert result.exit_code == 1
    assert result.output == ("Filen ble avvist. Ingenting er lagret.\n"
                             "  Filen er en AvtaleGiro-fil (tjenestekode 21), ikke en innbetalingsfil for OCR giro "
                             "(tjenestekode 09), og kan ikke importeres her.\n")
