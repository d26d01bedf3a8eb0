from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from rules.lifecycle import REVIEWED_CODES
from web.fields import DateField


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
