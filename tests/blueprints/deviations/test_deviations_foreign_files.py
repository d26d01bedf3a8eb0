"""An employer's file that is not what it says (an old Excel file, an ODS, a PDF) or that mixes UTF-8
and Windows-1252 is refused on the upload page and by `flask lists import` with one Norwegian line
saying what it is, and nothing is stored; a file with the payroll systems' header names and a period a
spreadsheet turned into the number 10.203 is received (issue 13, items 6, 7 and 9)."""
import io
import json
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from models import DeductionLine, DeductionList
from tests.deviations_files import kroner
from tests.foreign_files import MIXED, ODS, OLD_EXCEL, PDF, mixed_encoding, ods_bytes, old_excel_bytes, pdf_bytes

OCTOBER_2030 = date(2030, 10, 1)
PAYROLL_HEADER = ["Periode", "Org.nr", "Avd", "Fødselsnr.", "Medlemsnr", "Etternavn", "Fornavn", "Stillings-%",
                  "Trekkgrunnlag", "Trekk", "Forsikr."]


@pytest.fixture
def world(factory):
    branch = factory.branch(number=7301, name="Lag A")
    employer = factory.employer(name="Aker sykehus HF")
    workplace = factory.workplace(employer, branch)
    aas = factory.member(branch, workplace=workplace, first_name="Åsmund", last_name="Aas")
    bjornstad = factory.member(branch, workplace=workplace, first_name="Åse", last_name="Bjørnstad")
    return {"branch": branch, "employer": employer, "aas": aas, "bjornstad": bjornstad}


@pytest.fixture
def officer(factory, login):
    """The central registry's officer, who loads employers' files."""
    user = factory.user("central")
    login(user)
    return user


def stored(session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(sa.select(sa.func.count()).select_from(DeductionList)),
            session.scalar(sa.select(sa.func.count()).select_from(DeductionLine)))


def upload(post, content: bytes, filename: str):
    return post("/trekklister/last-opp", {"file": (io.BytesIO(content), filename)},
                content_type="multipart/form-data")


def csv_lines(world, members, *, period="2026-01") -> list[str]:
    lines = ["periode;orgnr;avdeling;fodselsnummer;etternavn;fornavn;kontingent;forsikring"]
    for member in members:
        person = member.person
        lines.append(f"{period};{world['employer'].orgnr};{world['branch'].number};{person.national_id};"
                     f"{person.last_name};{person.first_name};749,00;125,00")
    return lines


def mixed_file(world) -> bytes:
    """Aas's row written by one system in Windows-1252, Bjørnstad's by another in UTF-8."""
    return mixed_encoding(csv_lines(world, [world["aas"], world["bjornstad"]]), cp1252_lines={2})


def foreign_files(world) -> list[tuple[str, bytes, str, str]]:
    """(name it is sent under, bytes, start of the refusal, what to save it as)."""
    return [
        ("trekk.xls", old_excel_bytes(), OLD_EXCEL, "lagre det som XLSX eller CSV"),
        ("trekk.csv", old_excel_bytes(), OLD_EXCEL, "lagre det som XLSX eller CSV"),  # the bytes tell, not the name
        ("trekk.ods", ods_bytes(), ODS, "lagre det som XLSX eller CSV"),
        ("trekk.xlsx", ods_bytes(), ODS, "lagre det som XLSX eller CSV"),
        ("trekk.pdf", pdf_bytes(), PDF, "Hent listen ut som XLSX eller CSV"),
    ]


@pytest.mark.parametrize("index", range(5))
def test_the_upload_page_says_what_the_file_is_and_stores_nothing(post, session, officer, world, index):
    filename, content, refusal, advice = foreign_files(world)[index]

    response = upload(post, content, filename)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Filen ble avvist med 1 feil. Ingenting er lagret." in html
    assert refusal in html and advice in html
    assert "tegnsettet" not in html
    assert stored(session) == (0, 0)


def test_the_upload_page_refuses_a_mixed_encoding_file_with_its_rows(post, session, officer, world):
    response = upload(post, mixed_file(world), "trekk.csv")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert MIXED in html and "rad 3 er skrevet i UTF-8 og rad 2 i Windows-1252" in html
    assert "BjÃ¸rnstad" not in html
    assert stored(session) == (0, 0)


def test_lists_import_refuses_each_with_exit_1_and_stores_nothing(app, session, world, tmp_path):
    cases = [(name, content, refusal) for name, content, refusal, _ in foreign_files(world)]
    cases.append(("blandet.csv", mixed_file(world), MIXED))
    for name, content, refusal in cases:
        path = tmp_path / name
        path.write_bytes(content)

        result = app.test_cli_runner().invoke(args=["lists", "import", str(path)])
        assert result.exit_code == 1, (name, result.output)
        lines = result.output.splitlines()
        assert lines[0] == "Filen ble avvist med 1 feil. Ingenting er lagret."
        assert lines[1].strip().startswith(refusal), (name, lines)

        as_json = app.test_cli_runner().invoke(args=["lists", "import", str(path), "--json"])
        assert as_json.exit_code == 1
        assert json.loads(as_json.output)["errors"][0]["message"].startswith(refusal)
    assert stored(session) == (0, 0)


def payroll_row(world, member, period) -> list:
    person = member.person
    return [period, world["employer"].orgnr, world["branch"].number, person.national_id, member.member_number,
            person.last_name, person.first_name, "100", "42 800,00", kroner(74_900), kroner(12_500)]


def test_a_file_with_the_payroll_systems_header_names_is_received(post, session, officer, world):
    lines = [";".join(PAYROLL_HEADER)] + [";".join(str(c) for c in payroll_row(world, m, "2026-01"))
                                          for m in (world["aas"], world["bjornstad"])]

    response = upload(post, ("\r\n".join(lines) + "\r\n").encode("cp1252"), "lonn.csv")

    assert response.status_code == 200, response.get_data(as_text=True)
    assert "1 trekkliste mottatt med 2 linjer." in response.get_data(as_text=True)
    the_list = session.scalar(sa.select(DeductionList))
    assert (the_list.period, the_list.employer_id) == (date(2026, 1, 1), world["employer"].id)
    assert sorted(line.national_id for line in the_list.lines) == sorted(
        m.person.national_id for m in (world["aas"], world["bjornstad"]))


def test_a_period_the_spreadsheet_made_10_203_is_october_2030_on_the_upload_page(post, session, officer, world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(PAYROLL_HEADER)
    sheet.append(payroll_row(world, world["aas"], 10.203))  # 10.2030 typed into a cell taken for a number
    out = io.BytesIO()
    workbook.save(out)

    response = upload(post, out.getvalue(), "lonn.xlsx")

    assert response.status_code == 200, response.get_data(as_text=True)
    assert session.scalar(sa.select(DeductionList.period)) == OCTOBER_2030


def test_a_period_written_10_203_is_october_2030_for_lists_import(app, session, world, tmp_path):
    path = tmp_path / "lonn.csv"
    path.write_bytes(("periode;orgnr;avdeling;fodselsnummer;etternavn;fornavn;kontingent;forsikring\r\n"
                      f"10.203;{world['employer'].orgnr};{world['branch'].number};"
                      f"{world['bjornstad'].person.national_id};Bjørnstad;Åse;749,00;125,00\r\n").encode())
    result = app.test_cli_runner().invoke(args=["lists", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 trekkliste mottatt med 1 linje")
    session.expire_all()
    assert session.scalars(sa.select(DeductionList.period)).all() == [OCTOBER_2030]
