"""Reading the bank's payment file (OCR giro, FORMATS.md section 2), as a pure function.

`read_payment_file(data)` gives the transmission in a file with its assignments and transactions,
or, if anything is wrong, the errors that refuse it (never both: all or nothing). Each error is a
`RowError` whose `row` is the file's line number (1-based; None for the file as a whole), whose
`column` names the field in Norwegian (`beløp`, `KID`, ...) or is None, and whose message is
Norwegian.

The records are parsed by the `netsgiro` package (its record layer, `netsgiro.records`). We add our
own checks where it is lenient or silent, and walk the records ourselves instead of using its object
layer (`netsgiro.parse`), because that layer drops the end records' counts and totals and merges
transactions (and assignments) that share a number. What netsgiro checks, and what we add:

- netsgiro: each line exactly 80 characters (without saying which line), a numeric record type it
  knows, and each record's fixed layout (digits, zero fillers, `-`/`0` sign) by regular expression;
  dates are converted (an impossible date raises). Its messages are English and name no line. It
  accepts wrong counts and totals in the end records, an amount item 2 of another transaction type,
  AvtaleGiro transaction types in an OCR giro assignment, and a repeated transaction or assignment
  number (merging the two); a missing end record or a record out of order is a bare AssertionError.
  Its amounts are never negative: the sign and the reversal types are left to its user.
- we add: the line number, field and a Norwegian reason for every bad line; CRLF and a missing last
  newline are accepted (trailing blank lines are ignored); only the record types and service code of
  OCR giro (09) are known: an AvtaleGiro file (lines of service code 21, none of 09) is refused in
  one line saying so, and AvtaleGiro's record types 49 and 70 in an OCR giro file as unknown record types;
  transaction types 10-21 only; a KID right-aligned without blanks inside it; the order of records
  (start of transmission, assignments of start/amount items/end, end of transmission, nothing after
  it; amount item 2 right after item 1 with the same transaction number and type; item 3 exactly for
  types 20 and 21); unique transaction numbers within an assignment and unique assignment numbers
  within the transmission; and the end records' counts (transactions, records with start and end
  included) and total amounts against the transactions.

The totals, as the bank's specification says: the amounts of reversals (types 18 and 20) are
*added* to the end records' total like payments, whatever their sign (the sample
`ocr-giro-example.txt`: 633,00 + 521,00 and a reversal of 50,00 give 1 204,00), while any other
transaction with the sign `-` is a credit note and is *deducted* (`Transaction.bank_amount_ore`).
So that is what we check. netsgiro's writer adds every amount unsigned, credit notes too, so its end
records differ from the bank's for a file with credit notes (and it does not check them when it
reads). The transaction amounts we give are signed; see `Transaction.amount_ore`.

Each file read has a `digest` of its content (its records, whatever the line endings or a BOM), so
that a transmission number seen before with other content can be told from the same file again.

Not checked: the dates in the end of assignment (settlement, earliest, latest) against the
transactions' dates, beyond being dates or zeros; positions 35-41 of amount item 2 (zeros by
FORMATS.md, but the bank's own example has digits there, and netsgiro accepts anything); the card
issuer (75-76 of amount item 1) beyond being digits (netsgiro wants zeros there, so it is given zeros).
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from netsgiro.records import (
    AssignmentEnd,
    AssignmentStart,
    Record,
    TransactionAmountItem1,
    TransactionAmountItem2,
    TransactionAmountItem3,
    TransmissionEnd,
    TransmissionStart,
)

from rules import filekind
from rules.csvfile import ParseError, RowError, decode
from rules.kid import is_valid_kid
from rules.money import format_kroner

LINE_LENGTH = 80
MAX_FILE_BYTES = 64 * 1024 * 1024  # some 390 000 transactions; the web upload has its own, lower limit
MAX_ERRORS = 100  # bad lines reported before giving up
TRANSACTION_TYPES = range(10, 22)
REVERSAL_TYPES = frozenset({18, 20})
FREE_TEXT_TYPES = frozenset({20, 21})
KID_LENGTH = 25
FREE_TEXT_LENGTH = 40

RECORD_NAMES = {
    "10": "start på forsendelse", "20": "start på oppdrag", "30": "beløpspost 1", "31": "beløpspost 2",
    "32": "beløpspost 3", "88": "slutt på oppdrag", "89": "slutt på forsendelse",
}
# What may follow each record type (None: the start of the file). Items 2 and 3 are checked further.
FOLLOWS = {
    None: ("10",), "10": ("20", "89"), "20": ("30", "88"), "30": ("31",), "31": ("30", "32", "88"),
    "32": ("30", "88"), "88": ("20", "89"), "89": (),
}


# --- what a file holds ------------------------------------------------------------------------

@dataclass(frozen=True)
class Transaction:
    """One payment (or reversal) in an assignment.

    `amount_ore` is signed: the file's amount field (positions 33-49) is always unsigned, and the
    amount is made negative when the transaction type is a reversal (18 reversal with KID, 20
    reversal with free text) *or* the sign (position 32) is `-`; both together still give a negative
    amount, never a positive one. So a reversal reduces what was paid whether or not the bank marks
    its sign (the bank's own example marks a type 18 reversal with sign `0`), and so does a credit
    note (another type with the sign `-`). `build_payment_file` writes the sign `-` for every
    negative amount, as FORMATS.md says. What each counts in the end records' totals is
    `bank_amount_ore`.

    `kid` keeps its leading zeros and is None when the field is blank; `kid_valid` tells whether it
    passes MOD10 or MOD11 (a KID that does not is kept, and the payment left for matching by hand).
    `free_text` is amount item 3's text (types 20 and 21 only), blanks around it removed, None when
    empty. `bank_date`, `debit_account`, `archive_reference` and `form_number` are None when the
    field is all zeros. `line` is the line of amount item 1 in the file read (not compared).
    """

    transaction_type: int
    transaction_number: int
    settlement_date: date
    amount_ore: int
    kid: str | None = None
    free_text: str | None = None
    bank_date: date | None = None
    debit_account: str | None = None
    archive_reference: str | None = None
    form_number: str | None = None
    line: int | None = field(default=None, compare=False)

    @property
    def kid_valid(self) -> bool:
        return self.kid is not None and is_valid_kid(self.kid)

    @property
    def is_reversal(self) -> bool:
        """A reversal (type 18 or 20) or a credit note: it reduces what was paid."""
        return self.transaction_type in REVERSAL_TYPES or self.amount_ore < 0

    @property
    def is_credit_note(self) -> bool:
        """A transaction of another type than a reversal with the sign `-`."""
        return self.amount_ore < 0 and self.transaction_type not in REVERSAL_TYPES

    @property
    def bank_amount_ore(self) -> int:
        """What the transaction counts in the end records' totals: a reversal's amount added, a
        credit note's deducted (the bank's specification)."""
        return abs(self.amount_ore) if self.transaction_type in REVERSAL_TYPES else self.amount_ore


@dataclass(frozen=True)
class Assignment:
    """An assignment (oppdrag): the payments into one account under one agreement."""

    agreement_id: str
    assignment_number: str
    account: str
    settlement_date: date | None  # from the end of assignment
    transactions: tuple[Transaction, ...]
    line: int | None = field(default=None, compare=False)

    @property
    def paid_ore(self) -> int:
        """What was paid: the signed amounts added, reversals subtracted."""
        return sum(t.amount_ore for t in self.transactions)

    @property
    def bank_total_ore(self) -> int:
        """The total as the end record gives it: reversals added, credit notes deducted."""
        return sum(t.bank_amount_ore for t in self.transactions)


@dataclass
class PaymentFile:
    """The transmission in a file, or the errors that refuse it (never both)."""

    data_sender: str | None = None
    transmission_number: str | None = None
    data_recipient: str | None = None
    date: date | None = None  # from the end of transmission
    assignments: list[Assignment] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    digest: str | None = field(default=None, compare=False)  # SHA-256 of the records, hex (see `_digest`)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def identity(self) -> tuple[str, str] | None:
        """(data sender, transmission number): the same transmission imported again changes nothing."""
        return None if self.data_sender is None else (self.data_sender, self.transmission_number)

    @property
    def transactions(self) -> list[Transaction]:
        return [t for a in self.assignments for t in a.transactions]

    @property
    def paid_ore(self) -> int:
        return sum(a.paid_ore for a in self.assignments)

    @property
    def bank_total_ore(self) -> int:
        return sum(a.bank_total_ore for a in self.assignments)


# --- the layout of each record ------------------------------------------------------------------

@dataclass(frozen=True)
class _Field:
    start: int  # 1-based, inclusive
    end: int
    name: str | None
    kind: str  # const, digits, zeros, date, date0, sign, kid, ttype, text
    value: str = ""  # for const

    @property
    def pattern(self) -> str:
        width = self.end - self.start + 1
        return {
            "const": re.escape(self.value), "digits": f"[0-9]{{{width}}}", "zeros": f"0{{{width}}}",
            "date": "(?!000000)[0-9]{6}", "date0": "[0-9]{6}", "sign": "[-0]", "kid": " *[0-9]* *",
            "ttype": "(?:1[0-9]|2[01])", "text": f".{{{width}}}",
        }[self.kind]


def _const(start: int, name: str, value: str) -> _Field:
    return _Field(start, start + len(value) - 1, name, "const", value)


def _head(service: str, second: _Field, record_type: str) -> list[_Field]:
    return [_const(1, "formatkode", "NY"), _const(3, "tjenestekode", service), second,
            _const(7, "posttype", record_type)]


_TTYPE = _Field(5, 6, "transaksjonstype", "ttype")
_TNUMBER = _Field(9, 15, "transaksjonsnummer", "digits")
_LAYOUTS: dict[str, list[_Field]] = {
    "10": _head("00", _const(5, "forsendelsestype", "00"), "10") + [
        _Field(9, 16, "dataavsender", "digits"), _Field(17, 23, "forsendelsesnummer", "digits"),
        _Field(24, 31, "datamottaker", "digits"), _Field(32, 80, None, "zeros")],
    "20": _head("09", _const(5, "oppdragstype", "00"), "20") + [
        _Field(9, 17, "avtale-ID", "digits"), _Field(18, 24, "oppdragsnummer", "digits"),
        _Field(25, 35, "oppdragskonto", "digits"), _Field(36, 80, None, "zeros")],
    "30": _head("09", _TTYPE, "30") + [
        _TNUMBER, _Field(16, 21, "oppgjørsdato", "date"), _Field(22, 23, "sentral-ID", "digits"),
        _Field(24, 25, "dagkode", "digits"), _Field(26, 26, "delavregningsnummer", "digits"),
        _Field(27, 31, "løpenummer", "digits"), _Field(32, 32, "fortegn", "sign"),
        _Field(33, 49, "beløp", "digits"), _Field(50, 74, "KID", "kid"),
        _Field(75, 76, "kortutsteder", "digits"), _Field(77, 80, None, "zeros")],
    "31": _head("09", _TTYPE, "31") + [
        _TNUMBER, _Field(16, 25, "blankettnummer", "digits"), _Field(26, 34, "arkivreferanse", "digits"),
        _Field(35, 41, None, "text"), _Field(42, 47, "bankdato", "date0"),
        _Field(48, 58, "debetkonto", "digits"), _Field(59, 80, None, "zeros")],
    "32": _head("09", _TTYPE, "32") + [
        _TNUMBER, _Field(16, 55, "fritekst", "text"), _Field(56, 80, None, "zeros")],
    "88": _head("09", _const(5, "oppdragstype", "00"), "88") + [
        _Field(9, 16, "antall transaksjoner", "digits"), _Field(17, 24, "antall poster", "digits"),
        _Field(25, 41, "sumbeløp", "digits"), _Field(42, 47, "oppgjørsdato", "date0"),
        _Field(48, 53, "første dato", "date0"), _Field(54, 59, "siste dato", "date0"),
        _Field(60, 80, None, "zeros")],
    "89": _head("00", _const(5, "forsendelsestype", "00"), "89") + [
        _Field(9, 16, "antall transaksjoner", "digits"), _Field(17, 24, "antall poster", "digits"),
        _Field(25, 41, "sumbeløp", "digits"), _Field(42, 47, "dato", "date"), _Field(48, 80, None, "zeros")],
}
_PATTERNS = {rt: re.compile("".join(f.pattern for f in fields)) for rt, fields in _LAYOUTS.items()}
_NETSGIRO: dict[str, type[Record]] = {
    "10": TransmissionStart, "20": AssignmentStart, "30": TransactionAmountItem1,
    "31": TransactionAmountItem2, "32": TransactionAmountItem3, "88": AssignmentEnd, "89": TransmissionEnd,
}


def _positions(f: _Field) -> str:
    return f"posisjon {f.start}" if f.start == f.end else f"posisjon {f.start}–{f.end}"


def _is_date(text: str, zeros_allowed: bool) -> bool:
    if zeros_allowed and text == "000000":
        return True
    if not (text.isascii() and text.isdigit()):
        return False
    try:
        datetime.strptime(text, "%d%m%y")
    except ValueError:
        return False
    return True


def _field_error(f: _Field, value: str) -> str | None:
    """Why `value` does not fit the field, in Norwegian, or None."""
    where = _positions(f)
    if f.kind == "const" and value != f.value:
        return f"Skal være «{f.value}» ({where}), ikke «{value}»."
    if f.kind == "digits" and not (value.isascii() and value.isdigit()):
        return f"Skal være {len(value)} sifre ({where}), ikke «{value}»."
    if f.kind == "zeros" and value.strip("0"):
        return f"Skal være fylt med nuller ({where}), ikke «{value}»."
    if f.kind in ("date", "date0") and not _is_date(value, f.kind == "date0"):
        also = " eller 000000" if f.kind == "date0" else ""
        return f"«{value}» er ikke en gyldig dato DDMMÅÅ{also} ({where})."
    if f.kind == "sign" and value not in ("-", "0"):
        return f"Fortegnet skal være «-» eller «0» ({where}), ikke «{value}»."
    if f.kind == "kid" and not re.fullmatch(" *[0-9]* *", value):
        return f"KID kan bare ha sifre, høyrejustert med blanke foran ({where}), ikke «{value}»."
    if f.kind == "ttype" and not (value.isascii() and value.isdigit() and int(value) in TRANSACTION_TYPES):
        return f"Ukjent transaksjonstype «{value}» (OCR giro har typene 10–21; {where})."
    return None


def _line_errors(number: int, line: str) -> list[RowError]:
    """Every reason a line does not fit its record's layout."""
    if len(line) != LINE_LENGTH:
        return [RowError(number, None, f"Linjen har {len(line)} tegn, men hver post skal ha {LINE_LENGTH}.")]
    record_type = line[6:8]
    layout = _LAYOUTS.get(record_type)
    if layout is None:
        known = ", ".join(RECORD_NAMES)
        return [RowError(number, "posttype", f"Ukjent posttype «{record_type}» (posisjon 7–8; OCR giro har {known}).")]
    errors = []
    for f in layout:
        message = _field_error(f, line[f.start - 1:f.end])
        if message:
            errors.append(RowError(number, f.name, message))
    return errors


