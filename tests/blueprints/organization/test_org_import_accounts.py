"""Bank accounts where they are entered (`flask org import`, a branch's account; issue 13, item 5):
00000000000 and any number whose bank registry part (the first four digits) is 0000 is not a bank
account, and is refused with a message that says so; nothing is stored."""
import pytest
import sqlalchemy as sa

from models import Branch
from rules.idnumbers import InvalidNumber, parse_account
from tests.blueprints.organization.test_org_import import run, write_csv

FOUR_ZEROS = "Kontonummeret {shown} er ikke en bankkonto: de fire første sifrene (bankens registernummer) kan ikke være 0000."


@pytest.mark.parametrize(("value", "shown"), [
    ("00000000000", "0000.00.00000"), ("0000.12.34567", "0000.12.34567"), ("00000000001", "0000.00.00001"),
    ("00008612345", "0000.86.12345"),
])
def test_an_account_of_bank_registry_0000_is_refused_with_its_reason(value, shown):
    with pytest.raises(InvalidNumber) as refused:
        parse_account(value)
    assert str(refused.value) == FOUR_ZEROS.format(shown=shown)


def test_a_real_account_is_still_accepted():
    assert parse_account("8601.11.17947") == "86011117947"
    assert parse_account("1503 20 80119") == "15032080119"


@pytest.mark.parametrize(("account", "shown"), [("00000000000", "0000.00.00000"), ("00001234567", "0000.12.34567")])
def test_the_org_import_refuses_a_branch_account_of_zeros(app, session, tmp_path, account, shown):
    rows = [["county", 71, "Viken fylkeskrets", "", "", "", "", "", "", "", ""],
            ["branch", 7101, "Bærum fagforening", 71, "", "", "", "", "01.02.1990", account, "1,75"]]
    result = run(app, write_csv(tmp_path, rows))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Filen ble ikke importert, og ingenting er lagret (1 feil):",
        f"rad 3, kolonne account: {FOUR_ZEROS.format(shown=shown)}",
    ]
    session.expire_all()
    assert session.scalar(sa.select(Branch).where(Branch.number == 7101)) is None
