"""Opening an uploaded XLSX file without letting it take the worker: a few hundred kB of zip can
unpack to gigabytes of XML (a 300 MB sharedStrings.xml) or to millions of rows, and openpyxl holds
some parts whole in memory (the shared strings, the styles, one row of a sheet at a time).

Every XLSX file the register reads goes through `read_only_workbook(data)`, which

1. checks the zip's directory before anything is unpacked (`check_package`): the number of files in
   it, each file's and the total unpacked size, and how tightly each is packed (a bomb is packed
   far tighter than any spreadsheet). The sizes the zip declares are the sizes read: Python's
   zipfile never unpacks more than the declared size of a file, and refuses it when its checksum
   does not match. Only then is its kind looked at: an OpenDocument spreadsheet is refused as what
   it is (rules.filekind);
2. unpacks it file by file without parsing, only counting rows, shared strings and tags, and stops
   at the first limit: this takes a fraction of the time openpyxl would take to reach it;
3. lets openpyxl read the workbook in read-only mode through an archive that counts the XML again
   as openpyxl reads it and stops at the first limit before openpyxl holds it: tags in one row (a
   row is held whole), the parts openpyxl builds whole in memory (styles, workbook, a sheet's
   settings), sheets, and the tags read in all.

The caller stops at its own row limit while it iterates (rows in a sheet, blank ones included, are
also limited here: MAX_SHEET_ROWS). Every refusal is a `ParseError` with a Norwegian message, so the
pages and commands show it as they show other file errors. Pure: no Flask.
"""
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager

from rules import filekind
from rules.csvfile import ParseError

MB = 1024 * 1024

# --- the zip's directory ---
MAX_ENTRIES = 50  # files in the zip; an XLSX from a payroll system has about ten
MAX_ENTRY_BYTES = 50 * MB  # one file unpacked; a sheet of 20 000 rows is some 10-15 MB
MAX_TOTAL_BYTES = 100 * MB  # all files unpacked
MAX_RATIO = 100  # unpacked : packed, for each file over RATIO_FROM_BYTES; spreadsheets pack 5-20:1
RATIO_FROM_BYTES = 1 * MB

# --- the content, counted as it unpacks and as openpyxl reads it ---
MAX_SHEETS = 50  # sheets listed in the workbook (openpyxl looks at each when it opens one)
MAX_SHEET_ROWS = 50_000  # rows in a sheet, blank ones included
MAX_ROW_TAGS = 20_000  # XML tags in one row (openpyxl holds a row whole): some 5 000 cells
MAX_SHARED_STRINGS = 250_000  # texts in the shared strings table (openpyxl holds them all); a full list has under 100 000
MAX_BUILT_TAGS = 100_000  # tags of what openpyxl builds whole: styles, workbook, a sheet's settings
MAX_TAGS = 2_000_000  # tags in the whole file; 20 000 rows of 11 texts written in the cells are 1.4 million

UNREADABLE = "Filen kan ikke leses: den er verken CSV eller et gyldig XLSX-regneark."
DAMAGED = "Regnearket kan ikke leses; lagre det på nytt som XLSX eller CSV."
_INVALID = "Filen er ikke et gyldig regneark: "

_CHUNK = 64 * 1024


def _number(count: int) -> str:
    return f"{count:,}".replace(",", " ")


def _refusal(reason: str) -> ParseError:
    return ParseError(_INVALID + reason)


# --- 1 and 2: the zip's directory, and its content counted ----------------------------------------

