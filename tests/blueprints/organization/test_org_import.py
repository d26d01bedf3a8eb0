"""`flask org import FILE` (FORMATS.md section 3): counties, branches, sections, employers, workplaces."""
import json
from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditLog, Branch, County, Employer, Section, Workplace
from tests.factories import make_orgnr
from web import clock

ACCOUNT = "86011117947"
HEADER = ["kind", "number", "name", "parent", "orgnr", "address", "postal_code", "city", "founded", "account", "rate"]


def write_csv(tmp_path, rows, *, separator=";", encoding="cp1252", header=HEADER, name="org.csv"):
    def cell(value):
        value = str(value)
        return f'"{value}"' if separator in value else value

    lines = [separator.join(header)] + [separator.join(cell(v) for v in row) for row in rows]
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def run(app, path, *args):
    return app.test_cli_runner().invoke(args=["org", "import", str(path), *args])


@pytest.fixture
def orgnr():
    return make_orgnr()


def units(number_county=71, number_branch=7101, orgnr="", rate="1,75", founded="01.02.1990"):
    """A branch before its county (order must not matter), a section, an employer and a workplace."""
    return [
        ["branch", number_branch, "Bærum fagforening", number_county, "", "Ærfuglveien 1", "1350", "Lommedalen",
         founded, ACCOUNT, rate],
        ["county", number_county, "Viken fylkeskrets", "", "", "", "", "", "", "", ""],
        ["section", 71, "Kirke og kultur", "", "", "", "", "", "", "", ""],
        ["employer", "", "Bærum kommune", "", orgnr, "Postboks 1", "1304", "Sandvika", "", "", ""],
        ["workplace", 3, "Øvre Ramstad skole", orgnr, "", "", "", "", "", "", ""],
    ]


def test_semicolon_windows_1252_file_creates_every_kind_of_unit(app, session, tmp_path, orgnr):
    result = run(app, write_csv(tmp_path, units(orgnr=orgnr)))

    assert result.exit_code == 0, result.output
    assert result.output == ("Importert 5 rader.\nOpprettet: 1 fylkeskrets, 1 seksjon, 1 arbeidsgiver, "
                             "1 fagforening og 1 arbeidssted.\n")
    session.expire_all()
    branch = session.scalar(sa.select(Branch).where(Branch.number == 7101))
    assert branch.name == "Bærum fagforening" and branch.county.name == "Viken fylkeskrets"
    assert (branch.address, branch.postal_code, branch.city) == ("Ærfuglveien 1", "1350", "Lommedalen")
    assert branch.founded == date(1990, 2, 1) and branch.account == ACCOUNT
    assert [(r.valid_from, r.rate_bp) for r in branch.rates] == [(date(2008, 3, 1), 175)]
    assert session.scalar(sa.select(Section.name).where(Section.number == 71)) == "Kirke og kultur"
    employer = session.scalar(sa.select(Employer).where(Employer.orgnr == orgnr))
    assert (employer.name, employer.name_key, employer.city) == ("Bærum kommune", "b{rum kommune", "Sandvika")
    assert [(w.number, w.name) for w in employer.workplaces] == [(3, "Øvre Ramstad skole")]
    audit = session.scalars(sa.select(AuditLog).where(AuditLog.entity == "org_import")).all()
    assert [(a.actor, a.action) for a in audit] == [("system", "create")]
    assert "1 fagforening" in audit[0].summary


def test_comma_utf8_bom_file_with_other_header_spelling(app, session, tmp_path, orgnr):
    header = ["Kind", "NUMBER", "Name", "Parent", "OrgNr", "Address", "Postal Code", "City", "Founded",
              "Account", "Rate"]
    path = write_csv(tmp_path, units(orgnr=orgnr, rate="2,00", founded="1990-02-01"), separator=",",
                     encoding="utf-8-sig", header=header)

    result = run(app, path)

    assert result.exit_code == 0, result.output
    session.expire_all()
    branch = session.scalar(sa.select(Branch).where(Branch.number == 7101))
    assert branch.name == "Bærum fagforening" and branch.founded == date(1990, 2, 1)
    assert [r.rate_bp for r in branch.rates] == [200]


def test_the_same_file_twice_creates_nothing(app, session, tmp_path, orgnr):
    path = write_csv(tmp_path, units(orgnr=orgnr))
    assert run(app, path).exit_code == 0

    result = run(app, path, "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True and report["unchanged"] == 5 and report["errors"] == []
    assert not any(report["created"].values()) and not any(report["updated"].values())
    assert run(app, path).output == "Ingenting nytt: alle 5 rader var allerede importert.\n"
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(Branch).where(Branch.number == 7101)) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.entity == "org_import")) == 1


