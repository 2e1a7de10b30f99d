"""The route table: which (service, operation) pairs the lab answers, and how well."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from gatehouse.lab.request import Handler


class Fidelity(enum.Enum):
    """How much of an operation's AWS behaviour its handler reproduces."""

    FULL = "modelled"
    PARTIAL = "partly modelled"


@dataclass(frozen=True)
class Route:
    handler: Handler
    fidelity: Fidelity
    note: str  # what is modelled and, when partial, what is not


RouteTable = Mapping[tuple[str, str], Route]


def default_routes() -> dict[tuple[str, str], Route]:
    """Every handler the lab ships, by (service, operation)."""
    from gatehouse.lab.handlers import cloudtrail, ec2, iam, sts

    table: dict[tuple[str, str], Route] = {}
    for module_routes in (sts.ROUTES, iam.ROUTES, ec2.ROUTES, cloudtrail.ROUTES):
        table.update(module_routes)
    return table
