"""Text as the register stores it: NFC, and without the characters that hide or garble what it says.

People and payroll systems send names typed on a Mac (a decomposed `Å`: `A` + a combining ring),
pasted from a web page (zero-width spaces, a bidi override U+202E that shows `nesnaH` as `Hansen`), or
cut out of another program (a NUL, a tab, a form feed). PostgreSQL cannot store a NUL and SQLite can;
Excel's file format cannot hold control characters at all. So every text that comes in through a form,
an import or a command passes through here once, at the edge:

- `clean_text(value)` for a single-line field (a name, an address, a number, a comment on one line):
  the text in Unicode NFC, or `TextRefused` naming what is wrong.
- `clean_text(value, multiline=True)` for notes and comments: the same, but line breaks (CRLF and CR
  become LF) and tabs are kept.
- `clean_digits(value)` for numbers (identity numbers, phone numbers, amounts): `clean_text`, then every
  decimal digit of another script (full-width `１２３`, Arabic-Indic `١٢٣`, Devanagari, …) as its ASCII
  digit, so the usual checks see the digits the person meant.

Refused: control characters (C0 and C1, NUL included; in multi-line text all but LF and TAB), the line
and paragraph separators U+2028/U+2029, bidirectional controls (U+202A–U+202E, U+2066–U+2069,
U+200E/U+200F, U+061C), zero-width characters (U+200B–U+200D, U+2060, U+FEFF) and every other invisible
format character (Unicode category Cf, e.g. the soft hyphen U+00AD), surrogates and noncharacters
(U+FFFE, U+FFFF, …). Pure: no Flask, no database.
"""
import unicodedata

BIDI = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def N_(text: str) -> str:
    """Marks a message for the translation catalogue (babel.cfg); web translates it when shown."""
    return text


MESSAGES = {
    "nul": N_("Teksten inneholder et NUL-tegn (U+0000), som ikke kan lagres. Skriv teksten på nytt."),
    "control": N_("Teksten inneholder et kontrolltegn (%(code)s). Fjern det og skriv teksten på nytt."),
    "line": N_("Teksten kan ikke ha linjeskift (%(code)s)."),
    "bidi": N_("Teksten inneholder et usynlig tegn som snur skriveretningen (%(code)s). "
               "Fjern det og skriv teksten på nytt."),
    "zero_width": N_("Teksten inneholder et usynlig tegn uten bredde (%(code)s). Fjern det og skriv teksten på nytt."),
    "format": N_("Teksten inneholder et usynlig formateringstegn (%(code)s). Fjern det og skriv teksten på nytt."),
    "invalid": N_("Teksten inneholder et ugyldig tegn (%(code)s)."),
}


class TextRefused(ValueError):
    """`str()` is the Norwegian message; `template` and `params` let a page translate it."""

    def __init__(self, kind: str, char: str, position: int):
        self.kind = kind
        self.char = char
        self.position = position  # 0-based index in the text as given
        self.template = MESSAGES[kind]
        self.params = {"code": code_point(char)}
        super().__init__(self.template % self.params if "%(" in self.template else self.template)


def code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def refusal(char: str, *, multiline: bool = False) -> str | None:
    """Why `char` may not be stored (a key of MESSAGES), or None when it may."""
    if char == "\x00":
        return "nul"
    if multiline and char in "\n\t":
        return None
    if char in LINE_BREAKS:
        return "control" if multiline else "line"
    category = unicodedata.category(char)
    if category == "Cc":
        return "control"
    if char in BIDI:
        return "bidi"
    if char in ZERO_WIDTH:
        return "zero_width"
    if category == "Cf":
        return "format"
    if category == "Cs" or _is_noncharacter(ord(char)):
        return "invalid"
    return None


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` in NFC, or TextRefused for its first character that may not be stored (see the module)."""
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    for position, char in enumerate(value):
        if not _plain(char) and (kind := refusal(char, multiline=multiline)):
            raise TextRefused(kind, char, position)
    return unicodedata.normalize("NFC", value)


def _plain(char: str) -> bool:
    """The common case, decided without a table lookup: printable ASCII and Latin-1 letters."""
    return " " <= char <= "~" or "\u00a0" <= char <= "\u00ac" or "\u00ae" <= char <= "\u024f"


def ascii_digits(value: str) -> str:
    """Every decimal digit (Unicode category Nd) as its ASCII digit; everything else unchanged."""
    if value.isascii():
        return value
    return "".join(str(unicodedata.decimal(c)) if not c.isascii() and unicodedata.decimal(c, None) is not None
                   else c for c in value)


def clean_digits(value: str) -> str:
    """clean_text for a number: NFC (which leaves full-width digits alone), then ASCII digits."""
    return ascii_digits(clean_text(value))


def is_clean(value: str, *, multiline: bool = False) -> bool:
    try:
        return clean_text(value, multiline=multiline) == value
    except TextRefused:
        return False


def scrub(value: str) -> str:
    """For output that must never fail (exports): every character clean_text refuses (line breaks and
    tabs kept) as U+FFFD, so a hidden character shows instead of breaking the file or the reading."""
    if all(_plain(c) for c in value):
        return value
    return "".join("\ufffd" if c != "\r" and refusal(c, multiline=True) else c for c in value)
