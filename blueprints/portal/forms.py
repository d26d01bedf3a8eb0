"""The list page's one <form>: a row per expected member (what was deducted), a row per person the
payroll office added, and the fields to add one more (with the workplace it was deducted at). Only
the lines the contact answers for, and only those of parts not yet approved are read. Each row is a small WTForms form with its own
prefix, checked on its own, so that each message stands next to its field.

What a row's outcome does not use is ignored (not read, not stored, never an error): the amounts
belong to "another amount", the reason and comment to "another amount" and "not deducted", the
position percentage to the reason "changed position percentage"."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from models import DeductionLine, PortalEntry
from models.portal import ADDED, DEDUCTED, EMPLOYER_REASONS, NOT_DEDUCTED, OTHER_AMOUNT
from web.fields import KronerField, PercentField
from web.idnumber import InvalidNumber, parse_national_id

from .services import EntryValues, split_name

POSITION = "position"
REMOVE = "remove"
OUTCOME_CHOICES = [  # the first letters (t, a, i) choose by typing in the select, also without JavaScript
    SelectChoice(DEDUCTED, _l("Trukket som forventet")),
    SelectChoice(OTHER_AMOUNT, _l("Annet beløp trukket")),
    SelectChoice(NOT_DEDUCTED, _l("Ikke trukket")),
]
REASON_CHOICES = [SelectChoice("", _l("– velg årsak –"))] + [
    SelectChoice(key, _l(name)) for key, name in EMPLOYER_REASONS.items()]
ADDED_CHOICES = [SelectChoice(ADDED, _l("Trukket, ikke på listen")), SelectChoice(REMOVE, _l("Fjern fra listen"))]


def choice_labels() -> dict[str, list[tuple[str, str]]]:
    """The selects' options translated once per page (the rows render them 300 times)."""
    return {name: [(choice.value, str(choice.label)) for choice in choices]
            for name, choices in (("outcome", OUTCOME_CHOICES), ("reason", REASON_CHOICES), ("added", ADDED_CHOICES))}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _ignore(*fields) -> None:
    for field in fields:
        field.errors = []


def _require_amounts(form) -> None:
    if form.dues.data is None and not form.dues.errors:
        form.dues.errors = [_l("Skriv kontingenten som ble trukket.")]
    if form.insurance.data is None and not form.insurance.errors:
        form.insurance.errors = [_l("Skriv forsikringsbeløpet som ble trukket (0 om ingenting).")]


def _has_errors(form) -> bool:
    return any(field.errors for field in form)


class RowForm(Form):
    """One expected member: deducted as expected, another amount, or not deducted (with a reason)."""

    outcome = SelectField(_l("Utfall"), choices=OUTCOME_CHOICES, default=DEDUCTED, validate_choice=False)
    dues = KronerField(_l("Kontingent trukket"))
    insurance = KronerField(_l("Forsikring trukket"))
    reason = SelectField(_l("Årsak"), choices=REASON_CHOICES, validate_choice=False)
    position = PercentField(_l("Ny stillingsprosent"))
    comment = StringField(_l("Kommentar"), filters=[_strip],
                          validators=[Length(max=500, message=_l("Høyst 500 tegn."))])

    def check(self, line: DeductionLine) -> bool:
        self.validate()
        outcome = self.outcome.data
        if outcome not in (DEDUCTED, OTHER_AMOUNT, NOT_DEDUCTED):
            self.outcome.errors = [_l("Velg trukket som forventet, annet beløp eller ikke trukket.")]
            _ignore(self.dues, self.insurance, self.reason, self.position, self.comment)
            return False
        if outcome == OTHER_AMOUNT:
            _require_amounts(self)
        else:
            _ignore(self.dues, self.insurance)
        if outcome == DEDUCTED:
            _ignore(self.reason, self.position, self.comment)
            if line.expected_dues_ore is None:
                self.outcome.errors = [_l("Registeret kjenner ikke forventet kontingent for medlemmet. Velg "
                                          "«Annet beløp trukket» og skriv beløpet.")]
            return not _has_errors(self)
        reason = self.reason.data or ""
        if reason and reason not in EMPLOYER_REASONS:
            self.reason.errors = [_l("Velg en av årsakene i listen.")]
        elif outcome == NOT_DEDUCTED and not reason:
            self.reason.errors = [_l("Velg hvorfor det ikke er trukket.")]
        if reason == POSITION:
            position = self.position.data
            if not self.position.errors and (position is None or not 0 < position <= 10_000):
                self.position.errors = [_l("Skriv den nye stillingsprosenten (over 0 og høyst 100).")]
        else:
            _ignore(self.position)
        return not _has_errors(self)

    def values(self, line: DeductionLine) -> EntryValues:
        """The entry the row gives (after `check`): what its outcome does not use is left out."""
        last, first = split_name(line.name)
        outcome = self.outcome.data
        values = EntryValues(line.national_id, last, first, outcome, line_id=line.id, workplace_id=line.workplace_id)
        if outcome == OTHER_AMOUNT:
            values.dues_ore, values.insurance_ore = self.dues.data, self.insurance.data
        if outcome in (OTHER_AMOUNT, NOT_DEDUCTED):
            values.reason = self.reason.data or None
            values.position_bp = self.position.data if values.reason == POSITION else None
            values.comment = self.comment.data or None
        return values


