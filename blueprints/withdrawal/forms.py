"""The withdrawal form and the period filter of the stop-deduction queue."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from web.fields import DateField, date_required

strip = [lambda v: v.strip() if v else v]


def optional_int(value) -> int | None:
    """A chosen code as a number; anything else is None (the service says it is no code)."""
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


class WithdrawalForm(FlaskForm):
    version = HiddenField()
    code = SelectField(_l("Utmeldingskode"), choices=[], coerce=optional_int, validate_choice=False,
                       validators=[InputRequired(_l("Velg en utmeldingskode."))])
    end_date = DateField(_l("Siste dag som medlem"), validators=[date_required()])
    receiving_union = StringField(_l("Forbundet medlemmet går over til (kode 6 og 7)"), filters=strip,
                                  validators=[Length(max=200, message=_l("Høyst 200 tegn."))])
    note = TextAreaField(_l("Merknad (må fylles ut ved kode 4)"), filters=strip,
                         validators=[Length(max=2000, message=_l("Høyst 2000 tegn."))])


class PeriodForm(FlaskForm):
    """The queue's period, read from the query string so that a view can be bookmarked."""

    class Meta:
        csrf = False

    fra = DateField(_l("Utmeldt fra og med"))
    til = DateField(_l("til og med"))

