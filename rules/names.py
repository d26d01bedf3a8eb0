"""Keys for searching and sorting names in Norwegian order with a plain binary index."""
import unicodedata

# Norwegian sorts æ, ø, å after z and in that order; in code-point order they would come å, æ, ø.
_AFTER_Z = str.maketrans({"æ": "{", "ø": "|", "å": "}", "ä": "{", "ö": "|", "ü": "y"})


def name_key(text: str) -> str:
    """Lower-case, accents folded (é → e), æøå mapped so that binary order is Norwegian order.

    The same function makes the stored key and the search prefix, so a prefix search is a range
    scan on one index on every database.
    """
    text = unicodedata.normalize("NFC", " ".join(text.lower().split())).translate(_AFTER_Z)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def person_name_key(last_name: str, first_name: str) -> str:
    return name_key(f"{last_name} {first_name}")


def prefix_upper_bound(prefix: str) -> str:
    """The smallest key greater than every key that starts with `prefix`."""
    return prefix + "\uffff"
