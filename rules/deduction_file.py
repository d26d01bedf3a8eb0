"""Reading an employer's deduction list file (FORMATS.md section 1), CSV or XLSX, as a pure function;
and writing one as a payroll system does (`write_csv`, for the demo and the tests).

`read_deduction_file(data)` gives every line of the file grouped into lists (one list = one period,
one employer, one branch), or, if any line is bad, every bad line with its row, column and a
Norwegian reason and no lists at all. An XLSX file is read from its first sheet in read-only mode
with cached values only (formulas are never evaluated: an un-computed formula reads as empty), within
the limits of rules.xlsx_limits (a zip bomb is refused before it is unpacked), and its cells are
turned into the same text a CSV file would hold, so both go through `read_table`.
"""
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from rules import filekind
from rules.csvfile import (
    ParseError,
    Row,
    RowError,
    header_lookup,
    normalize_header,
    parse_kroner,
    parse_number,
    parse_percent,
    read_table,
)
from rules.idnumbers import parse_national_id, parse_orgnr
from rules.xlsx_limits import MAX_SHEET_ROWS, read_only_workbook, too_many_rows

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000  # data rows, not counting the header
MAX_COLUMNS = 50  # cells further right in a sheet are not read

COLUMNS = ("periode", "orgnr", "avdeling", "fodselsnummer", "medlemsnummer", "etternavn", "fornavn",
           "stillingsprosent", "trekkgrunnlag", "kontingent", "forsikring")
REQUIRED = ("periode", "orgnr", "avdeling", "fodselsnummer", "etternavn", "fornavn", "kontingent", "forsikring")
NAME_LENGTH = 100  # as Person.first_name and last_name

Period = tuple[int, int]  # (year, month)
ListKey = tuple[Period, str, int]  # (period, orgnr, branch number)


@dataclass(frozen=True)
class FileLine:
    row: int
    period: Period
    orgnr: str
    branch_number: int
    national_id: str
    member_number: int | None
    last_name: str
    first_name: str
    position_bp: int | None
    pay_basis_ore: int | None
    dues_ore: int
    insurance_ore: int


@dataclass
class DeductionFile:
    """The lists of a file in the order they first appear, or the errors that refuse it (never both)."""

    lists: dict[ListKey, list[FileLine]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def line_count(self) -> int:
        return sum(len(lines) for lines in self.lists.values())


# --- values -----------------------------------------------------------------------------------

_ISO_PERIOD = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)
_NORWEGIAN_PERIOD = re.compile(r"(\d{1,2})\.(\d{4})", re.ASCII)


def parse_period(text: str) -> Period:
    """`YYYY-MM` or `MM.YYYY` as (year, month), the year from 1900."""
    text = text.strip()
    if match := _ISO_PERIOD.fullmatch(text):
        year, month = match.groups()
    elif match := _NORWEGIAN_PERIOD.fullmatch(text):
        month, year = match.groups()
    else:
        raise ParseError(f"«{text}» er ikke en periode (skriv ÅÅÅÅ-MM eller MM.ÅÅÅÅ).")
    if not 1 <= int(month) <= 12:
        raise ParseError(f"«{text}» er ikke en gyldig periode (måneden må være 1–12).")
    if int(year) < 1900:
        raise ParseError(f"«{text}» er ikke et gyldig år.")
    return int(year), int(month)


_SPREADSHEET_PERIOD = re.compile(r"(\d{1,2})[.,](\d{3})", re.ASCII)


def parse_period_cell(text: str) -> Period:
    """A period in the file's period column: as parse_period, and also `10.203`, which a spreadsheet
    makes of `10.2030` typed into a cell it takes for a number (the year's last zero dropped)."""
    if match := _SPREADSHEET_PERIOD.fullmatch(text.strip()):
        month, year = match.groups()
        return parse_period(f"{month}.{year}0")
    return parse_period(text)


def parse_month(text: str) -> date:
    """`YYYY-MM` or `MM.YYYY` as the month's first day (a month is stored so)."""
    year, month = parse_period(text)
    return date(year, month, 1)


def _amount(text: str) -> int:
    ore = parse_kroner(text)
    if ore < 0:
        raise ParseError(f"«{text}» er negativt; beløpet kan ikke være under null.")
    return ore


def _position(text: str) -> int:
    bp = parse_percent(text)
    if bp > 10_000:
        raise ParseError(f"«{text}» er over 100 %.")
    return bp


# --- the file ---------------------------------------------------------------------------------

def read_deduction_file(data: bytes) -> DeductionFile:
    """The lists in a CSV or XLSX file (told apart by content), all or nothing."""
    if len(data) > MAX_FILE_BYTES:
        return _refused(f"Filen er for stor ({_megabytes(len(data))} MB); høyst {_megabytes(MAX_FILE_BYTES)} MB er tillatt.")
    if zipfile.is_zipfile(io.BytesIO(data)):
        try:
            data = xlsx_as_csv(data)
        except ParseError as error:
            return _refused(str(error))
    table = read_table(data, COLUMNS, required=REQUIRED, formats=filekind.XLSX_OR_CSV)
    if table.errors:
        return DeductionFile(errors=table.errors)
    if len(table.rows) > MAX_ROWS:
        return _refused(f"Filen har {_thousands(len(table.rows))} rader; høyst {_thousands(MAX_ROWS)} er tillatt.")

    result = DeductionFile()
    first_row: dict[tuple[ListKey, str], int] = {}
    for row in table.rows:
        line = _line(row)
        if line is None:
            continue
        key = (line.period, line.orgnr, line.branch_number)
        earlier = first_row.setdefault((key, line.national_id), line.row)
        if earlier != line.row:
            row.error("fodselsnummer", f"Fødselsnummeret står to ganger i samme liste (rad {earlier} og rad {line.row}).")
            continue
        result.lists.setdefault(key, []).append(line)
    if table.errors:  # the rows' errors are collected in the table's list, in row order
        return DeductionFile(errors=table.errors)
    return result


