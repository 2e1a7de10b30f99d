"""Evaluation requests as JSON documents: the input of `gatehouse policy eval`.

{"request": {"principal": "...", "action": "...", "resource": "...",
             "resource_account": "...", "context": {...}},
 "identity_policies": [...], "resource_policy": {...},
 "permission_boundaries": [...], "session_policies": [...],
 "scps": [[...], ...], "rcps": [[...], ...]}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gatehouse.policy.errors import PolicyParseError, RequestError, Severity
from gatehouse.policy.evaluate import Evaluation, PolicySet, evaluate
from gatehouse.policy.model import Policy, PolicyKind
from gatehouse.policy.parse import parse_policy
from gatehouse.policy.request import Request, make_request

_KNOWN = frozenset(
    {
        "request",
        "identity_policies",
        "resource_policy",
        "permission_boundaries",
        "session_policies",
        "scps",
        "rcps",
    }
)
_REQUEST_KEYS = frozenset(
    {"principal", "action", "resource", "resource_account", "context"}
)


class DocumentEvaluator:
    """Evaluates request documents, compiling each distinct policy set once."""

    def __init__(self, *, cache_size: int = 256) -> None:
        self._cache: dict[str, PolicySet] = {}
        self._cache_size = cache_size

    def evaluate_text(self, text: str) -> Evaluation:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise RequestError(
                f"invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
            ) from None
        return self.evaluate(data)

    def evaluate(self, data: object) -> Evaluation:
        if not isinstance(data, Mapping):
            raise RequestError("the document must be a JSON object")
        unknown = sorted(set(data) - _KNOWN)
        if unknown:
            raise RequestError(
                f"unknown key {unknown[0]!r}; expected one of {sorted(_KNOWN)}"
            )
        request = read_request(data.get("request"))
        return evaluate(request, self._policies(data))

    def _policies(self, data: Mapping[str, Any]) -> PolicySet:
        key = json.dumps(
            {k: v for k, v in data.items() if k != "request"}, sort_keys=True
        )
        cached = self._cache.get(key)
        if cached is None:
            cached = read_policies(data)
            if len(self._cache) >= self._cache_size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = cached
        return cached


def read_request(raw: object) -> Request:
    if not isinstance(raw, Mapping):
        raise RequestError("missing or not an object", location="$.request")
    unknown = sorted(set(raw) - _REQUEST_KEYS)
    if unknown:
        raise RequestError(f"unknown key {unknown[0]!r}", location="$.request")
    for required in ("principal", "action"):
        if required not in raw:
            raise RequestError(f"missing {required!r}", location="$.request")
    account = raw.get("resource_account")
    if account is not None and not isinstance(account, str):
        raise RequestError("must be a string", location="$.request.resource_account")
    return make_request(
        principal=raw["principal"],
        action=raw["action"],
        resource=raw.get("resource", "*"),
        resource_account=account,
        context=raw.get("context") or {},
    )


def read_policies(data: Mapping[str, Any]) -> PolicySet:
    identity = _policy_list(data, "identity_policies", PolicyKind.IDENTITY)
    resource_raw = data.get("resource_policy")
    resource = (
        None
        if resource_raw is None
        else _policy(resource_raw, "$.resource_policy", PolicyKind.RESOURCE)
    )
    return PolicySet.of(
        identity=identity,
        resource=resource,
        boundaries=_policy_list(data, "permission_boundaries", PolicyKind.BOUNDARY),
        session=_policy_list(data, "session_policies", PolicyKind.SESSION),
        scps=_levels(data, "scps", PolicyKind.SCP),
        rcps=_levels(data, "rcps", PolicyKind.RCP),
    )


def _policy(raw: object, location: str, kind: PolicyKind) -> Policy:
    try:
        return parse_policy(
            raw if isinstance(raw, str) else _as_mapping(raw, location),
            kind=kind,
            name=location.removeprefix("$."),
        )
    except PolicyParseError as error:
        first = next(p for p in error.problems if p.severity is Severity.ERROR)
        where = location + first.location.removeprefix("$")
        raise RequestError(first.message, location=where) from None


def _as_mapping(raw: object, location: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise RequestError("a policy must be a JSON object", location=location)
    return raw


def _policy_list(data: Mapping[str, Any], key: str, kind: PolicyKind) -> list[Policy]:
    raw = data.get(key) or []
    if not isinstance(raw, list):
        raise RequestError("must be a list of policies", location=f"$.{key}")
    return [_policy(item, f"$.{key}[{i}]", kind) for i, item in enumerate(raw)]


def _levels(data: Mapping[str, Any], key: str, kind: PolicyKind) -> list[list[Policy]]:
    raw = data.get(key) or []
    if not isinstance(raw, list):
        raise RequestError("must be a list of levels", location=f"$.{key}")
    levels: list[list[Policy]] = []
    for i, level in enumerate(raw):
        if not isinstance(level, list):
            raise RequestError(
                "each level is a list of policies", location=f"$.{key}[{i}]"
            )
        levels.append(
            [_policy(p, f"$.{key}[{i}][{j}]", kind) for j, p in enumerate(level)]
        )
    return levels
