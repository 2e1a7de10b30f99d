"""Policy documents as frozen values, with their JSON forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

JsonDict = dict[str, Any]

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"


class Effect(Enum):
    ALLOW = "Allow"
    DENY = "Deny"


class PolicyKind(Enum):
    """Where a policy is attached; it decides which elements are allowed."""

    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"
    BOUNDARY = "boundary"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"

    @property
    def takes_principal(self) -> bool:
        return self in (PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP)


@dataclass(frozen=True)
class PrincipalBlock:
    """A Principal or NotPrincipal element.

    `everyone` is the bare `"*"` form; otherwise `entries` maps each principal
    type (AWS, Service, Federated, CanonicalUser) to its values.
    """

    everyone: bool = False
    entries: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def values(self, principal_type: str) -> tuple[str, ...]:
        for name, values in self.entries:
            if name == principal_type:
                return values
        return ()

    def to_json(self) -> str | JsonDict:
        if self.everyone:
            return "*"
        return {name: _one_or_list(values) for name, values in self.entries}


@dataclass(frozen=True)
class ConditionClause:
    """One condition key under one operator: `{operator: {key: values}}`."""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """One statement. `resources` is None when the element is absent."""

    effect: Effect
    actions: tuple[str, ...]
    sid: str | None = None
    actions_negated: bool = False
    resources: tuple[str, ...] | None = None
    resources_negated: bool = False
    principal: PrincipalBlock | None = None
    principal_negated: bool = False
    conditions: tuple[ConditionClause, ...] = ()

    @property
    def label(self) -> str:
        return self.sid or "(no Sid)"

    def to_json(self) -> JsonDict:
        out: JsonDict = {}
        if self.sid is not None:
            out["Sid"] = self.sid
        out["Effect"] = self.effect.value
        if self.principal is not None:
            key = "NotPrincipal" if self.principal_negated else "Principal"
            out[key] = self.principal.to_json()
        out["NotAction" if self.actions_negated else "Action"] = _one_or_list(
            self.actions
        )
        if self.resources is not None:
            key = "NotResource" if self.resources_negated else "Resource"
            out[key] = _one_or_list(self.resources)
        if self.conditions:
            block: dict[str, dict[str, Any]] = {}
            for clause in self.conditions:
                block.setdefault(clause.operator, {})[clause.key] = _one_or_list(
                    clause.values
                )
            out["Condition"] = block
        return out


@dataclass(frozen=True)
class Policy:
    """A parsed policy document. `name` labels it in explanations only."""

    statements: tuple[Statement, ...]
    version: str | None = VERSION_2012
    id: str | None = None
    name: str = field(default="policy", compare=False)
    kind: PolicyKind = field(default=PolicyKind.IDENTITY, compare=False)

    @property
    def substitutes_variables(self) -> bool:
        """Policy variables are replaced only in 2012-10-17 documents."""
        return self.version == VERSION_2012

    def to_json(self) -> JsonDict:
        out: JsonDict = {}
        if self.version is not None:
            out["Version"] = self.version
        if self.id is not None:
            out["Id"] = self.id
        out["Statement"] = [s.to_json() for s in self.statements]
        return out


def _one_or_list(values: tuple[str, ...]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)
