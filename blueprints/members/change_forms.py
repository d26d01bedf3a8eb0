from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from rules.csvfile import ParseError, parse_date
from rules.lifecycle import REVIEWED_CODES


class DateField(StringField):
    """A date typed as DD.MM.ÅÅÅÅ or ÅÅÅÅ-MM-DD; what was typed is shown again when it is wrong."""

    def process_formdata(self, valuelist):
        self.raw_text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if self.raw_text:
            try:
                self.data = parse_date(self.raw_text)
            except ParseError as error:
                raise ValueError(str(error)) from error

    def _value(self):
        if getattr(self, "raw_text", None):
            return self.raw_text
        return self.data.strftime("%d.%m.%Y") if self.data else ""


def select_choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _branch_id(value):
    return int(value) if isinstance(value, str | int) and str(value).isdigit() else None


class DuesCodeForm(FlaskForm):
    version = HiddenField()
    code = SelectField(_l("Ny kontingentkode"), choices=[], validate_choice=False,
                       validators=[InputRequired(_l("Velg en kontingentkode."))])
    from_date = DateField(_l("Gjelder fra (DD.MM.ÅÅÅÅ)"),
                          validators=[InputRequired(_l("Skriv datoen den nye koden gjelder fra."))])
    reason = TextAreaField(_l("Begrunnelse (valgfri)"), filters=[_strip],
                           validators=[Optional(), Length(max=1000, message=_l("Høyst 1000 tegn."))])


class TypeForm(FlaskForm):
    version = HiddenField()
    new_type = SelectField(_l("Ny medlemstype"), choices=[], validate_choice=False,
                           validators=[InputRequired(_l("Velg en medlemstype."))])
    branch = SelectField(_l("Fagforening (for hovedmedlem og bimedlem)"), choices=[], validate_choice=False,
                         coerce=_branch_id)
    from_date = DateField(_l("Gjelder fra (DD.MM.ÅÅÅÅ)"),
                          validators=[InputRequired(_l("Skriv datoen endringen gjelder fra."))])
    reason = TextAreaField(_l("Begrunnelse (valgfri)"), filters=[_strip],
                           validators=[Optional(), Length(max=1000, message=_l("Høyst 1000 tegn."))])


class ReviewFilterForm(FlaskForm):
    """Read from the query string, so a selection can be bookmarked."""

    class Meta:
        csrf = False

    kode = SelectField(_l("Kode"), choices=select_choices([("", _l("A, L og O"))] + [(c, c) for c in REVIEWED_CODES]),
                       validate_choice=False)
    mer_enn = IntegerField(_l("Mer enn (måneder)"), validators=[
        Optional(), NumberRange(min=0, max=600, message=_l("Skriv et antall måneder fra 0 til 600."))])
