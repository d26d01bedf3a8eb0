"""The bank's payment file (OCR giro, FORMATS.md section 2): the samples, files built to the
specification and read back (also by netsgiro), and every bad case refused with its line and reason."""
from datetime import date
from pathlib import Path

import hypothesis
import netsgiro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.kid import kid_scheme, make_kid
from rules.payment_file import (
    MAX_ERRORS,
    REVERSAL_TYPES,
    Transaction,
    build_payment_file,
    read_payment_file,
)

DATA = Path(__file__).resolve().parents[1] / "data"
EXAMPLE = (DATA / "ocr-giro-example.txt").read_bytes()
NETS = (DATA / "ocr-giro-nets-specification.txt").read_bytes()
DAY = date(2026, 5, 20)


def lines_of(data: bytes) -> list[str]:
    return data.decode("cp1252").splitlines()


def file_of(lines: list[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode("cp1252")


def put(line: str, position: int, text: str) -> str:
    """`line` with `text` written from 1-based `position` on."""
    return line[:position - 1] + text + line[position - 1 + len(text):]


def changed(number: int, position: int, text: str, data: bytes = EXAMPLE) -> bytes:
    """`data` with `text` written into line `number` from `position` on."""
    lines = lines_of(data)
    lines[number - 1] = put(lines[number - 1], position, text)
    return file_of(lines)


def errors_of(data: bytes) -> list[tuple[int | None, str | None, str]]:
    result = read_payment_file(data)
    assert not result.ok
    assert result.assignments == [] and result.transactions == [] and result.identity is None, "refused whole"
    return [(e.row, e.column, e.message) for e in result.errors]


def written_by_netsgiro(text: str) -> str:
    """The file as netsgiro reads it and writes it again. Its writer cannot write a blank KID (it reads
    one as None, and fails formatting None), so such a KID goes through it as "X" and back to blanks."""
    transmission = netsgiro.parse(text)
    for assignment in transmission.assignments:
        for t in assignment.transactions:
            t.kid = t.kid or "X"
    return transmission.to_ocr().replace(" " * 24 + "X", " " * 25)


def payment(number: int, amount_ore: int, kid: str | None = None, ttype: int = 10, **more) -> Transaction:
    values = dict(settlement_date=DAY, bank_date=date(2026, 5, 19), debit_account="12345678903",
                  archive_reference="123456789")
    values.update(more)
    return Transaction(ttype, number, amount_ore=amount_ore, kid=kid, **values)


# --- the samples ------------------------------------------------------------------------------

def test_the_example_sample_reads_as_its_readme_says():
    result = read_payment_file(EXAMPLE)
    assert result.ok, result.errors
    assert result.identity == ("00008080", "0004711")
    assert (result.data_sender, result.transmission_number, result.data_recipient, result.date) == (
        "00008080", "0004711", "00112233", DAY)
    [assignment] = result.assignments
    assert (assignment.agreement_id, assignment.assignment_number, assignment.account, assignment.settlement_date) == (
        "001234567", "0000001", "12345678903", DAY)
    assert [(t.transaction_type, t.transaction_number, t.amount_ore, t.kid, t.kid_valid, t.line)
            for t in result.transactions] == [
        (10, 1, 63300, "123456782", True, 3),
        (10, 2, 52100, "000000000000000000000001", False, 5),  # kept, though no valid KID
        (18, 3, -5000, "123456782", True, 7),  # a reversal, though its sign field says 0
    ]
    first = result.transactions[0]
    assert (first.settlement_date, first.bank_date, first.debit_account, first.archive_reference,
            first.form_number, first.free_text) == (DAY, DAY, "12345678903", "123456789", None, None)
    assert result.bank_total_ore == 120400  # 1 204,00 kr: the bank's total adds the reversal too
    assert result.paid_ore == 63300 + 52100 - 5000


def test_the_nets_specification_sample_reads_whole():
    result = read_payment_file(NETS)
    assert result.ok, result.errors
    assert result.identity == ("00008080", "0170031")
    assert (result.data_recipient, result.date) == ("00010200", date(1992, 1, 20))
    [assignment] = result.assignments
    assert (assignment.agreement_id, assignment.assignment_number, assignment.account) == (
        "001008566", "0000002", "99991042764")
    transactions = result.transactions
    assert len(transactions) == 20
    assert [t.transaction_number for t in transactions] == list(range(1, 21))
    assert sorted({t.transaction_type for t in transactions}) == [10, 11, 12, 13, 21]
    # The end records say 5144900 øre, 51 449,00 kr (the samples README says 514.49 kr: off by 100).
    assert result.bank_total_ore == result.paid_ore == 5_144_900
    first = transactions[0]
    assert (first.transaction_type, first.amount_ore, first.kid, first.free_text, first.bank_date, first.debit_account,
            first.archive_reference, first.form_number) == (
        21, 102000, "0000531", "Foo bar baz", date(1992, 1, 16), "99990512341", "099038562", "9636827194")
    assert transactions[8].bank_date is None  # 000000 in the file
    # Several KIDs fail MOD10 but pass MOD11; all are valid, none is refused.
    assert all(t.kid_valid for t in transactions)
    assert [kid_scheme(t.kid) for t in transactions].count("MOD11") == 12


@pytest.mark.parametrize("data", [EXAMPLE, NETS], ids=["example", "nets"])
def test_netsgiro_reads_the_samples_alike(data):
    ours = read_payment_file(data)
    theirs = netsgiro.parse(data.decode("ascii"))
    assert (theirs.data_transmitter, theirs.number, theirs.date) == (ours.data_sender, ours.transmission_number, ours.date)
    assert [(int(t.type), t.number, t.amount_in_cents, t.kid, t.text)
            for a in theirs.assignments for t in a.transactions] == [
        (t.transaction_type, t.transaction_number, abs(t.amount_ore), t.kid, t.free_text) for t in ours.transactions]
    # netsgiro's amounts are never negative, and its total adds them all, as the bank's end records do
    assert theirs.get_total_amount() * 100 == ours.bank_total_ore


# --- line endings -----------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    EXAMPLE.replace(b"\n", b"\r\n"),
    EXAMPLE.rstrip(b"\n"),
    EXAMPLE.replace(b"\n", b"\r\n").rstrip(b"\r\n"),
    EXAMPLE + b"\n\n",
    b"\xef\xbb\xbf" + EXAMPLE,
], ids=["crlf", "no last newline", "crlf without last newline", "trailing blank lines", "utf-8 bom"])
def test_line_endings_and_a_missing_last_newline_are_accepted(data):
    result = read_payment_file(data)
    assert result.ok, result.errors
    assert result == read_payment_file(EXAMPLE)


