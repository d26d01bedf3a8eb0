"""Passwords: Argon2id hashing (memory-hard) and what a new password must be, for every place that sets
or checks one (signing in, accounts made on the command line or by the registry, a user's own change,
the employer portal's requests).

A new password has at least 12 characters and is not easy to guess: zxcvbn (offline: its lists of
common passwords, words and names ship inside the package, plus a few Norwegian words of our own)
must score it 3 or better, and it must not be one of the common passwords on zxcvbn's list. Only the
first SCORED_CHARACTERS are scored (zxcvbn slows down on long input); long passphrases in any script
are welcome."""
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from zxcvbn import matching as zxcvbn_matching
from zxcvbn import zxcvbn

MIN_PASSWORD_LENGTH = 12
MIN_SCORE = 3  # zxcvbn's 0-4: 3 is "safely unguessable: moderate protection from an offline attack"
SCORED_CHARACTERS = 64  # about 40 ms for the worst 64 characters; 100 can take over 0.1 s

# Norwegian words people here choose (zxcvbn's own lists are English): seasons, places, clubs, and
# the words of this register. Lower case; zxcvbn matches without regard to case and also reversed
# and with the usual l33t substitutions.
NORWEGIAN_WORDS = (
    "passord", "hemmelig", "velkommen", "sommer", "vinter", "høst", "våren", "norge", "oslo", "bergen",
    "trondheim", "stavanger", "tromsø", "kristiansand", "drammen", "fotball", "rosenborg", "brann",
    "vålerenga", "molde", "jegelskerdeg", "kjæreste", "fagforening", "forbund", "medlem",
    "medlemsregister", "kontingent", "trekkliste", "arbeidsgiver", "kommune", "lønn", "fylke",
    "sentral", "portal",
)
zxcvbn_matching.add_frequency_lists({"norwegian": list(NORWEGIAN_WORDS)})


def _params() -> tuple:
    """Argon2 parameters: the library's defaults unless ARGON2_PARAMS says otherwise (tests)."""
    configured = current_app.config.get("ARGON2_PARAMS") if has_app_context() else None
    return tuple(sorted((configured or {}).items()))


@lru_cache
def _hasher(params: tuple) -> PasswordHasher:
    return PasswordHasher(**dict(params))


@lru_cache
def _dummy_hash(params: tuple) -> str:
    """Verifying against this when the user does not exist keeps the answer time the same."""
    return _hasher(params).hash("not a password")


def hash_password(password: str) -> str:
    return _hasher(_params()).hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches the hash; None (no such user) takes as long and is False."""
    try:
        _hasher(_params()).verify(password_hash or _dummy_hash(_params()), password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher(_params()).check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, in words for the person choosing it, or None when it is good.

    Every place that sets a password asks this (accounts made on the command line or by the registry,
    a user's own change, a reset, the employer portal's access request)."""
    from flask_babel import gettext as _

    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Passordet må ha minst %(n)s tegn.", n=MIN_PASSWORD_LENGTH)
    if password.lower() in zxcvbn_matching.RANKED_DICTIONARIES["passwords"]:
        return _("Passordet er for lett å gjette: det står på lister over vanlige passord.")
    scored = zxcvbn(password[:SCORED_CHARACTERS], max_length=SCORED_CHARACTERS)
    if scored["score"] >= MIN_SCORE:
        return None
    return _weakness(scored["sequence"], _)


def _weakness(sequence: list[dict], _) -> str:
    """The message for a weak password, naming its longest guessable part (as zxcvbn's own feedback)."""
    known = [match for match in sequence if match["pattern"] != "bruteforce"]
    match = max(known, key=lambda m: len(m["token"]), default=None)
    pattern = match["pattern"] if match else None
    if pattern == "dictionary" and match["dictionary_name"] == "passwords":
        return _("Passordet er for lett å gjette: det ligner et vanlig passord. Bruk en setning av flere "
                 "uvanlige ord.")
    if pattern == "dictionary" and match["dictionary_name"] in ("surnames", "male_names", "female_names"):
        return _("Passordet er for lett å gjette: det bygger på et vanlig navn. Bruk en setning av flere "
                 "uvanlige ord.")
    if pattern == "dictionary":
        return _("Passordet er for lett å gjette: det bygger på et vanlig ord. Bruk en setning av flere "
                 "uvanlige ord.")
    if pattern == "spatial":
        return _("Passordet er for lett å gjette: tastaturmønstre som «qwerty» eller «asdf» prøves tidlig. "
                 "Bruk en setning av flere uvanlige ord.")
    if pattern == "repeat":
        return _("Passordet er for lett å gjette: gjentakelser som «aaa» eller «abcabc» prøves tidlig. "
                 "Bruk en setning av flere uvanlige ord.")
    if pattern == "sequence":
        return _("Passordet er for lett å gjette: rekker som «abcd» eller «6543» prøves tidlig. Bruk en "
                 "setning av flere uvanlige ord.")
    if pattern in ("date", "regex"):
        return _("Passordet er for lett å gjette: datoer og årstall prøves tidlig. Bruk en setning av "
                 "flere uvanlige ord.")
    return _("Passordet er for lett å gjette. Bruk en setning av flere uvanlige ord.")


def good_password(_form, field) -> None:
    """A WTForms validator for every form that sets a password: password_problem's reason, next to the field."""
    from wtforms.validators import ValidationError

    if problem := password_problem(field.data or ""):
        raise ValidationError(problem)
