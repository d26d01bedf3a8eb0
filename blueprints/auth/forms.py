from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired


class LoginForm(FlaskForm):
    username = StringField("Brukernavn", validators=[InputRequired("Skriv brukernavnet ditt.")])
    password = PasswordField("Passord", validators=[InputRequired("Skriv passordet ditt.")])
