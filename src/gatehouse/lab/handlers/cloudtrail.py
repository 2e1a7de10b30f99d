"""CloudTrail: LookupEvents over the records the lab has delivered."""

from __future__ import annotations

from typing import Any

from gatehouse.lab import errors
from gatehouse.lab.request import LabRequest
from gatehouse.lab.routes import Fidelity, Route
from gatehouse.lab.runtime import LabRuntime
from gatehouse.trail import LookupEventsError, lookup_events


def lookup(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    runtime.authorize(request, action="cloudtrail:LookupEvents")
    if runtime.trail is not None:
        runtime.trail.flush()
    try:
        return lookup_events(
            runtime.events,
            account_id=request.caller.account,
            region=request.region,
            request=request.params,
            now=request.received_at,
        )
    except LookupEventsError as error:
        raise errors.from_lookup_error(
            error.code, error.status, error.message
        ) from None


ROUTES = {
    ("cloudtrail", "LookupEvents"): Route(
        lookup,
        Fidelity.FULL,
        "Every lookup attribute, time range, paging and error of the API, over the "
        "records delivered for the caller's account and Region; the lab delivers "
        "every few seconds instead of CloudTrail's few minutes.",
    ),
}