_DATE_FIELDS = ("nets_date", "bank_date", "nets_date_1", "nets_date_2", "nets_date_3")


@functools.lru_cache(maxsize=4096)
def _ddmmyy_date(text: str) -> date | None:
    """netsgiro's reading of a DDMMYY date (000000: None), remembered: a file has few distinct dates."""
    return None if text == "000000" else datetime.strptime(text, "%d%m%y").date()


def _netsgiro_record(cls: type[Record], line: str) -> Record:
    """`cls.from_string(line)`, with the dates read once per distinct date rather than once per record
    (netsgiro's `strptime` on every date took a third of the reading time). It matches the line with
    netsgiro's own patterns and builds netsgiro's record, which converts and validates its fields."""
    patterns = getattr(cls, "_PATTERNS", None)
    if patterns is None:  # a netsgiro without the patterns where 2.0 keeps them
        return cls.from_string(line)
    for pattern in patterns:
        match = pattern.match(line)
        if match is not None:
            values = match.groupdict()
            for name in _DATE_FIELDS:
                if name in values:
                    values[name] = _ddmmyy_date(values[name])
            return cls(**values)
    raise ValueError(f"{line!r} did not match {cls.__name__} record formats")


def _parse_line(number: int, line: str) -> tuple[str, Record] | list[RowError]:
    """The record type and netsgiro's record for a line, or why the line is refused."""
    record_type = line[6:8]
    pattern = _PATTERNS.get(record_type)
    if len(line) != LINE_LENGTH or pattern is None or not pattern.fullmatch(line):
        return _line_errors(number, line) or [RowError(number, None, "Posten følger ikke formatet.")]
    if record_type == "30":  # netsgiro wants zeros for the card issuer (positions 75-76)
        line = line[:74] + "000000"
    try:
        return record_type, _netsgiro_record(_NETSGIRO[record_type], line)
    except (ValueError, TypeError) as error:  # impossible dates; anything else netsgiro refuses
        return _line_errors(number, line) or [RowError(number, None, f"Posten kan ikke leses ({error}).")]