# --- bad files --------------------------------------------------------------------------------

def test_a_line_not_80_characters_is_refused_with_its_number():
    lines = lines_of(EXAMPLE)
    lines[2] = lines[2][:79]
    lines[4] = lines[4] + "0"
    assert errors_of(file_of(lines)) == [
        (3, None, "Linjen har 79 tegn, men hver post skal ha 80."),
        (5, None, "Linjen har 81 tegn, men hver post skal ha 80."),
    ]


def test_a_blank_line_inside_the_file_is_a_line_of_0_characters():
    lines = lines_of(EXAMPLE)
    assert errors_of(file_of(lines[:3] + [""] + lines[3:])) == [(4, None, "Linjen har 0 tegn, men hver post skal ha 80.")]


def test_a_wrong_count_in_the_end_of_assignment_refuses_the_file():
    assert errors_of(changed(9, 9, "00000004")) == [
        (9, "antall transaksjoner", "Slutt på oppdraget oppgir 4 transaksjoner, men oppdraget har 3.")]
    assert errors_of(changed(9, 17, "00000009")) == [
        (9, "antall poster", "Slutt på oppdraget oppgir 9 poster, men oppdraget har 8 (start og slutt medregnet).")]


def test_a_wrong_count_in_the_end_of_transmission_refuses_the_file():
    assert errors_of(changed(10, 9, "00000002")) == [
        (10, "antall transaksjoner", "Slutt på forsendelsen oppgir 2 transaksjoner, men forsendelsen har 3.")]
    assert errors_of(changed(10, 17, "00000011")) == [
        (10, "antall poster", "Slutt på forsendelsen oppgir 11 poster, men forsendelsen har 10 (start og slutt medregnet).")]


