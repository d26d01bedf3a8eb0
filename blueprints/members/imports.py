"""Moving the members in from an older register (FORMATS.md section 3, `flask members import`).

One row per membership period; a person with several periods has several rows with the same
identity number (their names and address are taken from the last row that has them). Each row
makes or matches a person (by national_id), a membership (by member_number and start_date), its
dues code period, its current employment and its three collective insurances.

The file is checked whole before anything is stored: every bad row is reported, and a file with any
bad row stores nothing. Imported again, the same file creates nothing; a changed value on a matched
row updates the stored one. A column absent from the file leaves stored values alone; an empty cell
clears them. History is kept, not rewritten: a dues code (or employment) that the file gives from
another date than the stored one closes the open period the day before and opens a new one.

Built for a whole union (100 000 rows): the lookup tables and the stored rows for the numbers in
the file are loaded once into dicts, and rows are inserted and updated in bulk (executemany), not
as one ORM object and one query per row.
"""
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import SimpleNamespace

import sqlalchemy as sa

from models import (
    Branch,
    County,
    DuesCode,
    DuesCodePeriod,
    Employer,
    Employment,
    EnrollmentCode,
    InsurancePeriod,
    Membership,
    Person,
    Section,
    WithdrawalCode,
    Workplace,
    db,
    record,
)
from models.codes import COUNTY_ATTACHED_TYPES, MEMBERSHIP_TYPES, PAYMENT_METHODS
from rules.csvfile import (
    ImportReport,
    Row,
    parse_choice,
    parse_date,
    parse_kroner,
    parse_number,
    parse_percent,
    parse_postal_code,
    parse_yes_no,
    read_table,
)
from rules.idnumbers import parse_orgnr
from web.idnumber import parse_national_id

COLUMNS = [
    "member_number", "national_id", "last_name", "first_name", "address", "postal_code", "city", "email",
    "phone", "membership_type", "branch", "county", "section", "start_date", "enrollment_code", "end_date",
    "withdrawal_code", "dues_code", "dues_code_from", "employer_orgnr", "workplace", "position_percent",
    "employment_from", "payment", "monthly_pay", "home_insurance_reserved",
]
REQUIRED = ["member_number", "national_id", "last_name", "first_name", "membership_type", "start_date",
            "enrollment_code", "dues_code", "dues_code_from", "payment"]
CONTACT_FIELDS = ["address", "postal_code", "city", "email", "phone"]
EMPLOYMENT_COLUMNS = ["workplace", "position_percent", "employment_from", "monthly_pay"]
INSURANCES = ("home", "benefit_fund", "education_fund")
LABELS = {
    "persons": ("person", "personer"),
    "memberships": ("medlemskap", "medlemskap"),
    "dues_code_periods": ("kontingentkodeperiode", "kontingentkodeperioder"),
    "employments": ("arbeidsforhold", "arbeidsforhold"),
    "insurance_periods": ("forsikringsperiode", "forsikringsperioder"),
}
CHUNK = 500  # identifiers per IN (...) when loading stored rows
ONE_DAY = timedelta(days=1)


@dataclass
class Period:
    """One valid row: a membership period and what belongs to it."""

    row: int
    national_id: str
    person: dict  # the person's fields this row gives
    membership: dict  # Membership columns
    dues: dict  # DuesCodePeriod columns
    employment: dict | None  # Employment columns, when the row names an employer
    home_reserved: bool

    @property
    def key(self) -> tuple[int, date]:
        return self.membership["member_number"], self.membership["start_date"]


class Lookups:
    """The code tables and units, loaded once: number (or code) -> id."""

    def __init__(self, rows: list[Row]):
        # A union has some thousand employers but a file names each many times: check each orgnr once.
        self.parse_orgnr = lru_cache(maxsize=None)(parse_orgnr)
        orgnrs = set()
        for row in rows:
            try:
                orgnrs.add(self.parse_orgnr(row.values.get("employer_orgnr") or ""))
            except ValueError:
                continue

        def pairs(*columns):
            return dict(db.session.execute(sa.select(*columns)).all())

        self.branches = pairs(Branch.number, Branch.id)
        self.counties = pairs(County.number, County.id)
        self.sections = pairs(Section.number, Section.id)
        self.enrollment_codes = {c: c for c in db.session.scalars(sa.select(EnrollmentCode.code))}
        self.withdrawal_codes = {c: c for c in db.session.scalars(sa.select(WithdrawalCode.code))}
        self.dues_codes = {c: c for c in db.session.scalars(sa.select(DuesCode.code))}
        self.employers: set[str] = set()
        self.workplaces: dict[tuple[str, int], int] = {}
        for chunk in _chunks(sorted(orgnrs)):
            self.employers |= set(db.session.scalars(sa.select(Employer.orgnr).where(Employer.orgnr.in_(chunk))))
            found = db.session.execute(
                sa.select(Employer.orgnr, Workplace.number, Workplace.id).join(Workplace.employer)
                .where(Employer.orgnr.in_(chunk))
            )
            self.workplaces.update({(orgnr, number): id_ for orgnr, number, id_ in found})