# --- the file ---------------------------------------------------------------------------------

def _lines(text: str) -> list[str]:
    """The lines, each without its LF or CRLF; a missing last newline and trailing blank lines are fine."""
    lines = text.split("\n")
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _refused(message: str) -> PaymentFile:
    return PaymentFile(errors=[RowError(None, None, message)])


def _kroner(ore: int) -> str:
    return f"{format_kroner(ore)} kr"


def _not_a_text_file(data: bytes) -> str | None:
    """What a file given as the payment file is, told by its first bytes, when it is no text file."""
    if data.startswith(filekind.OLE2_MAGIC):
        return "et gammelt Excel-regneark (XLS)"
    if data[:1024].lstrip().startswith(filekind.PDF_MAGIC):
        return "en PDF"
    if filekind.is_zip(data):
        return "en zip-fil (for eksempel et Excel- eller OpenDocument-regneark)"
    return None


def read_payment_file(data: bytes) -> PaymentFile:
    """The transmission in an OCR giro file, all or nothing (see the module's docstring).

    Every line that does not fit its record's layout is reported (up to MAX_ERRORS lines); the
    order of the records is followed up to the first bad line or the first record out of order, and
    every end record whose counts or total are wrong is reported.
    """
    if len(data) > MAX_FILE_BYTES:
        return _refused(f"Filen er for stor ({len(data) // (1024 * 1024)} MB); høyst "
                        f"{MAX_FILE_BYTES // (1024 * 1024)} MB er tillatt.")
    if what := _not_a_text_file(data):
        return _refused(f"Filen er {what}, ikke bankens innbetalingsfil (OCR giro: en tekstfil med linjer på "
                        "80 tegn). Hent innbetalingsfilen fra banken og last den opp på nytt.")
    try:
        text = decode(data)
    except ParseError as error:
        return _refused(str(error))
    lines = _lines(text)
    if not lines:
        return _refused("Filen er tom.")
    services = {line[:4] for line in lines}
    if "NY21" in services and "NY09" not in services:  # AvtaleGiro's assignments, not one of OCR giro's
        return _refused("Filen er en AvtaleGiro-fil (tjenestekode 21), ikke en innbetalingsfil for OCR giro "
                        "(tjenestekode 09), og kan ikke importeres her.")

    walker = _Walker()
    line_errors: list[RowError] = []
    bad_lines = 0
    for number, line in enumerate(lines, start=1):
        parsed = _parse_line(number, line)
        if isinstance(parsed, list):
            line_errors += parsed
            bad_lines += 1
            if bad_lines >= MAX_ERRORS:
                line_errors.append(RowError(None, None, f"Flere feil er ikke vist: filen har feil på minst {MAX_ERRORS} linjer."))
                break
        elif not line_errors and not walker.stopped:  # records are read one at a time, not kept
            walker.feed(number, *parsed)
    if not line_errors and not walker.stopped:
        walker.finish(len(lines))
    errors = sorted(walker.errors + line_errors, key=lambda e: (e.row is None, e.row or 0))
    if errors:
        return PaymentFile(errors=errors)
    walker.result.digest = _digest(lines)
    return walker.result