def test_a_wrong_total_refuses_the_file_whole():
    wrong = changed(9, 25, "00000000000120500")
    wrong = changed(10, 25, "00000000000120500", wrong)
    assert errors_of(wrong) == [
        (9, "sumbeløp", "Slutt på oppdraget oppgir sum 1 205,00 kr, men transaksjonene i oppdraget er til sammen "
                        "1 204,00 kr (reverseringer lagt til og kreditnotaer trukket fra, som banken gjør)."),
        (10, "sumbeløp", "Slutt på forsendelsen oppgir sum 1 205,00 kr, men transaksjonene i forsendelsen er til "
                         "sammen 1 204,00 kr (reverseringer lagt til og kreditnotaer trukket fra, som banken gjør)."),
    ]
    # netsgiro itself accepts the file as it is
    assert netsgiro.parse(wrong.decode("ascii")).get_total_amount() == 1204


def test_a_total_with_the_reversal_subtracted_is_refused():
    """The bank adds reversals to the total (the sample), so 1 104,00 kr is wrong."""
    wrong = changed(10, 25, "00000000000110400", changed(9, 25, "00000000000110400"))
    assert [(row, column) for row, column, _ in errors_of(wrong)] == [(9, "sumbeløp"), (10, "sumbeløp")]


@pytest.mark.parametrize("record_type", ["99", "49", "70", "1X"])
def test_an_unknown_record_type_is_refused(record_type):
    assert errors_of(changed(3, 7, record_type)) == [
        (3, "posttype", f"Ukjent posttype «{record_type}» (posisjon 7–8; OCR giro har 10, 20, 30, 31, 32, 88, 89).")]


def test_a_missing_end_of_transmission_is_refused():
    lines = lines_of(EXAMPLE)
    assert errors_of(file_of(lines[:-1])) == [
        (10, "posttype", "Filen slutter etter slutt på oppdrag (posttype 88) uten slutt på forsendelse (posttype 89).")]


def test_a_missing_end_of_assignment_is_refused():
    lines = lines_of(EXAMPLE)
    assert errors_of(file_of(lines[:8] + lines[9:])) == [
        (9, "posttype", "Slutt på forsendelse (posttype 89) kan ikke stå etter beløpspost 2 (posttype 31); her skal "
                        "det stå beløpspost 1 (30) eller beløpspost 3 (32) eller slutt på oppdrag (88).")]


def test_a_non_numeric_amount_is_refused():
    assert errors_of(changed(3, 40, "X")) == [
        (3, "beløp", "Skal være 17 sifre (posisjon 33–49), ikke «0000000X000063300».")]


def test_every_bad_line_is_reported():
    data = changed(3, 40, "X")
    data = changed(5, 16, "310226", data)
    data = changed(6, 60, "7", data)
    assert errors_of(data) == [
        (3, "beløp", "Skal være 17 sifre (posisjon 33–49), ikke «0000000X000063300»."),
        (5, "oppgjørsdato", "«310226» er ikke en gyldig dato DDMMÅÅ (posisjon 16–21)."),
        (6, None, "Skal være fylt med nuller (posisjon 59–80), ikke «0700000000000000000000»."),
    ]


def test_reports_stop_after_max_errors_lines():
    lines = lines_of(build_payment_file([payment(n, 100) for n in range(1, 200)]))
    lines = lines[:2] + [put(line, 33, "X") if line[6:8] == "30" else line for line in lines[2:]]
    errors = errors_of(file_of(lines))
    assert len(errors) == MAX_ERRORS + 1
    assert errors[-1] == (None, None, f"Flere feil er ikke vist: filen har feil på minst {MAX_ERRORS} linjer.")