def import_members(data: bytes) -> ImportReport:
    """Check the whole file, then create or update what it holds. Flushes; the caller commits."""
    table = read_table(data, COLUMNS, REQUIRED)
    report = ImportReport(LABELS, rows=len(table.rows))
    lookups = Lookups(table.rows)
    periods = [period for row in table.rows if (period := _parse(row, lookups)) is not None]
    rows_by_number = {row.number: row for row in table.rows}
    _check_duplicates(periods, rows_by_number)
    _check_concurrent(periods, rows_by_number)
    stored = Stored(periods)
    _check_owners(periods, stored, rows_by_number)
    if table.errors:
        report.errors = sorted(table.errors, key=lambda e: e.row or 0)
        return report

    touched = _store(periods, stored, report)
    report.unchanged = report.rows - len(touched)
    if report.changed:
        record("create" if any(report.created.values()) else "update", "members_import", None,
               f"Medlemmer importert fra fil ({report.rows} rader): {report.changes_text()}.", user=None)
        db.session.flush()
    return report


# --- checking the rows ------------------------------------------------------------------------

def _length(model, column: str) -> int:
    return model.__table__.c[column].type.length


def _lookup(row: Row, column: str, table: dict, message: str, *, parser=parse_number, required=False):
    """The id (or code) the cell names in `table`; None when empty or unknown (then an error)."""
    key = row.parse(column, parser, required=required)
    if key is None:
        return None
    if key not in table:
        row.error(column, message.format(key))
        return None
    return table[key]


def _parse(row: Row, lookups: Lookups) -> Period | None:
    member_number = row.parse("member_number", parse_number, required=True)
    national_id = row.parse("national_id", parse_national_id, required=True)
    person = {name: row.text(name, required=True, max_length=_length(Person, name))
              for name in ("first_name", "last_name")}
    for name in CONTACT_FIELDS:
        if row.has(name):
            person[name] = (row.parse(name, parse_postal_code) if name == "postal_code"
                            else row.text(name, max_length=_length(Person, name), digits=name == "phone"))

    membership_type = row.parse("membership_type", parse_choice({t: t for t in MEMBERSHIP_TYPES}, "medlemstype"),
                                required=True)
    membership = {"member_number": member_number, "membership_type": membership_type,
                  "branch_id": None, "county_id": None}
    if membership_type in COUNTY_ATTACHED_TYPES:
        membership["county_id"] = _lookup(row, "county", lookups.counties, "Fylkeskrets {} finnes ikke.",
                                          required=True)
    elif membership_type:
        membership["branch_id"] = _lookup(row, "branch", lookups.branches, "Fagforening {} finnes ikke.",
                                          required=True)
    if row.has("section"):
        membership["section_id"] = _lookup(row, "section", lookups.sections, "Seksjon {} finnes ikke.")
    start = membership["start_date"] = row.parse("start_date", parse_date, required=True)
    membership["enrollment_code"] = _lookup(row, "enrollment_code", lookups.enrollment_codes,
                                            "Innmeldingskode {} finnes ikke.", required=True)
    end = membership["end_date"] = row.parse("end_date", parse_date)
    membership["withdrawal_code"] = _lookup(row, "withdrawal_code", lookups.withdrawal_codes,
                                            "Utmeldingskode {} finnes ikke.")
    if row.text("end_date") and not row.text("withdrawal_code"):
        row.error("withdrawal_code", "Sluttdato krever utmeldingskode (withdrawal_code).")
    if row.text("withdrawal_code") and not row.text("end_date"):
        row.error("end_date", "Utmeldingskode krever sluttdato (end_date).")
    if start and end and end < start:
        row.error("end_date", "Sluttdatoen er før startdatoen.")

    dues = {
        "code": _lookup(row, "dues_code", lookups.dues_codes, "Kontingentkode {} finnes ikke.",
                        parser=lambda text: text.upper(), required=True),
        "from_date": row.parse("dues_code_from", parse_date, required=True),
        "to_date": end,
    }
    _check_within(row, "dues_code_from", dues["from_date"], start, end, "Kontingentkoden")
    payment = row.parse("payment", parse_choice({p: p for p in PAYMENT_METHODS}, "betalingsmåte"), required=True)
    employment = _parse_employment(row, lookups, start, end, payment)
    home_reserved = row.parse("home_insurance_reserved", parse_yes_no) or False
    if not row.ok:
        return None
    person["birth_date"] = national_id.birth_date
    return Period(row.number, national_id.number, person, membership, dues, employment, home_reserved)


