"""Reading the CSV files other systems send us (FORMATS.md sections 1 and 3), as pure functions.

A file is UTF-8 (with or without BOM) or Windows-1252, separated by `;` or `,`; one that mixes the
two is refused with its rows, and an old Excel file, an OpenDocument spreadsheet, a PDF or another
zip is refused as what it is (rules.filekind). Header names are matched without regard to case,
spaces, punctuation and the letters æøå written as ae/o/aa, and the abbreviations payroll systems
use name their columns too (`Fnr`, `Org.nr`, `Stillings-%`: HEADER_ALIASES). The header is row 1,
so the first data row is row 2. Every parser raises `ParseError` (a ValueError)
with a Norwegian message for the user; `Row` collects those messages with their row and column, so
an import can report every bad row at once and store nothing.
"""
import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from rules import filekind
from rules.text import TextRefused, ascii_digits, clean_text

T = TypeVar("T")


class ParseError(ValueError):
    """The message is for the user (Norwegian)."""


# --- the file ---------------------------------------------------------------------------------

def decode(data: bytes) -> str:
    """The text of a file in UTF-8 (a BOM is dropped) or, failing that, Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise ParseError("Filen kan ikke leses: tegnsettet er verken UTF-8 eller Windows-1252.") from error


_UTF8_SEQUENCE = re.compile(  # a well-formed UTF-8 encoding of one character beyond ASCII
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_ROWS_SHOWN = 10


def _rows_text(rows: list[int]) -> str:
    """`rad 3`, `rad 2 og 5`, `rad 2, 5, 7 og 12 til`: at most _ROWS_SHOWN row numbers."""
    shown = [str(n) for n in rows[:_ROWS_SHOWN]]
    if len(rows) > _ROWS_SHOWN:
        return f"rad {', '.join(shown)} og {len(rows) - _ROWS_SHOWN} til"
    return f"rad {shown[0]}" if len(shown) == 1 else f"rad {', '.join(shown[:-1])} og {shown[-1]}"


def check_single_encoding(data: bytes) -> None:
    """Refuse a file that is not UTF-8 as a whole but holds UTF-8 text in some lines and Windows-1252
    in others (a file put together from two systems): read as Windows-1252 its UTF-8 names would come
    out garbled (`Bjørnstad` as `BjÃ¸rnstad`). The rows are the file's lines, the header row 1."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        data.decode("utf-8")
        return
    except UnicodeDecodeError:
        pass
    utf8_rows, cp1252_rows = [], []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not _HIGH_BYTE.search(line):
            continue
        rest = _UTF8_SEQUENCE.sub(b"", line)
        if len(rest) != len(line):
            utf8_rows.append(number)
        if _HIGH_BYTE.search(rest):
            cp1252_rows.append(number)
    if not utf8_rows or not cp1252_rows:
        return
    both = sorted(set(utf8_rows) & set(cp1252_rows))
    utf8_only = [n for n in utf8_rows if n not in both]
    cp1252_only = [n for n in cp1252_rows if n not in both]
    parts = []
    if utf8_only:
        parts.append(f"{_rows_text(utf8_only)} er skrevet i UTF-8")
    if cp1252_only:
        parts.append(f"{_rows_text(cp1252_only)} i Windows-1252")
    if both:
        parts.append(f"{_rows_text(both)} i begge")
    rows = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} og {parts[-1]}"
    raise ParseError(f"Filen blander tegnsettene UTF-8 og Windows-1252 ({rows}), så navn med æ, ø og å "
                     "ville blitt feil. Lagre hele filen i ett tegnsett (helst UTF-8) og last den opp på nytt.")


def detect_separator(text: str) -> str:
    """`;` or `,`, whichever the header line uses more of (`;` on a tie)."""
    header = text.split("\n", 1)[0]
    return "," if header.count(",") > header.count(";") else ";"


_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "aa", "%": "prosent"})

