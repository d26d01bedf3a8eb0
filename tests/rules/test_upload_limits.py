"""An employer's XLSX file cannot take a worker's memory or time (issue 12): a zip bomb is refused
with a clear message, before it is unpacked or before openpyxl holds it, in well under 2 s and in a
few MB of memory. The bombs are built in the tests (tests/xlsx_bombs.py), never stored."""
import io
import zipfile

import pytest

from rules import xlsx_limits
from rules.deduction_file import read_deduction_file
from tests.deviations_files import xlsx_bytes
from tests.xlsx_bombs import (
    HEADER,
    MAIN,
    MB,
    counted,
    empty_rows_bomb,
    header_row,
    measured,
    package,
    parts,
    repeated,
    shared_strings_bomb,
    sheet_xml,
    workbook_xml,
)

SECONDS = 2
PEAK_MB = 50
NOT_A_SPREADSHEET = "Filen er ikke et gyldig regneark: "


def refusal(data: bytes) -> str:
    """The one message the file is refused with, asserted to come quickly and in little memory."""
    result, seconds, peak = measured(lambda: read_deduction_file(data))
    assert not result.lists
    [error] = result.errors
    assert (error.row, error.column) == (None, None)  # the file as a whole, as the pages show it
    assert seconds < SECONDS, f"refused after {seconds:.1f} s"
    assert peak < PEAK_MB, f"took {peak:.0f} MB"
    return error.message


@pytest.fixture(scope="module")
def strings_bomb():
    return shared_strings_bomb(300 * MB)


@pytest.fixture(scope="module")
def rows_bomb():
    return empty_rows_bomb(300 * MB)


# --- the two files of the report ---------------------------------------------------------------------

def test_a_sheet_with_300_mb_of_shared_strings_is_refused_before_it_is_unpacked(strings_bomb):
    assert len(strings_bomb) < MB
    assert refusal(strings_bomb) == NOT_A_SPREADSHEET + "en fil i den pakker ut til mer enn 50 MB."


def test_a_sheet_with_300_mb_of_empty_rows_is_refused_before_it_is_unpacked(rows_bomb):
    assert len(rows_bomb) < MB
    assert refusal(rows_bomb) == NOT_A_SPREADSHEET + "en fil i den pakker ut til mer enn 50 MB."


# --- the zip's directory ------------------------------------------------------------------------------

def test_a_file_packed_tighter_than_any_spreadsheet_is_a_bomb():
    bomb = package(parts(xl__theme__theme1_xml=repeated("", " ", 40 * MB, "")))  # 40 MB in some 40 kB
    assert refusal(bomb) == (NOT_A_SPREADSHEET + "en fil i den er pakket mer enn 100 ganger sammen, "
                             "slik bare en zip-bombe er.")


def test_a_zip_of_many_files_is_refused():
    many = parts(**{f"xl__media__image{n}_xml": "<a/>" for n in range(50)})
    assert refusal(package(many)) == NOT_A_SPREADSHEET + "den inneholder flere enn 50 filer."


def test_files_that_unpack_to_more_than_the_total_are_refused(monkeypatch):
    monkeypatch.setattr(xlsx_limits, "MAX_TOTAL_BYTES", 3 * MB)  # some 100 MB of spreadsheet take long to pack
    monkeypatch.setattr(xlsx_limits, "MAX_ENTRY_BYTES", 2 * MB)
    data = package(parts(**{f"xl__media__part{n}_xml": repeated("", "<a/>", MB, "") for n in range(4)}))
    assert refusal(data) == NOT_A_SPREADSHEET + "den pakker ut til mer enn 3 MB."


def test_a_zip_that_lies_about_its_sizes_is_not_unpacked_beyond_them(strings_bomb):
    """The directory says 1 000 bytes for the 300 MB of shared strings: zipfile stops at 1 000 and
    finds the checksum wrong."""
    data = bytearray(strings_bomb)
    name = b"xl/sharedStrings.xml"
    # the size field of the file's header in the central directory, and of its local header
    for signature, name_offset, size_offset in ((b"PK\x01\x02", 46, 24), (b"PK\x03\x04", 30, 22)):
        at = data.find(signature)
        while at >= 0:
            if data[at + name_offset:at + name_offset + len(name)] == name:
                data[at + size_offset:at + size_offset + 4] = (1000).to_bytes(4, "little")
            at = data.find(signature, at + 4)
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/sharedStrings.xml").file_size == 1000
    assert refusal(bytes(data)) == "Filen kan ikke leses: den er verken CSV eller et gyldig XLSX-regneark."


# --- what passes the directory: counted as it unpacks, and as openpyxl reads it ----------------------

def test_a_sheet_of_more_rows_than_allowed_is_refused_before_openpyxl_reads_it():
    rows = counted(f'<worksheet xmlns="{MAIN}"><sheetData>{header_row()}', "<row><c><v>{}</v></c></row>",
                   300_000, "</sheetData></worksheet>")
    assert refusal(package(parts(xl__worksheets__sheet1_xml=rows))) == (
        "Regnearket har flere enn 50 000 rader (tomme rader medregnet).")


def test_a_row_far_below_the_others_does_not_make_millions_of_blank_rows():
    """openpyxl fills the rows a sheet skips with blank ones: 10 million of them for one row."""
    data = package(parts(xl__worksheets__sheet1_xml=sheet_xml('<row r="10000000"><c><v>1</v></c></row>')))
    assert len(data) < 5000
    assert refusal(data) == "Regnearket har flere enn 50 000 rader (tomme rader medregnet)."


