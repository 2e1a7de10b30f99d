"""`gatehouse lab …`: run and inspect the local AWS."""

from __future__ import annotations

import click


@click.group()
def lab() -> None:
    """Run and inspect the local AWS (the lab)."""


@lab.command()
def coverage() -> None:
    """Print the coverage table (example: gatehouse lab coverage > docs/coverage.md)."""
    from gatehouse.lab.coverage import coverage_markdown
    from gatehouse.lab.routes import default_routes

    click.echo(coverage_markdown(default_routes()), nl=False)
