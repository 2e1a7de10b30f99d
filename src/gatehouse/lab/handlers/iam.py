"""IAM operations."""

from __future__ import annotations

from typing import Any

from gatehouse.lab import errors
from gatehouse.lab.identity import PrincipalKind
from gatehouse.lab.request import LabRequest
from gatehouse.lab.routes import Fidelity, Route


def get_user(request: LabRequest) -> dict[str, Any]:
    caller = request.caller
    name = request.params.get("UserName")

    if caller.kind is PrincipalKind.ROOT:
        raise errors.NOT_MODELLED_CASE.error(
            service="iam", operation="GetUser", case="for the root user"
        )
    if name is None and caller.kind is not PrincipalKind.IAM_USER:
        raise errors.IAM_USER_NAME_REQUIRED.error()
    if name is not None and (
        caller.kind is not PrincipalKind.IAM_USER or name != caller.name
    ):
        raise errors.NOT_MODELLED_CASE.error(
            service="iam", operation="GetUser", case="for users other than the caller"
        )

    user = {
        "Path": caller.path,
        "UserName": caller.name,
        "UserId": caller.user_id,
        "Arn": caller.arn,
        "CreateDate": caller.created,
    }
    return {"User": user}


ROUTES = {
    ("iam", "GetUser"): Route(
        get_user,
        Fidelity.PARTIAL,
        "The calling IAM user only (no UserName, or the caller's own); other users "
        "and the root user answer NotModelled until the state store holds them.",
    ),
}
