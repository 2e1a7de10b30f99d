from click.testing import CliRunner

from gatehouse import __version__
from gatehouse.cli import cli


def test_version_is_reported() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output
