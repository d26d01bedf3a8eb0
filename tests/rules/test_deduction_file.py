import io
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from demo.numbers import national_id
from rules.csvfile import ParseError
from rules.deduction_file import MAX_FILE_BYTES, MAX_ROWS, FileLine, parse_period, read_deduction_file

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "trekkliste-example.csv"
HEADER = "periode;orgnr;avdeling;fodselsnummer;medlemsnummer;etternavn;fornavn;stillingsprosent;trekkgrunnlag;kontingent;forsikring"
ORGNR = "814762459"
ASMUND = "21047725078"
GUNN = "05128336003"


def errors_of(result) -> list[tuple[int | None, str | None, str]]:
    assert not result.lists, "a refused file gives no lists"
    return [(e.row, e.column, e.message) for e in result.errors]


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def many_ids(count: int) -> list[str]:
    rng = random.Random(5)
    ids: set[str] = set()
    while len(ids) < count:
        ids.add(national_id(date(1960, 1, 1) + timedelta(days=rng.randint(0, 15000)), rng.random() < 0.5, rng))
    return sorted(ids)


# --- periods ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, period", [("2026-01", (2026, 1)), ("01.2026", (2026, 1)), ("3.2026", (2026, 3)),
                                          (" 2025-12 ", (2025, 12))])
def test_periods_are_read_in_both_forms(text, period):
    assert parse_period(text) == period


@pytest.mark.parametrize("text, message", [
    ("2026-13", "måneden må være 1–12"), ("00.2026", "måneden må være 1–12"),
    ("jan 2026", "skriv ÅÅÅÅ-MM eller MM.ÅÅÅÅ"), ("2026-01-15", "skriv ÅÅÅÅ-MM eller MM.ÅÅÅÅ"),
    ("26-01", "skriv ÅÅÅÅ-MM eller MM.ÅÅÅÅ"),
])
def test_bad_periods_are_refused_in_norwegian(text, message):
    with pytest.raises(ParseError, match=message):
        parse_period(text)


# --- CSV --------------------------------------------------------------------------------------

def test_the_sample_file_is_one_list_of_two_lines():
    result = read_deduction_file(SAMPLE.read_bytes())
    assert result.ok and result.line_count == 2
    assert list(result.lists) == [((2026, 1), ORGNR, 101)]
    asmund, gunn = result.lists[(2026, 1), ORGNR, 101]
    assert asmund == FileLine(row=2, period=(2026, 1), orgnr=ORGNR, branch_number=101, national_id=ASMUND,
                              member_number=5001, last_name="Bækkelund", first_name="Åsmund", position_bp=10000,
                              pay_basis_ore=3_300_000, dues_ore=47_850, insurance_ore=12_500)
    assert (gunn.row, gunn.national_id, gunn.member_number, gunn.last_name) == (3, GUNN, None, "Ølberg")
    assert (gunn.position_bp, gunn.pay_basis_ore, gunn.dues_ore, gunn.insurance_ore) == (5000, 1_800_000, 26_100, 12_500)


def test_windows_1252_with_semicolons_decimal_commas_and_headers_in_any_order_and_spelling():
    text = ("Fødselsnummer;Etter navn;FORNAVN;Periode;Org_nr;Avdeling;Kontingent;Forsikring;Trekkgrunnlag;Stillingsprosent\n"
            f"{ASMUND};Bækkelund;Åsmund;01.2026;{ORGNR};101;478,50;125,00;33 000,00;80,0\n"
            f"{GUNN};Ølberg;Gunn;01.2026;{ORGNR};102;1.261,05;97;1.234,50;50\n")
    result = read_deduction_file(text.encode("cp1252"))
    assert result.ok
    assert list(result.lists) == [((2026, 1), ORGNR, 101), ((2026, 1), ORGNR, 102)]
    [asmund] = result.lists[(2026, 1), ORGNR, 101]
    [gunn] = result.lists[(2026, 1), ORGNR, 102]
    assert (asmund.last_name, asmund.first_name, asmund.position_bp, asmund.pay_basis_ore, asmund.dues_ore) == (
        "Bækkelund", "Åsmund", 8000, 3_300_000, 47_850)
    assert (gunn.last_name, gunn.dues_ore, gunn.insurance_ore, gunn.pay_basis_ore) == ("Ølberg", 126_105, 9_700, 123_450)


