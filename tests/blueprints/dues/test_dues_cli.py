import json

import pytest


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_quote_gives_the_worked_example_of_the_handbook(app):
    result = run(app, "dues", "quote", "--rate", "1,75", "--pay", "33000", "--date", "2008-06-01", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "percentage_part": "536.00", "cap": "536.00", "fixed": "97.00", "total": "633.00",
        "explanation": "1,75 % av 33 000,00 = 577,50, begrenset til 536 (1,75 % av 30 633,40) + faste beløp "
                       "97,00 (hjemforsikring 61,00, stønadskassa 15,00, utdanningsfond 21,00) = 633,00 kr",
    }


def test_quote_uses_the_rates_in_force_and_the_flags(app):
    result = run(app, "dues", "quote", "--rate", "1.45", "--pay", "20 000,00", "--date", "2022-01-01",
                 "--reserved", "--json")
    data = json.loads(result.output)
    assert (data["percentage_part"], data["cap"], data["fixed"], data["total"]) == ("290.00", "621.00", "51.00", "341.00")
    secondary = json.loads(run(app, "dues", "quote", "--rate", "1,45", "--pay", "20000", "--date", "2022-01-01",
                               "--secondary", "--json").output)
    assert secondary["fixed"] == "0.00" and secondary["total"] == "290.00"


def test_quote_step50_overrides_the_cap_reference(app):
    result = run(app, "dues", "quote", "--rate", "1,75", "--pay", "33000", "--date", "2008-06-01",
                 "--step50", "40000", "--json")
    data = json.loads(result.output)
    assert data["cap"] == "700.00" and data["percentage_part"] == "577.50" and data["total"] == "674.50"


@pytest.mark.parametrize("args, message", [
    (["--rate", "1,2", "--pay", "33000"], "minstesatsen"),
    (["--rate", "11", "--pay", "33000"], "10 %"),
    (["--rate", "1,75", "--pay", "-5"], "negativ"),
    (["--rate", "1,75", "--pay", "10000001"], "10 000 000"),
    (["--rate", "1,75", "--pay", "mye"], "kronebeløp"),
    (["--rate", "1,75", "--pay", "33000", "--date", "2007-12-31"], "01.03.2008"),
    (["--rate", "1,75", "--pay", "33000", "--date", "31.02.2020"], "gyldig dato"),
])
def test_quote_refuses_bad_input_with_a_reason_and_exit_1(app, args, message):
    result = run(app, "dues", "quote", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_quote_wrong_usage_is_exit_2(app):
    assert run(app, "dues", "quote", "--pay", "33000").exit_code == 2


def test_kid_make_and_check(app):
    assert run(app, "kid", "make", "12345678").output.strip() == "123456782"
    assert run(app, "kid", "make", "12345678", "--mod11").output.strip() == "123456785"
    good = run(app, "kid", "check", "123456782", "--json")
    assert good.exit_code == 0 and json.loads(good.output)["scheme"] == "MOD10"
    bad = run(app, "kid", "check", "123456783")
    assert bad.exit_code == 1 and "ugyldig KID" in bad.output
    assert run(app, "kid", "make", "12a4").exit_code == 1