class AddedForm(Form):
    """A person the payroll office added earlier: the amounts can be changed, or the person removed."""

    keep = SelectField(_l("Utfall"), choices=ADDED_CHOICES, default=ADDED, validate_choice=False)
    dues = KronerField(_l("Kontingent trukket"))
    insurance = KronerField(_l("Forsikring trukket"))
    comment = StringField(_l("Kommentar"), filters=[_strip],
                          validators=[Length(max=500, message=_l("Høyst 500 tegn."))])

    def check(self) -> bool:
        self.validate()
        if self.keep.data == REMOVE:
            _ignore(self.dues, self.insurance, self.comment)
            return True
        if self.keep.data != ADDED:
            self.keep.errors = [_l("Velg om personen skal stå på listen.")]
        _require_amounts(self)
        _positive(self)
        return not _has_errors(self)


def _positive(form) -> None:
    if not _has_errors(form) and (form.dues.data or 0) + (form.insurance.data or 0) == 0:
        form.dues.errors = [_l("Skriv beløpet som ble trukket; det kan ikke være 0.")]


class NewPersonForm(Form):
    """A person who was deducted but is not on the list (all empty: nobody is added), at one of the
    workplaces the contact answers for (`workplaces`: (id, name); a contact of the whole employer may
    leave it empty)."""

    workplace = SelectField(_l("Arbeidssted"), validate_choice=False)
    national_id = StringField(_l("Fødselsnummer"), filters=[_strip])
    last_name = StringField(_l("Etternavn"), filters=[_strip],
                            validators=[Length(max=100, message=_l("Høyst 100 tegn."))])
    first_name = StringField(_l("Fornavn"), filters=[_strip],
                             validators=[Length(max=100, message=_l("Høyst 100 tegn."))])
    dues = KronerField(_l("Kontingent trukket"))
    insurance = KronerField(_l("Forsikring trukket"))
    comment = StringField(_l("Kommentar"), filters=[_strip],
                          validators=[Length(max=500, message=_l("Høyst 500 tegn."))])

    def __init__(self, formdata=None, *, workplaces=(), optional=False, **kwargs):
        super().__init__(formdata, **kwargs)
        self.optional = optional
        self.workplace.choices = ([("", str(_l("– ikke oppgitt –")))] if optional else []) + [
            (str(workplace_id), name) for workplace_id, name in workplaces]
        self.allowed = {str(workplace_id) for workplace_id, _name in workplaces}
        if self.workplace.data is None and len(workplaces) == 1 and not optional:
            self.workplace.data = str(workplaces[0][0])

    def filled(self) -> bool:
        return any((field.raw_data or [""])[0].strip() for field in self if field is not self.workplace)

    def check(self, on_list: dict[str, str], added: set[str]) -> bool:
        """`on_list`: identity number → name of the expected members the contact sees; `added`: those it
        added already. A person on the list of a workplace the contact does not answer for is not
        named, nor refused: the same person may be deducted at two workplaces."""
        self.validate()
        chosen = self.workplace.data or ""
        if chosen not in self.allowed and not (self.optional and chosen == ""):
            self.workplace.errors = [_l("Velg arbeidsstedet der personen ble trukket.")]
        try:
            number = parse_national_id(self.national_id.data or "").number
        except InvalidNumber as error:
            self.national_id.errors = [str(error)]
        else:
            self.national_id.data = number
            if number in on_list:
                self.national_id.errors = [_l("Personen står allerede på listen (%(name)s).", name=on_list[number])]
            elif number in added:
                self.national_id.errors = [_l("Personen er allerede lagt til på listen.")]
        if not self.last_name.data and not self.last_name.errors:
            self.last_name.errors = [_l("Skriv etternavnet.")]
        if not self.first_name.data and not self.first_name.errors:
            self.first_name.errors = [_l("Skriv fornavnet.")]
        _require_amounts(self)
        _positive(self)
        return not _has_errors(self)

    def values(self) -> EntryValues:
        return EntryValues(self.national_id.data, self.last_name.data, self.first_name.data, ADDED,
                           workplace_id=int(self.workplace.data) if self.workplace.data else None,
                           dues_ore=self.dues.data, insurance_ore=self.insurance.data,
                           comment=self.comment.data or None)


