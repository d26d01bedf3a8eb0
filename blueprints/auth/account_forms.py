"""Forms of "Min konto": changing one's own password, and which of one's sessions to end."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField
from wtforms.validators import EqualTo, InputRequired, Length

from web.passwords import good_password

MAX_PASSWORD_LENGTH = 1000  # long passphrases are welcome; Argon2 hashes any length


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Nåværende passord"), validators=[InputRequired(_l("Skriv passordet du har nå."))],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("Nytt passord"), render_kw={"autocomplete": "new-password"}, validators=[
        InputRequired(_l("Velg et nytt passord.")),
        Length(max=MAX_PASSWORD_LENGTH, message=_l("Høyst %(n)s tegn.", n=MAX_PASSWORD_LENGTH)),
        good_password])
    password2 = PasswordField(_l("Gjenta det nye passordet"), render_kw={"autocomplete": "new-password"}, validators=[
        InputRequired(_l("Skriv det nye passordet en gang til.")),
        EqualTo("password", message=_l("Passordene er ikke like."))])


class EndSessionForm(FlaskForm):
    """Which of one's own sessions to end, by its handle (never the session's id, which the cookie holds)."""

    session = HiddenField(validators=[InputRequired()])