@pytest.mark.parametrize("number, position, text, expected", [
    (3, 16, "310226", (3, "oppgjørsdato", "«310226» er ikke en gyldig dato DDMMÅÅ (posisjon 16–21).")),
    (4, 42, "320526", (4, "bankdato", "«320526» er ikke en gyldig dato DDMMÅÅ eller 000000 (posisjon 42–47).")),
    (10, 42, "000000", (10, "dato", "«000000» er ikke en gyldig dato DDMMÅÅ (posisjon 42–47).")),
    (3, 32, "+", (3, "fortegn", "Fortegnet skal være «-» eller «0» (posisjon 32), ikke «+».")),
    (3, 70, " ", (3, "KID", "KID kan bare ha sifre, høyrejustert med blanke foran (posisjon 50–74), "
                            "ikke «                1234 6782»."),),
    (3, 5, "22", (3, "transaksjonstype", "Ukjent transaksjonstype «22» (OCR giro har typene 10–21; posisjon 5–6).")),
    (2, 3, "21", (2, "tjenestekode", "Skal være «09» (posisjon 3–4), ikke «21».")),
    (1, 1, "NX", (1, "formatkode", "Skal være «NY» (posisjon 1–2), ikke «NX».")),
    (2, 20, "12a", (2, "oppdragsnummer", "Skal være 7 sifre (posisjon 18–24), ikke «0012a01».")),
    (1, 50, "1", (1, None, "Skal være fylt med nuller (posisjon 32–80), ikke "
                           "«0000000000000000001000000000000000000000000000000».")),
])
def test_a_bad_field_is_refused_with_its_name(number, position, text, expected):
    assert errors_of(changed(number, position, text)) == [expected]


def test_avtalegiro_transaction_types_are_refused():
    data = changed(4, 5, "02", changed(3, 5, "02"))
    assert [(row, column) for row, column, _ in errors_of(data)] == [(3, "transaksjonstype"), (4, "transaksjonstype")]


def test_records_out_of_order_are_refused():
    lines = lines_of(EXAMPLE)
    swapped = lines[:2] + [lines[3], lines[2]] + lines[4:]
    assert errors_of(file_of(swapped)) == [
        (3, "posttype", "Beløpspost 2 (posttype 31) kan ikke stå etter start på oppdrag (posttype 20); her skal det "
                        "stå beløpspost 1 (30) eller slutt på oppdrag (88).")]
    assert errors_of(file_of(lines[1:])) == [
        (1, "posttype", "Filen skal begynne med start på forsendelse (posttype 10), ikke start på oppdrag (posttype 20).")]
    assert errors_of(file_of(lines + lines[:1])) == [
        (11, "posttype", "Etter slutt på forsendelse (posttype 89) kan det ikke stå mer, men her står start på "
                         "forsendelse (posttype 10).")]
    assert errors_of(file_of(lines[:1] + lines[2:])) == [
        (2, "posttype", "Beløpspost 1 (posttype 30) kan ikke stå etter start på forsendelse (posttype 10); her skal "
                        "det stå start på oppdrag (20) eller slutt på forsendelse (89).")]


def test_amount_item_2_must_belong_to_the_amount_item_1_before_it():
    assert errors_of(changed(4, 9, "0000002")) == [
        (4, "transaksjonsnummer", "Beløpspost 2 har transaksjonsnummer 2, men beløpspost 1 foran har 1.")]
    assert errors_of(changed(4, 5, "11")) == [
        (4, "transaksjonstype", "Beløpspost 2 har transaksjonstype 11, men beløpspost 1 foran har 10.")]


def test_a_transaction_number_twice_in_an_assignment_is_refused():
    """netsgiro's objects would merge the two silently, losing a payment."""
    data = changed(6, 9, "0000001", changed(5, 9, "0000001"))
    assert errors_of(data) == [
        (5, "transaksjonsnummer", "Transaksjonsnummer 1 står to ganger i oppdraget (også på rad 3).")]
    assert len(netsgiro.parse(data.decode("ascii")).assignments[0].transactions) == 2


def test_an_assignment_number_twice_in_a_transmission_is_refused():
    lines = lines_of(EXAMPLE)
    twice = lines[:9] + lines[1:9] + [put(put(put(lines[9], 9, "00000006"), 17, "00000018"), 25, "00000000000240800")]
    assert errors_of(file_of(twice)) == [
        (10, "oppdragsnummer", "Oppdragsnummer 0000001 står to ganger i forsendelsen (også på rad 2).")]
    assert read_payment_file(file_of(twice[:9] + [put(twice[9], 18, "0000002")] + twice[10:])).ok


