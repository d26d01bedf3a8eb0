"""Moving the organization in from an older register (FORMATS.md section 3, `flask org import`).

One row per unit; `kind` says which. The file is checked whole before anything is stored: every bad
row is reported, and a file with any bad row stores nothing. Rows are matched by their numbers
(county, branch and section by number, employer by orgnr, workplace by employer and number), so the
same file imported again creates nothing, and a changed value updates the matched unit. A column
that is absent from the file leaves the stored value alone; an empty cell clears it.

Branch rates: a branch that has no rate yet gets the file's rate from 2008-03-01, the date of the
first rate table (DOMAIN.md section 7), so that every period the register may compute is covered.
A branch that already has a rate, and whose rate in force today differs from the file's, gets the
new rate from the first day of the current month: history already computed is never rewritten.
"""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import Branch, BranchRate, County, Employer, Section, Workplace, db, record
from rules.csvfile import (
    ImportReport,
    Row,
    parse_choice,
    parse_date,
    parse_number,
    parse_percent,
    parse_postal_code,
    read_table,
)
from rules.idnumbers import parse_account, parse_orgnr
from rules.names import name_key

COLUMNS = ["kind", "number", "name", "parent", "orgnr", "address", "postal_code", "city", "phone", "email",
           "founded", "account", "rate"]
REQUIRED = ["kind", "name"]
ADDRESS_FIELDS = ["address", "postal_code", "city", "phone", "email"]

# In the order they are stored: parents before children.
KINDS = {"county": County, "section": Section, "employer": Employer, "branch": Branch, "workplace": Workplace}
PLURAL = {"county": "counties", "section": "sections", "employer": "employers", "branch": "branches",
          "workplace": "workplaces"}
LABELS = {
    "counties": ("fylkeskrets", "fylkeskretser"),
    "sections": ("seksjon", "seksjoner"),
    "employers": ("arbeidsgiver", "arbeidsgivere"),
    "branches": ("fagforening", "fagforeninger"),
    "workplaces": ("arbeidssted", "arbeidssteder"),
}
MINIMUM_RATE_BP = 145  # DOMAIN.md section 4: at least 1,45 % of gross monthly pay
FIRST_RATE_DATE = date(2008, 3, 1)


@dataclass
class Unit:
    """One valid row: its kind, its matching key, the values to store and its parent's key."""

    row: Row
    kind: str
    key: int | str | tuple[str, int]
    values: dict
    parent: int | str | None = None
    rate_bp: int | None = None


def import_organization(data: bytes, today: date) -> ImportReport:
    """Check the whole file, then create or update its units. Flushes; the caller commits."""
    table = read_table(data, COLUMNS, REQUIRED)
    report = ImportReport(LABELS, rows=len(table.rows))
    units = [unit for unit in map(_parse, table.rows) if unit is not None]
    _check_duplicates(units)
    stored = _load_stored()
    _check_parents(units, stored)
    if table.errors:
        report.errors = sorted(table.errors, key=lambda e: e.row or 0)
        return report

    for kind, counted in PLURAL.items():
        for unit in (u for u in units if u.kind == kind):
            if not _store(unit, stored, today):
                report.unchanged += 1
            elif unit.key in stored.before[kind]:
                report.updated[counted] += 1
            else:
                report.created[counted] += 1
    db.session.flush()
    if report.changed:
        record("create" if any(report.created.values()) else "update", "org_import", None,
               f"Organisasjon importert fra fil: {report.changes_text()}.", user=None)
    return report


def _length(model, column: str) -> int:
    return model.__table__.c[column].type.length


def _parse(row: Row) -> Unit | None:
    kind = row.parse("kind", parse_choice({k: k for k in KINDS}, "enhetstype"), required=True)
    if kind is None:
        return None
    model = KINDS[kind]
    values = {"name": row.text("name", required=True, max_length=_length(model, "name"))}
    if kind != "section":
        for column in ADDRESS_FIELDS:
            if row.has(column):
                values[column] = (row.parse(column, parse_postal_code) if column == "postal_code"
                                  else row.text(column, max_length=_length(model, column), digits=column == "phone"))
    unit = Unit(row, kind, None, values)
    if kind == "employer":
        unit.key = row.parse("orgnr", parse_orgnr, required=True)
        values["name_key"] = name_key(values["name"] or "")
    else:
        unit.key = row.parse("number", parse_number, required=True)
    if kind == "branch":
        unit.parent = row.parse("parent", parse_number, required=True)
        if row.has("founded"):
            values["founded"] = row.parse("founded", parse_date)
        if row.has("account"):
            values["account"] = row.parse("account", parse_account)
        unit.rate_bp = row.parse("rate", parse_percent, required=True)
        if unit.rate_bp is not None and unit.rate_bp < MINIMUM_RATE_BP:
            row.error("rate", f"Satsen {_percent(unit.rate_bp)} er lavere enn minstesatsen "
                              f"{_percent(MINIMUM_RATE_BP)}.")
    elif kind == "workplace":
        unit.parent = row.parse("parent", parse_orgnr, required=True)
        unit.key = (unit.parent, unit.key)
    return unit if row.ok else None


