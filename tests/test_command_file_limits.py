"""Every command that imports a file refuses one over its size limit before reading it (issue 12): a
Norwegian message, exit 1, and the file never read into memory. The files are sparse: they take no
room on the disk."""
import json

import pytest

from rules import deduction_file, payment_file
from tests.xlsx_bombs import MB, measured
from web.commands import MAX_IMPORT_BYTES

COMMANDS = [
    (["lists", "import"], deduction_file.MAX_FILE_BYTES, "10,0"),
    (["payments", "import"], payment_file.MAX_FILE_BYTES, "64,0"),
    (["members", "import"], MAX_IMPORT_BYTES, "64,0"),
    (["org", "import"], MAX_IMPORT_BYTES, "64,0"),
]


def sparse(tmp_path, size: int):
    path = tmp_path / "fil.csv"
    with path.open("wb") as file:
        file.truncate(size)
    return path


@pytest.mark.parametrize(("command", "limit", "shown"), COMMANDS, ids=[" ".join(c[0]) for c in COMMANDS])
def test_a_file_over_the_limit_is_refused_unread(app, tmp_path, command, limit, shown):
    path = sparse(tmp_path, limit + 20 * MB)
    result, seconds, peak = measured(lambda: app.test_cli_runner().invoke(args=[*command, str(path)]))

    size = f"{(limit + 20 * MB) / MB:.1f}".replace(".", ",")
    assert result.exit_code == 1
    assert result.output == f"Filen er for stor ({size} MB); høyst {shown} MB er tillatt.\n"
    assert peak < 15, f"{peak:.0f} MB read"
    assert seconds < 2
    as_json = app.test_cli_runner().invoke(args=[*command, str(path), "--json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.output) == {"ok": False, "message": result.output.strip()}


@pytest.mark.parametrize(("command", "limit", "shown"), COMMANDS, ids=[" ".join(c[0]) for c in COMMANDS])
def test_a_file_at_the_limit_is_read(app, tmp_path, command, limit, shown):
    """Read and refused for its content (zeros), not for its size."""
    result = app.test_cli_runner().invoke(args=[*command, str(sparse(tmp_path, limit))])
    assert "for stor" not in result.output