def _digest(lines: list[str]) -> str:
    """The content of a file: its records, so the same file with other line endings or a BOM is the same."""
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _order_error(number: int, previous: str | None, record_type: str) -> RowError:
    name = f"{RECORD_NAMES[record_type]} (posttype {record_type})"
    if previous is None:
        return RowError(number, "posttype", f"Filen skal begynne med start på forsendelse (posttype 10), ikke {name}.")
    if previous == "89":
        return RowError(number, "posttype", f"Etter slutt på forsendelse (posttype 89) kan det ikke stå mer, men her står {name}.")
    expected = " eller ".join(f"{RECORD_NAMES[t]} ({t})" for t in FOLLOWS[previous])
    return RowError(number, "posttype", f"{name[0].upper()}{name[1:]} kan ikke stå etter "
                                        f"{RECORD_NAMES[previous]} (posttype {previous}); her skal det stå {expected}.")


class _Walker:
    """Follows the records in order: checks their order and the end records' figures, and gathers
    the transmission. `stopped` after the first record out of order (what follows would only
    repeat it)."""

    def __init__(self):
        self.result = PaymentFile()
        self.errors: list[RowError] = []
        self.stopped = False
        self.previous: str | None = None
        self.assignment_lines: dict[str, int] = {}  # assignment number -> line
        self.all_transactions = 0
        self.all_total = 0
        # the assignment being read
        self.start: AssignmentStart | None = None
        self.start_line = 0
        self.transactions: list[Transaction] = []
        self.numbers: dict[int, int] = {}  # transaction number -> line
        self.total = 0  # as the end record adds them: reversals added, credit notes deducted
        self.records = 0
        # the transaction being read
        self.item1: TransactionAmountItem1 | None = None
        self.item1_line = 0
        self.item2: TransactionAmountItem2 | None = None

    def refuse(self, error: RowError) -> None:
        self.errors.append(error)
        self.stopped = True

    def feed(self, number: int, record_type: str, record: Record) -> None:
        previous = self.previous
        if record_type not in FOLLOWS[previous]:
            return self.refuse(_order_error(number, previous, record_type))
        item1 = self.item1
        if previous == "31" and int(item1.transaction_type) in FREE_TEXT_TYPES and record_type != "32":
            return self.refuse(RowError(number, "posttype", f"Transaksjonstype {int(item1.transaction_type)} skal ha "
                                                            "en beløpspost 3 (posttype 32, fritekst) etter beløpspost 2."))
        self.previous = record_type
        self.records += 1
        if record_type == "30":
            self.item1, self.item1_line = record, number
            earlier = self.numbers.setdefault(record.transaction_number, number)
            if earlier != number:
                self.errors.append(RowError(number, "transaksjonsnummer", f"Transaksjonsnummer {record.transaction_number} "
                                                                          f"står to ganger i oppdraget (også på rad {earlier})."))
        elif record_type in ("31", "32"):
            self.next_item(number, record_type, record)
        elif record_type == "10":
            self.result.data_sender = record.data_transmitter
            self.result.transmission_number = record.transmission_number
            self.result.data_recipient = record.data_recipient
        elif record_type == "20":
            earlier = self.assignment_lines.setdefault(record.assignment_number, number)
            if earlier != number:
                self.errors.append(RowError(number, "oppdragsnummer", f"Oppdragsnummer {record.assignment_number} står "
                                                                      f"to ganger i forsendelsen (også på rad {earlier})."))
            self.start, self.start_line, self.transactions, self.numbers, self.total, self.records = (
                record, number, [], {}, 0, 1)
        elif record_type == "88":
            self.errors += _count_errors(number, "oppdraget", record, len(self.transactions), self.records, self.total)
            start = self.start
            self.result.assignments.append(Assignment(
                agreement_id=start.agreement_id, assignment_number=start.assignment_number,
                account=start.assignment_account, settlement_date=record.nets_date,
                transactions=tuple(self.transactions), line=self.start_line,
            ))
            self.all_transactions += len(self.transactions)
            self.all_total += self.total
        elif record_type == "89":  # every line before it is a record
            self.errors += _count_errors(number, "forsendelsen", record, self.all_transactions, number, self.all_total)
            self.result.date = record.nets_date

    def next_item(self, number: int, record_type: str, record: TransactionAmountItem2 | TransactionAmountItem3) -> None:
        item1 = self.item1
        ttype = int(item1.transaction_type)
        item = "Beløpspost 2" if record_type == "31" else "Beløpspost 3"
        if record.transaction_number != item1.transaction_number:
            return self.refuse(RowError(number, "transaksjonsnummer", f"{item} har transaksjonsnummer "
                                        f"{record.transaction_number}, men beløpspost 1 foran har {item1.transaction_number}."))
        if record.transaction_type != item1.transaction_type:
            return self.refuse(RowError(number, "transaksjonstype", f"{item} har transaksjonstype "
                                        f"{int(record.transaction_type)}, men beløpspost 1 foran har {ttype}."))
        if record_type == "32" and ttype not in FREE_TEXT_TYPES:
            return self.refuse(RowError(number, "posttype", "Beløpspost 3 (fritekst) hører bare til transaksjonstype "
                                                            f"20 og 21, ikke {ttype}."))
        if record_type == "31":
            self.item2 = record
            if ttype not in FREE_TEXT_TYPES:
                self.add_transaction(None)
        else:
            self.add_transaction(record.text)

    def add_transaction(self, text: str | None) -> None:
        item1, item2 = self.item1, self.item2
        ttype = int(item1.transaction_type)
        amount = item1.amount
        negative = ttype in REVERSAL_TYPES or item1.sign == "-"
        credit_note = item1.sign == "-" and ttype not in REVERSAL_TYPES
        self.transactions.append(Transaction(
            transaction_type=ttype, transaction_number=item1.transaction_number,
            settlement_date=item1.nets_date, amount_ore=-amount if negative else amount, kid=item1.kid,
            free_text=text, bank_date=item2.bank_date, debit_account=_unless_zeros(item2.debit_account),
            archive_reference=_unless_zeros(item2.reference), form_number=_unless_zeros(item2.form_number),
            line=self.item1_line,
        ))
        self.total += -amount if credit_note else amount

    def finish(self, line_count: int) -> None:
        if self.previous != "89":
            self.errors.append(RowError(line_count + 1, "posttype", f"Filen slutter etter {RECORD_NAMES[self.previous]} "
                                        f"(posttype {self.previous}) uten slutt på forsendelse (posttype 89)."))


