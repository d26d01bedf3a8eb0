"""Forms of the organization area: a row of the dues rate table, and a branch's rate from a date.

Amounts are typed the Norwegian way ("42 827,59", "74") and held as integer øre, percentages as
"1,15" and held as hundredths of a percent; both parsed exactly, never through float.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from models.dues import RATE_FIELDS
from rules.csvfile import parse_date, parse_kroner, parse_percent
from rules.dues import DuesError, Rates, check_rate
from rules.money import format_kroner, format_percent

REQUIRED = _l("Fyll ut feltet.")


class _ParsedField(StringField):
    """A text field whose data is the parsed value; what was typed is shown again on errors."""

    def parse(self, text: str):
        raise NotImplementedError

    def show(self, value) -> str:
        raise NotImplementedError

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            self.data = self.parse(valuelist[0])  # a ValueError becomes the field's message

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.show(self.data) if self.data is not None else ""


class KronerField(_ParsedField):
    """An amount in kroner, not negative, as integer øre."""

    def parse(self, text: str) -> int:
        ore = parse_kroner(text)
        if ore < 0:
            raise ValueError(_l("Beløpet kan ikke være negativt."))
        return ore

    def show(self, value: int) -> str:
        return format_kroner(value)


class PercentField(_ParsedField):
    """A percentage as hundredths of a percent: '1,15' → 115."""

    def parse(self, text: str) -> int:
        return parse_percent(text)

    def show(self, value: int) -> str:
        return format_percent(value).removesuffix(" %")


class DateField(_ParsedField):
    """A date typed dd.mm.åååå (or yyyy-mm-dd, as a date picker sends it)."""

    def parse(self, text: str):
        return parse_date(text)

    def show(self, value) -> str:
        return value.strftime("%d.%m.%Y")


def first_of_month(form, field):
    if field.data is not None and field.data.day != 1:
        raise ValidationError(_l("Datoen må være den første dagen i en måned."))


def valid_rate(form, field):
    """A percentage between 0 and 10 % (rules.dues.check_rate)."""
    if field.data is not None:
        try:
            check_rate(field.data)
        except DuesError as error:
            raise ValidationError(str(error)) from error


def _kroner(label):
    return KronerField(label, validators=[InputRequired(REQUIRED)])


class RateForm(FlaskForm):
    """One row of the rate table. `rates` holds the checked rules.dues.Rates after validate()."""

    valid_from = DateField(_l("Gjelder fra"), validators=[InputRequired(REQUIRED), first_of_month])
    minimum_bp = PercentField(_l("Minstesats (%)"), validators=[InputRequired(REQUIRED), valid_rate])
    central_bp = PercentField(_l("Sentral andel (%)"), validators=[InputRequired(REQUIRED), valid_rate])
    step50_ore = _kroner(_l("Referanselønn for taket (lønnstrinn 50), kr per måned"))
    home_ore = _kroner(_l("Hjemforsikring, kr per måned"))
    benefit_fund_ore = _kroner(_l("Stønadskassa, kr per måned"))
    education_fund_ore = _kroner(_l("Utdanningsfond, kr per måned"))
    pensioner_yearly_ore = _kroner(_l("Pensjonister og uføre, kr per år"))
    student_half_year_ore = _kroner(_l("Studenter, kr per halvår"))
    note = TextAreaField(_l("Merknad"), validators=[Length(max=2000, message=_l("Høyst 2000 tegn."))],
                         filters=[lambda v: v.strip() if v else v])
    by_branch = BooleanField(_l("Vis endringene per fagforening"))

    rates: Rates | None = None

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        try:
            self.rates = Rates(valid_from=self.valid_from.data,
                               **{name: self[name].data for name in RATE_FIELDS})
        except DuesError as error:
            # The fields are each valid by now: what is left is how they fit together, which is the
            # central share against the minimum.
            self.central_bp.errors.append(str(error))
            return False
        return True


class BranchRateForm(FlaskForm):
    valid_from = DateField(_l("Gjelder fra"), validators=[InputRequired(REQUIRED), first_of_month])
    rate_bp = PercentField(_l("Samlet prosentsats (%)"), validators=[InputRequired(REQUIRED)])


class DeleteForm(FlaskForm):
    confirm = BooleanField(_l("Ja, slett satsraden"))

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(_l("Kryss av for å bekrefte at raden skal slettes."))