def _check_within(row: Row, column: str, day: date | None, start: date | None, end: date | None, what: str):
    if day and start and day < start:
        row.error(column, f"{what} kan ikke gjelde fra før startdatoen.")
    elif day and end and day > end:
        row.error(column, f"{what} kan ikke gjelde fra etter sluttdatoen.")


def _parse_employment(row: Row, lookups: Lookups, start: date | None, end: date | None,
                      payment: str | None) -> dict | None:
    if not row.text("employer_orgnr"):
        for column in EMPLOYMENT_COLUMNS:
            if row.text(column):
                row.error(column, "Krever arbeidsgiver (employer_orgnr).")
        if payment == "deduction":
            row.error("payment", "Trekk krever arbeidsgiver (employer_orgnr).")
        return None
    orgnr = row.parse("employer_orgnr", lookups.parse_orgnr)
    number = row.parse("workplace", parse_number, required=True)
    workplace_id = None
    if orgnr is not None and orgnr not in lookups.employers:
        row.error("employer_orgnr", f"Arbeidsgiveren {orgnr} finnes ikke i registeret.")
    elif orgnr is not None and number is not None:
        workplace_id = lookups.workplaces.get((orgnr, number))
        if workplace_id is None:
            row.error("workplace", f"Arbeidssted {number} finnes ikke hos arbeidsgiveren {orgnr}.")
    employment = {"workplace_id": workplace_id, "payment_method": payment, "to_date": end,
                  "from_date": row.parse("employment_from", parse_date) or start}
    if end and employment["from_date"] and employment["from_date"] > end:
        row.error("employment_from", "Arbeidsforholdet kan ikke begynne etter sluttdatoen.")
    if row.has("position_percent"):
        position = row.parse("position_percent", parse_percent)
        if position is not None and not 0 < position <= 10000:
            row.error("position_percent", "Stillingsprosenten må være over 0 og høyst 100.")
        employment["position_bp"] = position or 10000
    if row.has("monthly_pay"):
        pay = row.parse("monthly_pay", parse_kroner)
        if pay is not None and pay < 0:
            row.error("monthly_pay", "Månedslønnen kan ikke være negativ.")
        employment["monthly_pay_ore"] = pay
    return employment


def _check_duplicates(periods: list[Period], rows: dict[int, Row]) -> None:
    first_row: dict[tuple[int, date], int] = {}
    for period in periods:
        seen = first_row.setdefault(period.key, period.row)
        if seen != period.row:
            number, start = period.key
            rows[period.row].error("member_number", f"Medlemskapet med medlemsnummer {number} fra "
                                                    f"{start:%d.%m.%Y} står også på rad {seen}.")


def _check_concurrent(periods: list[Period], rows: dict[int, Row]) -> None:
    """A person is a member once at a time: two rows for one person whose periods overlap under other
    member numbers would make two concurrent memberships. The later row is refused, naming both."""
    by_person: dict[str, list[Period]] = defaultdict(list)
    for period in periods:
        by_person[period.national_id].append(period)
    for person_periods in by_person.values():
        if len(person_periods) < 2:
            continue
        person_periods.sort(key=lambda p: (p.membership["start_date"], p.row))
        latest = None  # of the periods seen so far, the one that runs longest
        for period in person_periods:
            if latest is not None and period.key[0] != latest.key[0] and _ends_after(latest, period.membership["start_date"]):
                earlier, later = sorted((latest, period), key=lambda p: p.row)
                rows[later.row].error("member_number", (
                    f"Personen har to medlemskap samtidig: medlemsnummer {earlier.key[0]} fra "
                    f"{earlier.key[1]:%d.%m.%Y} (rad {earlier.row}) og medlemsnummer {later.key[0]} fra "
                    f"{later.key[1]:%d.%m.%Y} (rad {later.row}) overlapper. Rett sluttdatoen eller "
                    "medlemsnummeret i en av radene."))
            if latest is None or not _ends_after(latest, period.membership["end_date"] or date.max):
                latest = period


