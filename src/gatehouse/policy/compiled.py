"""Policies prepared for fast, repeated evaluation.

Compiling turns every pattern into a matcher once. Each compiled policy also
remembers, per action, which of its statements name that action, so a request
only looks at the statements that can apply to it: evaluating many requests
against the same policies costs far less than the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from gatehouse.policy.conditions import CompiledCondition, ConditionResult, Context
from gatehouse.policy.model import Effect, Policy, PrincipalBlock, Statement
from gatehouse.policy.principals import (
    Principal,
    PrincipalKind,
    PrincipalMatch,
    identity_chain,
    match_aws_value,
)
from gatehouse.policy.variables import Template, has_variables, parse_template, render
from gatehouse.policy.wildcard import GlobSet, PatternSet, arn_match, has_wildcard

_ACTION_CACHE_LIMIT = 4096


class CompiledStatement:
    """One statement with its matchers built."""

    __slots__ = (
        "actions",
        "conditions",
        "index",
        "policy_name",
        "resource_templates",
        "resources",
        "statement",
        "takes_principal",
    )

    def __init__(self, statement: Statement, index: int, policy: Policy) -> None:
        self.statement = statement
        self.index = index
        self.policy_name = policy.name
        self.takes_principal = policy.kind.takes_principal
        self.actions = GlobSet(statement.actions, ignore_case=True)
        substitute = policy.substitutes_variables
        plain: list[str] = []
        templates: list[Template] = []
        for resource in statement.resources or ():
            if substitute and has_variables(resource):
                templates.append(parse_template(resource))
            else:
                plain.append(resource)
        self.resources = PatternSet(tuple(plain))
        self.resource_templates = tuple(templates)
        self.conditions = tuple(
            CompiledCondition(c, substitute=substitute) for c in statement.conditions
        )

    @property
    def effect(self) -> Effect:
        return self.statement.effect

    def names_action(self, action: str) -> bool:
        hit = self.actions(action)
        return not hit if self.statement.actions_negated else hit

    def names_resource(self, resource: str, context: Context) -> bool:
        if self.statement.resources is None:
            return True
        hit = self.resources(resource)
        if not hit and self.resource_templates:
            hit = any(
                _render_and_match(t, resource, context) for t in self.resource_templates
            )
        return not hit if self.statement.resources_negated else hit

    def principal_match(
        self, principal: Principal, *, has_boundary: bool
    ) -> PrincipalMatch:
        """How this statement's Principal names the caller (DIRECT when it has none)."""
        block = self.statement.principal
        if block is None:
            # Only a policy attached to a resource names principals; there a
            # statement without one matches no caller.
            return (
                PrincipalMatch.NONE if self.takes_principal else PrincipalMatch.DIRECT
            )
        if not self.takes_principal:
            return PrincipalMatch.DIRECT
        if not self.statement.principal_negated:
            return match_block(block, principal)
        if self.effect is Effect.DENY:
            # AWS checks the account, then the role, then the session against
            # NotPrincipal; any of them not listed keeps the Deny in force. A
            # caller with a permissions boundary is always denied.
            if has_boundary:
                return PrincipalMatch.DIRECT
            listed = all(
                match_block(block, _as_principal(arn, principal))
                is PrincipalMatch.DIRECT
                for arn in identity_chain(principal)
            )
            return PrincipalMatch.NONE if listed else PrincipalMatch.DIRECT
        excluded = match_block(block, principal) is not PrincipalMatch.NONE
        return PrincipalMatch.NONE if excluded else PrincipalMatch.DIRECT

    @property
    def reads(self) -> frozenset[str]:
        """The context keys whose values decide whether this statement applies."""
        keys: set[str] = set()
        for template in self.resource_templates:
            keys |= template.variables
        for condition in self.conditions:
            keys |= condition.reads
        return frozenset(keys)

    def conditions_hold(self, context: Context) -> bool:
        return all(c.holds(context) for c in self.conditions)

    def explain_conditions(self, context: Context) -> tuple[ConditionResult, ...]:
        return tuple(c.explain(context) for c in self.conditions)


def _render_and_match(template: Template, resource: str, context: Context) -> bool:
    pattern = render(template, lambda key: _first(context.get(key)))
    return pattern is not None and arn_match(pattern, resource)


def _first(values: tuple[str, ...] | None) -> str | None:
    return values[0] if values else None


def _as_principal(arn: str, original: Principal) -> Principal:
    # The identities in a NotPrincipal chain are compared as exact ARNs.
    return Principal(PrincipalKind.USER, arn, original.account, original.partition)


def match_block(block: PrincipalBlock, principal: Principal) -> PrincipalMatch:
    """The strongest way any entry of `block` names `principal`."""
    if block.everyone:
        return PrincipalMatch.DIRECT
    best = PrincipalMatch.NONE
    for principal_type, values in block.entries:
        if principal_type == "AWS":
            for value in values:
                found = match_aws_value(value, principal)
                if found.value > best.value:
                    best = found
        elif _typed_match(principal_type, values, principal):
            return PrincipalMatch.DIRECT
    return best


_TYPED_KINDS = {
    "Service": PrincipalKind.SERVICE,
    "Federated": PrincipalKind.FEDERATED,
    "CanonicalUser": PrincipalKind.CANONICAL_USER,
}


def _typed_match(
    principal_type: str, values: tuple[str, ...], principal: Principal
) -> bool:
    if principal.kind is not _TYPED_KINDS.get(principal_type):
        return False
    if principal_type == "Service":
        return principal.arn.lower() in (v.lower() for v in values)
    return principal.arn in values


@dataclass(frozen=True)
class CompiledPolicy:
    """A policy whose statements are compiled and indexed by action."""

    policy: Policy
    statements: tuple[CompiledStatement, ...]
    by_action: Callable[[str], tuple[CompiledStatement, ...]]

    @property
    def name(self) -> str:
        return self.policy.name


def compile_policy(policy: Policy) -> CompiledPolicy:
    statements = tuple(
        CompiledStatement(s, i, policy) for i, s in enumerate(policy.statements)
    )
    by_service = _index_by_service(statements)

    @lru_cache(maxsize=_ACTION_CACHE_LIMIT)
    def by_action(action: str) -> tuple[CompiledStatement, ...]:
        service = action.partition(":")[0]
        candidates = (
            by_service.get(service.lower(), by_service[""])
            if service.isascii()
            else statements
        )
        return tuple(s for s in candidates if s.names_action(action))

    return CompiledPolicy(policy, statements, by_action)


def _index_by_service(
    statements: tuple[CompiledStatement, ...],
) -> dict[str, tuple[CompiledStatement, ...]]:
    """Per lower-cased service prefix, the statements that may name its actions.

    A statement belongs to the services its Action patterns spell out in plain
    ASCII ("s3:Get*" to "s3"); one whose patterns leave the service open ("*",
    "s3*:Get", a NotAction) may name any action and belongs everywhere. Key ""
    holds those alone, for every other service. Whether a candidate really
    names an action is still decided by its patterns.
    """
    services: list[frozenset[str] | None] = [_services(s.statement) for s in statements]
    known = set().union(*(found for found in services if found is not None))
    return {
        service: tuple(
            s
            for s, found in zip(statements, services, strict=True)
            if found is None or service in found
        )
        for service in (*known, "")
    }


def _services(statement: Statement) -> frozenset[str] | None:
    if statement.actions_negated:
        return None
    found: set[str] = set()
    for pattern in statement.actions:
        service, colon, _ = pattern.partition(":")
        if not colon or not service.isascii() or has_wildcard(service):
            return None
        found.add(service.lower())
    return frozenset(found)
