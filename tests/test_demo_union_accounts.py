"""`flask demo` with UNION_ACCOUNTS set (issue 13, item 4): its payment files are for the union's
first account, so every one is imported, none refused as a file for another payee account."""
import json

import sqlalchemy as sa

from models import PaymentTransmission

from .test_demo import run_demo


def test_the_demo_pays_into_the_first_of_union_accounts(app, session, monkeypatch):
    # not UNION_ACCOUNT (15032080119, where employers are told to pay): files for that one would be refused
    monkeypatch.setitem(app.config, "UNION_ACCOUNTS", "8601.11.17947, 15032080127")
    result = run_demo(app, "--json")
    assert result.exit_code == 0, result.output
    json.loads(result.output)
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(PaymentTransmission)) > 0
    assert session.scalar(sa.select(sa.func.count()).select_from(PaymentTransmission)
                          .where(PaymentTransmission.digest.is_(None))) == 0


def test_without_union_accounts_the_demo_pays_into_union_account(app, monkeypatch):
    from demo.payments import _Bank

    with app.app_context():
        monkeypatch.setitem(app.config, "UNION_ACCOUNT", "1503 20 80119")
        assert _Bank.payee_account(()) == "15032080119"
        assert _Bank.payee_account(("86011117947", "15032080119")) == "86011117947"
