"""Every text a form receives passes rules.text once, before the field reads it (installed by create_app).

WTForms binds each field of each form through its form's Meta; `install()` wraps that binding once
for every form of the app (FlaskForm and plain wtforms.Form alike), so no form has to remember it:

- a single-line field (StringField, HiddenField, SelectField, …) gets its text in NFC, or the field's
  message when it holds a control character (a NUL included), a bidi override or a zero-width or other
  invisible character (rules.text);
- a TextAreaField (notes, comments) the same, with line breaks and tabs allowed;
- a number field (IntegerField, DecimalField, the app's date, kroner and percent fields, and the text
  fields named in NUMBER_FIELDS: identity numbers, phone numbers, postal codes, …) also gets full-width
  and other scripts' digits as ASCII digits, so `１２３` is read as `123` and never stored as typed;
- a password is left as typed (it is only hashed, and a changed password would no longer match).

A refused field keeps what was typed for the page to show again (with the message), while its data is
the text with each refused character as U+FFFD: a form that is only read, not validated (a filter), can
never carry them into a query. Forms that are validated fail with the message next to the field (422).
"""
from flask_babel import gettext
from wtforms import fields
from wtforms.meta import DefaultMeta

from rules.text import TextRefused, clean_digits, clean_text, refusal

NUMBER_FIELDS = frozenset({"national_id", "phone", "postal_code", "orgnr", "kid", "list_id", "code", "account",
                           "member_number"})
_NUMBER_CLASSES = (fields.IntegerField, fields.DecimalField, fields.FloatField, fields.DateField,
                   fields.DateTimeField)
_UNTOUCHED = (fields.PasswordField, fields.FileField, fields.MultipleFileField, fields.FormField, fields.FieldList)


def field_kind(field) -> str | None:
    """"text", "multiline", "digits", or None for a field whose input is left alone."""
    if isinstance(field, _UNTOUCHED):
        return None
    if isinstance(field, fields.TextAreaField):
        return "multiline"
    from web.fields import ParsedField  # web.fields imports rules that import nothing of ours

    if isinstance(field, (*_NUMBER_CLASSES, ParsedField)) or field.short_name in NUMBER_FIELDS:
        return "digits"
    return "text"


def clean_input(value: str, kind: str) -> str:
    if kind == "digits":
        return clean_digits(value)
    return clean_text(value, multiline=kind == "multiline")


def with_refused_replaced(value: str, kind: str) -> str:
    """The data of a refused text: each refused character as U+FFFD (so that "required" still sees
    that something was typed and keeps the message about the character), then cleaned."""
    multiline = kind == "multiline"
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return clean_input("".join("\ufffd" if refusal(c, multiline=multiline) else c for c in value), kind)


def message(error: TextRefused) -> str:
    return gettext(error.template, **error.params)


def _checked(field, process_formdata, kind: str):
    def process(valuelist):
        try:
            cleaned = [clean_input(v, kind) if isinstance(v, str) else v for v in valuelist]
        except TextRefused as error:
            field.text_refused = True
            try:
                process_formdata([with_refused_replaced(v, kind) if isinstance(v, str) else v for v in valuelist])
            except ValueError:
                pass  # the refused character is the message to give
            raise ValueError(message(error)) from None  # Field.process makes it the field's message
        process_formdata(cleaned)

    return process


def _bind_field(self, form, unbound_field, options):
    field = _original_bind_field(self, form, unbound_field, options)
    kind = field_kind(field)
    if kind is not None:
        field.process_formdata = _checked(field, field.process_formdata, kind)
    return field


_original_bind_field = DefaultMeta.bind_field


def install() -> None:
    """Once per process (create_app calls it for every app; a second call changes nothing)."""
    if DefaultMeta.bind_field is not _bind_field:
        DefaultMeta.bind_field = _bind_field


def refused_fields(form) -> list:
    """The fields of a form read without validate() (a search, a filter) that were given refused text;
    each one's message is in its process_errors."""
    return [field for field in form if getattr(field, "text_refused", False)]