def _ends_after(period: Period, day: date) -> bool:
    """Whether the period still runs on `day` or later."""
    end = period.membership["end_date"]
    return end is None or end >= day


def _check_owners(periods: list[Period], stored: "Stored", rows: dict[int, Row]) -> None:
    """A stored membership that a row matches must belong to the person the row names."""
    for period in periods:
        membership = stored.memberships.get(period.key)
        person = stored.persons.get(period.national_id)
        if membership is not None and (person is None or membership.person_id != person.id):
            number, start = period.key
            rows[period.row].error("national_id", f"Medlemskapet med medlemsnummer {number} fra {start:%d.%m.%Y} "
                                                  "er registrert på en annen person.")


# --- what is stored ---------------------------------------------------------------------------

def _chunks(items: list) -> Iterable[list]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def _columns(model, *names):
    """Table columns (not ORM attributes): plain rows load several times faster."""
    return [model.__table__.c[name] for name in names]


PERSON_COLUMNS = ["id", "national_id", "version", "first_name", "last_name", "name_key", "birth_date",
                  *CONTACT_FIELDS]
MEMBERSHIP_COLUMNS = ["id", "person_id", "member_number", "membership_type", "branch_id", "county_id",
                      "section_id", "start_date", "enrollment_code", "end_date", "withdrawal_code"]
DUES_COLUMNS = ["id", "membership_id", "code", "from_date", "to_date"]
EMPLOYMENT_FIELDS = ["id", "membership_id", "workplace_id", "from_date", "to_date", "position_bp",
                     "payment_method", "monthly_pay_ore"]
INSURANCE_COLUMNS = ["id", "membership_id", "kind", "reserved", "from_date", "to_date"]


class Stored:
    """The stored persons and memberships the file names, with their periods, as plain rows."""

    def __init__(self, periods: list[Period]):
        self.persons = {}
        for chunk in _chunks(sorted({p.national_id for p in periods})):
            query = sa.select(*_columns(Person, *PERSON_COLUMNS)).where(Person.__table__.c.national_id.in_(chunk))
            self.persons.update({row.national_id: row for row in db.session.execute(query)})
        self.memberships = {}
        for chunk in _chunks(sorted({p.key[0] for p in periods})):
            query = sa.select(*_columns(Membership, *MEMBERSHIP_COLUMNS)).where(
                Membership.__table__.c.member_number.in_(chunk))
            self.memberships.update({(row.member_number, row.start_date): row for row in db.session.execute(query)})
        ids = sorted(m.id for m in self.memberships.values())
        self.dues = self._children(DuesCodePeriod, DUES_COLUMNS, ids)
        self.employments = self._children(Employment, EMPLOYMENT_FIELDS, ids)
        self.insurances = self._children(InsurancePeriod, INSURANCE_COLUMNS, ids)

    @staticmethod
    def _children(model, names: list[str], membership_ids: list[int]) -> dict[int, list]:
        found = defaultdict(list)
        for chunk in _chunks(membership_ids):
            query = sa.select(*_columns(model, *names)).where(model.__table__.c.membership_id.in_(chunk))
            for row in db.session.execute(query):
                found[row.membership_id].append(row)
        return found


class Changes:
    """Inserts and updates per model, run in bulk; counts what each row changed."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.touched: set[int] = set()
        self.inserts: dict[type, list[dict]] = defaultdict(list)
        self.updates: dict[type, list[dict]] = defaultdict(list)

    def insert(self, model, counted: str, row: int, values: dict) -> None:
        self.inserts[model].append(values)
        self.report.created[counted] += 1
        self.touched.add(row)

    def update(self, model, counted: str, row: int, stored, values: dict) -> None:
        """Update the stored row where the values differ from it."""
        changes = {name: value for name, value in values.items() if getattr(stored, name) != value}
        if changes:
            extra = {"version": stored.version} if model is Person else {}
            self.updates[model].append({"id": stored.id, **extra, **changes})
            self.report.updated[counted] += 1
            self.touched.add(row)

    def flush(self, *models) -> None:
        for model in models:
            if self.updates[model]:
                db.session.execute(sa.update(model), self.updates.pop(model))
            if self.inserts[model]:
                db.session.execute(sa.insert(model), self.inserts.pop(model))

    def insert_returning(self, model, key_columns: list[str]) -> dict:
        """Insert the model's new rows now; their ids by the key columns."""
        rows = self.inserts.pop(model, [])
        if not rows:
            return {}
        key = [getattr(model, name) for name in key_columns]
        statement = sa.insert(model).returning(model.id, *key, sort_by_parameter_order=True)
        found = db.session.execute(statement, rows)
        return {tuple(r[1:]) if len(r) > 2 else r[1]: r[0] for r in found}