def _count_errors(number: int, what: str, end: TransmissionEnd | AssignmentEnd,
                  transactions: int, records: int, total: int) -> list[RowError]:
    errors = []
    if end.num_transactions != transactions:
        errors.append(RowError(number, "antall transaksjoner", f"Slutt på {what} oppgir {end.num_transactions} "
                                                               f"transaksjoner, men {what} har {transactions}."))
    if end.num_records != records:
        errors.append(RowError(number, "antall poster", f"Slutt på {what} oppgir {end.num_records} poster, "
                                                        f"men {what} har {records} (start og slutt medregnet)."))
    if end.total_amount != total:
        errors.append(RowError(number, "sumbeløp", f"Slutt på {what} oppgir sum {_kroner(end.total_amount)}, men "
                                                   f"transaksjonene i {what} er til sammen {_kroner(total)} "
                                                   "(reverseringer lagt til og kreditnotaer trukket fra, "
                                                   "som banken gjør)."))
    return errors


def _unless_zeros(text: str | None) -> str | None:
    return None if text is None or not text.strip("0") else text


# --- building a file (tests, benchmarks) -----------------------------------------------------------

def _digits(value: str | int, width: int, what: str) -> str:
    text = str(value).zfill(width) if isinstance(value, int) else value
    if not (isinstance(text, str) and len(text) == width and text.isascii() and text.isdigit()):
        raise ValueError(f"{what} must be {width} digits, not {value!r}")
    return text