def _line(row: Row) -> FileLine | None:
    values = {
        "period": row.parse("periode", parse_period_cell, required=True),
        "orgnr": row.parse("orgnr", parse_orgnr, required=True),
        "branch_number": row.parse("avdeling", parse_number, required=True),
        "national_id": row.parse("fodselsnummer", lambda text: parse_national_id(text).number, required=True),
        "member_number": row.parse("medlemsnummer", parse_number),
        "last_name": row.text("etternavn", required=True, max_length=NAME_LENGTH),
        "first_name": row.text("fornavn", required=True, max_length=NAME_LENGTH),
        "position_bp": row.parse("stillingsprosent", _position),
        "pay_basis_ore": row.parse("trekkgrunnlag", _amount),
        "dues_ore": row.parse("kontingent", _amount, required=True),
        "insurance_ore": row.parse("forsikring", _amount, required=True),
    }
    return FileLine(row=row.number, **values) if row.ok else None


def _refused(message: str) -> DeductionFile:
    return DeductionFile(errors=[RowError(None, None, message)])


def _thousands(count: int) -> str:
    return f"{count:,}".replace(",", " ")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")


# --- XLSX -------------------------------------------------------------------------------------

def xlsx_as_csv(data: bytes) -> bytes:
    """The first sheet of an XLSX file as UTF-8 CSV text separated by `;`, row for row.

    Blank rows are kept so that row numbers stay the sheet's. The file is opened within the limits of
    rules.xlsx_limits (its zip checked before anything is unpacked); reading stops with a ParseError
    as soon as there are more than MAX_ROWS data rows or MAX_SHEET_ROWS rows in all.
    """
    with read_only_workbook(data) as workbook:
        if not workbook.worksheets:
            raise ParseError("Regnearket har ingen ark.")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # every row, whatever size the sheet claims (too few or a million)
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        national_id_column = None
        data_rows = 0
        for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
            if number > MAX_SHEET_ROWS:  # also blank rows a sheet skips to (<row r="1000000">)
                raise too_many_rows()
            filled = len(cells)
            while filled and cells[filled - 1].value is None:
                filled -= 1
            texts = [_cell_text(cell) for cell in cells[:filled]]
            while texts and not texts[-1]:
                texts.pop()
            if number == 1:
                # a comma in a header cell must not make read_table take `,` as the separator
                texts = [text.replace(",", " ") for text in texts]
                known = header_lookup(COLUMNS)
                names = [known.get(normalize_header(text)) for text in texts]
                national_id_column = names.index("fodselsnummer") if "fodselsnummer" in names else None
            elif texts:
                data_rows += 1
                if data_rows > MAX_ROWS:
                    raise ParseError(f"Regnearket har flere enn {_thousands(MAX_ROWS)} rader; "
                                     f"høyst {_thousands(MAX_ROWS)} er tillatt.")
                if national_id_column is not None and national_id_column < len(texts):
                    texts[national_id_column] = _restore_leading_zeros(cells[national_id_column], texts[national_id_column])
            writer.writerow(texts)
        return out.getvalue().encode()


def _cell_text(cell) -> str:
    """A cell's value as the text a person sees, exactly: no binary floating point in the result."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, int | float):
        number = Decimal(str(value))
        if "%" in (getattr(cell, "number_format", None) or ""):
            number *= 100  # a cell shown as 80 % holds 0.8
        if number == number.to_integral_value():
            return str(int(number))
        return format(number.normalize(), "f")
    if isinstance(value, datetime):
        value = value.date() if value.time() == time(0) else value
    if isinstance(value, date) and not isinstance(value, datetime):
        # a month typed as 2026-01 or 01.2026 is stored as its first day
        return f"{value:%Y-%m}" if value.day == 1 else value.isoformat()
    return " ".join(str(value).split())


def _restore_leading_zeros(cell, text: str) -> str:
    """An identity number stored as a number has lost its leading zero (05128336003 → 5128336003)."""
    if isinstance(cell.value, int | float) and not isinstance(cell.value, bool) and text.isdigit():
        return text.zfill(11)
    return text


# --- writing a file as the payroll systems do -------------------------------------------------------

def kroner_cell(ore: int | None) -> str:
    """Øre as the payroll systems write kroner: `633,00`; empty for None."""
    return "" if ore is None else f"{ore // 100},{ore % 100:02d}"


def percent_cell(bp: int | None) -> str:
    """Hundredths of a percent as `80` or `80,5`; empty for None."""
    if bp is None:
        return ""
    whole, hundredths = divmod(bp, 100)
    return str(whole) if not hundredths else f"{whole},{hundredths:02d}".rstrip("0")


def write_csv(rows: list[dict], *, columns=COLUMNS, separator: str = ";", encoding: str = "utf-8") -> bytes:
    """Rows (dicts by column name; missing keys and None are empty cells) as a CSV file with the
    column names in the first row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), delimiter=separator, lineterminator="\r\n",
                            extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)