def test_lines_are_grouped_by_period_employer_and_branch_in_file_order():
    other_orgnr = "974760673"
    rows = [f"2026-01;{ORGNR};101;{ASMUND};;A;B;;;1;1", f"2026-02;{ORGNR};101;{ASMUND};;A;B;;;1;1",
            f"2026-01;{other_orgnr};101;{ASMUND};;A;B;;;1;1", f"2026-01;{ORGNR};101;{GUNN};;C;D;;;1;1"]
    result = read_deduction_file("\n".join([HEADER, *rows]).encode())
    assert result.ok
    assert {key: [line.row for line in lines] for key, lines in result.lists.items()} == {
        ((2026, 1), ORGNR, 101): [2, 5], ((2026, 2), ORGNR, 101): [3], ((2026, 1), other_orgnr, 101): [4]}


def test_a_missing_required_column_refuses_the_file():
    text = "periode;orgnr;avdeling;fodselsnummer;etternavn;fornavn;kontingent\n" \
           f"2026-01;{ORGNR};101;{ASMUND};Bækkelund;Åsmund;478,50\n"
    assert errors_of(read_deduction_file(text.encode())) == [(1, "forsikring", "Kolonnen «forsikring» mangler i filen.")]


@pytest.mark.parametrize("column, value, message", [
    ("orgnr", "814762458", "Organisasjonsnummeret er ikke gyldig (kontrollsifferet stemmer ikke)."),
    ("orgnr", "81476245", "Organisasjonsnummeret skal være 9 siffer."),
    ("fodselsnummer", "21047725079", "Fødselsnummeret er ikke gyldig (kontrollsifrene stemmer ikke)."),
    ("periode", "2026-13", "«2026-13» er ikke en gyldig periode (måneden må være 1–12)."),
    ("periode", "januar", "«januar» er ikke en periode (skriv ÅÅÅÅ-MM eller MM.ÅÅÅÅ)."),
    ("avdeling", "1O1", "«1O1» er ikke et nummer (bare siffer)."),
    ("kontingent", "478,505", "«478,505» er ikke et kronebeløp (skriv f.eks. 1 234,50 eller 1234.50)."),
    ("kontingent", "-478,50", "«-478,50» er negativt; beløpet kan ikke være under null."),
    ("stillingsprosent", "120", "«120» er over 100 %."),
    ("forsikring", "", "Mangler verdi."),
    ("etternavn", "", "Mangler verdi."),
])
def test_a_bad_value_is_reported_with_row_column_and_reason(column, value, message):
    values = dict(zip(HEADER.split(";"), ["2026-01", ORGNR, "101", ASMUND, "5001", "Bækkelund", "Åsmund", "100",
                                         "33000", "478.50", "125"]))
    good = ";".join(values.values()).replace(ASMUND, GUNN)
    values[column] = value
    text = "\n".join([HEADER, good, ";".join(values.values())])
    assert errors_of(read_deduction_file(text.encode())) == [(3, column, message)]


def test_every_bad_value_of_every_row_is_reported():
    text = "\n".join([HEADER, f"2026-1x;{ORGNR};101;{ASMUND};;Bækkelund;Åsmund;;;abc;125",
                      f"2026-01;123;101;{GUNN};;Ølberg;;;;261;125"])
    assert [(row, column) for row, column, _ in errors_of(read_deduction_file(text.encode()))] == [
        (2, "periode"), (2, "kontingent"), (3, "orgnr"), (3, "fornavn")]


