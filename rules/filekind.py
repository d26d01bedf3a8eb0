"""Telling a file that is not what the import reads by its bytes, not by its name (issue 13, item 6).

People send what they have: an old Excel workbook (`.xls`, an OLE2 compound file), an OpenDocument
spreadsheet (`.ods`, a zip whose `mimetype` entry says so) or a PDF printed from the payroll system.
Read as CSV such a file fails as "neither UTF-8 nor Windows-1252" or as a row of unknown columns;
these functions name what it is instead, with what to do. Each gives the Norwegian refusal, or None
for a file that may be what the import reads. Pure: no Flask, nothing unpacked.

`refusal(data, formats)` looks at the first bytes only. A zip is left to the caller, which checks it
for bombs first (rules.xlsx_limits) and then asks `zip_refusal`; an import that reads CSV only refuses
any zip with `csv_only_zip_refusal`, which reads the zip's first local header and names, never
unpacking anything.
"""
import io
import struct
import zipfile

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Excel (.xls), Word (.doc): a compound file
PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
OPENDOCUMENT = "application/vnd.oasis.opendocument."

XLSX_OR_CSV = "XLSX eller CSV"
CSV = "CSV"

OLD_EXCEL = ("Filen er et gammelt Excel-regneark (XLS), som ikke kan leses. "
             "Åpne det i Excel, lagre det som {formats} og last det opp på nytt.")
ODS = ("Filen er et OpenDocument-regneark (ODS), som ikke kan leses. "
       "Åpne det i regnearkprogrammet, lagre det som {formats} og last det opp på nytt.")
OTHER_OPENDOCUMENT = "Filen er et OpenDocument-dokument, ikke et regneark. Lagre listen som {formats}."
PDF = ("Filen er en PDF, som ikke kan leses. "
       "Hent listen ut som {formats} (fra lønnssystemet eller regnearket), ikke som PDF.")
XLSX_NOT_CSV = ("Filen er et Excel-regneark (XLSX), men denne importen leser bare CSV. "
                "Åpne det i Excel, lagre det som CSV og kjør importen på nytt.")
ZIP_NOT_CSV = "Filen er en zip-fil, ikke CSV. Lagre filen som CSV og kjør importen på nytt."

_BOM = b"\xef\xbb\xbf"
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # a zip's local file header, 30 bytes


def is_zip(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


def refusal(data: bytes, formats: str = XLSX_OR_CSV) -> str | None:
    """The refusal for an old Excel file or a PDF, told by their first bytes; None otherwise."""
    if data.startswith(OLE2_MAGIC):
        return OLD_EXCEL.format(formats=formats)
    head = data[:1024].removeprefix(_BOM).lstrip()
    if head.startswith(PDF_MAGIC):
        return PDF.format(formats=formats)
    return None


def _first_entry(data: bytes) -> tuple[str, bytes | None] | None:
    """The name of the zip's first entry and, when it is stored unpacked, its bytes (as ODF requires
    of `mimetype`); None when the data does not begin with a local file header."""
    if len(data) < _LOCAL_HEADER.size or not is_zip(data):
        return None
    fields = _LOCAL_HEADER.unpack_from(data)
    method, compressed_size, name_length, extra_length = fields[3], fields[7], fields[9], fields[10]
    start = _LOCAL_HEADER.size
    name = data[start:start + name_length].decode("cp437", "replace")
    content_start = start + name_length + extra_length
    content = data[content_start:content_start + compressed_size] if method == 0 and compressed_size <= 200 else None
    return name, content


def _opendocument(mimetype: str, formats: str) -> str | None:
    mimetype = mimetype.strip()
    if mimetype.startswith(ODS_MIMETYPE):  # also the template's ...spreadsheet-template
        return ODS.format(formats=formats)
    if mimetype.startswith(OPENDOCUMENT):
        return OTHER_OPENDOCUMENT.format(formats=formats)
    return None


def zip_refusal(data: bytes, formats: str = XLSX_OR_CSV) -> str | None:
    """For a zip already checked for bombs (rules.xlsx_limits.check_package): the refusal of an
    OpenDocument file, told by its `mimetype` entry; None for any other zip (an XLSX, or one that
    openpyxl will find it cannot read)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            try:
                entry = archive.getinfo("mimetype")
            except KeyError:
                return None
            if entry.file_size > 200:
                return None
            mimetype = archive.read(entry).decode("ascii", "replace")
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
        return None
    return _opendocument(mimetype, formats)


def csv_only_zip_refusal(data: bytes) -> str | None:
    """For an import that reads CSV only: the refusal of any zip (ODS, XLSX or another), from its
    first local header and the names in its headers; None when the data is not a zip."""
    first = _first_entry(data)
    if first is None:
        return None
    name, content = first
    if name == "mimetype" and content is not None:
        if (message := _opendocument(content.decode("ascii", "replace"), CSV)) is not None:
            return message
    if b"[Content_Types].xml" in data and b"xl/" in data:
        return XLSX_NOT_CSV
    return ZIP_NOT_CSV