def test_free_text_item_3_belongs_to_types_20_and_21_only():
    lines = lines_of(build_payment_file([payment(1, -700, ttype=20, free_text="Feil innbetaling")]))
    assert errors_of(file_of(lines[:4] + lines[5:])) == [
        (5, "posttype", "Transaksjonstype 20 skal ha en beløpspost 3 (posttype 32, fritekst) etter beløpspost 2.")]
    item3 = put(put(lines[4], 5, "10"), 1, "NY09")
    ten = lines_of(build_payment_file([payment(1, 700)]))
    assert errors_of(file_of(ten[:4] + [item3] + ten[4:])) == [
        (5, "posttype", "Beløpspost 3 (fritekst) hører bare til transaksjonstype 20 og 21, ikke 10.")]


def test_an_empty_or_unreadable_file_is_refused():
    assert errors_of(b"") == [(None, None, "Filen er tom.")]
    assert errors_of(b"\r\n\n") == [(None, None, "Filen er tom.")]
    assert errors_of(b"\x81\x8d") == [(None, None, "Filen kan ikke leses: tegnsettet er verken UTF-8 eller Windows-1252.")]


# --- amounts, signs and KIDs ------------------------------------------------------------------

def test_reversals_are_negative_by_type_or_sign():
    """Type 18 or 20 is a reversal whatever the sign field says; a `-` sign makes any type negative."""
    lines = lines_of(EXAMPLE)
    assert lines[6][31] == "0" and read_payment_file(EXAMPLE).transactions[2].amount_ore == -5000
    marked = file_of(lines[:6] + [put(lines[6], 32, "-")] + lines[7:])
    assert read_payment_file(marked).transactions[2].amount_ore == -5000  # not made positive again
    minus_second = file_of(lines[:4] + [put(lines[4], 32, "-")] + lines[5:])
    # a '-' on a payment makes it a credit note, which the end records deduct: these still add it
    assert [(row, column) for row, column, _ in errors_of(minus_second)] == [(9, "sumbeløp"), (10, "sumbeløp")]
    total = f"{63300 - 52100 + 5000:017d}"
    result = read_payment_file(changed(10, 25, total, changed(9, 25, total, minus_second)))
    assert result.ok, result.errors
    assert [t.amount_ore for t in result.transactions] == [63300, -52100, -5000]
    assert [(t.is_reversal, t.is_credit_note) for t in result.transactions] == [(False, False), (True, True), (True, False)]
    assert result.bank_total_ore == 63300 - 52100 + 5000 and result.paid_ore == 63300 - 52100 - 5000


def credit_note_file() -> bytes:
    """Three payments and three credit notes (type 10 with the sign '-'), written record by record from
    the specification (FORMATS.md section 2), with end records that deduct the credit notes."""
    def item1(number: int, sign: str, amount: int, kid: str) -> str:
        return f"NY091030{number:07d}2005260020{number:06d}{sign}{amount:017d}{kid:>25}000000"

    def item2(number: int) -> str:
        return f"NY091031{number:07d}0000000000{number:09d}0000000190526{'12345678903'}" + "0" * 22

    items = [(1, "0", 63300, "123456782"), (2, "-", 10000, "123456782"), (3, "0", 52100, "47118"),
             (4, "-", 2000, "47118"), (5, "-", 100, "0000000000000000000000001"), (6, "0", 40000, "123456782")]
    body = [record for number, sign, amount, kid in items for record in (item1(number, sign, amount, kid), item2(number))]
    total = 63300 - 10000 + 52100 - 2000 - 100 + 40000
    lines = ["NY000010000080800004712001122330000000000000000000000000000000000000000000000000",
             "NY090020001234567000000112345678903000000000000000000000000000000000000000000000", *body,
             f"NY090088{6:08d}{len(body) + 2:08d}{total:017d}200526200526200526" + "0" * 21,
             f"NY000089{6:08d}{len(body) + 4:08d}{total:017d}200526" + "0" * 33]
    assert all(len(line) == 80 for line in lines)
    return file_of(lines)


