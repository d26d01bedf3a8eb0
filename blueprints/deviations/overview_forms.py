"""The forms around the deduction lists: the overview's filters, the file upload, forming a month."""
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from models.deduction import LIST_STATES
from rules.csvfile import ParseError
from rules.deduction_file import parse_month
from rules.payment_state import PAYMENT_STATES
from web import clock

strip = [lambda v: v.strip() if v else v]


def period_of(text: str) -> date:
    """`YYYY-MM` or `MM.YYYY` as the month's first day; ValidationError with the Norwegian reason."""
    try:
        return parse_month(text)
    except ParseError as error:
        raise ValidationError(str(error)) from error


class FilterForm(FlaskForm):
    """The overview's filters, read from the query string so that a view can be bookmarked."""

    class Meta:
        csrf = False

    periode = StringField(_l("Periode"), filters=strip)
    tilstand = SelectField(_l("Tilstand"), choices=[SelectChoice("", _l("Alle"))] + [
        SelectChoice(key, _l(label)) for key, label in LIST_STATES.items()], validate_choice=False)
    arbeidsgiver = StringField(_l("Arbeidsgiver (navn eller org.nr.)"), filters=strip)
    fagforening = StringField(_l("Fagforening (nummer)"), filters=strip)
    betaling = SelectField(_l("Betaling"), choices=[SelectChoice("", _l("Alle"))] + [
        SelectChoice(key, _l(label)) for key, label in PAYMENT_STATES.items()], validate_choice=False)
    apne = BooleanField(_l("Bare med åpne avvik"))

    period: date | None = None
    branch_number: int | None = None

    def validate_periode(self, field):
        self.period = period_of(field.data) if field.data else None

    def validate_tilstand(self, field):
        if field.data and field.data not in LIST_STATES:
            raise ValidationError(_l("Velg en av tilstandene i listen."))

    def validate_betaling(self, field):
        if field.data and field.data not in PAYMENT_STATES:
            raise ValidationError(_l("Velg en av betalingstilstandene i listen."))

    def validate_arbeidsgiver(self, field):
        if field.data and len(field.data) > 200:
            raise ValidationError(_l("Høyst 200 tegn."))

    def validate_fagforening(self, field):
        self.branch_number = None
        if not field.data:
            return
        if not (field.data.isascii() and field.data.isdigit() and len(field.data) <= 9):
            raise ValidationError(_l("Skriv fagforeningens nummer med sifre, for eksempel 101."))
        self.branch_number = int(field.data)


class UploadForm(FlaskForm):
    file = FileField(_l("Fil fra arbeidsgiveren (CSV eller XLSX)"), render_kw={"accept": ".csv,.xlsx"}, validators=[
        FileRequired(_l("Velg en fil å laste opp.")),
    ])  # not its name but its bytes tell what a file is (rules.filekind names an XLS, ODS or PDF)


class FormMonthForm(FlaskForm):
    periode = StringField(_l("Måned"), filters=strip)

    period: date | None = None

    def validate_periode(self, field):
        if not field.data:
            raise ValidationError(_l("Skriv måneden (MM.ÅÅÅÅ)."))
        period = period_of(field.data)
        if period > clock.today().replace(day=1):
            raise ValidationError(_l("Måneden har ikke begynt ennå; lister dannes for en måned som er begynt."))
        self.period = period
