"""The inline form that handles one line of a deduction list (one deviation, or a note alone).

The form only reads what was typed; what an action needs and allows is checked by services.resolve,
whose refusals the view puts next to the field they name."""
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from models.deduction import AMOUNT, MISSING, RESOLUTIONS, UNEXPECTED
from models.portal import SUGGESTED_ACTIONS
from web.fields import DateField, KronerField, PercentField
from web.formatting import norwegian_date, percent

from .services import FOREIGN_ACTIONS

strip = [lambda v: v.strip() if v else v]

# What may be done with each kind of deviation, in the order offered.
STATUS_ACTIONS = {
    MISSING: ("employment_ended", "moved", "dues_code", "leave", "position", "accepted", "carried"),
    AMOUNT: ("accepted", "position", "dues_code", "carried"),
    UNEXPECTED: ("not_member", "new_member", "accepted", "carried"),
}
# The fields each action reads (the note goes with every action).
ACTION_FIELDS = {
    "employment_ended": ("date",),
    "moved": ("date", "orgnr"),
    "dues_code": ("code", "date"),
    "leave": ("date",),
    "position": ("date", "position", "monthly_pay"),
    "accepted": (),
    "not_member": (),
    "new_member": (),
    "carried": (),
}
# The services' refusals name these fields; they belong to the form's date field.
DATE_FIELD_ALIASES = {"from_date": "date", "end_date": "date"}


def actions_for(line, foreign: bool = False) -> list[str]:
    """The actions that fit the line's deviation: "accepted" for an unexpected person only when the
    person is a member; for a member outside the user's scope (`foreign`) only those that leave that
    membership alone (services.FOREIGN_ACTIONS)."""
    actions = list(STATUS_ACTIONS.get(line.status, ()))
    if foreign:
        return [action for action in actions if action in FOREIGN_ACTIONS]
    if line.status == UNEXPECTED and line.membership_id is None:
        actions.remove("accepted")
    return actions


def actions_showing(field: str) -> list[str]:
    """The actions a field belongs to (the page shows the field only for them)."""
    return [action for action, fields in ACTION_FIELDS.items() if field in fields]


class LineForm(FlaskForm):
    """Prefixed with the line's id, so that several lines' forms may be open on one page."""

    action = SelectField(_l("Hva er årsaken?"), choices=[], validate_choice=False)
    date = DateField(_l("Dato"))
    code = SelectField(_l("Ny kontingentkode"), choices=[], validate_choice=False)
    orgnr = StringField(_l("Organisasjonsnummeret til den nye arbeidsgiveren"), filters=strip)
    position = PercentField(_l("Ny stillingsprosent"))
    monthly_pay = KronerField(_l("Ny månedslønn, kr (valgfritt)"))
    note = TextAreaField(_l("Merknad"), filters=strip,
                         validators=[Length(max=2000, message=_l("Høyst 2000 tegn."))])

    def set_choices(self, line, dues_codes: list[tuple[str, str]], foreign: bool = False) -> None:
        self.action.choices = [("", _l("– velg –"))] + [(key, _l(RESOLUTIONS[key]))
                                                         for key in actions_for(line, foreign)]
        self.code.choices = [("", _l("– velg –"))] + [(code, f"{code} – {name}") for code, name in dues_codes]

    def errors_for(self, action: str | None) -> bool:
        """Whether a field the action reads (or the note) could not be read."""
        names = ("note", *ACTION_FIELDS.get(action or "", ()))
        return any(self[name].errors for name in names)

    def add_error(self, field: str | None, message: str) -> str | None:
        """Put a refusal next to its field; returns the message when it belongs to the whole form."""
        field = DATE_FIELD_ALIASES.get(field, field)
        if field and field in self:
            self[field].errors = [*self[field].errors, message]
            return None
        return message


# --- the employer's reason as a suggested action -------------------------------------------------
CARRIED_NOTE = "Syk med ytelser fra NAV (fra arbeidsgiver)"


@dataclass(frozen=True)
class Suggestion:
    """The action the employer's reason suggests for an open line, with the values it is done with."""

    action: str
    data: dict = field(default_factory=dict)
    detail: str = ""  # what the defaults are, for the button's neighbour


def suggestion(line, deduction_list, foreign: bool = False) -> Suggestion | None:
    """What the employer's reason proposes for the line (models.portal.SUGGESTED_ACTIONS), when the
    line is open, the action fits its deviation, and the defaults are known: ending the employment
    the day before the list's month, code O (leave) or the employer's position from the month's
    first day, or carrying a sick member's line to the next month. No query: the list page shows it
    on every line. `foreign`: the person is a member outside the user's scope (actions_for)."""
    action = SUGGESTED_ACTIONS.get(line.employer_reason or "")
    if action is None or not line.open or deduction_list.posted or action not in actions_for(line, foreign):
        return None
    first = deduction_list.period
    if action == "employment_ended":
        last = first - timedelta(days=1)
        return Suggestion(action, {"date": last}, gettext("siste dag %(date)s", date=norwegian_date(last)))
    if action == "leave":
        return Suggestion(action, {"date": first}, gettext("kode O fra %(date)s", date=norwegian_date(first)))
    if action == "position":
        if line.reported_position_bp is None:
            return None
        return Suggestion(action, {"date": first, "position_bp": line.reported_position_bp},
                          gettext("%(percent)s fra %(date)s", percent=percent(line.reported_position_bp),
                                  date=norwegian_date(first)))
    if action == "carried":
        return Suggestion(action, {"note": CARRIED_NOTE}, gettext("til neste måneds liste"))
    return None