def test_a_file_with_three_credit_notes_is_read_and_its_totals_add_up():
    """The end records deduct credit notes (sign '-' on a type that is not a reversal), as the bank's
    specification says: the file is accepted, and each credit note is a negative amount."""
    result = read_payment_file(credit_note_file())
    assert result.ok, result.errors
    assert [(t.transaction_number, t.amount_ore, t.is_credit_note) for t in result.transactions] == [
        (1, 63300, False), (2, -10000, True), (3, 52100, False), (4, -2000, True), (5, -100, True), (6, 40000, False)]
    assert result.bank_total_ore == result.paid_ore == 143_300
    # adding them, as the app did before, is what the bank does not do
    wrong = f"{63300 + 10000 + 52100 + 2000 + 100 + 40000:017d}"
    assert [(row, column) for row, column, _ in errors_of(changed(16, 25, wrong, changed(15, 25, wrong, credit_note_file())))] == [
        (15, "sumbeløp"), (16, "sumbeløp")]


def test_credit_notes_and_reversals_together():
    built = [payment(1, 100_000, "123456782"), payment(2, -30_000, "123456782"), payment(3, -5_000, "123456782", 18),
             payment(4, -1_000, "47118", 20, free_text="Feil beløp"), payment(5, -2_500, None, 21, free_text="Kreditnota")]
    data = build_payment_file(built)
    end = lines_of(data)[-2]
    assert end[24:41] == f"{100_000 - 30_000 + 5_000 + 1_000 - 2_500:017d}"  # reversals added, credit notes deducted
    result = read_payment_file(data)
    assert result.ok, result.errors
    assert result.transactions == built
    assert result.paid_ore == 100_000 - 30_000 - 5_000 - 1_000 - 2_500


def test_the_builder_refuses_credit_notes_exceeding_the_rest():
    with pytest.raises(ValueError, match="total"):
        build_payment_file([payment(1, 100), payment(2, -200)])


def test_an_avtalegiro_file_is_refused_in_one_line():
    """An AvtaleGiro file (service code 21: payment requests with their records 30 and 31) written
    from its specification: one line saying what it is, not an error for every field."""
    total = sum(number * 100 for number in range(1, 21))
    lines = [f"NY000010{8080:08d}{1:07d}{8080:08d}".ljust(80, "0"),
             f"NY210020{0:09d}{1:07d}12345678903".ljust(80, "0")]
    for number in range(1, 21):
        lines += [f"NY210230{number:07d}200526{' ' * 11}{number * 100:017d}{make_kid(str(number)):>25}000000",
                  f"NY210231{number:07d}{'Hansen':<10}{' ' * 25}{'Kontingent mai':<25}00000"]
    lines += [f"NY210088{20:08d}{42:08d}{total:017d}200526200526".ljust(80, "0"),
              f"NY000089{20:08d}{44:08d}{total:017d}200526".ljust(80, "0")]
    assert all(len(line) == 80 for line in lines)
    assert errors_of(file_of(lines)) == [(None, None, "Filen er en AvtaleGiro-fil (tjenestekode 21), ikke en "
                                                      "innbetalingsfil for OCR giro (tjenestekode 09), og kan ikke "
                                                      "importeres her.")]


@pytest.mark.parametrize("data, what", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "et gammelt Excel-regneark (XLS)"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "en PDF"),
    (b"PK\x03\x04" + bytes(26) + b"mimetype", "en zip-fil (for eksempel et Excel- eller OpenDocument-regneark)"),
])
def test_a_file_that_is_no_text_file_is_named_in_one_line(data, what):
    """A spreadsheet or a PDF given as the bank's payment file: one line saying what it is, not an
    error about its character set."""
    assert errors_of(data) == [(None, None, f"Filen er {what}, ikke bankens innbetalingsfil (OCR giro: en "
                                            "tekstfil med linjer på 80 tegn). Hent innbetalingsfilen fra banken "
                                            "og last den opp på nytt.")]


