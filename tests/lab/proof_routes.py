"""Proof handlers for the protocol tests: each protocol end to end, no state."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from gatehouse.lab import errors
from gatehouse.lab.identity import CallerKind
from gatehouse.lab.request import LabRequest
from gatehouse.lab.routes import Fidelity, Route

# EC2 instance ids: `i-` and 8 or 17 hexadecimal digits.
_INSTANCE_ID = re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})")


def get_user(_runtime: object, request: LabRequest) -> dict[str, Any]:
    caller = request.caller
    name = request.params.get("UserName")

    if caller.kind is CallerKind.ROOT:
        raise errors.NOT_MODELLED_CASE.error(
            service="iam", operation="GetUser", case="for the root user"
        )
    if name is None and caller.kind is not CallerKind.IAM_USER:
        raise errors.IAM_USER_NAME_REQUIRED.error()
    if name is not None and (
        caller.kind is not CallerKind.IAM_USER or name != caller.name
    ):
        raise errors.NOT_MODELLED_CASE.error(
            service="iam", operation="GetUser", case="for users other than the caller"
        )

    user = {
        "Path": "/",
        "UserName": caller.name,
        "UserId": caller.user_id,
        "Arn": caller.arn,
        "CreateDate": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    }
    return {"User": user}


IAM_ROUTES = {
    ("iam", "GetUser"): Route(
        get_user,
        Fidelity.PARTIAL,
        "The calling IAM user only (no UserName, or the caller's own); other users "
        "and the root user answer NotModelled until the state store holds them.",
    ),
}


def describe_sessions(_runtime: object, request: LabRequest) -> dict[str, Any]:
    # Input (State, MaxResults, Filters) is validated by the protocol layer;
    # the lab starts no Session Manager sessions yet, so the list is empty.
    return {"Sessions": []}


SSM_ROUTES = {
    ("ssm", "DescribeSessions"): Route(
        describe_sessions,
        Fidelity.PARTIAL,
        "Validates the input; returns no sessions, because the lab has no Session "
        "Manager sessions yet.",
    ),
}


def describe_instances(_runtime: object, request: LabRequest) -> dict[str, Any]:
    instance_ids = list(request.params.get("InstanceIds", []))

    for instance_id in instance_ids:
        if not _INSTANCE_ID.fullmatch(instance_id):
            raise errors.EC2_INSTANCE_ID_MALFORMED.error(instance_id=instance_id)
    if request.params.get("DryRun"):
        raise errors.EC2_DRY_RUN_OPERATION.error()

    # The lab runs no instances yet, so every named id is unknown.
    if len(instance_ids) == 1:
        raise errors.EC2_INSTANCE_NOT_FOUND.error(instance_id=instance_ids[0])
    if instance_ids:
        raise errors.EC2_INSTANCES_NOT_FOUND.error(instance_ids=", ".join(instance_ids))
    return {"Reservations": []}


EC2_ROUTES = {
    ("ec2", "DescribeInstances"): Route(
        describe_instances,
        Fidelity.PARTIAL,
        "Checks instance ids and DryRun; the lab has no instances yet, so the answer "
        "is empty and named ids are not found. Filters are read but not checked.",
    ),
}


def _caller_identity(_runtime: object, request: LabRequest) -> dict[str, Any]:
    caller = request.caller
    return {"UserId": caller.user_id, "Account": caller.account, "Arn": caller.arn}


PROOF_ROUTES = {
    ("sts", "GetCallerIdentity"): Route(_caller_identity, Fidelity.FULL, "proof"),
    **IAM_ROUTES,
    **SSM_ROUTES,
    **EC2_ROUTES,
}
