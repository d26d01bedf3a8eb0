"""Stored text: NFC, or refused with a message naming the character; digits of other scripts as ASCII;
exports never fail on what is stored."""
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rules.text import TextRefused, ascii_digits, clean_digits, clean_text, is_clean, refusal, scrub

DECOMPOSED_AA = "A\u030a"  # A + combining ring above, as a Mac keyboard or a copied PDF gives it


def test_a_decomposed_letter_is_stored_composed():
    assert clean_text(f"{DECOMPOSED_AA}sheim") == "Åsheim"
    assert clean_text("Bjørnstad") == "Bjørnstad"
    assert clean_text("Nguyễn Thị Minh Khai") == unicodedata.normalize("NFC", "Nguyễn Thị Minh Khai")


@pytest.mark.parametrize("text, kind, code", [
    ("Ola\x00", "nul", "U+0000"),
    ("Ola\x07Nordmann", "control", "U+0007"),
    ("Ola\x85", "line", "U+0085"),
    ("Ola\tNordmann", "control", "U+0009"),
    ("Storgata 1\nOslo", "line", "U+000A"),
    ("Storgata\u20281", "line", "U+2028"),
    ("Ola\u202enassnaH", "bidi", "U+202E"),
    ("Ola\u2066x\u2069", "bidi", "U+2066"),
    ("Ola\u200fx", "bidi", "U+200F"),
    ("Ola\u200bNordmann", "zero_width", "U+200B"),
    ("\ufeffOla", "zero_width", "U+FEFF"),
    ("Ola\u2060", "zero_width", "U+2060"),
    ("Nord\u00admann", "format", "U+00AD"),
    ("Ola\ud800", "invalid", "U+D800"),
    ("Ola\uffff", "invalid", "U+FFFF"),
])
def test_a_hidden_or_control_character_is_refused_with_its_name(text, kind, code):
    with pytest.raises(TextRefused) as refused:
        clean_text(text)
    assert refused.value.kind == kind
    assert code in str(refused.value) or kind == "nul"
    assert str(refused.value).startswith("Teksten ")


def test_the_nul_message_says_it_cannot_be_stored():
    with pytest.raises(TextRefused, match="NUL-tegn"):
        clean_text("a\x00b")


def test_multiline_text_keeps_line_breaks_and_tabs_but_not_the_rest():
    assert clean_text("Ringte.\r\nAvtalt møte\ttirsdag.\rOk", multiline=True) == "Ringte.\nAvtalt møte\ttirsdag.\nOk"
    for bad in ("a\x00", "a\u202e", "a\x0c", "a\u2028", "a\u200d"):
        with pytest.raises(TextRefused):
            clean_text(bad, multiline=True)


def test_other_scripts_digits_are_read_as_ascii():
    assert clean_digits("１２３４ ５６７８") == "1234 5678"  # full-width
    assert clean_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"  # Arabic-Indic
    assert clean_digits("۱۲۳") == "123"  # extended Arabic-Indic (Persian)
    assert clean_digits("१२३") == "123"  # Devanagari
    assert clean_digits("+47 22 33 44 55") == "+47 22 33 44 55"
    assert clean_digits("²") == "²"  # a superscript is not a decimal digit: left for the usual check to refuse
    with pytest.raises(TextRefused):
        clean_digits("123\u200b45")


def test_scrub_writes_every_refused_character_as_the_replacement_character():
    assert scrub("Ola\x00\x01\u202eNordmann\u200b") == "Ola\ufffd\ufffd\ufffdNordmann\ufffd"
    assert scrub("Linje 1\r\nLinje 2\tx") == "Linje 1\r\nLinje 2\tx"
    assert scrub("Åse Bækkelund") == "Åse Bækkelund"


FORBIDDEN = [chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0), 0x00AD, 0x061C, 0x200B, 0x200C, 0x200D,
                              0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060, 0x2066, 0x2067,
                              0x2068, 0x2069, 0xFEFF, 0x2028, 0x2029)]
texts = st.text(st.characters(codec=None), max_size=40) | st.text(
    st.sampled_from(FORBIDDEN + list("Aa\u030aØøå 1-")), max_size=12)


@given(texts, st.booleans())
@example("A\u030a", False)
@example("\x00", False)
@example("a\r\nb", True)
def test_clean_text_returns_nfc_or_refuses(text, multiline):
    try:
        cleaned = clean_text(text, multiline=multiline)
    except TextRefused as refused:
        assert refusal(refused.char, multiline=multiline) == refused.kind
        assert refused.char in text
        return
    expected = text.replace("\r\n", "\n").replace("\r", "\n") if multiline else text
    assert cleaned == unicodedata.normalize("NFC", expected)
    assert clean_text(cleaned, multiline=multiline) == cleaned  # once is enough


@given(texts, st.booleans())
def test_clean_text_never_returns_a_forbidden_character(text, multiline):
    try:
        cleaned = clean_text(text, multiline=multiline)
    except TextRefused:
        return
    allowed = set("\n\t") if multiline else set()
    assert not any(c in FORBIDDEN and c not in allowed for c in cleaned)
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Cs") or c in allowed for c in cleaned)
    assert is_clean(cleaned, multiline=multiline)


@given(st.text(st.characters(codec=None), max_size=40))
def test_scrub_always_gives_text_that_is_clean_in_a_multiline_field(text):
    scrubbed = scrub(text)
    assert len(scrubbed) == len(text)
    assert all(refusal(c, multiline=True) is None or c == "\r" for c in scrubbed)


@given(st.text(st.characters(categories=["Nd"]), min_size=1, max_size=20))
def test_every_decimal_digit_becomes_its_ascii_digit(digits):
    converted = ascii_digits(digits)
    assert converted.isascii() and converted.isdigit()
    assert converted == "".join(str(unicodedata.decimal(c)) for c in digits)