def test_the_digest_is_the_content_whatever_the_line_endings():
    first = read_payment_file(EXAMPLE).digest
    assert first and len(first) == 64
    assert read_payment_file(EXAMPLE.replace(b"\n", b"\r\n")).digest == first
    assert read_payment_file(b"\xef\xbb\xbf" + EXAMPLE + b"\n").digest == first
    assert read_payment_file(changed(3, 50, " " * 16 + "123456782")).digest == first  # the same line
    other = changed(8, 25, "00000000000120400", changed(4, 26, "111111111"))
    assert read_payment_file(other).ok and read_payment_file(other).digest != first


def test_kids_failing_mod10_and_mod11_are_kept_and_marked_invalid():
    data = build_payment_file([payment(1, 100, "123456783"), payment(2, 200, make_kid("4711")), payment(3, 300, None),
                               payment(4, 400, "0000000000000000000000017")])
    result = read_payment_file(data)
    assert result.ok, result.errors
    assert [(t.kid, t.kid_valid) for t in result.transactions] == [
        ("123456783", False), ("47118", True), (None, False), ("0000000000000000000000017", False)]


# --- building files ---------------------------------------------------------------------------

EVERY_TYPE = [
    payment(number, -amount if ttype in REVERSAL_TYPES else amount, make_kid(str(number * 1000 + ttype)), ttype,
            free_text="Kontingent mai, Bjørnstjerne" if ttype in (20, 21) else None, form_number="9636827194")
    for number, (ttype, amount) in enumerate(zip(range(10, 22), range(10_000, 130_000, 10_000)), start=1)
] + [payment(13, 0, None, 21, free_text=None, bank_date=None, debit_account=None, archive_reference=None,
             settlement_date=date(2026, 5, 18))]


def test_a_built_file_follows_formats_md_to_the_position():
    data = build_payment_file([payment(1, 63300, "123456782"), payment(2, -5000, "123456782", 18)],
                              sender="00008080", transmission_number=4711, recipient="00112233",
                              agreement_id="001234567", account="12345678903", date=DAY)
    assert data.decode("ascii").split("\n") == [
        "NY000010000080800004711001122330000000000000000000000000000000000000000000000000",
        "NY090020001234567000000112345678903000000000000000000000000000000000000000000000",
        "NY09103000000012005260020100001000000000000063300                123456782000000",
        "NY091031000000100000000001234567890000000190526123456789030000000000000000000000",
        "NY09183000000022005260020100002-00000000000005000                123456782000000",
        "NY091831000000200000000001234567890000000190526123456789030000000000000000000000",
        "NY090088000000020000000600000000000068300200526200526200526000000000000000000000",
        "NY000089000000020000000800000000000068300200526000000000000000000000000000000000",
        "",
    ]


def test_a_built_file_reads_back_the_same():
    data = build_payment_file(EVERY_TYPE, sender=8080, transmission_number="0000042", account="99991042764",
                              date=date(2026, 5, 21))
    result = read_payment_file(data)
    assert result.ok, result.errors
    assert result.transactions == EVERY_TYPE
    assert result.identity == ("00008080", "0000042")
    assert (result.assignments[0].account, result.date) == ("99991042764", date(2026, 5, 21))
    assert result.paid_ore == sum(t.amount_ore for t in EVERY_TYPE)
    assert result.bank_total_ore == sum(abs(t.amount_ore) for t in EVERY_TYPE)  # reversals only, no credit notes
    assert "Bjørnstjerne".encode("cp1252") in data  # Windows-1252, as the reader takes it


def test_netsgiro_reads_a_built_file_and_writes_it_again_to_the_byte():
    """netsgiro computes the end records afresh when it writes: so the counts, totals and dates agree."""
    text = build_payment_file(EVERY_TYPE, newline="\r\n").decode("cp1252")
    assert written_by_netsgiro(text).replace("\n", "\r\n") + "\r\n" == text
    transmission = netsgiro.parse(text)
    assert [(int(t.type), t.number, t.amount_in_cents, t.sign, t.kid, t.text)
            for t in transmission.assignments[0].transactions] == [
        (t.transaction_type, t.transaction_number, abs(t.amount_ore), "-" if t.amount_ore < 0 else "0", t.kid, t.free_text)
        for t in EVERY_TYPE]