def _store(periods: list[Period], stored: Stored, report: ImportReport) -> set[int]:
    changes = Changes(report)
    person_ids = _store_persons(periods, stored, changes)
    membership_ids = {key: m.id for key, m in stored.memberships.items()}
    for period in periods:
        values = {**period.membership, "person_id": person_ids[period.national_id]}
        if (membership := stored.memberships.get(period.key)) is None:
            changes.insert(Membership, "memberships", period.row, values)
        else:
            changes.update(Membership, "memberships", period.row, membership, values)
    membership_ids.update(changes.insert_returning(Membership, ["member_number", "start_date"]))
    changes.flush(Membership)
    for period in periods:
        membership_id = membership_ids[period.key]
        _store_dues(period, membership_id, stored.dues.get(membership_id, []), changes)
        _store_employment(period, membership_id, stored.employments.get(membership_id, []), changes)
        _store_insurances(period, membership_id, stored.insurances.get(membership_id, []), changes)
    changes.flush(DuesCodePeriod, Employment, InsurancePeriod)
    return changes.touched


def _store_persons(periods: list[Period], stored: Stored, changes: Changes) -> dict[str, int]:
    """One person per identity number, with each field from the last row that gives it."""
    people: dict[str, tuple[dict, int]] = {}
    for period in periods:
        values, _ = people.get(period.national_id, ({}, 0))
        values.update({k: v for k, v in period.person.items() if v is not None or k not in values})
        people[period.national_id] = (values, period.row)
    for national_id, (values, row) in people.items():
        names = SimpleNamespace()  # Person.set_names on a plain record: the model's own name_key
        Person.set_names(names, values.pop("first_name"), values.pop("last_name"))
        values.update(vars(names))
        if (person := stored.persons.get(national_id)) is None:
            changes.insert(Person, "persons", row, {"national_id": national_id, **values})
        else:
            changes.update(Person, "persons", row, person, values)
    ids = {national_id: person.id for national_id, person in stored.persons.items()}
    ids.update(changes.insert_returning(Person, ["national_id"]))
    changes.flush(Person)
    return ids


def _store_dues(period: Period, membership_id: int, stored: list, changes: Changes) -> None:
    """The row's dues code from its date: the stored period from that date, or a new one after the open."""
    values = {**period.dues, "membership_id": membership_id}
    same = next((d for d in stored if d.from_date == values["from_date"]), None)
    if same is not None:
        changes.update(DuesCodePeriod, "dues_code_periods", period.row, same, values)
        return
    for earlier in stored:
        if earlier.to_date is None and earlier.from_date < values["from_date"]:
            changes.update(DuesCodePeriod, "dues_code_periods", period.row, earlier,
                           {"to_date": values["from_date"] - ONE_DAY})
    changes.insert(DuesCodePeriod, "dues_code_periods", period.row, values)


def _store_employment(period: Period, membership_id: int, stored: list, changes: Changes) -> None:
    """The row's employment: the stored one at the same workplace from the same date, or a new one
    that closes the open employments begun before it (the file gives *the* current employment)."""
    if period.employment is None:
        return
    values = {**period.employment, "membership_id": membership_id}
    same = next((e for e in stored
                 if (e.workplace_id, e.from_date) == (values["workplace_id"], values["from_date"])), None)
    if same is not None:
        changes.update(Employment, "employments", period.row, same, values)
        return
    for earlier in stored:
        if earlier.to_date is None and earlier.from_date < values["from_date"]:
            changes.update(Employment, "employments", period.row, earlier, {"to_date": values["from_date"] - ONE_DAY})
    changes.insert(Employment, "employments", period.row,
                   {"position_bp": 10000, "monthly_pay_ore": None, **values})


def _store_insurances(period: Period, membership_id: int, stored: list, changes: Changes) -> None:
    """Home insurance, benefit fund and education fund from the start of the membership to its end."""
    start, end = period.membership["start_date"], period.membership["end_date"]
    for kind in INSURANCES:
        values = {"membership_id": membership_id, "kind": kind, "from_date": start, "to_date": end,
                  "reserved": kind == "home" and period.home_reserved}
        same = next((i for i in stored if (i.kind, i.from_date) == (kind, start)), None)
        if same is None:
            changes.insert(InsurancePeriod, "insurance_periods", period.row, values)
        else:
            changes.update(InsurancePeriod, "insurance_periods", period.row, same, values)