# The abbreviations payroll systems write for the columns of FORMATS.md section 1, normalized as
# normalize_header does (so `Fødselsnr.`, `Org.nr`, `Org nr`, `Stilling %` and `Forsikr.` are here as
# `fodselsnr`, `orgnr`, `stillingprosent` and `forsikr`). An alias names its column only in a file
# that has that column (`trekk` is the dues deducted, not the pay they were taken of).
HEADER_ALIASES = {
    "fodselsnr": "fodselsnummer", "fnr": "fodselsnummer", "fodselsnrdnr": "fodselsnummer",
    "personnummer": "fodselsnummer", "personnr": "fodselsnummer",
    "organisasjonsnummer": "orgnr", "organisasjonsnr": "orgnr", "orgnummer": "orgnr",
    "medlemsnr": "medlemsnummer", "medlnr": "medlemsnummer",
    "stillingprosent": "stillingsprosent",
    "stillingpst": "stillingsprosent", "stillingspst": "stillingsprosent",
    "trekk": "kontingent", "kontingenttrekk": "kontingent", "fagforeningstrekk": "kontingent",
    "trekkgr": "trekkgrunnlag",
    "forsikr": "forsikring", "forsikringer": "forsikring", "forsikringstrekk": "forsikring",
    "avd": "avdeling", "avdnr": "avdeling",
}


def normalize_header(name: str) -> str:
    """`Fødsels nummer`, `FODSELSNUMMER`, `fodsels_nummer` and `Fødsels-nummer.` all give
    `fodselsnummer`: lower case, æøå as ae/o/aa, `%` as `prosent`, and only letters and digits kept."""
    return "".join(c for c in name.lower().translate(_LETTERS) if c.isalnum())


def header_lookup(columns: Iterable[str]) -> dict[str, str]:
    """Each normalized name a header cell may have (the column's own and its aliases) -> the column."""
    known = {normalize_header(c): c for c in columns}
    for alias, target in HEADER_ALIASES.items():
        if target in known and alias not in known:
            known[alias] = known[target]
    return known


