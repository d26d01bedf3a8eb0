"""No log line carries an identity number (DOMAIN.md section 8: never in a server log).

The app's own log calls write ids and fixed texts only. What can carry one is a message made of someone
else's text, above all a traceback: PostgreSQL's error for a unique identity number quotes it ("Key
(national_id)=(...) already exists"), whatever the engine's `hide_parameters` hides. So every log record,
from any logger and for any handler (also those a server like gunicorn sets up later), is made with its
message and traceback written out and every eleven-digit number in them (also with the space after the
birth date) masked. Other eleven-digit numbers (an account number, say) are masked too, which a log can
spare.
"""
import logging
import re

# eleven digits, also with one separator after the birth date as people type it (space, +, -, ., /) or
# as a URL carries it (%20, %2B, %2F)
NATIONAL_ID = re.compile(r"(?<!\d)\d{6}(?:[ +.\-/]|%20|%2[bBfF])?\d{5}(?!\d)")
MASK = "[11 digits]"
_formatter = logging.Formatter()
_installed = False


def redact(text: str) -> str:
    return NATIONAL_ID.sub(MASK, text)


def install() -> None:
    """Wrap the process's log record factory (once, however many apps are made)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def make_record(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 (a broken format: the handler reports it as it would)
            return record
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(_formatter.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    logging.setLogRecordFactory(make_record)
    _installed = True