def test_one_row_of_400_000_cells_is_refused_before_openpyxl_holds_it():
    row = counted(f'<worksheet xmlns="{MAIN}"><sheetData>{header_row()}<row r="2">', "<c><v>{}</v></c>",
                  400_000, "</row></sheetData></worksheet>")
    assert refusal(package(parts(xl__worksheets__sheet1_xml=row))) == NOT_A_SPREADSHEET + "en rad har for mange celler."


def test_a_table_of_300_000_shared_strings_is_refused():
    strings = counted(f'<sst xmlns="{MAIN}">' + "".join(f"<si><t>{name}</t></si>" for name in HEADER),
                      "<si><t>{}</t></si>", 300_000, "</sst>")
    assert refusal(package(parts(xl__sharedStrings_xml=strings))) == (
        NOT_A_SPREADSHEET + "den har flere enn 250 000 ulike tekster.")


def test_more_cells_than_a_full_list_has_are_refused():
    """30 000 rows of 70 empty cells (under every row limit): 2.1 million cells."""
    from openpyxl.utils import get_column_letter

    columns = [get_column_letter(n) for n in range(1, 71)]

    def rows():
        yield f'<worksheet xmlns="{MAIN}"><sheetData>{header_row()}'.encode()
        for first in range(2, 30_002, 1000):
            yield "".join(f'<row r="{n}">' + "".join(f'<c r="{column}{n}"/>' for column in columns) + "</row>"
                          for n in range(first, first + 1000)).encode()
        yield b"</sheetData></worksheet>"

    assert refusal(package(parts(xl__worksheets__sheet1_xml=rows), level=1)) == (
        NOT_A_SPREADSHEET + "den har mer innhold enn et regneark på 20 000 rader kan ha.")


def test_styles_that_openpyxl_would_build_whole_are_refused():
    styles = counted(f'<styleSheet xmlns="{MAIN}"><cellXfs>', '<xf numFmtId="{}"/>', 300_000, "</cellXfs></styleSheet>")
    assert refusal(package(parts(xl__styles_xml=styles))) == (
        NOT_A_SPREADSHEET + "oppsettet i den (stiler, formater, ark) er for stort.")


def test_a_workbook_of_thousands_of_sheets_is_refused():
    assert refusal(package(parts(xl__workbook_xml=workbook_xml(5000)))) == NOT_A_SPREADSHEET + "den har flere enn 50 ark."


def test_a_sheet_in_utf_16_is_refused_as_its_tags_cannot_be_counted():
    sheet = sheet_xml().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert refusal(package(parts(xl__worksheets__sheet1_xml=sheet))) == (
        NOT_A_SPREADSHEET + "den bruker et tegnsett som ikke kan leses (bare UTF-8).")


# --- real files still read --------------------------------------------------------------------------

ROW = {"periode": "2026-01", "orgnr": "974760673", "avdeling": "101", "fodselsnummer": "05128336003",
       "etternavn": "Nordmann", "fornavn": "Kari", "kontingent": "633,00", "forsikring": "125,00"}


def test_a_normal_xlsx_file_still_reads_whole():
    rows = [dict(ROW, etternavn=f"Nordmann{n}", fodselsnummer=nid)
            for n, nid in enumerate(["05128336003", "17054026641", "13097248022"])]
    result, seconds, peak = measured(lambda: read_deduction_file(xlsx_bytes(rows)))
    assert result.ok and result.line_count == 3
    assert [line.last_name for line in result.lists[(2026, 1), "974760673", 101]] == [
        "Nordmann0", "Nordmann1", "Nordmann2"]
    assert seconds < SECONDS and peak < PEAK_MB


def data_row(number: int, national_id: str) -> str:
    values = ["2026-01", "974760673", "101", national_id, "Nordmann", "Kari", "633,00", "125,00"]
    return f'<row r="{number}">' + "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values) + "</row>"


def test_every_row_is_read_whatever_size_the_sheet_claims():
    """openpyxl trusts the sheet's <dimension>: it stopped at the size claimed (rows lost) or went
    on with blank rows to it (a million of them for A1:H1048576)."""
    rows = data_row(2, "05128336003") + data_row(3, "17054026641") + data_row(4, "13097248022")
    for claimed in ("A1:H2", "A1:H1048576"):
        sheet = (f'<worksheet xmlns="{MAIN}"><dimension ref="{claimed}"/><sheetData>{header_row()}{rows}'
                 "</sheetData></worksheet>")
        data = package(parts(xl__worksheets__sheet1_xml=sheet))
        result, seconds, _ = measured(lambda data=data: read_deduction_file(data))
        assert result.ok and result.line_count == 3, claimed
        assert seconds < SECONDS, claimed


def test_a_sheet_just_under_the_row_limits_is_read():
    """20 000 data rows and blank rows up to row 50 000 (blank rows are kept, so row numbers stay)."""
    sheet = (f'<worksheet xmlns="{MAIN}"><sheetData>{header_row()}{data_row(2, "05128336003")}'
             f'<row r="50000"/></sheetData></worksheet>')
    result = read_deduction_file(package(parts(xl__worksheets__sheet1_xml=sheet)))
    assert result.ok and result.line_count == 1
