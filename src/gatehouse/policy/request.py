"""The request being decided, with the context keys AWS derives for it."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from gatehouse.policy.errors import RequestError
from gatehouse.policy.principals import Principal, PrincipalKind, parse_principal
from gatehouse.policy.wildcard import split_arn

ContextInput = Mapping[str, str | list[str] | tuple[str, ...]]


@dataclass(frozen=True)
class Request:
    """One authorization question: may `principal` do `action` on `resource`?

    `context` maps lower-cased condition keys to their values; keys that AWS
    derives from the principal are already filled in.
    """

    principal: Principal
    action: str
    resource: str
    resource_account: str | None
    context: Mapping[str, tuple[str, ...]] = field(hash=False)

    @property
    def same_account(self) -> bool:
        """True when the resource lives in the caller's account (or names none)."""
        if self.resource_account is None or self.principal.account is None:
            return True
        return self.resource_account == self.principal.account

    def value(self, key: str) -> str | None:
        values = self.context.get(key.lower())
        return values[0] if values else None


def make_request(
    *,
    principal: Principal | str | Mapping[str, str],
    action: str,
    resource: str = "*",
    resource_account: str | None = None,
    context: ContextInput | None = None,
    now: datetime | None = None,
) -> Request:
    """Build a `Request`, normalising the context and deriving principal keys."""
    if isinstance(principal, str):
        principal = _parse_principal_text(principal)
    elif not isinstance(principal, Principal):
        principal = parse_principal(principal)
    if not isinstance(action, str) or ":" not in action:
        raise RequestError(
            f"action must look like 'service:Action', not {action!r}",
            location="$.request.action",
        )
    if not isinstance(resource, str) or not resource:
        raise RequestError(
            "resource must be a non-empty string", location="$.request.resource"
        )

    values = _normalise_context(context or {})
    if resource_account is None:
        parts = split_arn(resource)
        # Only a real account id counts: AWS managed policies carry `aws` there
        # and are readable from every account.
        if parts is not None and parts[4].isdigit() and len(parts[4]) == 12:
            resource_account = parts[4]
    # Keys the caller passed win over the derived ones.
    values = {**_principal_keys(principal), **values}
    if "aws:currenttime" not in values or "aws:epochtime" not in values:
        for key, value in _clock_keys(now).items():
            values.setdefault(key, value)
    return Request(principal, action, resource, resource_account, values)


@lru_cache(maxsize=4096)
def _parse_principal_text(text: str) -> Principal:
    return parse_principal(text)


def _normalise_context(context: ContextInput) -> dict[str, tuple[str, ...]]:
    if type(context) is not dict and not isinstance(context, Mapping):
        raise RequestError("context must be an object", location="$.request.context")
    # Most contexts hold only strings: one pass, no checks beyond the type.
    return {
        key.lower(): (value,) if type(value) is str else _context_values(key, value)
        for key, value in context.items()
    }


def _context_values(key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, bool):
        return ("true" if value else "false",)
    if isinstance(value, int | float):
        return (str(value),)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RequestError(
        "a context value is a string or a list of strings",
        location=f'$.request.context["{key}"]',
    )


def derived_keys(
    principal: Principal, *, now: datetime | None = None
) -> dict[str, tuple[str, ...]]:
    """The global condition keys AWS fills in from the caller and the clock."""
    return {**_clock_keys(now), **_principal_keys(principal)}


def _clock_keys(now: datetime | None) -> dict[str, tuple[str, ...]]:
    if now is None:
        return _clock_keys_at(int(time.time()))
    return _format_clock(now)


@lru_cache(maxsize=4)
def _clock_keys_at(second: int) -> dict[str, tuple[str, ...]]:
    # The keys change once a second; requests within one share them.
    return _format_clock(datetime.fromtimestamp(second, UTC))


def _format_clock(moment: datetime) -> dict[str, tuple[str, ...]]:
    return {
        "aws:currenttime": (moment.strftime("%Y-%m-%dT%H:%M:%SZ"),),
        "aws:epochtime": (str(int(moment.timestamp())),),
    }


@lru_cache(maxsize=4096)
def _principal_keys(principal: Principal) -> dict[str, tuple[str, ...]]:
    # Cached per principal; callers copy the values out and never change this.
    keys: dict[str, tuple[str, ...]] = {}
    kind = principal.kind
    if kind is PrincipalKind.SERVICE:
        keys["aws:principalisawsservice"] = ("true",)
        keys["aws:principalservicename"] = (principal.arn,)
        return keys
    keys["aws:principalisawsservice"] = ("false",)
    if kind is PrincipalKind.ANONYMOUS:
        keys["aws:principalaccount"] = ("anonymous",)
        keys["aws:principaltype"] = ("Anonymous",)
        keys["aws:userid"] = ("anonymous",)
        return keys
    if not principal.is_iam or principal.account is None:
        return keys

    keys["aws:principalaccount"] = (principal.account,)
    keys["aws:principaltype"] = (
        "AssumedRole" if kind is PrincipalKind.ROLE else kind.value,
    )
    principal_arn = (
        principal.role_arn if kind is PrincipalKind.ASSUMED_ROLE else principal.arn
    )
    if principal_arn:
        keys["aws:principalarn"] = (principal_arn,)
    if kind is PrincipalKind.ROOT:
        keys["aws:userid"] = (principal.account,)
    elif kind is PrincipalKind.FEDERATED_USER and principal.name:
        keys["aws:userid"] = (f"{principal.account}:{principal.name}",)
    if kind is PrincipalKind.USER and principal.name:
        keys["aws:username"] = (principal.name,)
    return keys
