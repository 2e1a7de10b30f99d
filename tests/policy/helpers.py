"""Small builders that keep the security claims in the tests readable."""

from __future__ import annotations

from typing import Any

from gatehouse.policy import (
    Decision,
    Evaluation,
    PolicyKind,
    PolicySet,
    evaluate,
    make_request,
    parse_policy,
)

AUDIT_ROLE = "arn:aws:iam::111111111111:role/AuditRole"
VENDOR_SESSION = "arn:aws:sts::222222222222:assumed-role/VendorRole/job-17"
VENDOR_ROLE = "arn:aws:iam::222222222222:role/VendorRole"
HOME_USER = "arn:aws:iam::111111111111:user/alice"


def doc(*statements: dict[str, Any], version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def allow(
    action: str = "*", resource: str | list[str] = "*", **extra: Any
) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(
    action: str = "*", resource: str | list[str] = "*", **extra: Any
) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def trust(
    principal: Any, condition: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": extra.pop("action", "sts:AssumeRole"),
        **extra,
    }
    if condition:
        statement["Condition"] = condition
    return doc(statement)


def decide(
    *,
    principal: Any,
    action: str,
    resource: str = "*",
    context: dict[str, Any] | None = None,
    identity: list[dict[str, Any]] = (),  # type: ignore[assignment]
    resource_policy: dict[str, Any] | None = None,
    resource_kind: PolicyKind = PolicyKind.RESOURCE,
    boundaries: list[dict[str, Any]] = (),  # type: ignore[assignment]
    session: list[dict[str, Any]] = (),  # type: ignore[assignment]
    scps: list[list[dict[str, Any]]] = (),  # type: ignore[assignment]
    rcps: list[list[dict[str, Any]]] = (),  # type: ignore[assignment]
    resource_account: str | None = None,
) -> Evaluation:
    request = make_request(
        principal=principal,
        action=action,
        resource=resource,
        context=context or {},
        resource_account=resource_account,
    )
    policies = PolicySet.of(
        identity=[parse_policy(p) for p in identity],
        resource=(
            parse_policy(resource_policy, kind=resource_kind)
            if resource_policy is not None
            else None
        ),
        boundaries=[parse_policy(p, kind=PolicyKind.BOUNDARY) for p in boundaries],
        session=[parse_policy(p, kind=PolicyKind.SESSION) for p in session],
        scps=[[parse_policy(p, kind=PolicyKind.SCP) for p in level] for level in scps],
        rcps=[[parse_policy(p, kind=PolicyKind.RCP) for p in level] for level in rcps],
    )
    return evaluate(request, policies)


def vendor_assumes(
    trust_policy: dict[str, Any], context: dict[str, Any] | None = None
) -> Decision:
    """The vendor's session asks to assume the customer's audit role."""
    return decide(
        principal=VENDOR_SESSION,
        action="sts:AssumeRole",
        resource=AUDIT_ROLE,
        context=context,
        identity=[doc(allow("sts:AssumeRole", "arn:aws:iam::*:role/*"))],
        resource_policy=trust_policy,
        resource_kind=PolicyKind.TRUST,
    ).decision
