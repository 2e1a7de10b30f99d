"""The `gatehouse` command: it only dispatches to each part's own commands."""

from __future__ import annotations

import logging

import click

from gatehouse import __version__
from gatehouse.imds.cli import imds
from gatehouse.lab.cli import lab
from gatehouse.policy.cli import policy
from gatehouse.study.cli import study
from gatehouse.web.cli import serve


@click.group()
@click.version_option(__version__, prog_name="gatehouse")
@click.option(
    "-v", "--verbose", count=True, help="Log more to stderr (-v info, -vv debug)."
)
def cli(verbose: int) -> None:
    """Teach, prove and protect the AWS identity boundary."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


cli.add_command(imds)
cli.add_command(lab)
cli.add_command(policy)
cli.add_command(serve)
cli.add_command(study)


def main() -> None:
    cli()
