"""`flask org import` (FORMATS.md section 3) refuses a file that is not CSV (an old Excel file, an ODS,
a PDF, an XLSX) or that mixes UTF-8 and Windows-1252, saying so in one line; nothing is stored
(issue 13, items 6 and 9). A header written with punctuation still finds its columns."""
import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from models import County
from tests.foreign_files import MIXED, ODS, OLD_EXCEL, PDF, mixed_encoding, ods_bytes, old_excel_bytes, pdf_bytes


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["kind", "number", "name"])
    workbook.active.append(["county", 71, "Viken fylkeskrets"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(app, path):
    return app.test_cli_runner().invoke(args=["org", "import", str(path)])


def counties(session) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(County))


@pytest.mark.parametrize("name, content, refusal", [
    ("org.xls", old_excel_bytes(), OLD_EXCEL), ("org.ods", ods_bytes(), ODS), ("org.csv", pdf_bytes(), PDF),
    ("org.xlsx", xlsx_bytes(), "Filen er et Excel-regneark (XLSX), men denne importen leser bare CSV."),
    ("org.csv", mixed_encoding(["kind;number;name", "county;71;Viken fylkeskrets", "county;72;Møre fylkeskrets",
                                "county;73;Trøndelag fylkeskrets"], cp1252_lines={4}), MIXED),
])
def test_a_file_that_is_not_one_csv_is_refused_in_one_line(app, session, tmp_path, name, content, refusal):
    path = tmp_path / name
    path.write_bytes(content)

    result = run(app, path)

    assert result.exit_code == 1
    first, reason = result.output.splitlines()
    assert first == "Filen ble ikke importert, og ingenting er lagret (1 feil):"
    assert reason.startswith(refusal), reason
    assert counties(session) == 0


def test_the_mixed_file_names_its_rows(app, session, tmp_path):
    path = tmp_path / "org.csv"
    path.write_bytes(mixed_encoding(["kind;number;name", "county;72;Møre fylkeskrets", "county;73;Trøndelag"],
                                    cp1252_lines={3}))
    assert "(rad 2 er skrevet i UTF-8 og rad 3 i Windows-1252)" in run(app, path).output


def test_header_names_with_punctuation_find_their_columns(app, session, tmp_path):
    path = tmp_path / "org.csv"
    path.write_bytes("Kind.;Number;Name:\r\ncounty;71;Viken fylkeskrets\r\n".encode("cp1252"))

    result = run(app, path)

    assert result.exit_code == 0, result.output
    assert counties(session) == 1
