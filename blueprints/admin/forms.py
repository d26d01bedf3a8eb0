"""Forms of account administration: the list's filters, a new account, role and scopes, blocking, the
confirmations, and a branch's request for a new officer's account with the decision on it.

The forms read what was typed; what the rules refuse (a username taken, a branch outside the county, a
weak password) is checked by services, whose messages the views put next to the field they name."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from models.user import ROLES
from web.fields import DateField

strip = [lambda v: v.strip() if v else v]
lower = [lambda v: v.strip().lower() if v else v]


def int_or_none(value) -> int | None:
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def as_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options of a select."""
    return [SelectChoice(value, label) for value, label in pairs]


def offered(field) -> set:
    return {choice.value for choice in field.choices}


def orgnr_list(text: str | None) -> list[str]:
    """Organization numbers typed one per line or separated by commas or spaces."""
    return [part for part in (text or "").replace(",", " ").split() if part]


class FilterForm(FlaskForm):
    """The account list's filters, read from the query string so that a view can be bookmarked."""

    class Meta:
        csrf = False

    q = StringField(_l("Navn eller brukernavn"), filters=strip, validators=[
        Length(max=100, message=_l("Høyst 100 tegn."))])
    rolle = SelectField(_l("Rolle"), choices=[SelectChoice("", _l("Alle"))] + [
        SelectChoice(key, _l(label)) for key, label in ROLES.items()], validate_choice=False)
    status = SelectField(_l("Status"), choices=[
        SelectChoice("", _l("Alle")), SelectChoice("aktiv", _l("Ikke sperret")), SelectChoice("sperret", _l("Sperret"))],
        validate_choice=False)

    def validate_rolle(self, field):
        if field.data and field.data not in ROLES:
            raise ValidationError(_l("Velg en av rollene i listen."))

    def validate_status(self, field):
        if field.data and field.data not in ("aktiv", "sperret"):
            raise ValidationError(_l("Velg en av statusene i listen."))


class _ChosenIds(SelectMultipleField):
    """Several ids from the offered choices; anything else is a Norwegian message, not a crash."""

    def __init__(self, label, **kwargs):
        super().__init__(label, coerce=int_or_none, choices=[], validate_choice=False, **kwargs)

    def pre_validate(self, form):
        if any(value is None or value not in offered(self) for value in self.data or ()):
            raise ValidationError(_l("Velg bare fra listen."))


class AccessForm(FlaskForm):
    """Role and scopes. A county sees only `branches` (the others are deleted by the view)."""

    role = SelectField(_l("Rolle"), choices=[SelectChoice(key, _l(label)) for key, label in ROLES.items()],
                       validate_choice=False)
    branches = _ChosenIds(_l("Fagforeninger"), render_kw={"size": 8})
    counties = _ChosenIds(_l("Fylkeskretser"), render_kw={"size": 6})
    employers = TextAreaField(_l("Arbeidsgivere (organisasjonsnummer, ett per linje)"), filters=strip,
                              validators=[Length(max=2000, message=_l("Høyst 2000 tegn."))])

    def validate_role(self, field):
        if field.data not in ROLES:
            raise ValidationError(_l("Velg en av rollene i listen."))

    def validate(self, extra_validators=None) -> bool:
        """Each role with the scope it needs, next to that field (an employer contact may hold only
        workplaces, which the service keeps: it checks that case)."""
        ok = super().validate(extra_validators)
        role = self.role.data if "role" in self else "branch"
        if not ok or role not in ROLES:
            return ok
        needs = {"branch": ("branches", _l("Velg minst én fagforening.")),
                 "county": ("counties", _l("Velg minst én fylkeskrets."))}
        if role in needs:
            name, message = needs[role]
            if name in self and not self[name].data:
                self[name].errors = [*self[name].errors, message]
                ok = False
        return ok

    def scope_data(self) -> dict:
        """What the service takes: the role and the scopes for it (scopes of other roles are ignored)."""
        role = self.role.data if "role" in self else "branch"
        return {
            "role": role,
            "branch_ids": (self.branches.data or []) if role == "branch" else [],
            "county_ids": (self.counties.data or []) if role == "county" and "counties" in self else [],
            "employer_orgnrs": orgnr_list(self.employers.data) if role == "employer" and "employers" in self else [],
        }


class AccountForm(AccessForm):
    """A new account. Without a password chosen, one is generated and shown once."""

    full_name = StringField(_l("Fullt navn"), filters=strip, validators=[
        DataRequired(_l("Skriv fullt navn.")), Length(max=200, message=_l("Høyst 200 tegn."))])
    username = StringField(_l("Brukernavn"), filters=strip, validators=[
        DataRequired(_l("Skriv et brukernavn.")), Length(max=100, message=_l("Høyst 100 tegn."))])
    email = StringField(_l("E-post"), filters=lower, validators=[
        Optional(), Email(_l("E-postadressen er ikke gyldig."), check_deliverability=False),
        Length(max=200, message=_l("Høyst 200 tegn."))])
    declaration_date = DateField(_l("Taushetserklæringen signert"),
                                 validators=[DataRequired(_l("Skriv datoen da taushetserklæringen ble signert."))])
    password = PasswordField(_l("Passord (tomt: lag et midlertidig)"), validators=[
        Optional(), Length(max=200, message=_l("Høyst 200 tegn."))])


class BlockForm(FlaskForm):
    reason = TextAreaField(_l("Hvorfor sperres kontoen?"), filters=strip, validators=[
        DataRequired(_l("Skriv hvorfor kontoen sperres.")), Length(max=400, message=_l("Høyst 400 tegn."))])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the confirmation is the button."""


class RequestForm(FlaskForm):
    """A branch officer asks for an account for a new officer."""

    full_name = StringField(_l("Fullt navn"), filters=strip, validators=[
        DataRequired(_l("Skriv fullt navn.")), Length(max=200, message=_l("Høyst 200 tegn."))])
    # The e-mail becomes the username, whose column holds 100 characters.
    email = StringField(_l("E-post (blir brukernavnet)"), filters=lower, validators=[
        DataRequired(_l("Skriv e-postadressen.")),
        Email(_l("E-postadressen er ikke gyldig."), check_deliverability=False),
        Length(max=100, message=_l("Høyst 100 tegn."))])
    branch = SelectField(_l("Fagforening"), coerce=int_or_none, choices=[], validate_choice=False)

    def validate_branch(self, field):
        if field.data not in offered(field):
            raise ValidationError(_l("Velg en av dine fagforeninger."))


class DecideForm(FlaskForm):
    """Approve (with the date of the signed declaration) or refuse (with a note)."""

    declaration_date = DateField(_l("Taushetserklæringen signert"))
    note = TextAreaField(_l("Begrunnelse for avvisningen"), filters=strip,
                         validators=[Length(max=500, message=_l("Høyst 500 tegn."))])
