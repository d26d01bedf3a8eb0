from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from models.codes import MEMBERSHIP_TYPES
from web.fields import PersonFields
from web.idnumber import InvalidNumber, parse_national_id


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices, with "Alle" (no filter) first."""
    return [SelectChoice("", _l("Alle"))] + [SelectChoice(value, label) for value, label in pairs]


STATUS_CHOICES = [SelectChoice("active", _l("Aktive")), SelectChoice("former", _l("Tidligere")),
                  SelectChoice("all", _l("Alle"))]


class SearchForm(FlaskForm):
    """Read from the query string (GET), so every search can be bookmarked and shared."""

    class Meta:
        csrf = False

    q = StringField(_l("Navn, medlemsnummer eller fødselsnummer"))
    employer = StringField(_l("Arbeidsgiver (navn eller org.nr.)"))
    branch = SelectField(_l("Fagforening"), choices=[], validate_choice=False)
    dues_code = SelectField(_l("Kontingentkode"), choices=[], validate_choice=False)
    type = SelectField(
        _l("Medlemstype"), choices=choices((k, _l(v)) for k, v in MEMBERSHIP_TYPES.items()), validate_choice=False
    )
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, default="active", validate_choice=False)
    return_mail = BooleanField(_l("Bare returpost"))
    sort = HiddenField(default="name")
    dir = HiddenField(default="asc")
    page = IntegerField(default=1, validators=[Optional()])


def valid_national_id(form, field):
    try:
        field.data = parse_national_id(field.data).number
    except InvalidNumber as error:
        raise ValidationError(str(error)) from error


class PersonForm(PersonFields):
    version = HiddenField()
    national_id = StringField(_l("Fødselsnummer"), validators=[valid_national_id])
    return_mail = BooleanField(_l("Returpost (posten kom i retur)"))

    def validate_city(self, field):
        if self.postal_code.data and not (field.data or "").strip():
            raise ValidationError(_l("Poststed må fylles ut når postnummer er oppgitt."))


class NoteForm(FlaskForm):
    text = TextAreaField(
        _l("Notat"),
        validators=[DataRequired(_l("Skriv et notat.")), Length(max=4000, message=_l("Høyst 4000 tegn."))],
        filters=[lambda v: v.strip() if v else v],
    )
