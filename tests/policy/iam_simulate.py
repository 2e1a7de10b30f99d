"""Adapter from the iam-simulate peer suite to our policy engine.

The suite (an independent evaluator's own fixtures) lives outside the project, in
`shared/external/iam-simulate`. It holds two formats:

- core-engine cases: `{"name", "request", "identityPolicies", "resourcePolicy",
  "serviceControlPolicies", ..., "expected": {"response": ...}}`;
- simulation-engine cases: `{"name", "simulation": {"request", ...},
  "simulationOptions", "expected": {"resultType", "overallResult", ...}}`.

Cases that answer an AWS authorization question become a `Scenario` that our
engine decides. The others test the peer tool's own features (discovery mode,
explanations, wildcard request resources answered pattern by pattern) and are
counted separately, with the reason, by `Case.feature`.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatehouse.policy import (
    Decision,
    Policy,
    PolicyKind,
    PolicySet,
    evaluate,
    make_request,
    parse_policy,
)

JsonDict = Mapping[str, Any]

SHARED_ENV = "GATEHOUSE_SHARED"
DIVERGENCES = Path(__file__).with_name("iam_simulate_divergences.toml")

EXPECTED = {
    "Allowed": Decision.ALLOW,
    "ExplicitlyDenied": Decision.EXPLICIT_DENY,
    "ImplicitlyDenied": Decision.IMPLICIT_DENY,
}


class NotModelledError(Exception):
    """The case needs a part of AWS's evaluation that our engine does not model."""


def shared_root() -> Path:
    """`shared/` beside the repository, or where GATEHOUSE_SHARED points."""
    base = os.environ.get(SHARED_ENV)
    return Path(base) if base else Path(__file__).resolve().parents[3] / "shared"


def suite_root() -> Path | None:
    """The peer suite's `src` folder, or None when it is not there."""
    root = shared_root() / "external" / "iam-simulate" / "src"
    return root if root.is_dir() else None


def missing_reason() -> str:
    where = shared_root() / "external" / "iam-simulate" / "src"
    return (
        f"iam-simulate peer suite not found at {where} "
        f"(set {SHARED_ENV} to the folder that holds external/iam-simulate)"
    )


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    data: JsonDict

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"

    @property
    def feature(self) -> str | None:
        """Why the case tests a feature of the peer tool, or None for AWS semantics."""
        data = self.data
        if "discoveryMode/" in self.file:
            return "discovery mode"
        if "simulation" in data and "request" not in data:
            return _simulation_feature(data)
        if "request" not in data:
            return "no request"
        if (data.get("simulation") or {}).get("mode") == "Discovery":
            return "discovery mode"
        extra = sorted(set(data.get("expected", {})) - {"response"})
        if extra:
            return "expects tool output beyond the decision: " + ", ".join(extra)
        return None

    @property
    def answers_aws_semantics(self) -> bool:
        return self.feature is None


def _simulation_feature(data: JsonDict) -> str | None:
    options = data.get("simulationOptions") or {}
    if options.get("simulationMode") == "Discovery":
        return "discovery mode"
    result_type = data["expected"].get("resultType")
    if result_type != "single":
        # The request names a resource pattern and the tool answers once per
        # matching policy pattern; an AWS request names one concrete resource.
        return f"simulation result type {result_type!r} (per-pattern answers)"
    return None


def cases(root: Path) -> Iterator[Case]:
    """Every case of the suite, in a stable order."""
    for path in sorted(root.rglob("*.json")):
        loaded = json.loads(path.read_text(encoding="utf-8"))
        for item in loaded if isinstance(loaded, list) else [loaded]:
            yield Case(path.relative_to(root).as_posix(), item["name"], item)


@dataclass(frozen=True)
class Scenario:
    """One authorization question in our engine's terms, both formats unified."""

    principal: Any
    action: str
    resource: str
    resource_account: str | None
    context: Mapping[str, Any]
    identity: tuple[JsonDict, ...]
    resource_policy: JsonDict | None
    boundaries: tuple[JsonDict, ...]
    session: JsonDict | None
    scps: tuple[tuple[JsonDict, ...], ...]
    rcps: tuple[tuple[JsonDict, ...], ...]
    endpoints: tuple[JsonDict, ...]
    expected: str


def scenario(case: Case) -> Scenario:
    if "simulation" in case.data and "request" not in case.data:
        return _from_simulation(case.data)
    return _from_core(case.data)


