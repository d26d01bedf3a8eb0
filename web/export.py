"""Tables as CSV (semicolon, UTF-8 with BOM, as Norwegian Excel opens it) and XLSX downloads.

Cells that a spreadsheet would run as a formula (starting with = + - @) are kept as text. No stored
text can make an export fail or hide what it says: a character the register refuses today (rules.text: a
control character, which XLSX cannot hold at all, a bidi override, a zero-width character) that older data
or another path left in the database is written as U+FFFD (�).
"""
import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from flask import Response
from flask_babel import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from models import record
from rules.money import format_kroner
from rules.text import scrub

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def money_cell(fmt: str):
    """How øre is written in an export: a number of kroner in XLSX, Norwegian text (`1 234,50`) in CSV."""
    if fmt == "xlsx":
        return lambda ore: None if ore is None else Decimal(ore) / 100
    return lambda ore: None if ore is None else format_kroner(ore)


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.strftime("%d.%m.%Y")
    text = scrub(str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([scrub(str(label)) for label in header])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})


def xlsx_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([scrub(str(label)) for label in header])
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str):
                value = scrub(value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever it starts with
            elif isinstance(value, (date, datetime)):
                cell.number_format = "DD.MM.YYYY"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(buffer.getvalue(), mimetype=XLSX_MIME,
                    headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'})


def table_response(fmt: str, filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """`fmt` is "csv" or "xlsx" (anything else is CSV). The header's cells are labels marked with N_ and
    translated here. The export is written to the audit log: it is a read of every member on it."""
    header = [gettext(cell) for cell in header]
    rows = list(rows)
    extension = "xlsx" if fmt == "xlsx" else "csv"
    record("read", "export", None, f"Eksportert {filename}.{extension} ({len(rows)} rader)")
    return (xlsx_response if extension == "xlsx" else csv_response)(filename, header, rows)
