"""The distribution's forms: the month of a new distribution (read from the URL) and the confirmation."""
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import ValidationError

from rules.csvfile import ParseError
from rules.deduction_file import parse_month
from web import clock

strip = [lambda v: v.strip() if v else v]


def period_of(text: str | None) -> date:
    """`MM.YYYY` or `YYYY-MM` as the month's first day, a month that has begun; else ValidationError
    with the Norwegian reason."""
    if not text:
        raise ValidationError(_l("Skriv måneden (MM.ÅÅÅÅ)."))
    try:
        period = parse_month(text)
    except ParseError as error:
        raise ValidationError(str(error)) from error
    if period > clock.today().replace(day=1):
        raise ValidationError(_l("Måneden har ikke begynt ennå; en fordeling gjelder en måned som er begynt."))
    return period


class PeriodForm(FlaskForm):
    """"Ny fordeling": the month whose preview to show (a GET form: the month is in the URL)."""

    class Meta:
        csrf = False

    periode = StringField(_l("Til og med måned"), filters=strip)

    period: date | None = None

    def validate_periode(self, field):
        self.period = period_of(field.data)


class RunForm(FlaskForm):
    """The confirmation of a run: the month shown in the preview, and the box that says it was checked."""

    periode = HiddenField()
    bekreftet = BooleanField(_l("Jeg har kontrollert forhåndsvisningen. Fordelingen kan ikke endres etterpå."))

    period: date | None = None

    def validate_periode(self, field):
        self.period = period_of(field.data)

    def validate_bekreftet(self, field):
        if not field.data:
            raise ValidationError(_l("Kryss av for at du har kontrollert forhåndsvisningen."))