def _percent(bp: int) -> str:
    return f"{bp // 100},{bp % 100:02d} %"


def _describe(unit: Unit) -> str:
    if unit.kind == "workplace":
        return f"Arbeidssted {unit.key[1]} hos {unit.key[0]}"
    return f"{LABELS[PLURAL[unit.kind]][0].capitalize()} {unit.key}"


def _check_duplicates(units: list[Unit]) -> None:
    first_row: dict[tuple, int] = {}
    for unit in units:
        seen = first_row.setdefault((unit.kind, unit.key), unit.row.number)
        if seen != unit.row.number:
            column = "orgnr" if unit.kind == "employer" else "number"
            unit.row.error(column, f"{_describe(unit)} står også på rad {seen}.")


@dataclass
class Stored:
    """The units in the database by their keys, and the new ones as they are made."""

    units: dict[str, dict]
    before: dict[str, set]


def _load_stored() -> Stored:
    """Every unit, one query per table: a union has at most some thousand of each."""
    units = {
        "county": {c.number: c for c in db.session.scalars(sa.select(County))},
        "section": {s.number: s for s in db.session.scalars(sa.select(Section))},
        "employer": {e.orgnr: e for e in db.session.scalars(
            sa.select(Employer).options(selectinload(Employer.workplaces)))},
        "branch": {b.number: b for b in db.session.scalars(sa.select(Branch).options(selectinload(Branch.rates)))},
    }
    units["workplace"] = {(e.orgnr, w.number): w for e in units["employer"].values() for w in e.workplaces}
    return Stored(units, {kind: set(found) for kind, found in units.items()})


def _check_parents(units: list[Unit], stored: Stored) -> None:
    in_file = {(u.kind, u.key) for u in units}
    for unit in units:
        if unit.kind == "branch" and unit.parent not in stored.units["county"] \
                and ("county", unit.parent) not in in_file:
            unit.row.error("parent", f"Fylkeskrets {unit.parent} finnes verken i filen eller i registeret.")
        if unit.kind == "workplace" and unit.parent not in stored.units["employer"] \
                and ("employer", unit.parent) not in in_file:
            unit.row.error("parent", f"Arbeidsgiveren {unit.parent} finnes verken i filen eller i registeret.")


def _store(unit: Unit, stored: Stored, today: date) -> bool:
    """Create or update the unit; whether anything changed."""
    values = dict(unit.values)
    if unit.kind == "branch":
        values["county"] = stored.units["county"][unit.parent]
    elif unit.kind == "workplace":
        values["employer"] = stored.units["employer"][unit.parent]
    obj = stored.units[unit.kind].get(unit.key)
    if obj is None:
        key_field = {"employer": "orgnr"}.get(unit.kind, "number")
        key_value = unit.key[1] if unit.kind == "workplace" else unit.key
        obj = KINDS[unit.kind](**{key_field: key_value}, **values)
        if unit.kind == "branch":
            obj.rates.append(BranchRate(valid_from=FIRST_RATE_DATE, rate_bp=unit.rate_bp))
        db.session.add(obj)
        stored.units[unit.kind][unit.key] = obj
        return True
    changed = False
    for field, value in values.items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed = True
    if unit.kind == "branch":
        changed = _set_rate(obj, unit.rate_bp, today) or changed
    return changed


def _set_rate(branch: Branch, rate_bp: int, today: date) -> bool:
    """The file's rate, from 2008-03-01 when the branch has none, else from the first of this month."""
    if not branch.rates:
        branch.rates.append(BranchRate(valid_from=FIRST_RATE_DATE, rate_bp=rate_bp))
        return True
    in_force = next((r for r in reversed(branch.rates) if r.valid_from <= today), None)
    if in_force is not None and in_force.rate_bp == rate_bp:
        return False
    month_start = today.replace(day=1)
    this_month = next((r for r in branch.rates if r.valid_from == month_start), None)
    if this_month is not None:
        this_month.rate_bp = rate_bp
    else:
        branch.rates.append(BranchRate(valid_from=month_start, rate_bp=rate_bp))
    return True