def test_an_empty_transmission_builds_and_reads():
    result = read_payment_file(build_payment_file([], date=DAY))
    assert result.ok, result.errors
    assert result.transactions == [] and result.assignments[0].settlement_date == DAY


@pytest.mark.parametrize("transaction, message", [
    (payment(1, 5000, ttype=18), "must have a negative amount"),
    (payment(1, 100, "12a"), "KID must be"),
    (payment(1, 100, ""), "KID must be"),
    (payment(1, 100, "1" * 26), "KID must be"),
    (payment(1, 100, free_text="tekst"), "only types 20 and 21"),
    (payment(1, 100, ttype=21, free_text="x" * 41), "free text"),
    (payment(1, 100, settlement_date=date(2069, 1, 1)), "DDMMYY"),
    (payment(0, 100, debit_account="123"), "debit account"),
    (payment(1, 10 ** 17), "too large"),
    (payment(1, 100, ttype=9), "transaction type"),
])
def test_the_builder_refuses_what_the_format_cannot_hold(transaction, message):
    with pytest.raises(ValueError, match=message):
        build_payment_file([transaction])


# --- property ---------------------------------------------------------------------------------

TEXT = st.text("abcdefghijklmnopqrstuvwxyzæøåABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ0123456789 .,-/", max_size=40)
DATES = st.dates(min_value=date(1969, 1, 1), max_value=date(2068, 12, 31))


def digits(width: int):
    return st.text("0123456789", min_size=width, max_size=width).filter(lambda s: s.strip("0"))


@st.composite
def transaction(draw, number: int) -> Transaction:
    ttype = draw(st.integers(10, 21))
    amount = draw(st.integers(0, 10 ** 16) | st.integers(0, 10 ** 6))
    if ttype in REVERSAL_TYPES or draw(st.integers(0, 9)) == 0:  # now and then a '-' on another type
        amount = -amount
    text = draw(TEXT.map(str.strip)) if ttype in (20, 21) else ""
    return Transaction(
        transaction_type=ttype, transaction_number=number, settlement_date=draw(DATES), amount_ore=amount,
        kid=draw(st.none() | st.text("0123456789", min_size=1, max_size=25)), free_text=text or None,
        bank_date=draw(st.none() | DATES), debit_account=draw(st.none() | digits(11)),
        archive_reference=draw(st.none() | digits(9)), form_number=draw(st.none() | digits(10)),
    )


def bank_total(built: list[Transaction]) -> int:
    """The end records' total by the bank's specification: reversals added, credit notes deducted."""
    return sum(abs(t.amount_ore) if t.transaction_type in REVERSAL_TYPES else t.amount_ore for t in built)


@st.composite
def transactions(draw) -> list[Transaction]:
    numbers = draw(st.lists(st.integers(1, 9_999_999), unique=True, max_size=15))
    built = [draw(transaction(number)) for number in numbers]
    hypothesis.assume(0 <= bank_total(built) < 10 ** 17)  # what the end records' unsigned total can hold
    return built


@settings(max_examples=150, deadline=None)
@given(transactions(), st.sampled_from(["\n", "\r\n"]), DATES)
def test_any_transactions_built_then_read_come_back_the_same(built, newline, when):
    data = build_payment_file(built, newline=newline, date=when, transmission_number=7)
    result = read_payment_file(data)
    assert result.ok, result.errors
    assert result.transactions == built
    assert result.paid_ore == sum(t.amount_ore for t in built)
    assert result.bank_total_ore == bank_total(built)
    assert result.date == when and result.identity == ("00008080", "0000007")
    text = data.decode("cp1252")
    rewritten = written_by_netsgiro(text).replace("\n", newline) + newline
    if any(t.is_credit_note for t in built):  # netsgiro adds credit notes to the end records' totals
        assert without_totals(rewritten) == without_totals(text)
    else:
        assert rewritten == text


def without_totals(text: str) -> list[str]:
    return [line[:24] + line[41:] if line[6:8] in ("88", "89") else line for line in text.splitlines()]
