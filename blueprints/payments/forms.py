"""The forms of the payments pages: uploading the bank's payment file and matching a payment by hand."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp

strip = [lambda v: v.strip() if v else v]
no_blanks = [lambda v: v.replace(" ", "") if v else v]


class UploadForm(FlaskForm):
    file = FileField(_l("Innbetalingsfil fra banken (OCR giro)"), validators=[
        FileRequired(_l("Velg en fil å laste opp."))])


class MatchForm(FlaskForm):
    """A list chosen among the suggestions (its id), or named by its KID; and why, in a note."""

    list_id = StringField(_l("Trekkliste"), filters=strip, validators=[
        Optional(), Regexp(r"^\d{1,18}$", message=_l("Velg en av trekklistene i listen."))])
    kid = StringField(_l("KID for trekklisten"), filters=no_blanks, validators=[
        Optional(), Regexp(r"^\d{2,25}$", message=_l("En KID er 2 til 25 sifre."))])
    note = TextAreaField(_l("Notat"), filters=strip, validators=[
        InputRequired(_l("Skriv et notat om hvorfor innbetalingen hører til denne trekklisten.")),
        Length(max=2000, message=_l("Høyst 2000 tegn."))])

    def add_error(self, name: str, message: str) -> str:
        field = getattr(self, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
        return message
