"""A zip bomb sent as an employer's list (issue 12) is refused on the upload page and by `flask lists
import` as any bad file is, quickly and without taking the worker's memory; nothing is stored."""
import io
import json
import time
from datetime import date

import pytest
import sqlalchemy as sa

from models import DeductionLine, DeductionList
from tests.deviations_files import reported, row, xlsx_bytes
from tests.xlsx_bombs import MB, measured, shared_strings_bomb

REFUSED = "Filen er ikke et gyldig regneark: en fil i den pakker ut til mer enn 50 MB."


@pytest.fixture(scope="module")
def bomb():
    return shared_strings_bomb(300 * MB)  # some 800 kB


@pytest.fixture
def world(factory):
    branch = factory.branch(number=7301, name="Lag A")
    employer = factory.employer(name="Aker sykehus HF")
    member = factory.member(branch, workplace=factory.workplace(employer, branch), first_name="Test", last_name="Aas")
    return {"branch": branch, "employer": employer, "member": member}


def stored(session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(sa.select(sa.func.count()).select_from(DeductionList)),
            session.scalar(sa.select(sa.func.count()).select_from(DeductionLine)))


def upload(post, content: bytes, filename: str = "trekk.xlsx"):
    return post("/trekklister/last-opp", {"file": (io.BytesIO(content), filename)},
                content_type="multipart/form-data")


@pytest.fixture
def officer(factory, login):
    """The central registry's officer, who loads employers' files."""
    user = factory.user("central")
    login(user)
    return user


def test_the_upload_page_refuses_a_bomb_as_a_bad_file(post, officer, session, world, bomb):
    started = time.perf_counter()
    response = upload(post, bomb)
    seconds = time.perf_counter() - started

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Filen ble avvist med 1 feil. Ingenting er lagret." in html
    assert REFUSED in html
    assert seconds < 2, f"answered after {seconds:.1f} s"
    assert stored(session) == (0, 0)


def test_the_upload_page_still_takes_a_real_xlsx_file(post, officer, session, world):
    target = type("Target", (), {"period": date(2026, 1, 1), "employer": world["employer"], "branch": world["branch"]})
    nid, number, last, first, _, _ = reported(world["member"])
    response = upload(post, xlsx_bytes([row(target, national_id=nid, member_number=number, last_name=last,
                                            first_name=first, dues_ore=74_900, insurance_ore=12_500)]))
    assert response.status_code == 200
    assert "1 trekkliste mottatt med 1 linje" in response.get_data(as_text=True)
    assert stored(session) == (1, 1)


def run(app, *args):
    return app.test_cli_runner().invoke(args=["lists", "import", *args])


def test_the_command_refuses_a_bomb_with_exit_1(app, session, tmp_path, world, bomb):
    path = tmp_path / "trekk.xlsx"
    path.write_bytes(bomb)
    result, seconds, peak = measured(lambda: run(app, str(path)))

    assert result.exit_code == 1, result.output
    assert REFUSED in result.output
    assert seconds < 2 and peak < 50, (seconds, peak)
    as_json = json.loads(run(app, str(path), "--json").output)
    assert as_json["ok"] is False and as_json["errors"][0]["message"] == REFUSED
    assert stored(session) == (0, 0)


def test_the_command_refuses_a_file_over_the_limit_without_reading_it(app, session, tmp_path, world):
    path = tmp_path / "trekk.csv"
    with path.open("wb") as file:
        file.truncate(500 * MB)  # sparse: takes no room on the disk, but 500 MB to read
    result, seconds, peak = measured(lambda: run(app, str(path)))

    assert result.exit_code == 1
    assert result.output == "Filen er for stor (500,0 MB); høyst 10,0 MB er tillatt.\n"
    assert seconds < 2 and peak < 20, (seconds, peak)
    assert json.loads(run(app, str(path), "--json").output) == {
        "ok": False, "message": "Filen er for stor (500,0 MB); høyst 10,0 MB er tillatt."}
    assert stored(session) == (0, 0)