@dataclass
class RowError:
    row: int | None  # None: the file as a whole
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [f"rad {self.row}"] if self.row is not None else []
        if self.column:
            where.append(f"kolonne {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class Row:
    """One data row: its values by canonical column name, and the errors found in it."""

    def __init__(self, number: int, values: dict[str, str], errors: list[RowError]):
        self.number = number
        self.values = values
        self._errors = errors
        self.ok = True
        self._refused: set[str] = set()  # columns whose text rules.text refused (told once)

    def error(self, column: str | None, message: str) -> None:
        self.ok = False
        self._errors.append(RowError(self.number, column, message))

    def has(self, column: str) -> bool:
        """Whether the file has the column at all (absent columns leave stored values alone)."""
        return column in self.values

    def text(self, column: str, *, required: bool = False, max_length: int | None = None,
             digits: bool = False) -> str | None:
        """The cell's text in NFC (rules.text; `digits`: other scripts' digits as ASCII), or None (empty,
        or an error recorded: a NUL, control, bidi or zero-width character is refused)."""
        value = self.values.get(column) or None
        if value is not None and not (value.isascii() and value.isprintable()):
            try:
                value = clean_text(value)
            except TextRefused as refused:
                if column not in self._refused:
                    self._refused.add(column)
                    self.error(column, str(refused))
                return None
            if digits:
                value = ascii_digits(value)
        if value is None:
            if required:
                self.error(column, "Mangler verdi.")
            return None
        if max_length is not None and len(value) > max_length:
            self.error(column, f"Teksten er for lang (høyst {max_length} tegn).")
            return None
        return value

    def parse(self, column: str, parser: Callable[[str], T], *, required: bool = False) -> T | None:
        """The parsed value, or None (empty, or an error recorded for the column)."""
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            return parser(ascii_digits(value))  # full-width and other scripts' digits read once, as ASCII
        except ValueError as error:
            self.error(column, str(error))
            return None


@dataclass
class Table:
    rows: list[Row]
    errors: list[RowError]


def read_table(data: bytes, columns: Iterable[str], required: Iterable[str] = (), *,
               formats: str = filekind.CSV) -> Table:
    """The data rows of a CSV file, keyed by the canonical column names.

    Errors about the file as a whole (what kind of file it is, `formats` naming what to save it as;
    encoding, a missing or unknown or repeated column, a row with
    more or fewer fields than the header) come back in `Table.errors`; the rows' own errors are
    appended to the same list as the caller parses them. Blank lines are skipped but counted; a
    column with an empty header name is ignored.
    """
    errors: list[RowError] = []
    if (refused := filekind.refusal(data, formats) or filekind.csv_only_zip_refusal(data)) is not None:
        return Table([], [RowError(None, None, refused)])
    try:
        check_single_encoding(data)
        text = decode(data)
    except ParseError as error:
        return Table([], [RowError(None, None, str(error))])
    records = csv.reader(io.StringIO(text, newline=""), delimiter=detect_separator(text))
    try:
        first = next(records, [])
    except csv.Error as error:
        return Table([], [RowError(1, None, f"Overskriften kan ikke leses som CSV ({error}).")])
    if not any(cell.strip() for cell in first):
        return Table([], [RowError(None, None, "Filen er tom.")])

    known = header_lookup(columns)
    header: list[str | None] = []
    for raw in first:
        name = known.get(normalize_header(raw))
        if name is None and raw.strip():
            errors.append(RowError(1, raw.strip(), "Ukjent kolonne."))
        elif name is not None and name in header:
            errors.append(RowError(1, name, "Kolonnen står to ganger."))
        header.append(name)
    for name in required:
        if name not in header:
            errors.append(RowError(1, name, f"Kolonnen «{name}» mangler i filen."))
    if errors:
        return Table([], errors)

    rows = []
    number = 1
    try:
        for number, record in enumerate(records, start=2):
            cells = [" ".join(cell.split()) for cell in record]
            if not any(cells):
                continue
            if len(cells) != len(header):
                errors.append(RowError(number, None, f"Raden har {len(cells)} felt, men overskriften har {len(header)}."))
                continue
            rows.append(Row(number, dict(zip(header, cells)), errors))
    except csv.Error as error:
        errors.append(RowError(number + 1, None, f"Raden kan ikke leses som CSV ({error})."))
    if not rows and not errors:
        errors.append(RowError(None, None, "Filen har ingen rader under overskriften."))
    return Table(rows, errors)


# --- values -----------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NORWEGIAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


def parse_date(text: str) -> date:
    """`YYYY-MM-DD` or `DD.MM.YYYY`."""
    text = text.strip()
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _NORWEGIAN_DATE.fullmatch(text):
        day, month, year = match.groups()
    else:
        raise ParseError(f"«{text}» er ikke en dato (skriv ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ).")
    try:
        return date(int(year), int(month), int(day))
    except ValueError as error:
        raise ParseError(f"«{text}» er ikke en gyldig dato.") from error


def parse_number(text: str) -> int:
    """A whole number written with digits only (a unit's or a member's number)."""
    compact = "".join(text.split())
    if not compact.isdigit() or not compact.isascii():
        raise ParseError(f"«{text}» er ikke et nummer (bare siffer).")
    return int(compact)


_GROUPS = "[ \u00a0\u202f]"  # space, no-break space, narrow no-break space
_DECIMAL_COMMA = re.compile(r"(\d+|\d{1,3}(?:(?:" + _GROUPS + r"|\.)\d{3})+),(\d{1,2})", re.ASCII)
_DECIMAL_POINT = re.compile(r"(\d+|\d{1,3}(?:" + _GROUPS + r"\d{3})+)(?:\.(\d{1,2}))?", re.ASCII)
_PERCENT = re.compile(r"(\d+)(?:[.,](\d{1,2}))?\s*%?", re.ASCII)


def parse_kroner(text: str) -> int:
    """An amount in kroner as integer øre, exactly: `1 234,50`, `1.234,50`, `1234.50`, `633`, `-12,5`.

    The decimal mark is a comma or a point, with at most two decimals. Thousands may be grouped by
    a space or no-break space, or by a point when the decimal mark is a comma (so `1.234` is refused
    rather than guessed at).
    """
    raw = text.strip()
    body = raw.removeprefix("-").lstrip()
    match = (_DECIMAL_COMMA if "," in body else _DECIMAL_POINT).fullmatch(body)
    if not match:
        raise ParseError(f"«{raw}» er ikke et kronebeløp (skriv f.eks. 1 234,50 eller 1234.50).")
    whole, decimals = match.groups()
    ore = int(re.sub(r"\D", "", whole)) * 100 + int((decimals or "").ljust(2, "0"))
    return -ore if raw.startswith("-") else ore


def parse_percent(text: str) -> int:
    """A percentage as hundredths of a percent: `80` → 8000, `80,0` → 8000, `1,75` → 175."""
    match = _PERCENT.fullmatch(text.strip())
    if not match:
        raise ParseError(f"«{text.strip()}» er ikke en prosentsats (skriv f.eks. 80, 80,0 eller 1,75).")
    whole, decimals = match.groups()
    return int(whole) * 100 + int((decimals or "").ljust(2, "0"))


def parse_yes_no(text: str) -> bool:
    answer = text.strip().lower()
    if answer in ("ja", "j"):
        return True
    if answer in ("nei", "n"):
        return False
    raise ParseError(f"«{text}» er verken ja eller nei.")


def parse_postal_code(text: str) -> str:
    compact = text.strip()
    if not (len(compact) == 4 and compact.isdigit() and compact.isascii()):
        raise ParseError(f"«{text}» er ikke et postnummer (fire siffer).")
    return compact


def parse_choice(choices: dict[str, Any], what: str) -> Callable[[str], Any]:
    """A parser for one of the given words (case-insensitive), giving the word's value."""

    def parse(text: str):
        key = text.strip().lower()
        if key not in choices:
            raise ParseError(f"Ukjent {what} «{text}» (gyldige: {', '.join(choices)}).")
        return choices[key]

    return parse


# --- the report -------------------------------------------------------------------------------

@dataclass
class ImportReport:
    """What an import did, or why it refused the file. `labels` name each count in Norwegian."""

    labels: dict[str, tuple[str, str]]  # key -> (singular, plural)
    rows: int = 0
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def __post_init__(self):
        for key in self.labels:
            self.created.setdefault(key, 0)
            self.updated.setdefault(key, 0)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())

    def as_json(self) -> str:
        return json.dumps({
            "ok": self.ok, "rows": self.rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "errors": [e.as_dict() for e in self.errors],
        }, ensure_ascii=False)

    def counts_text(self, counts: dict[str, int]) -> str:
        """`3 personer, 1 medlemskap og 2 arbeidsforhold` (only the non-zero counts)."""
        parts = [f"{n} {self.labels[key][0 if n == 1 else 1]}" for key, n in counts.items() if n]
        return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} og {parts[-1]}"

    def changes_text(self) -> str:
        """`opprettet 3 personer og 1 medlemskap; oppdatert 1 person`, for the audit log."""
        return "; ".join(f"{what} {self.counts_text(counts)}"
                         for what, counts in (("opprettet", self.created), ("oppdatert", self.updated))
                         if any(counts.values()))

    def summary(self) -> str:
        if not self.ok:
            count = "1 feil" if len(self.errors) == 1 else f"{len(self.errors)} feil"
            lines = [f"Filen ble ikke importert, og ingenting er lagret ({count}):"]
            return "\n".join(lines + [str(e) for e in self.errors])
        if not self.changed:
            if self.rows == 1:
                return "Ingenting nytt: raden var allerede importert."
            return f"Ingenting nytt: alle {self.rows} rader var allerede importert."
        lines = [f"Importert {self.rows} {'rad' if self.rows == 1 else 'rader'}."]
        if any(self.created.values()):
            lines.append(f"Opprettet: {self.counts_text(self.created)}.")
        if any(self.updated.values()):
            lines.append(f"Oppdatert: {self.counts_text(self.updated)}.")
        if self.unchanged:
            lines.append(f"Uendret: {self.unchanged} {'rad' if self.unchanged == 1 else 'rader'}.")
        return "\n".join(lines)