def _from_core(data: JsonDict) -> Scenario:
    # The peer's runner reads `resourcePolicy` only; a few cases spell it
    # `resourcePolicies`, which it ignores, so their expected answers were
    # computed without a resource policy. We read them the same way.
    raw = data["request"]
    return Scenario(
        principal=_principal(raw["principal"]),
        action=raw["action"],
        resource=raw["resource"]["resource"],
        resource_account=raw["resource"].get("accountId"),
        context=raw.get("context") or {},
        identity=tuple(data.get("identityPolicies") or ()),
        resource_policy=data.get("resourcePolicy"),
        boundaries=tuple(data.get("permissionBoundaries") or ()),
        session=data.get("sessionPolicy"),
        scps=_levels(data.get("serviceControlPolicies")),
        rcps=_levels(data.get("resourceControlPolicies")),
        endpoints=tuple(data.get("endpointPolicies") or ()),
        expected=data["expected"]["response"],
    )


def _from_simulation(data: JsonDict) -> Scenario:
    sim = data["simulation"]
    raw = sim["request"]
    return Scenario(
        principal=_principal(raw["principal"]),
        action=raw["action"],
        resource=raw["resource"]["resource"],
        resource_account=raw["resource"].get("accountId"),
        context=raw.get("contextVariables") or {},
        identity=tuple(p["policy"] for p in sim.get("identityPolicies") or ()),
        resource_policy=sim.get("resourcePolicy"),
        boundaries=tuple(
            p["policy"] for p in sim.get("permissionBoundaryPolicies") or ()
        ),
        session=sim.get("sessionPolicy"),
        scps=_levels(sim.get("serviceControlPolicies")),
        rcps=_levels(sim.get("resourceControlPolicies")),
        endpoints=tuple(p["policy"] for p in sim.get("vpcEndpointPolicies") or ()),
        expected=data["expected"]["overallResult"],
    )


def _principal(raw: Any) -> Any:
    if isinstance(raw, Mapping) and raw.get("type") == "Anonymous":
        return "anonymous"
    return raw


def _levels(raw: Sequence[JsonDict] | None) -> tuple[tuple[JsonDict, ...], ...]:
    """Organization levels, root first; each policy bare or under a `policy` key."""
    return tuple(tuple(_unwrap(p) for p in level["policies"]) for level in raw or ())


def _unwrap(policy: JsonDict) -> JsonDict:
    for key in ("policy", "policyDocument"):
        if key in policy and "Statement" not in policy:
            inner: JsonDict = policy[key]
            return inner
    return policy


def policy_set(case: Scenario) -> PolicySet:
    """Parse and compile the scenario's policies; raise NotModelledError for gaps."""
    if case.endpoints:
        raise NotModelledError("VPC endpoint policies are not modelled by the engine")

    def parse(doc: JsonDict, kind: PolicyKind, name: str) -> Policy:
        return parse_policy(doc, kind=kind, name=name, strict=False)

    def many(docs: Sequence[JsonDict], kind: PolicyKind, key: str) -> list[Policy]:
        return [parse(d, kind, f"{key}[{i}]") for i, d in enumerate(docs)]

    return PolicySet.of(
        identity=many(case.identity, PolicyKind.IDENTITY, "identity"),
        resource=(
            parse(case.resource_policy, PolicyKind.RESOURCE, "resource")
            if case.resource_policy
            else None
        ),
        boundaries=many(case.boundaries, PolicyKind.BOUNDARY, "boundary"),
        session=(
            [parse(case.session, PolicyKind.SESSION, "session")] if case.session else []
        ),
        scps=[many(level, PolicyKind.SCP, "scp") for level in case.scps],
        rcps=[many(level, PolicyKind.RCP, "rcp") for level in case.rcps],
    )


def run(case: Case) -> Decision:
    """Our engine's decision for an AWS-semantics case."""
    found = scenario(case)
    request = make_request(
        principal=found.principal,
        action=found.action,
        resource=found.resource,
        resource_account=found.resource_account,
        context=found.context,
    )
    return evaluate(request, policy_set(found)).decision


def expected(case: Case) -> Decision:
    return EXPECTED[scenario(case).expected]


@dataclass(frozen=True)
class Divergence:
    """A case where our engine deliberately answers differently from the peer."""

    file: str
    case: str
    reason: str
    source: str

    @property
    def id(self) -> str:
        return f"{self.file}::{self.case}"

    @property
    def text(self) -> str:
        return f"{self.reason} ({self.source})"


def divergences(path: Path = DIVERGENCES) -> dict[str, Divergence]:
    """The known divergences by case id; a reason key that is not defined fails."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    reasons = data["reasons"]
    out: dict[str, Divergence] = {}
    for entry in data["divergence"]:
        reason = reasons[entry["reason"]]
        item = Divergence(
            entry["file"], entry["case"], reason["text"], reason["source"]
        )
        out[item.id] = item
    return out
