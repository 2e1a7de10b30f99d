"""STS operations."""

from __future__ import annotations

from typing import Any

from gatehouse.lab.request import LabRequest
from gatehouse.lab.routes import Fidelity, Route


def get_caller_identity(request: LabRequest) -> dict[str, Any]:
    # AWS: GetCallerIdentity needs no permission, and an explicit Deny cannot
    # block it (aws-facts §1.9), so it is never sent to the policy engine.
    caller = request.caller
    return {"UserId": caller.user_id, "Account": caller.account, "Arn": caller.arn}


ROUTES = {
    ("sts", "GetCallerIdentity"): Route(
        get_caller_identity,
        Fidelity.FULL,
        "Returns the signing principal; needs no permission, as in AWS.",
    ),
}
