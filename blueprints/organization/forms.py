"""Forms of the organization area: a row of the dues rate table, and a branch's rate from a date.

Amounts are typed the Norwegian way ("42 827,59", "74") and held as integer øre, percentages as
"1,15" and held as hundredths of a percent; both parsed exactly, never through float.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from models.dues import RATE_FIELDS
from rules.dues import DuesError, Rates, check_rate
from web.fields import DateField, KronerField, PercentField

REQUIRED = _l("Fyll ut feltet.")


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
