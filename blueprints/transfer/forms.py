"""The forms of a transfer: starting it, deciding it, and the month of the report."""
from datetime import date, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from web.fields import DateField


def _branch_id(value):
    """The chosen branch's id; anything that is no id counts as not chosen (the service says so)."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


class StartForm(FlaskForm):
    version = HiddenField()
    to_branch = SelectField(_l("Mottakende fagforening"), coerce=_branch_id, validate_choice=False)
    transfer_date = DateField(
        _l("Overføringsdato (første dag i den nye fagforeningen)"),
        validators=[InputRequired(_l("Fyll ut overføringsdatoen."))],
    )
    note = TextAreaField(
        _l("Merknad til mottakende fagforening"),
        validators=[Length(max=2000, message=_l("Høyst 2000 tegn."))],
        filters=[lambda v: v.strip() if v else v],
    )


class RefuseForm(FlaskForm):
    version = HiddenField()
    reason = StringField(
        _l("Grunn til avvisning"),
        validators=[DataRequired(_l("Skriv grunnen til at overføringen avvises.")),
                    Length(max=500, message=_l("Høyst 500 tegn."))],
        filters=[lambda v: v.strip() if v else v],
    )


def last_day(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def parse_month(text: str | None, today: date) -> date:
    """`ÅÅÅÅ-MM` as the first day of that month; this month when nothing is given."""
    text = (text or "").strip()
    if not text:
        return today.replace(day=1)
    year, _dash, month = text.partition("-")
    if not (len(year) == 4 and year.isdigit() and len(month) == 2 and month.isdigit() and 1 <= int(month) <= 12):
        raise ValueError(gettext("«%(text)s» er ikke en måned (skriv ÅÅÅÅ-MM, f.eks. %(example)s).", text=text,
                                 example=format(today, "%Y-%m")))
    return date(int(year), int(month), 1)
