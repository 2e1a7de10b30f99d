"""The coverage table is generated, committed and current."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from gatehouse.cli import cli
from gatehouse.lab import models
from gatehouse.lab.coverage import coverage_markdown
from gatehouse.lab.routes import default_routes

COVERAGE = Path(__file__).parents[2] / "docs" / "coverage.md"


def test_committed_coverage_table_is_current() -> None:
    expected = coverage_markdown(default_routes())

    assert COVERAGE.read_text() == expected, (
        "docs/coverage.md is stale: run `gatehouse lab coverage > docs/coverage.md`"
    )


def test_gatehouse_lab_coverage_prints_the_table() -> None:
    result = CliRunner().invoke(cli, ["lab", "coverage"])

    assert result.exit_code == 0
    assert result.output == coverage_markdown(default_routes())


def test_every_route_names_an_operation_of_its_services_model() -> None:
    for service, operation in default_routes():
        assert operation in models.service(service).operations, (service, operation)