def test_one_bad_line_among_3000_good_ones_is_the_only_one_reported_and_nothing_is_accepted():
    ids = many_ids(3001)
    rows = [f"2026-01;{ORGNR};101;{number};{5000 + i};Nordmann;Kari;100;33000;536;97" for i, number in enumerate(ids)]
    rows[1733] = rows[1733].replace(";536;", ";536,5x;")
    result = read_deduction_file("\n".join([HEADER, *rows]).encode())
    assert errors_of(result) == [(1735, "kontingent", "«536,5x» er ikke et kronebeløp (skriv f.eks. 1 234,50 eller 1234.50).")]


def test_the_same_person_twice_in_one_list_is_reported_with_both_rows():
    rows = [f"2026-01;{ORGNR};101;{ASMUND};;Bækkelund;Åsmund;;;478.50;125", f"2026-01;{ORGNR};101;{GUNN};;Ølberg;Gunn;;;1;1",
            f"2026-01;{ORGNR};102;{ASMUND};;Bækkelund;Åsmund;;;478.50;125",  # another list: fine
            f"2026-01;{ORGNR};101;{ASMUND};;Bækkelund;Åsmund;;;478.50;125"]
    assert errors_of(read_deduction_file("\n".join([HEADER, *rows]).encode())) == [
        (5, "fodselsnummer", "Fødselsnummeret står to ganger i samme liste (rad 2 og rad 5).")]


def test_a_file_over_the_size_limit_is_refused_unread():
    result = read_deduction_file(b"x" * (MAX_FILE_BYTES + 1))
    assert errors_of(result) == [(None, None, "Filen er for stor (10,0 MB); høyst 10,0 MB er tillatt.")]


def test_a_file_with_more_rows_than_the_limit_is_refused():
    row = f"2026-01;{ORGNR};101;{ASMUND};;A;B;;;1;1"
    result = read_deduction_file("\n".join([HEADER] + [row] * (MAX_ROWS + 1)).encode())
    assert errors_of(result) == [(None, None, "Filen har 20 001 rader; høyst 20 000 er tillatt.")]


# --- XLSX -------------------------------------------------------------------------------------

XLSX_HEADER = HEADER.split(";")


def test_xlsx_numbers_dates_and_strings_are_read_exactly():
    data = xlsx([
        XLSX_HEADER,
        [datetime(2026, 1, 1), int(ORGNR), 101, int(ASMUND), 5001, "Bækkelund", "Åsmund", 100, 33000.0, 478.5, 125],
        ["01.2026", ORGNR, "101", int(GUNN), None, "Ølberg", "Gunn", 50.5, 18000.1, 261, "125,00"],
    ])
    result = read_deduction_file(data)
    assert result.ok, result.errors
    asmund, gunn = result.lists[(2026, 1), ORGNR, 101]
    assert (asmund.national_id, asmund.member_number, asmund.position_bp, asmund.pay_basis_ore, asmund.dues_ore,
            asmund.insurance_ore) == (ASMUND, 5001, 10000, 3_300_000, 47_850, 12_500)
    # the leading zero an identity number loses as a number is restored
    assert (gunn.national_id, gunn.member_number, gunn.position_bp, gunn.pay_basis_ore, gunn.dues_ore) == (
        GUNN, None, 5050, 1_800_010, 26_100)


def test_xlsx_percentage_formatted_cell_is_read_as_shown():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(XLSX_HEADER)
    sheet.append(["2026-01", ORGNR, 101, ASMUND, None, "Bækkelund", "Åsmund", 0.8, None, 478.5, 125])
    sheet["H2"].number_format = "0%"
    out = io.BytesIO()
    workbook.save(out)
    [line] = read_deduction_file(out.getvalue()).lists[(2026, 1), ORGNR, 101]
    assert line.position_bp == 8000