def _initial(entry: PortalEntry | None) -> dict:
    if entry is None:
        return {}
    return {"outcome": entry.outcome, "keep": ADDED, "dues": entry.dues_ore, "insurance": entry.insurance_ore,
            "reason": entry.reason or "", "position": entry.position_bp, "comment": entry.comment or ""}


@dataclass
class Row:
    line: DeductionLine
    form: RowForm
    locked: bool = False  # its workplace's part is approved: shown, not changed


@dataclass
class AddedRow:
    entry: PortalEntry
    form: AddedForm
    locked: bool = False


class Sheet:
    """The list as the page shows it and the payroll office sends it back: the lines the contact answers
    for (`lines`, `saved`: already scoped, and filtered by workplace when the page is). Rows of a part
    already approved (`locked`: their workplaces) are shown but neither read nor saved. `workplaces`:
    where the contact may add a person (`optional`: a contact of the whole employer may leave it out);
    `on_list`: identity number → name of every expected member the contact sees, filtered or not, and
    `other_added` the identity numbers it added that the filter does not show."""

    def __init__(self, lines: list[DeductionLine], saved: list[PortalEntry], formdata=None, *, locked=frozenset(),
                 workplaces=(), optional=True, on_list: dict[str, str] | None = None,
                 other_added: frozenset[str] = frozenset(), default_workplace: int | None = None):
        by_line = {entry.line_id: entry for entry in saved if entry.line_id is not None}
        self.rows = [Row(line, RowForm(None if line.workplace_id in locked else formdata, prefix=f"r{line.id}",
                                       data=_initial(by_line.get(line.id))), line.workplace_id in locked)
                     for line in lines]
        self.added = [AddedRow(entry, AddedForm(None if entry.workplace_id in locked else formdata,
                                                prefix=f"n{entry.id}", data=_initial(entry)),
                               entry.workplace_id in locked)
                      for entry in saved if entry.outcome == ADDED]
        open_workplaces = [(workplace_id, name) for workplace_id, name in workplaces if workplace_id not in locked]
        self.new = NewPersonForm(formdata, prefix="ny", workplaces=open_workplaces,
                                 optional=optional and None not in locked)
        if formdata is None and default_workplace in dict(open_workplaces):
            self.new.workplace.data = str(default_workplace)
        self.other_added = other_added
        self.can_add = bool(open_workplaces) or self.new.optional
        self.on_list = on_list if on_list is not None else {row.line.national_id: row.line.name for row in self.rows}
        self.error_count = 0

    @property
    def open_rows(self) -> list[Row]:
        return [row for row in self.rows if not row.locked]

    @property
    def open_added(self) -> list[AddedRow]:
        return [row for row in self.added if not row.locked]

    def check(self) -> bool:
        """Every open row checked (all messages at once); the new person only when something was typed."""
        errors = sum(not row.form.check(row.line) for row in self.open_rows)
        errors += sum(not row.form.check() for row in self.open_added)
        if self.new.filled():
            kept = {row.entry.national_id for row in self.added if row.locked or row.form.keep.data != REMOVE}
            kept |= self.other_added
            errors += not (self.can_add and self.new.check(self.on_list, kept))
        self.error_count = errors
        return errors == 0

    def entries(self) -> list[EntryValues]:
        """The draft's entries (after `check`): every open expected member, the added kept, the new person."""
        values = [row.form.values(row.line) for row in self.open_rows]
        for row in self.open_added:
            if row.form.keep.data != REMOVE:
                entry = row.entry
                values.append(EntryValues(entry.national_id, entry.last_name, entry.first_name, ADDED,
                                          workplace_id=entry.workplace_id,
                                          dues_ore=row.form.dues.data, insurance_ore=row.form.insurance.data,
                                          comment=row.form.comment.data or None))
        if self.new.filled():
            values.append(self.new.values())
        return values

    def removed(self) -> tuple[int, ...]:
        return tuple(row.entry.id for row in self.open_added if row.form.keep.data == REMOVE)

    @property
    def new_name(self) -> str | None:
        return f"{self.new.first_name.data} {self.new.last_name.data}" if self.new.filled() else None
