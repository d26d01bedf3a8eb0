"""Files that are not what they say, mixed encodings, payroll systems' header names and a period a
spreadsheet made a number of (issue 13, items 6, 7 and 9): read by rules.csvfile and
rules.deduction_file as the imports read them."""
import io
import zipfile

import pytest
from openpyxl import Workbook

from rules import filekind
from rules.csvfile import read_table
from rules.deduction_file import COLUMNS, REQUIRED, parse_period_cell, read_deduction_file
from tests.foreign_files import MIXED, ODS, OLD_EXCEL, PDF, mixed_encoding, ods_bytes, old_excel_bytes, pdf_bytes

ORGNR = "814762459"
ASMUND = "21047725078"
GUNN = "05128336003"
HEADER = "periode;orgnr;avdeling;fodselsnummer;etternavn;fornavn;kontingent;forsikring"


def messages(result) -> list[str]:
    return [str(error) for error in result.errors]


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- files that are not what they say -------------------------------------------------------------

@pytest.mark.parametrize("name, data, message", [
    ("old excel", old_excel_bytes(), OLD_EXCEL),
    ("ods", ods_bytes(), ODS),
    ("ods, mimetype packed and last", ods_bytes(mimetype_first=False), ODS),
    ("pdf", pdf_bytes(), PDF),
])
def test_a_deduction_file_that_is_not_csv_or_xlsx_is_named_for_what_it_is(name, data, message):
    result = read_deduction_file(data)

    assert not result.lists
    [error] = messages(result)
    assert error.startswith(message), error
    assert "lagre det som XLSX eller CSV" in error or "Hent listen ut som XLSX eller CSV" in error
    assert "tegnsettet" not in error


@pytest.mark.parametrize("data, message", [
    (old_excel_bytes(), OLD_EXCEL), (ods_bytes(), ODS), (pdf_bytes(), PDF),
    (xlsx([["kind", "number"], ["county", "1"]]), "Filen er et Excel-regneark (XLSX), men denne importen leser bare CSV."),
])
def test_an_import_that_reads_csv_only_says_what_the_file_is_and_to_save_it_as_csv(data, message):
    table = read_table(data, ["kind", "number"], ["kind"])

    assert not table.rows
    [error] = [str(e) for e in table.errors]
    assert error.startswith(message), error
    assert "XLSX eller CSV" not in error and "CSV" in error


def test_the_name_does_not_matter_only_the_bytes():
    """The old code refused an .xls file as 'neither UTF-8 nor Windows-1252'; a CSV is a CSV whatever
    it is called, and the bytes alone tell an XLS (read_deduction_file is given no name)."""
    assert messages(read_deduction_file(old_excel_bytes()))[0].startswith(OLD_EXCEL)
    good = f"{HEADER}\n2026-01;{ORGNR};101;{ASMUND};Bækkelund;Åsmund;478,50;125,00\n".encode("cp1252")
    assert read_deduction_file(good).ok


def test_a_bomb_dressed_as_ods_is_refused_as_a_bomb_before_its_type_is_looked_at():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), filekind.ODS_MIMETYPE)
        archive.writestr("content.xml", b"<" * (60 * 1024 * 1024), compress_type=zipfile.ZIP_DEFLATED)

    [error] = messages(read_deduction_file(out.getvalue()))

    assert error == "Filen er ikke et gyldig regneark: en fil i den pakker ut til mer enn 50 MB."


def test_another_opendocument_file_is_not_a_spreadsheet():
    [error] = messages(read_deduction_file(ods_bytes(mimetype="application/vnd.oasis.opendocument.text")))
    assert error.startswith("Filen er et OpenDocument-dokument, ikke et regneark.")


def test_a_real_xlsx_and_a_csv_starting_with_pdf_like_text_are_still_read():
    rows = [HEADER.split(";"), ["2026-01", ORGNR, "101", ASMUND, "Bækkelund", "Åsmund", "478,50", "125,00"]]
    assert read_deduction_file(xlsx(rows)).line_count == 1
    assert filekind.refusal(b"periode;orgnr\n%PDF-;1\n") is None


# --- mixed encodings ------------------------------------------------------------------------------

def test_a_file_mixing_utf8_and_windows_1252_is_refused_with_its_rows():
    lines = [HEADER,
             f"2026-01;{ORGNR};101;{ASMUND};Bjørnstad;Åsmund;478,50;125,00",
             f"2026-01;{ORGNR};101;{GUNN};Ølberg;Gunn;261,00;125,00",
             f"2026-01;{ORGNR};101;01017012345;Hansen;Per;261,00;125,00"]
    data = mixed_encoding(lines, cp1252_lines={3})

    result = read_deduction_file(data)

    [error] = messages(result)
    assert error.startswith(MIXED), error
    assert "rad 2 er skrevet i UTF-8 og rad 3 i Windows-1252" in error
    assert "BjÃ¸rnstad" not in error


def test_rows_of_both_kinds_are_named_and_a_long_list_is_cut():
    lines = ["kind;name"] + [f"county;Bjørn {n}" for n in range(2, 20)] + ["county;Ærfugl", "county;Ås Ø"]
    data = mixed_encoding(lines, cp1252_lines={20, 21})

    [error] = [str(e) for e in read_table(data, ["kind", "name"]).errors]

    assert "rad 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 og 8 til er skrevet i UTF-8 og rad 20 og 21 i Windows-1252" in error


