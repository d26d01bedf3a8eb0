from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.csvfile import (
    ImportReport,
    ParseError,
    RowError,
    decode,
    detect_separator,
    normalize_header,
    parse_date,
    parse_kroner,
    parse_number,
    parse_percent,
    parse_postal_code,
    parse_yes_no,
    read_table,
)

COLUMNS = ["fodselsnummer", "etternavn", "member_number", "kontingent"]


def test_decodes_utf8_with_and_without_bom_and_windows_1252():
    assert decode("Bækkelund".encode()) == "Bækkelund"
    assert decode(b"\xef\xbb\xbf" + "Bækkelund".encode()) == "Bækkelund"
    assert decode("Bækkelund Ørsta Åsane".encode("cp1252")) == "Bækkelund Ørsta Åsane"


def test_undecodable_bytes_are_refused_in_norwegian():
    with pytest.raises(ParseError, match="verken UTF-8 eller Windows-1252"):
        decode(b"\x81\x8d")


@pytest.mark.parametrize("header, separator", [
    ("a;b;c", ";"), ("a,b,c", ","), ("navn;beløp 1,50", ";"), ("a", ";"),
])
def test_detects_the_separator_from_the_header(header, separator):
    assert detect_separator(header + "\n1;2;3\n") == separator


@pytest.mark.parametrize("written", ["Fødselsnummer", "FODSELSNUMMER", " fødsels nummer ", "fodsels_nummer"])
def test_header_names_match_without_case_spaces_and_aeoeaa(written):
    assert normalize_header(written) == "fodselsnummer"
    assert normalize_header("Member Number") == normalize_header("member_number")
    assert normalize_header("Årsak") == "aarsak"
    assert normalize_header("Ærend") == "aerend"


def test_reads_rows_by_canonical_names_and_numbers_them_from_the_header():
    data = "Fødselsnummer;ETTERNAVN;Member Number\n1;Bækkelund;7\n\n2;Nordmann ;8\n".encode("cp1252")
    table = read_table(data, COLUMNS, required=["fodselsnummer"])
    assert table.errors == []
    assert [(r.number, r.values) for r in table.rows] == [
        (2, {"fodselsnummer": "1", "etternavn": "Bækkelund", "member_number": "7"}),
        (4, {"fodselsnummer": "2", "etternavn": "Nordmann", "member_number": "8"}),
    ]
    assert table.rows[0].has("member_number") and not table.rows[0].has("kontingent")


def test_comma_separated_utf8_with_bom_and_quoted_amounts():
    data = b"\xef\xbb\xbf" + 'etternavn,kontingent\n"Bækkelund","1 234,50"\n'.encode()
    table = read_table(data, COLUMNS)
    assert table.rows[0].values == {"etternavn": "Bækkelund", "kontingent": "1 234,50"}
    assert table.rows[0].parse("kontingent", parse_kroner) == 123450


def test_missing_unknown_and_repeated_columns_are_named():
    table = read_table(b"etternavn;adresse;etternavn\nx;y;z\n", COLUMNS, required=["fodselsnummer"])
    assert table.rows == []
    assert [str(e) for e in table.errors] == [
        "rad 1, kolonne adresse: Ukjent kolonne.",
        "rad 1, kolonne etternavn: Kolonnen står to ganger.",
        "rad 1, kolonne fodselsnummer: Kolonnen «fodselsnummer» mangler i filen.",
    ]


def test_a_row_with_the_wrong_number_of_fields_is_reported():
    table = read_table(b"etternavn;kontingent\nA;1;2\nB;3\n", COLUMNS)
    assert [str(e) for e in table.errors] == ["rad 2: Raden har 3 felt, men overskriften har 2."]
    assert [r.number for r in table.rows] == [3]


@pytest.mark.parametrize("data, message", [
    (b"", "Filen er tom."), (b"\n\n", "Filen er tom."), (b"etternavn\n", "Filen har ingen rader under overskriften."),
])
def test_empty_files_are_refused(data, message):
    assert [e.message for e in read_table(data, COLUMNS).errors] == [message]


def test_row_collects_errors_with_row_and_column():
    table = read_table(b"etternavn;kontingent;member_number\n;12,345;x7\n", COLUMNS)
    row = table.rows[0]
    assert row.text("etternavn", required=True) is None
    assert row.parse("kontingent", parse_kroner) is None
    assert row.parse("member_number", parse_number) is None
    assert not row.ok
    assert [str(e) for e in table.errors] == [
        "rad 2, kolonne etternavn: Mangler verdi.",
        "rad 2, kolonne kontingent: «12,345» er ikke et kronebeløp (skriv f.eks. 1 234,50 eller 1234.50).",
        "rad 2, kolonne member_number: «x7» er ikke et nummer (bare siffer).",
    ]


