from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional


class DoneForm(FlaskForm):
    note = TextAreaField(_l("Notat (hva ble gjort)"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                         validators=[Optional(), Length(max=2000, message=_l("Høyst 2000 tegn."))])