def test_a_row_holding_both_encodings_is_named():
    data = b"kind;name\r\ncounty;" + "Bjørn".encode() + b";" + "Ås".encode("cp1252") + b"\r\n"
    [error] = [str(e) for e in read_table(data, ["kind", "name", "city"]).errors]
    assert MIXED in error and "rad 2 i begge" in error


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_files_in_one_encoding_are_read_as_before(encoding):
    data = f"{HEADER}\r\n2026-01;{ORGNR};101;{ASMUND};Bjørnstad;Åsmund;478,50;125,00\r\n".encode(encoding)
    [line] = read_deduction_file(data).lists[((2026, 1), ORGNR, 101)]
    assert (line.last_name, line.first_name) == ("Bjørnstad", "Åsmund")


# --- header names ---------------------------------------------------------------------------------

@pytest.mark.parametrize("written, column", [
    ("Org.nr", "orgnr"), ("Org nr", "orgnr"), ("ORG-NR", "orgnr"), ("Orgnr.", "orgnr"),
    ("Fødselsnr.", "fodselsnummer"), ("Fnr", "fodselsnummer"), ("fødselsnr", "fodselsnummer"),
    ("Medlemsnr", "medlemsnummer"), ("Medlems-nr.", "medlemsnummer"),
    ("Stillings-%", "stillingsprosent"), ("Stilling %", "stillingsprosent"), ("stilling%", "stillingsprosent"),
    ("Trekk", "kontingent"), ("Forsikr.", "forsikring"), ("Fødsels nummer", "fodselsnummer"),
    ("Trekk-grunnlag", "trekkgrunnlag"),
])
def test_header_names_match_without_punctuation_and_by_the_payroll_abbreviations(written, column):
    header = [written if name == column else name for name in COLUMNS]
    table = read_table((";".join(header) + "\n" + ";".join("x" for _ in header) + "\n").encode(), COLUMNS, REQUIRED)
    assert not table.errors
    assert table.rows[0].has(column)


def test_a_file_with_the_payroll_systems_headers_is_read_whole():
    data = ("Periode;Org.nr;Avdeling;Fødselsnr.;Medlemsnr;Etternavn;Fornavn;Stillings-%;Trekkgrunnlag;Trekk;Forsikr.\r\n"
            f"2026-01;{ORGNR};101;{ASMUND};5001;Bækkelund;Åsmund;80;33 000,00;478,50;125,00\r\n").encode("cp1252")

    [line] = read_deduction_file(data).lists[((2026, 1), ORGNR, 101)]

    assert (line.national_id, line.member_number, line.position_bp) == (ASMUND, 5001, 8000)
    assert (line.pay_basis_ore, line.dues_ore, line.insurance_ore) == (3_300_000, 47_850, 12_500)


def test_an_abbreviation_names_no_column_an_import_does_not_have():
    table = read_table(b"kind;fnr\ncounty;1\n", ["kind", "number"])
    assert [str(e) for e in table.errors] == ["rad 1, kolonne fnr: Ukjent kolonne."]


def test_an_identity_number_under_an_abbreviated_header_keeps_its_leading_zero_in_xlsx():
    rows = [["Periode", "Org nr", "Avdeling", "Fnr", "Etternavn", "Fornavn", "Trekk", "Forsikr."],
            ["2026-01", ORGNR, 101, int(GUNN), "Ølberg", "Gunn", 261, 125]]
    [line] = read_deduction_file(xlsx(rows)).lists[((2026, 1), ORGNR, 101)]
    assert line.national_id == GUNN


# --- a period a spreadsheet made a number of -------------------------------------------------------

@pytest.mark.parametrize("text, period", [("10.203", (2030, 10)), ("1.203", (2030, 1)), ("12.202", (2020, 12)),
                                          ("10,203", (2030, 10)), ("10.2030", (2030, 10)), ("2030-10", (2030, 10))])
def test_a_period_column_reads_a_year_that_lost_its_last_zero(text, period):
    assert parse_period_cell(text) == period


def test_10_203_in_the_period_column_is_october_2030_in_csv_and_xlsx():
    csv_data = f"{HEADER}\n10.203;{ORGNR};101;{ASMUND};Bækkelund;Åsmund;478,50;125,00\n".encode()
    sheet = [HEADER.split(";"), [10.203, ORGNR, 101, ASMUND, "Bækkelund", "Åsmund", 478.5, 125]]

    for data in (csv_data, xlsx(sheet)):
        result = read_deduction_file(data)
        assert result.ok, messages(result)
        assert list(result.lists) == [((2030, 10), ORGNR, 101)]


def test_a_bom_before_windows_1252_rows_is_not_a_mix():
    data = b"\xef\xbb\xbf" + f"{HEADER}\r\n2026-01;{ORGNR};101;{ASMUND};Bjørnstad;Åsmund;478,50;125,00\r\n".encode("cp1252")
    [line] = read_deduction_file(data).lists[((2026, 1), ORGNR, 101)]
    assert line.last_name == "Bjørnstad"
