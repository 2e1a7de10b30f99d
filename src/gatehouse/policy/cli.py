"""`gatehouse policy …`: evaluate and lint IAM policies."""

from __future__ import annotations

import click


@click.group()
def policy() -> None:
    """Evaluate and lint IAM policies."""
