"""Name keys: a plain binary order that is Norwegian alphabetical order, and prefix ranges."""
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from rules.names import name_key, person_name_key, prefix_upper_bound

ALPHABET = "abcdefghijklmnopqrstuvwxyzæøå"
names = st.text(alphabet=ALPHABET + ALPHABET.upper(), min_size=1, max_size=12)


def norwegian_order(word: str) -> list[int]:
    """The reference: position in the Norwegian alphabet, where æ, ø, å follow z."""
    return [ALPHABET.index(c) for c in word.lower()]


def test_worked_example_sorts_in_norwegian_order():
    surnames = ["Åsheim", "Øien", "Berg", "Ærø", "Aasen"]
    assert sorted(surnames, key=name_key) == ["Aasen", "Berg", "Ærø", "Øien", "Åsheim"]


@given(st.lists(names, min_size=2, max_size=20))
def test_sorting_by_key_is_norwegian_order(words):
    assert [norwegian_order(w) for w in sorted(words, key=name_key)] == sorted(norwegian_order(w) for w in words)


def test_case_spaces_and_accents_do_not_matter():
    assert name_key("  BÆKKELUND   Åse ") == name_key("bækkelund åse")
    assert name_key("Hélène") == name_key("helene")


def test_decomposed_letters_give_the_same_key():
    """A browser on some systems sends å as a + combining ring: it must still be å, not a."""
    for word in ["Åsheim", "Ærø", "Øien", "Hélène"]:
        assert name_key(unicodedata.normalize("NFD", word)) == name_key(word)


def test_person_key_is_last_name_first():
    assert person_name_key("Nordmann", "Kari") == name_key("Nordmann Kari")
    assert person_name_key("Berg", "Åse") < person_name_key("Bergstrøm", "Anne")


@given(names, names)
def test_prefix_range_holds_exactly_the_keys_with_that_prefix(prefix, word):
    key, start = name_key(word), name_key(prefix)
    assert (start <= key < prefix_upper_bound(start)) == key.startswith(start)


@given(names, names)
def test_prefix_search_on_key_finds_the_name_it_begins(word, rest):
    key, start = name_key(word + rest), name_key(word)
    assert start <= key < prefix_upper_bound(start)