def test_xlsx_formula_is_not_evaluated_and_reads_as_missing():
    data = xlsx([XLSX_HEADER, ["2026-01", ORGNR, 101, ASMUND, None, "Bækkelund", "Åsmund", None, None, "=1+1", 125]])
    assert errors_of(read_deduction_file(data)) == [(2, "kontingent", "Mangler verdi.")]


def test_xlsx_blank_rows_keep_the_sheets_row_numbers_in_errors():
    data = xlsx([XLSX_HEADER, [], ["2026-01", "814762458", 101, ASMUND, None, "Bækkelund", "Åsmund", None, None, 1, 1]])
    assert errors_of(read_deduction_file(data)) == [
        (3, "orgnr", "Organisasjonsnummeret er ikke gyldig (kontrollsifferet stemmer ikke).")]


def test_xlsx_missing_column_and_unknown_column_are_reported():
    header = [name for name in XLSX_HEADER if name != "fodselsnummer"] + ["lønnsart, kode"]
    data = xlsx([header, ["2026-01", ORGNR, 101, None, "Bækkelund", "Åsmund", None, None, 1, 1, "x"]])
    assert errors_of(read_deduction_file(data)) == [
        (1, "lønnsart  kode", "Ukjent kolonne."), (1, "fodselsnummer", "Kolonnen «fodselsnummer» mangler i filen.")]


def test_xlsx_with_more_rows_than_the_limit_is_refused_while_reading(monkeypatch):
    monkeypatch.setattr("rules.deduction_file.MAX_ROWS", 1500)  # a sheet of 20 001 rows takes seconds to write
    row = ["2026-01", ORGNR, 101, ASMUND, None, "A", "B", None, None, 1, 1]
    assert errors_of(read_deduction_file(xlsx([XLSX_HEADER, *[[]] * 10, *[row] * 1501]))) == [
        (None, None, "Regnearket har flere enn 1 500 rader; høyst 1 500 er tillatt.")]


def test_a_damaged_zip_is_refused_with_a_message():
    data = xlsx([XLSX_HEADER])
    damaged = data[:200] + b"\0" * 400 + data[600:]
    [(row, column, message)] = errors_of(read_deduction_file(damaged))
    assert (row, column) == (None, None)
    assert message.startswith(("Filen kan ikke leses", "Regnearket kan ikke leses"))


def test_a_year_before_1900_is_refused_in_the_period_and_in_the_file():
    with pytest.raises(ParseError, match="er ikke et gyldig år"):
        parse_period("0000-03")
    parsed = read_deduction_file(
        b"periode;orgnr;avdeling;fodselsnummer;etternavn;fornavn;kontingent;forsikring\n"
        b"0000-03;974760673;7301;05128336003;Nordmann;Kari;633,00;125,00\n")
    assert not parsed.lists
    assert [(error.row, error.column) for error in parsed.errors] == [(2, "periode")]


@pytest.mark.parametrize("separator", [";", ","])
def test_a_written_file_reads_back(separator):
    from rules.deduction_file import kroner_cell, percent_cell, write_csv

    cells = {"periode": "2026-01", "orgnr": ORGNR, "avdeling": "101", "fodselsnummer": ASMUND,
             "etternavn": "Bækkelund, jr.", "fornavn": "Åsmund", "stillingsprosent": percent_cell(8050),
             "trekkgrunnlag": kroner_cell(3_300_000), "kontingent": kroner_cell(47_850),
             "forsikring": kroner_cell(12_500), "ignored": "x"}
    result = read_deduction_file(write_csv([cells], separator=separator))
    [line] = result.lists[(2026, 1), ORGNR, 101]
    assert (line.last_name, line.position_bp, line.pay_basis_ore, line.dues_ore, line.insurance_ore) == (
        "Bækkelund, jr.", 8050, 3_300_000, 47_850, 12_500)
    assert (kroner_cell(None), percent_cell(None), percent_cell(10_000)) == ("", "", "100")
