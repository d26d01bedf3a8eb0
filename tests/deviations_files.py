"""Employers' deduction list files (FORMATS.md section 1) for the deduction list tests.

A plain module (not a test file), for every test that needs a file: `csv_bytes` writes rows of
dicts as the payroll systems do (rules.deduction_file.write_csv), `xlsx_bytes` the same as a sheet, `people_rows` the rows of some
people (`reported` members, or strangers), and `employer_rows` /
`employer_file` give the file an employer would send for a formed list (every expected member
deducted exactly what the register expects), with the changes a test asks for.
"""
import io

from rules.deduction_file import COLUMNS
from rules.deduction_file import kroner_cell as kroner
from rules.deduction_file import percent_cell as percent
from rules.deduction_file import write_csv as csv_bytes

__all__ = ["COLUMNS", "csv_bytes", "employer_file", "employer_rows", "kroner", "list_row", "percent",
           "people_rows", "reported", "row", "xlsx_bytes"]


def xlsx_bytes(rows: list[dict], *, columns=COLUMNS) -> bytes:
    """The same rows as the first sheet of an XLSX workbook, every cell as text."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(columns))
    for row in rows:
        sheet.append(["" if row.get(column) is None else str(row[column]) for column in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def row(deduction_list, *, national_id: str, last_name: str = "Nordmann", first_name: str = "Kari",
        member_number: int | None = None, dues_ore: int = 0, insurance_ore: int = 0,
        position_bp: int | None = None, pay_basis_ore: int | None = None) -> dict:
    """One line of the employer's file for `deduction_list` (any object with period, employer and
    branch), for a person the test names."""
    return {
        "periode": f"{deduction_list.period:%Y-%m}", "orgnr": deduction_list.employer.orgnr,
        "avdeling": deduction_list.branch.number, "fodselsnummer": national_id,
        "medlemsnummer": member_number, "etternavn": last_name, "fornavn": first_name,
        "stillingsprosent": percent(position_bp), "trekkgrunnlag": kroner(pay_basis_ore),
        "kontingent": kroner(dues_ore), "forsikring": kroner(insurance_ore),
    }


def reported(member, dues: str = "749,00", insurance: str = "125,00") -> tuple:
    """A member as a file lists them: (national id, member number, last name, first name, dues, insurance)."""
    return (member.person.national_id, member.member_number, member.person.last_name, member.person.first_name,
            dues, insurance)


def people_rows(period, employer, branch, people) -> list[dict]:
    """The rows of the list of `period`, `employer` and `branch` for `people`, tuples as `reported` gives
    them (the amounts as the file writes them)."""
    return [{"periode": f"{period:%Y-%m}", "orgnr": employer.orgnr, "avdeling": branch.number,
             "fodselsnummer": nid, "medlemsnummer": number, "etternavn": last, "fornavn": first,
             "kontingent": dues, "forsikring": insurance}
            for nid, number, last, first, dues, insurance in people]


def list_row(deduction_list, line) -> dict:
    """The line of a formed list as the employer reports it when it deducted what was expected."""
    last_name, _, first_name = line.name.partition(", ")
    return row(deduction_list, national_id=line.national_id, last_name=last_name, first_name=first_name,
               member_number=line.member_number, dues_ore=line.expected_dues_ore or 0,
               insurance_ore=line.expected_insurance_ore or 0, position_bp=line.position_bp)


def employer_rows(deduction_list, *, drop=(), change: dict | None = None, add=()) -> list[dict]:
    """The rows an employer sends for a formed list: each expected line deducted as expected, except
    the lines whose national id is in `drop` (left off), with `change[national_id]` merged into the
    row of that person (column name → cell text), and the rows of `add` appended."""
    change = change or {}
    rows = []
    for line in deduction_list.lines:
        if not line.expected or line.carried_from_id is not None or line.national_id in drop:
            continue
        rows.append(list_row(deduction_list, line) | change.get(line.national_id, {}))
    return rows + list(add)


def employer_file(deduction_list, *, drop=(), change: dict | None = None, add=(), xlsx: bool = False,
                  **options) -> bytes:
    """`employer_rows` as CSV bytes (or XLSX with `xlsx=True`)."""
    rows = employer_rows(deduction_list, drop=drop, change=change, add=add)
    return xlsx_bytes(rows) if xlsx else csv_bytes(rows, **options)