def test_changed_address_and_rate_update_the_matched_units(app, session, tmp_path, orgnr):
    assert run(app, write_csv(tmp_path, units(orgnr=orgnr))).exit_code == 0
    changed = units(orgnr=orgnr, rate="1,80")
    changed[0][5] = "Nyveien 9"

    result = run(app, write_csv(tmp_path, changed, name="changed.csv"))

    assert result.exit_code == 0, result.output
    assert result.output == "Importert 5 rader.\nOppdatert: 1 fagforening.\nUendret: 4 rader.\n"
    session.expire_all()
    branch = session.scalar(sa.select(Branch).where(Branch.number == 7101))
    assert branch.address == "Nyveien 9"
    month_start = clock.today().replace(day=1)
    assert [(r.valid_from, r.rate_bp) for r in branch.rates] == [(date(2008, 3, 1), 175), (month_start, 180)]


def test_parents_may_already_be_in_the_register(app, session, factory, tmp_path):
    county = factory.county(number=72)
    employer = factory.employer()
    rows = [["branch", 7201, "Asker fagforening", 72, "", "", "", "", "", "", "1,45"],
            ["workplace", 1, "Rådhuset", employer.orgnr, "", "", "", "", "", "", ""]]

    result = run(app, write_csv(tmp_path, rows))

    assert result.exit_code == 0, result.output
    session.expire_all()
    assert session.scalar(sa.select(Branch).where(Branch.number == 7201)).county_id == county.id
    assert session.scalar(sa.select(Workplace.name).where(Workplace.employer_id == employer.id)) == "Rådhuset"


def test_every_bad_row_is_reported_and_nothing_is_stored(app, session, tmp_path, orgnr):
    unknown = make_orgnr()
    rows = units(orgnr=orgnr) + [
        ["employer", "", "Feil AS", "", "123456789", "", "", "", "", "", ""],
        ["branch", 7102, "Foreldreløs", 79, "", "", "", "", "", "", "1,75"],
        ["branch", 7103, "For billig", 71, "", "", "", "", "", "", "1,40"],
        ["branch", 7104, "Feil konto", 71, "", "", "", "", "", "12345678901", "1,75"],
        ["branch", 7105, "Feil dato", 71, "", "", "", "", "31.02.1990", "", "1,75"],
        ["county", 71, "Viken igjen", "", "", "", "", "", "", "", ""],
        ["workplace", 1, "Uten arbeidsgiver", unknown, "", "", "", "", "", "", ""],
        ["region", 1, "Ukjent", "", "", "", "", "", "", "", ""],
        ["county", "", "Uten nummer", "", "", "", "", "", "", "", ""],
    ]

    result = run(app, write_csv(tmp_path, rows))

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "Filen ble ikke importert, og ingenting er lagret (9 feil):"
    assert lines[1:] == [
        "rad 7, kolonne orgnr: Organisasjonsnummeret er ikke gyldig (kontrollsifferet stemmer ikke).",
        "rad 8, kolonne parent: Fylkeskrets 79 finnes verken i filen eller i registeret.",
        "rad 9, kolonne rate: Satsen 1,40 % er lavere enn minstesatsen 1,45 %.",
        "rad 10, kolonne account: Kontonummeret er ikke gyldig (kontrollsifferet stemmer ikke).",
        "rad 11, kolonne founded: «31.02.1990» er ikke en gyldig dato.",
        "rad 12, kolonne number: Fylkeskrets 71 står også på rad 3.",
        f"rad 13, kolonne parent: Arbeidsgiveren {unknown} finnes verken i filen eller i registeret.",
        "rad 14, kolonne kind: Ukjent enhetstype «region» (gyldige: county, section, employer, branch, workplace).",
        "rad 15, kolonne number: Mangler verdi.",
    ]
    session.expire_all()
    assert session.scalar(sa.select(County).where(County.number == 71)) is None
    assert session.scalar(sa.select(Employer).where(Employer.orgnr == orgnr)) is None
    assert session.scalar(sa.select(Section).where(Section.number == 71)) is None
    assert session.scalar(sa.select(AuditLog).where(AuditLog.entity == "org_import")) is None


def test_errors_as_json_and_a_missing_column_is_named(app, session, tmp_path):
    path = write_csv(tmp_path, [["county", 73, "Agder"]], header=["kind", "number", "navn"])

    result = run(app, path, "--json")

    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False
    assert report["errors"] == [
        {"row": 1, "column": "navn", "message": "Ukjent kolonne."},
        {"row": 1, "column": "name", "message": "Kolonnen «name» mangler i filen."},
    ]
    session.expire_all()
    assert session.scalar(sa.select(County).where(County.number == 73)) is None


def test_a_missing_file_is_wrong_usage(app, tmp_path):
    assert run(app, tmp_path / "finnes-ikke.csv").exit_code == 2
