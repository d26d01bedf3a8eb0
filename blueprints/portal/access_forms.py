"""Forms of the portal's access routines: the public request, the county's decision, handing over to a
successor and the successor's acceptance.

The forms read what was typed; what the routine refuses (an unknown employer, a workplace of another
employer, a username already taken) is checked by access_services, whose messages the views put
next to the field they name."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional, Regexp

from web.fields import DateField
from web.passwords import good_password

strip = [lambda v: v.strip() if v else v]
lower = [lambda v: v.strip().lower() if v else v]


def number_or_none(value) -> int | None:
    """A checkbox's workplace number; anything else is None (and is dropped)."""
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _name():
    return StringField(_l("Fullt navn"), filters=strip, validators=[
        DataRequired(_l("Skriv fullt navn.")), Length(max=200, message=_l("Høyst 200 tegn."))])


def _email(label):
    # The e-mail becomes the username, whose column holds 100 characters.
    return StringField(label, filters=lower, validators=[
        DataRequired(_l("Skriv e-postadressen.")),
        Email(_l("E-postadressen er ikke gyldig."), check_deliverability=False),
        Length(max=100, message=_l("Høyst 100 tegn."))])


def _passwords():
    password = PasswordField(_l("Velg passord"), validators=[
        InputRequired(_l("Velg et passord.")),
        Length(max=200, message=_l("Høyst 200 tegn.")), good_password])
    repeated = PasswordField(_l("Gjenta passordet"), validators=[
        InputRequired(_l("Skriv passordet en gang til.")),
        EqualTo("password", message=_l("Passordene er ikke like."))])
    return password, repeated


class RequestForm(FlaskForm):
    """A payroll officer asks for access (public)."""

    full_name = _name()
    email = _email(_l("E-post (blir brukernavnet ditt)"))
    phone = StringField(_l("Telefon (valgfritt)"), filters=strip, validators=[
        Optional(), Regexp(r"^\+?[\d ]{8,15}$", message=_l("Telefonnummeret skal være 8 til 15 siffer."))])
    orgnr = StringField(_l("Arbeidsgiverens organisasjonsnummer"), filters=strip,
                        validators=[DataRequired(_l("Skriv organisasjonsnummeret."))])
    # Rendered by hand as checkboxes of the employer's workplaces (by their number); none: the whole employer.
    workplaces = SelectMultipleField(_l("Arbeidssteder du har ansvar for"), coerce=number_or_none,
                                     choices=[], validate_choice=False)
    password, password2 = _passwords()
    confirm = BooleanField(
        _l("Jeg bekrefter at jeg har ansvar for lønn og trekk hos denne arbeidsgiveren, at kontoen er personlig, "
           "og at jeg vil signere taushetserklæringen fra fylkeskretsen."),
        validators=[DataRequired(_l("Du må bekrefte dette for å sende forespørselen."))])


class DecideForm(FlaskForm):
    """The county's decision: approve (with the date of the signed declaration) or refuse (with a note)."""

    declaration_date = DateField(_l("Taushetserklæringen signert"))
    note = TextAreaField(_l("Begrunnelse for avvisningen"), filters=strip,
                         validators=[Length(max=2000, message=_l("Høyst 2000 tegn."))])


class HandoverForm(FlaskForm):
    """The contact names the person who takes over."""

    employer = SelectField(_l("Arbeidsgiver"), coerce=number_or_none, choices=[], validate_choice=False)
    full_name = _name()
    email = _email(_l("E-postadressen til den som overtar"))


class AcceptForm(FlaskForm):
    """The successor chooses a password and accepts (public, with the invitation's token)."""

    password, password2 = _passwords()
    confirm = BooleanField(
        _l("Jeg tar over ansvaret, kontoen er personlig, og jeg vil signere taushetserklæringen fra fylkeskretsen."),
        validators=[DataRequired(_l("Du må bekrefte dette for å akseptere."))])
