"""XLSX files built in memory for the upload limits' tests (no binary fixtures): a minimal valid
workbook, and zip bombs made from it. A bomb's large part is written streaming
(`ZipFile.open(name, "w")`), so a test never holds its hundreds of unpacked megabytes."""
import io
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable

MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = ("periode", "orgnr", "avdeling", "fodselsnummer", "etternavn", "fornavn", "kontingent", "forsikring")

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>')
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>')


def workbook_xml(sheets: int = 1) -> str:
    listed = "".join(f'<sheet name="Ark{n}" sheetId="{n}" r:id="rId1"/>' for n in range(1, sheets + 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets>{listed}</sheets></workbook>')


def header_row() -> str:
    """Row 1 with the deduction list's column names as shared strings 0-7."""
    return '<row r="1">' + "".join(f'<c t="s"><v>{n}</v></c>' for n in range(len(HEADER))) + "</row>"


def sheet_xml(rows: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}">'
            f"<sheetData>{header_row()}{rows}</sheetData></worksheet>")


def strings_xml(extra: Iterable[str] = ()) -> str:
    items = "".join(f"<si><t>{text}</t></si>" for text in (*HEADER, *extra))
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{MAIN}">{items}</sst>'


def parts(**changed: str | bytes | Callable) -> dict:
    """The parts of a minimal workbook whose first sheet has the header row; `changed` replaces or
    adds parts (name with `/` written as `__`, e.g. xl__styles_xml)."""
    result = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": PACKAGE_RELS, "xl/workbook.xml": workbook_xml(),
              "xl/_rels/workbook.xml.rels": WORKBOOK_RELS, "xl/worksheets/sheet1.xml": sheet_xml(),
              "xl/sharedStrings.xml": strings_xml()}
    for key, value in changed.items():
        result[key.replace("__", "/").replace("_xml", ".xml")] = value
    return result


def package(contents: dict, level: int = 9) -> bytes:
    """A zip of `contents`: text, bytes, or a function giving chunks of bytes, written streaming."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, content in contents.items():
            if callable(content):
                with archive.open(name, "w") as part:
                    for chunk in content():
                        part.write(chunk)
            else:
                archive.writestr(name, content)
    return out.getvalue()


def repeated(start: str, unit: str, size: int, end: str) -> Callable:
    """Chunks of `start`, then `unit` over and over to some `size` bytes, then `end`."""
    def chunks():
        yield start.encode()
        block = unit.encode() * (MB // len(unit))
        for _ in range(size // len(block)):
            yield block
        yield end.encode()
    return chunks


def counted(start: str, unit: str, count: int, end: str) -> Callable:
    """Chunks of `start`, then `unit` formatted with 0, 1, 2, ... `count` times, then `end`."""
    def chunks():
        yield start.encode()
        for first in range(0, count, 10_000):
            yield "".join(unit.format(n) for n in range(first, min(first + 10_000, count))).encode()
        yield end.encode()
    return chunks


# --- the two bombs of the report ---------------------------------------------------------------------

def shared_strings_bomb(size: int = 300 * MB) -> bytes:
    """A sheet with one text, and a sharedStrings.xml of `size` bytes (300 MB pack to about 300 kB)."""
    strings = repeated(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'
                       + "".join(f"<si><t>{name}</t></si>" for name in HEADER), "<si><t>x</t></si>", size, "</sst>")
    return package(parts(xl__sharedStrings_xml=strings))


def empty_rows_bomb(size: int = 300 * MB) -> bytes:
    """A sheet of `size` bytes of empty rows after its header row."""
    sheet = repeated(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{header_row()}',
                     "<row/>", size, "</sheetData></worksheet>")
    return package(parts(xl__worksheets__sheet1_xml=sheet))


# --- measuring -------------------------------------------------------------------------------------

def measured(call: Callable):
    """(result, seconds, peak MB of Python memory) of `call()`; the time is taken without tracemalloc,
    which slows Python down, and the memory on a second run."""
    started = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        call()
        peak = tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()
    return result, seconds, peak
