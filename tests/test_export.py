import io
from datetime import date

from openpyxl import load_workbook

from web.export import csv_response, xlsx_response

ROWS = [["Ås, Kari", "=HYPERLINK(\"http://x\")", 633, date(2026, 3, 1)]]


def test_csv_is_semicolon_utf8_with_bom_and_defuses_formulas(app):
    with app.test_request_context():
        response = csv_response("liste", ["Navn", "Notat", "Beløp", "Dato"], ROWS)
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeffNavn;Notat;Beløp;Dato\r\n")
    assert 'Ås, Kari;"\'=HYPERLINK' in body and body.rstrip().endswith("633;01.03.2026")
    assert 'filename="liste.csv"' in response.headers["Content-Disposition"]


def test_xlsx_keeps_text_as_text(app):
    with app.test_request_context():
        response = xlsx_response("liste", ["Navn", "Notat", "Beløp", "Dato"], ROWS)
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet["A2"].value == "Ås, Kari"
    assert sheet["B2"].data_type == "s" and sheet["B2"].value.startswith("=HYPERLINK")
    assert sheet["C2"].value == 633


def test_an_export_is_written_to_the_audit_log(factory, session, client, login):
    from models import AuditLog

    login(factory.user("central"))
    response = client.get("/utmelding/?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    row = session.query(AuditLog).filter_by(entity="export").one()
    assert row.summary.startswith("Eksportert stopp-trekk-") and row.summary.endswith(".csv (0 rader)")
