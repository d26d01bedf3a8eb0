"""The enrollment form (step 1: the identity number; step 2: the rest) and the queue's period filter.

The forms check what was typed (formats, required fields); the rules of an enrollment (attachment,
codes, ages, scope) are checked by services.enroll, so that they hold whatever sends the data.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from models.codes import MEMBERSHIP_TYPES, PAYMENT_METHODS
from web.fields import DateField, KronerField, PercentField, PersonFields, date_required

strip = [lambda v: v.strip() if v else v]
HOME_CHOICES = [SelectChoice("covered", _l("Omfattet av hjemforsikring")),
                SelectChoice("reserved", _l("Reservert mot hjemforsikring"))]


class LookupForm(FlaskForm):
    """Step 1: who is to be enrolled."""

    national_id = StringField(_l("Fødselsnummer (11 siffer)"), filters=strip,
                              validators=[DataRequired(_l("Skriv inn fødselsnummeret."))])


class EnrollmentForm(PersonFields):
    """Step 2. The identity number comes from step 1 and is checked again when saved."""

    national_id = HiddenField()
    person_version = HiddenField()  # a known person: the version the form was filled from

    membership_type = SelectField(_l("Medlemstype"), default="main", validate_choice=False,
                                  choices=[SelectChoice(k, _l(v)) for k, v in MEMBERSHIP_TYPES.items()])
    apprentice = BooleanField(_l("Lærling (hovedmedlem)"))
    unit = SelectField(_l("Tilknytning"), choices=[], validate_choice=False,
                       validators=[InputRequired(_l("Velg fagforening eller fylke."))])
    section = SelectField(_l("Seksjon"), choices=[], validate_choice=False,
                          validators=[InputRequired(_l("Velg seksjon."))])
    enrollment_code = SelectField(_l("Innmeldingskode"), choices=[], default="0", validate_choice=False)
    earlier_union = StringField(_l("Tidligere forbund (kode 6 og 7)"), filters=strip,
                                validators=[Length(max=200, message=_l("Høyst 200 tegn."))])
    earlier_union_start = DateField(_l("Medlem i tidligere forbund fra (kode 6 og 7)"))
    start_date = DateField(_l("Startdato"), validators=[date_required(_l("Fyll ut startdatoen."))])
    dues_code = SelectField(_l("Kontingentkode"), choices=[], default="Y", validate_choice=False)

    workplace = SelectField(_l("Arbeidssted"), choices=[], validate_choice=False)
    position = PercentField(_l("Stillingsprosent"), default=10000)
    employment_from = DateField(_l("Ansatt fra (tom: startdatoen)"))
    monthly_pay = KronerField(_l("Månedslønn, kr (brutto)"))
    payment_method = SelectField(_l("Betaling"), default="deduction", validate_choice=False,
                                 choices=[SelectChoice(k, _l(v)) for k, v in PAYMENT_METHODS.items()])

    home = SelectField(_l("Hjemforsikring"), choices=HOME_CHOICES, default="covered", validate_choice=False)
    benefit_fund = BooleanField(_l("Stønadskassa"), default=True)
    education_fund = BooleanField(_l("Utdanningsfond (OUO)"), default=True)


class PeriodForm(FlaskForm):
    """The queue's filters, read from the query string so that a view can be bookmarked and shared."""

    class Meta:
        csrf = False

    fra = DateField(_l("Startet fra og med"))
    til = DateField(_l("til og med"))
    varslede = BooleanField(_l("Vis også varslede"))
