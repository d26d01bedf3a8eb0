from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired


class LoginForm(FlaskForm):
    username = StringField(_l("Brukernavn"), validators=[InputRequired(_l("Skriv brukernavnet ditt."))])
    password = PasswordField(_l("Passord"), validators=[InputRequired(_l("Skriv passordet ditt."))])