def _ddmmyy(value: date | None, what: str) -> str:
    if value is None:
        return "000000"
    if not date(1969, 1, 1) <= value <= date(2068, 12, 31):  # what DDMMYY can say (as strptime's %y reads it)
        raise ValueError(f"{what} {value} cannot be written as DDMMYY")
    return f"{value:%d%m%y}"


def _transaction_records(t: Transaction) -> list[str]:
    ttype = t.transaction_type
    if ttype not in TRANSACTION_TYPES:
        raise ValueError(f"transaction type must be 10-21, not {ttype!r}")
    if ttype in REVERSAL_TYPES and t.amount_ore > 0:
        raise ValueError(f"a reversal (type {ttype}) must have a negative amount, not {t.amount_ore}")
    amount = abs(t.amount_ore)
    if amount >= 10 ** 17:
        raise ValueError(f"amount {t.amount_ore} is too large")
    if t.kid is not None and not (t.kid.isascii() and t.kid.isdigit() and len(t.kid) <= KID_LENGTH):
        raise ValueError(f"KID must be 1 to {KID_LENGTH} digits, or None, not {t.kid!r}")
    if t.free_text is not None and ttype not in FREE_TEXT_TYPES:
        raise ValueError(f"only types 20 and 21 carry free text, not type {ttype}")
    number = _digits(t.transaction_number, 7, "transaction number")
    head = f"NY09{ttype:02d}"
    settled = _ddmmyy(t.settlement_date, "settlement date")
    sign = "-" if t.amount_ore < 0 else "0"
    serial = number[-5:]
    records = [
        f"{head}30{number}{settled}00{t.settlement_date.day:02d}1{serial}{sign}{amount:017d}"
        f"{t.kid or '':>{KID_LENGTH}}00" + "0" * 4,
        f"{head}31{number}{_digits(t.form_number or 0, 10, 'form number')}"
        f"{_digits(t.archive_reference or 0, 9, 'archive reference')}" + "0" * 7
        + f"{_ddmmyy(t.bank_date, 'bank date')}{_digits(t.debit_account or 0, 11, 'debit account')}" + "0" * 22,
    ]
    if ttype in FREE_TEXT_TYPES:
        text = t.free_text or ""
        if len(text) > FREE_TEXT_LENGTH or text != text.strip() or not text.isprintable():
            raise ValueError(f"free text must be at most {FREE_TEXT_LENGTH} printable characters without "
                             f"blanks around them, not {text!r}")
        records.append(f"{head}32{number}{text:<{FREE_TEXT_LENGTH}}" + "0" * 25)
    return records