def check_package(data: bytes) -> None:
    """Refuse a zip whose directory promises more than a spreadsheet unpacks to (nothing is unpacked
    for that), then unpack it file by file, only counting: the rows, shared strings and tags in it."""
    declared = _declared_entries(data)
    if declared is not None and declared > MAX_ENTRIES:
        raise _refusal(f"den inneholder flere enn {MAX_ENTRIES} filer.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_directory(archive.infolist())
            _count_content(archive)
    except ParseError:
        raise
    except Exception as error:  # not a zip, a damaged one, a checksum that does not match, ...
        raise ParseError(UNREADABLE) from error


def _check_directory(entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > MAX_ENTRIES:
        raise _refusal(f"den inneholder flere enn {MAX_ENTRIES} filer.")
    total = 0
    for entry in entries:
        if entry.file_size > MAX_ENTRY_BYTES:
            raise _refusal(f"en fil i den pakker ut til mer enn {MAX_ENTRY_BYTES // MB} MB.")
        if entry.file_size > RATIO_FROM_BYTES and entry.file_size > MAX_RATIO * entry.compress_size:
            raise _refusal(f"en fil i den er pakket mer enn {MAX_RATIO} ganger sammen, "
                           "slik bare en zip-bombe er.")
        total += entry.file_size
    if total > MAX_TOTAL_BYTES:
        raise _refusal(f"den pakker ut til mer enn {MAX_TOTAL_BYTES // MB} MB.")


def _count_content(archive: zipfile.ZipFile) -> None:
    """Rows and shared strings in each file and tags in all, counted at the speed of unpacking, so
    that openpyxl never starts on a file it would take long to find too large."""
    tags = 0
    for entry in archive.infolist():
        records = {b"row": 0, b"si": 0}
        splitter = _Splitter()
        with archive.open(entry) as part:
            while chunk := part.read(_CHUNK):
                head = splitter.split(chunk)
                tags += head.count(b"<")
                for mark in _RECORD.finditer(head):
                    records[mark[1]] += 1
                if records[b"row"] > MAX_SHEET_ROWS:
                    raise too_many_rows()
                if records[b"si"] > MAX_SHARED_STRINGS:
                    raise _too_many_strings()
                if tags > MAX_TAGS:
                    raise _too_much()


def _declared_entries(data: bytes) -> int | None:
    """The number of files the zip's end record declares, read before zipfile builds an object for
    each of them (a 10 MB directory holds 200 000); None when there is no end record to read."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65_535))
    if end < 0 or len(data) < end + 22:
        return None
    count = int.from_bytes(data[end + 10:end + 12], "little")
    if count != 0xFFFF:
        return count
    zip64 = data.rfind(b"PK\x06\x06", max(0, end - 20 - 56 - 4096), end)  # the ZIP64 end record
    return int.from_bytes(data[zip64 + 32:zip64 + 40], "little") if zip64 >= 0 else None


# --- 3. the XML as openpyxl reads it ---------------------------------------------------------------

# An element that starts or ends a counted area, and a row or a shared string (with or without a
# namespace prefix).
_MARK = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(sheetData|sheet|sst|row|si)[\s/>]")
_RECORD = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|si)[\s/>]")
_WIDE = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"<\x00", b"\x00<", b"\x00\x00\x00<")
_RECORDS = {(b"row", b"sheetData"), (b"si", b"sst")}  # openpyxl builds these one at a time


class _Splitter:
    """Cuts a part being unpacked into pieces that each end before a '<' (a '<' is a tag in
    well-formed XML: text and attribute values escape it), so that no tag name is cut in two."""

    def __init__(self):
        self.tail = b""

    def split(self, chunk: bytes) -> bytes:
        data = self.tail + chunk
        cut = data.rfind(b"<")
        if cut < 0:
            self.tail = b""
            return b""
        self.tail = data[cut:cut + 64]  # the rest up to the next chunk has no '<'
        return data[:cut]


def _too_much() -> ParseError:
    return _refusal("den har mer innhold enn et regneark på 20 000 rader kan ha.")


def _too_many_strings() -> ParseError:
    return _refusal(f"den har flere enn {_number(MAX_SHARED_STRINGS)} ulike tekster.")


class _Budget:
    """What the whole workbook has read so far, and the refusal once a limit is passed."""

    def __init__(self):
        self.tags = 0
        self.built = 0
        self.sheets = 0
        self.refusal: ParseError | None = None

    def refuse(self, error: ParseError) -> None:
        self.refusal = self.refusal or error
        raise self.refusal


class _Scanner:
    """Counts the tags of one part as its bytes pass (a '<' is a tag in well-formed XML: text and
    attributes escape it). In a streamed part, the tags of each row of sheetData and each text of
    the shared strings are counted apart, as openpyxl builds and drops them one at a time; every other
    tag, and every tag of a part read whole (`whole`), stays in memory and counts as built."""

    def __init__(self, budget: _Budget, *, whole: bool):
        self.budget = budget
        self.whole = whole
        self.started = False
        self.splitter = _Splitter()
        self.area: bytes | None = None
        self.record: bytes | None = None
        self.record_tags = 0
        self.records = 0

    def feed(self, chunk: bytes) -> None:
        if self.budget.refusal is not None:
            raise self.budget.refusal
        if not self.started and chunk:
            self.started = True
            if chunk.startswith(_WIDE):  # UTF-16 or UTF-32: the tags could not be counted
                self.budget.refuse(_refusal("den bruker et tegnsett som ikke kan leses (bare UTF-8)."))
        head = self.splitter.split(chunk)
        position = 0
        for mark in _MARK.finditer(head):
            self._count(head.count(b"<", position, mark.start()))
            position = mark.start()
            closing, name = mark.groups()
            if name == b"sheet":
                if not closing:
                    self.budget.sheets += 1
                    if self.budget.sheets > MAX_SHEETS:
                        self.budget.refuse(_refusal(f"den har flere enn {MAX_SHEETS} ark."))
            elif name in (b"sheetData", b"sst"):
                self.area, self.record = (None if closing else name), None
            elif not closing and not self.whole and (name, self.area) in _RECORDS:
                self.record, self.record_tags = name, 0
                self.records += 1
                if name == b"row" and self.records > MAX_SHEET_ROWS:
                    self.budget.refuse(too_many_rows())
                if name == b"si" and self.records > MAX_SHARED_STRINGS:
                    self.budget.refuse(_too_many_strings())
        self._count(head.count(b"<", position))

    def _count(self, tags: int) -> None:
        budget = self.budget
        budget.tags += tags
        if budget.tags > 2 * MAX_TAGS:  # the package's tags were counted; openpyxl reads a sheet twice
            budget.refuse(_too_much())
        if self.record is not None:
            self.record_tags += tags
            if self.record_tags > MAX_ROW_TAGS:
                budget.refuse(_refusal("en rad har for mange celler." if self.record == b"row"
                                       else "en tekst i den er for stor."))
        else:
            budget.built += tags
            if budget.built > MAX_BUILT_TAGS:
                budget.refuse(_refusal("oppsettet i den (stiler, formater, ark) er for stort."))


class _Stream:
    """A part being unpacked, shown to the scanner chunk by chunk."""

    def __init__(self, raw, scanner: _Scanner):
        self._raw = raw
        self._scanner = scanner

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(_CHUNK), b""))
        chunk = self._raw.read(min(size, _CHUNK))
        self._scanner.feed(chunk)
        return chunk

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Archive(zipfile.ZipFile):
    """The zip as openpyxl reads it: parts it streams (`open`: sheets, shared strings) and parts it
    reads whole (`read`: styles, workbook, relations) pass the scanners of one budget."""

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self.budget = _Budget()

    def open(self, name, mode="r", pwd=None, **options):
        raw = super().open(name, mode, pwd, **options)
        return _Stream(raw, _Scanner(self.budget, whole=False)) if mode == "r" else raw

    def read(self, name, pwd=None) -> bytes:
        with _Stream(super().open(name, "r", pwd), _Scanner(self.budget, whole=True)) as stream:
            return stream.read()


def too_many_rows() -> ParseError:
    return ParseError(f"Regnearket har flere enn {_number(MAX_SHEET_ROWS)} rader (tomme rader medregnet).")


@contextmanager
def read_only_workbook(data: bytes) -> Iterator:
    """An openpyxl workbook in read-only mode with cached values only (formulas are never evaluated,
    links to other workbooks are not followed), read within this module's limits. Any failure while
    it is opened or read becomes a ParseError: the limit passed, or UNREADABLE / DAMAGED."""
    from openpyxl.reader.excel import ExcelReader  # only imported when a sheet comes

    check_package(data)
    if (refused := filekind.zip_refusal(data)) is not None:  # an ODS file, told once it is known safe to open
        raise ParseError(refused)
    archive = None
    try:
        archive = _Archive(data)
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        reader.archive.close()
        reader.archive = archive  # what load_workbook does, through the counting archive
        reader.read()
        _raise_refusal(archive)  # also where openpyxl swallowed it
    except Exception as error:  # openpyxl raises many kinds on a damaged or foreign file
        if archive is not None:
            archive.close()
        _fail(archive, error, UNREADABLE)
    workbook = reader.wb
    try:
        yield workbook
        _raise_refusal(archive)
    except Exception as error:  # a damaged sheet may fail while it streams
        _fail(archive, error, DAMAGED)
    finally:
        workbook.close()
        archive.close()


def _raise_refusal(archive: _Archive) -> None:
    if archive.budget.refusal is not None:
        raise archive.budget.refusal


def _fail(archive: _Archive | None, error: Exception, message: str):
    """Raise the limit that was passed (openpyxl may have wrapped it), the ParseError itself, or
    `message` for any other failure."""
    refusal = archive.budget.refusal if archive is not None else None
    if refusal is None and isinstance(error, ParseError):
        refusal = error
    if refusal is error:
        raise error
    raise (refusal or ParseError(message)) from error
