"""Systems Manager operations."""

from __future__ import annotations

from typing import Any

from gatehouse.lab.request import LabRequest
from gatehouse.lab.routes import Fidelity, Route


def describe_sessions(request: LabRequest) -> dict[str, Any]:
    # Input (State, MaxResults, Filters) is validated by the protocol layer;
    # the lab starts no Session Manager sessions yet, so the list is empty.
    return {"Sessions": []}


ROUTES = {
    ("ssm", "DescribeSessions"): Route(
        describe_sessions,
        Fidelity.PARTIAL,
        "Validates the input; returns no sessions, because the lab has no Session "
        "Manager sessions yet.",
    ),
}
