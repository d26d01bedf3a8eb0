"""Form fields for values typed the Norwegian way: dates, kroner and percentages.

The field's data is the parsed value (a date, integer øre, hundredths of a percent); what was typed
is shown again next to the message when it cannot be read.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, StopValidation

from rules.csvfile import parse_date, parse_kroner, parse_percent
from rules.money import format_kroner, format_percent


class ParsedField(StringField):
    def parse(self, text: str):
        raise NotImplementedError

    def show(self, value) -> str:
        raise NotImplementedError

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            self.data = self.parse(valuelist[0])  # its ValueError is the field's message

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.show(self.data) if self.data is not None else ""


class DateField(ParsedField):
    """DD.MM.ÅÅÅÅ, or ÅÅÅÅ-MM-DD as a date picker sends it."""

    def parse(self, text):
        return parse_date(text)

    def show(self, value) -> str:
        return value.strftime("%d.%m.%Y")


class PercentField(ParsedField):
    """A percentage as hundredths: '80' → 8000, '1,15' → 115."""

    def parse(self, text):
        return parse_percent(text)

    def show(self, value) -> str:
        return format_percent(value).removesuffix(" %")


class KronerField(ParsedField):
    """An amount in kroner, not negative, as integer øre."""

    def parse(self, text):
        ore = parse_kroner(text)
        if ore < 0:
            raise ValueError(_l("Beløpet kan ikke være negativt."))
        return ore

    def show(self, value) -> str:
        return format_kroner(value)


def date_required(message=_l("Fyll ut datoen.")):
    """Validator: a date must be given (a date that could not be read already has its message)."""

    def check(form, field):
        if field.data is None and not field.errors:
            raise StopValidation(message)

    return check


def _strip(value):
    return value.strip() if value else value


class PersonFields(FlaskForm):
    """A person's name, address and contact, as every form that registers or corrects one asks them."""

    first_name = StringField(_l("Fornavn"), filters=[_strip], validators=[
        DataRequired(_l("Fornavn må fylles ut.")), Length(max=100, message=_l("Høyst 100 tegn."))])
    last_name = StringField(_l("Etternavn"), filters=[_strip], validators=[
        DataRequired(_l("Etternavn må fylles ut.")), Length(max=100, message=_l("Høyst 100 tegn."))])
    address = StringField(_l("Adresse"), filters=[_strip],
                          validators=[Length(max=200, message=_l("Høyst 200 tegn."))])
    postal_code = StringField(_l("Postnummer"), filters=[_strip], validators=[
        Optional(), Regexp(r"^\d{4}$", message=_l("Postnummeret skal være fire siffer."))])
    city = StringField(_l("Poststed"), filters=[_strip], validators=[Length(max=100, message=_l("Høyst 100 tegn."))])
    phone = StringField(_l("Telefon"), filters=[_strip], validators=[
        Optional(), Regexp(r"^\+?[\d ]{8,15}$", message=_l("Telefonnummeret skal være 8 til 15 siffer."))])
    email = StringField(_l("E-post"), filters=[_strip], validators=[
        Optional(), Email(_l("E-postadressen er ikke gyldig."), check_deliverability=False),
        Length(max=200, message=_l("Høyst 200 tegn."))])