def build_payment_file(
    transactions: Iterable[Transaction], *, sender: str | int = "00008080", transmission_number: str | int = "0000001",
    recipient: str | int = "00008080", agreement_id: str | int = "000000001", assignment_number: str | int = "0000001",
    account: str | int = "12345678903", date: date | None = None, newline: str = "\n",
) -> bytes:
    """An OCR giro file with one assignment holding `transactions`, records exactly as FORMATS.md
    section 2, end records with the right counts and totals (reversals added, credit notes deducted,
    as the bank does), encoded in Windows-1252, every line ended by `newline`.

    The amount field holds |amount_ore| and the sign is `-` for a negative amount; a reversal (type
    18 or 20) must have a negative amount (or zero), a negative amount of any other type is a credit
    note. `date` is the transmission's date and the
    assignment's settlement date (default: the latest settlement date). Numbers may be given as
    digits or ints. For tests and benchmarks: raises ValueError for what the format cannot hold.
    """
    transactions = list(transactions)
    if date is None:
        if not transactions:
            raise ValueError("a file without transactions needs a date")
        date = max(t.settlement_date for t in transactions)
    body = [record for t in transactions for record in _transaction_records(t)]
    total = sum(t.bank_amount_ore for t in transactions)
    if not 0 <= total < 10 ** 17:
        raise ValueError(f"the end records' total {total} cannot be written (credit notes exceed the rest, or too large)")
    count = len(transactions)
    settled = [t.settlement_date for t in transactions]
    dated = _ddmmyy(date, "date")
    lines = [
        f"NY000010{_digits(sender, 8, 'sender')}{_digits(transmission_number, 7, 'transmission number')}"
        f"{_digits(recipient, 8, 'recipient')}" + "0" * 49,
        f"NY090020{_digits(agreement_id, 9, 'agreement id')}{_digits(assignment_number, 7, 'assignment number')}"
        f"{_digits(account, 11, 'account')}" + "0" * 45,
        *body,
        f"NY090088{count:08d}{len(body) + 2:08d}{total:017d}{dated}"
        f"{_ddmmyy(min(settled, default=None), 'date')}{_ddmmyy(max(settled, default=None), 'date')}" + "0" * 21,
        f"NY000089{count:08d}{len(body) + 4:08d}{total:017d}{dated}" + "0" * 33,
    ]
    return "".join(line + newline for line in lines).encode("cp1252")