def test_text_longer_than_the_column_is_refused():
    table = read_table(b"etternavn\nBaekkelund\n", COLUMNS)
    assert table.rows[0].text("etternavn", max_length=5) is None
    assert table.errors[0].message == "Teksten er for lang (høyst 5 tegn)."


@pytest.mark.parametrize("text, day", [
    ("2024-03-01", date(2024, 3, 1)), ("01.03.2024", date(2024, 3, 1)), ("1.3.2024", date(2024, 3, 1)),
])
def test_parse_date(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize("text, message", [
    ("2024-02-30", "«2024-02-30» er ikke en gyldig dato."),
    ("20240301", "«20240301» er ikke en dato (skriv ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ)."),
    ("01/03/2024", "«01/03/2024» er ikke en dato (skriv ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ)."),
])
def test_parse_date_refuses(text, message):
    with pytest.raises(ParseError) as error:
        parse_date(text)
    assert str(error.value) == message


@pytest.mark.parametrize("text, ore", [
    ("1 234,50", 123450), ("1\u00a0234,50", 123450), ("1.234,50", 123450), ("1234.50", 123450),
    ("633", 63300), ("0,05", 5), ("12,5", 1250), ("1 000 000", 100000000), ("-12,50", -1250),
])
def test_parse_kroner_exactly(text, ore):
    assert parse_kroner(text) == ore


@pytest.mark.parametrize("text", ["1.234", "12,345", "1,2,3", "1 23,00", "12.", "kr 5", "", "1.234.56", "٣"])
def test_parse_kroner_refuses_what_it_would_have_to_guess(text):
    with pytest.raises(ParseError, match="er ikke et kronebeløp"):
        parse_kroner(text)


@given(st.integers(min_value=0, max_value=10**12))
def test_kroner_written_any_valid_way_give_the_same_ore(ore):
    kroner, rest = divmod(ore, 100)
    grouped = f"{kroner:,}".replace(",", " ")
    assert parse_kroner(f"{kroner}.{rest:02d}") == ore
    assert parse_kroner(f"{grouped},{rest:02d}") == ore
    assert parse_kroner(f"{grouped.replace(' ', '.')},{rest:02d}") == ore


@pytest.mark.parametrize("text, hundredths", [
    ("80", 8000), ("80,0", 8000), ("1,75", 175), ("1.75", 175), ("100 %", 10000), ("0,5", 50),
])
def test_parse_percent_to_hundredths(text, hundredths):
    assert parse_percent(text) == hundredths


@pytest.mark.parametrize("text", ["1,755", "x", "-5", "1,"])
def test_parse_percent_refuses(text):
    with pytest.raises(ParseError, match="er ikke en prosentsats"):
        parse_percent(text)


def test_yes_no_postal_code_and_number():
    assert parse_yes_no("Ja") is True and parse_yes_no("nei") is False
    with pytest.raises(ParseError, match="verken ja eller nei"):
        parse_yes_no("kanskje")
    assert parse_postal_code("0150") == "0150"
    with pytest.raises(ParseError, match="fire siffer"):
        parse_postal_code("150")
    assert parse_number("0301") == 301


def test_report_summaries():
    labels = {"persons": ("person", "personer"), "memberships": ("medlemskap", "medlemskap")}
    done = ImportReport(labels, rows=3, created={"persons": 2, "memberships": 3}, updated={"persons": 1},
                        unchanged=1)
    assert done.summary() == ("Importert 3 rader.\nOpprettet: 2 personer og 3 medlemskap.\n"
                              "Oppdatert: 1 person.\nUendret: 1 rad.")
    assert done.changes_text() == "opprettet 2 personer og 3 medlemskap; oppdatert 1 person"
    again = ImportReport(labels, rows=3, unchanged=3)
    assert again.summary() == "Ingenting nytt: alle 3 rader var allerede importert."
    refused = ImportReport(labels, rows=3, errors=[RowError(7, "orgnr", "Feil.")])
    assert refused.summary() == "Filen ble ikke importert, og ingenting er lagret (1 feil):\nrad 7, kolonne orgnr: Feil."
    assert '"errors": [{"row": 7, "column": "orgnr", "message": "Feil."}]' in refused.as_json()
