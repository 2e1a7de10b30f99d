"""Adapter from the iam-simulate peer suite's case format to our engine."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatehouse.policy import Decision, PolicySet, evaluate, make_request
from gatehouse.policy.model import PolicyKind
from gatehouse.policy.parse import parse_policy

EXPECTED = {
    "Allowed": Decision.ALLOW,
    "ExplicitlyDenied": Decision.EXPLICIT_DENY,
    "ImplicitlyDenied": Decision.IMPLICIT_DENY,
}


def suite_root() -> Path | None:
    """The peer suite beside the repository, or where GATEHOUSE_SHARED points."""
    base = os.environ.get("GATEHOUSE_SHARED")
    shared = Path(base) if base else Path(__file__).resolve().parents[3] / "shared"
    root = shared / "external" / "iam-simulate" / "src"
    return root if root.is_dir() else None


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    data: Mapping[str, Any]

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"

    @property
    def answers_aws_semantics(self) -> bool:
        """False for cases that test the peer tool's own features."""
        expected = self.data.get("expected", {})
        return (
            "discoveryMode" not in self.file
            and "request" in self.data
            and set(expected) == {"response"}
        )


def cases(root: Path) -> Iterator[Case]:
    for path in sorted(root.rglob("*.json")):
        loaded = json.loads(path.read_text())
        for item in loaded if isinstance(loaded, list) else [loaded]:
            yield Case(str(path.relative_to(root)), item["name"], item)


def run(case: Case) -> Decision:
    data = case.data
    raw = data["request"]
    resource = raw["resource"]
    principal = raw["principal"]
    if isinstance(principal, dict) and principal.get("type") == "Anonymous":
        principal = "anonymous"
    request = make_request(
        principal=principal,
        action=raw["action"],
        resource=resource["resource"],
        resource_account=resource.get("accountId"),
        context=raw.get("context") or {},
    )

    def many(key: str, kind: PolicyKind) -> list[Any]:
        return [
            parse_policy(p, kind=kind, name=f"{key}[{i}]", strict=False)
            for i, p in enumerate(data.get(key) or [])
        ]

    session = data.get("sessionPolicy")
    resource_policy = data.get("resourcePolicy")
    policies = PolicySet.of(
        identity=many("identityPolicies", PolicyKind.IDENTITY),
        resource=(
            parse_policy(
                resource_policy,
                kind=PolicyKind.RESOURCE,
                name="resourcePolicy",
                strict=False,
            )
            if resource_policy
            else None
        ),
        boundaries=many("permissionBoundaries", PolicyKind.BOUNDARY),
        session=[
            parse_policy(
                session, kind=PolicyKind.SESSION, name="sessionPolicy", strict=False
            )
        ]
        if session
        else [],
        scps=[
            [
                parse_policy(
                    p.get("policyDocument", p),
                    kind=PolicyKind.SCP,
                    strict=False,
                )
                for p in level["policies"]
            ]
            for level in data.get("serviceControlPolicies") or []
        ],
        rcps=[
            [
                parse_policy(
                    p.get("policyDocument", p),
                    kind=PolicyKind.RCP,
                    strict=False,
                )
                for p in level["policies"]
            ]
            for level in data.get("resourceControlPolicies") or []
        ],
    )
    return evaluate(request, policies).decision


def expected(case: Case) -> Decision:
    return EXPECTED[case.data["expected"]["response"]]
