"""AWS's policy evaluation logic, with the reasons for every decision.

The order follows AWS's documented flow: an explicit Deny in any policy wins;
then every level of service control policies and resource control policies must
allow; then the resource-based policy and the identity-based policies decide,
limited by permissions boundaries and session policies, with the rules that
differ between a request inside one account and one that crosses accounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple

from gatehouse.policy.compiled import CompiledPolicy, CompiledStatement, compile_policy
from gatehouse.policy.conditions import ConditionResult
from gatehouse.policy.model import Effect, Policy
from gatehouse.policy.principals import Principal, PrincipalKind, PrincipalMatch
from gatehouse.policy.request import Request
from gatehouse.policy.reserved import reserved_by_aws


class Decision(Enum):
    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


class PolicyType(Enum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    BOUNDARY = "permissions-boundary"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"


class StatementMatch(NamedTuple):
    """A statement whose action, resource and principal fit the request."""

    policy_type: PolicyType
    policy_name: str
    statement: CompiledStatement
    principal_match: PrincipalMatch
    conditions_hold: bool
    level: int | None = None

    @property
    def effect(self) -> Effect:
        return self.statement.effect

    @property
    def applies(self) -> bool:
        return self.conditions_hold and self.principal_match is not PrincipalMatch.NONE

    def describe(self) -> str:
        where = self.policy_type.value
        if self.level is not None:
            where += f" level {self.level}"
        sid = self.statement.statement.sid
        name = f"Sid {sid!r}" if sid else f"Statement[{self.statement.index}]"
        return f"{self.effect.value} {name} in {where} policy {self.policy_name!r}"

    def to_json(self, request: Request) -> dict[str, Any]:
        return {
            "policy_type": self.policy_type.value,
            "policy": self.policy_name,
            "level": self.level,
            "statement": self.statement.index,
            "sid": self.statement.statement.sid,
            "effect": self.effect.value,
            "principal_match": self.principal_match.name.lower(),
            "conditions_hold": self.conditions_hold,
            "conditions": [
                _condition_json(c)
                for c in self.statement.explain_conditions(request.context)
            ],
        }


def _condition_json(result: ConditionResult) -> dict[str, Any]:
    return {
        "operator": result.operator,
        "key": result.key,
        "policy_values": list(result.policy_values),
        "context_values": (
            None if result.context_values is None else list(result.context_values)
        ),
        "holds": result.holds,
    }


@dataclass(frozen=True)
class Evaluation:
    """The decision, the statements that decided it, and a sentence saying why."""

    decision: Decision
    reason: str
    request: Request = field(compare=False)
    deciding: tuple[StatementMatch, ...] = ()
    considered: tuple[StatementMatch, ...] = ()
    missing: PolicyType | None = None

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW

    @property
    def denied_by(self) -> PolicyType | None:
        """The policy type that denied: the one with the Deny, or the one lacking an Allow."""
        if self.decision is Decision.EXPLICIT_DENY and self.deciding:
            return self.deciding[0].policy_type
        return self.missing

    def to_json(self) -> dict[str, Any]:
        request = self.request
        return {
            "decision": self.decision.value,
            "reason": self.reason,
            "denied_by": self.denied_by.value if self.denied_by else None,
            "request": {
                "principal": request.principal.to_json(),
                "action": request.action,
                "resource": request.resource,
                "resource_account": request.resource_account,
                "same_account": request.same_account,
            },
            "deciding_statements": [m.to_json(request) for m in self.deciding],
            "unmet_conditions": [
                m.to_json(request) for m in self.considered if not m.conditions_hold
            ],
        }

    def explain(self) -> str:
        """A few lines a person can read."""
        lines = [f"{self.decision.value}: {self.reason}"]
        lines.extend(f"  decided by: {m.describe()}" for m in self.deciding)
        for match in self.considered:
            if match.conditions_hold:
                continue
            lines.append(f"  conditions not met: {match.describe()}")
            for result in match.statement.explain_conditions(self.request.context):
                if not result.holds:
                    have = (
                        "absent"
                        if result.context_values is None
                        else ", ".join(result.context_values)
                    )
                    lines.append(
                        f"    {result.operator} {result.key} "
                        f"{list(result.policy_values)} (request: {have})"
                    )
        return "\n".join(lines)


@dataclass(frozen=True)
class PolicySet:
    """Every policy that bears on a request, compiled once.

    `scps` and `rcps` are lists of levels (root, each OU, the account); every
    level must allow. Within a level, and within the boundaries and the session
    policies, one Allow is enough.
    """

    identity: tuple[CompiledPolicy, ...] = ()
    resource: CompiledPolicy | None = None
    boundaries: tuple[CompiledPolicy, ...] = ()
    session: tuple[CompiledPolicy, ...] = ()
    scps: tuple[tuple[CompiledPolicy, ...], ...] = ()
    rcps: tuple[tuple[CompiledPolicy, ...], ...] = ()
    _plans: dict[str, Plan] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    _fitted: dict[tuple[str, str, Principal, bool], Fitted] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    @classmethod
    def of(
        cls,
        *,
        identity: Iterable[Policy] = (),
        resource: Policy | None = None,
        boundaries: Iterable[Policy] = (),
        session: Iterable[Policy] = (),
        scps: Iterable[Iterable[Policy]] = (),
        rcps: Iterable[Iterable[Policy]] = (),
    ) -> PolicySet:
        return cls(
            identity=tuple(compile_policy(p) for p in identity),
            resource=compile_policy(resource) if resource is not None else None,
            boundaries=tuple(compile_policy(p) for p in boundaries),
            session=tuple(compile_policy(p) for p in session),
            scps=tuple(tuple(compile_policy(p) for p in level) for level in scps),
            rcps=tuple(tuple(compile_policy(p) for p in level) for level in rcps),
        )

    def plan(self, action: str) -> Plan:
        """The statements of every policy that name `action` (lower-cased).

        Built once per action and kept, so requests after the first only look
        at statements that can apply to them.
        """
        cached = self._plans.get(action)
        if cached is not None:
            return cached
        entries: list[PlanEntry] = []
        for policy_type, level, policies in self._groups():
            for policy in policies:
                entries.extend(
                    (policy_type, level, policy.name, statement)
                    for statement in policy.by_action(action)
                )
        if len(self._plans) >= _PLAN_CACHE_LIMIT:
            self._plans.clear()
        plan = tuple(entries)
        self._plans[action] = plan
        return plan

    def fitted(self, request: Request, *, has_boundary: bool) -> Fitted:
        """The statements that fit this action, resource and caller.

        Whether a statement names the resource (unless it uses policy variables)
        and the caller depends only on the action, the resource and the caller,
        so that is worked out once per triple; only conditions are left for each
        request. Statements whose resources use policy variables are kept with
        `None` and checked per request.
        """
        principal = request.principal
        key = (request.action.lower(), request.resource, principal, has_boundary)
        cached = self._fitted.get(key)
        if cached is not None:
            return cached
        fitted: list[FittedEntry] = []
        for policy_type, level, name, statement in self.plan(key[0]):
            if policy_type is PolicyType.SCP and not principal.is_iam:
                continue
            if (
                policy_type is PolicyType.RCP
                and principal.kind is PrincipalKind.SERVICE
            ):
                continue
            resource_fits: bool | None = None
            if not statement.resource_templates:
                if not statement.names_resource(request.resource, {}):
                    continue
                resource_fits = True
            principal_match = statement.principal_match(
                principal, has_boundary=has_boundary
            )
            if principal_match is PrincipalMatch.NONE:
                continue
            group = _group_key(policy_type, level)
            fitted.append(
                (
                    group,
                    policy_type,
                    level,
                    name,
                    statement,
                    principal_match,
                    resource_fits,
                )
            )
        if len(self._fitted) >= _FITTED_CACHE_LIMIT:
            self._fitted.clear()
        result = tuple(fitted)
        self._fitted[key] = result
        return result

    def _groups(
        self,
    ) -> Iterable[tuple[PolicyType, int | None, tuple[CompiledPolicy, ...]]]:
        yield PolicyType.IDENTITY, None, self.identity
        yield PolicyType.RESOURCE, None, (self.resource,) if self.resource else ()
        yield PolicyType.BOUNDARY, None, self.boundaries
        yield PolicyType.SESSION, None, self.session
        for index, level in enumerate(self.scps):
            yield PolicyType.SCP, index, level
        for index, level in enumerate(self.rcps):
            yield PolicyType.RCP, index, level


PlanEntry = tuple[PolicyType, int | None, str, CompiledStatement]
Plan = tuple[PlanEntry, ...]
FittedEntry = tuple[
    str, PolicyType, int | None, str, CompiledStatement, PrincipalMatch, bool | None
]
Fitted = tuple[FittedEntry, ...]
_PLAN_CACHE_LIMIT = 4096


def _group_key(policy_type: PolicyType, level: int | None) -> str:
    # A string key hashes once and is cached by Python; enum tuples hash slowly.
    return policy_type.value if level is None else f"{policy_type.value}:{level}"


_FITTED_CACHE_LIMIT = 65536


# Actions AWS authorizes without consulting any policy. GetCallerIdentity needs
# no permission and an explicit Deny does not block it; GetSessionToken needs no
# permission and no policy can control it (STS API reference for each action).
_UNCHECKED_ACTIONS = frozenset({"sts:getcalleridentity", "sts:getsessiontoken"})

# Resources whose own policy must allow even inside one account: a role can be
# assumed only if its trust policy allows the caller, and a KMS key can be used
# only if its key policy allows (or delegates to the account's IAM policies).
_ROLE_TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)


def resource_policy_required(request: Request) -> bool:
    """True when the resource's own policy must allow, whatever the account."""
    action = request.action.lower()
    resource = request.resource
    if action in _ROLE_TRUST_ACTIONS:
        return ":role/" in resource
    return action.startswith("kms:") and ":key/" in resource


def evaluate(request: Request, policies: PolicySet) -> Evaluation:
    """Decide `request` against `policies` as AWS would."""
    if request.action.lower() in _UNCHECKED_ACTIONS:
        reason = f"{request.action} needs no permission and no policy can deny it"
        return Evaluation(Decision.ALLOW, reason, request)

    principal = request.principal
    collect = _Collector(request, bool(policies.boundaries))
    # SCPs govern the IAM principals of member accounts; RCPs govern every caller
    # but AWS service principals. Neither touches anyone else, not even to deny.
    collect.walk(policies.fitted(request, has_boundary=bool(policies.boundaries)))
    identity = collect.of(PolicyType.IDENTITY)
    resource = collect.of(PolicyType.RESOURCE)
    boundary = collect.of(PolicyType.BOUNDARY)
    session = collect.of(PolicyType.SESSION)
    scp_levels = (
        [collect.of(PolicyType.SCP, i) for i in range(len(policies.scps))]
        if principal.is_iam
        else []
    )

    denies = tuple(m for m in collect.applied if m.effect is Effect.DENY)
    if denies:
        return collect.result(
            Decision.EXPLICIT_DENY, "an explicit Deny applies", denies
        )

    reservation = reserved_by_aws(request.action, request.resource)
    if reservation is not None:
        reason = f"{request.resource} is {reservation.owner}; AWS lets no one change it"
        return collect.result(Decision.IMPLICIT_DENY, reason)

    # Every SCP level (root, each OU, the account) must allow. RCPs only ever
    # deny: AWS attaches RCPFullAWSAccess to every root, OU and account once RCPs
    # are enabled and it cannot be detached, so each level always allows.
    for index, matches in enumerate(scp_levels):
        if not _allows(matches):
            reason = f"no service control policy at level {index} allows the action"
            return collect.result(
                Decision.IMPLICIT_DENY, reason, missing=PolicyType.SCP
            )

    return _decide_grant(collect, identity, resource, boundary, session, policies)


def _decide_grant(
    collect: _Collector,
    identity: list[StatementMatch],
    resource: list[StatementMatch],
    boundary: list[StatementMatch],
    session: list[StatementMatch],
    policies: PolicySet,
) -> Evaluation:
    request = collect.request
    principal = request.principal
    resource_allows = _allowing(resource)

    if not principal.is_iam:
        if resource_allows:
            return collect.result(
                Decision.ALLOW,
                "the resource-based policy allows this caller",
                resource_allows,
            )
        return collect.result(
            Decision.IMPLICIT_DENY,
            "no resource-based policy allows this caller",
            missing=PolicyType.RESOURCE,
        )

    bounded = _limits_met(boundary, session, policies)
    identity_allows = _allowing(identity)
    root_of_account = principal.kind is PrincipalKind.ROOT and request.same_account

    if request.same_account:
        return _decide_same_account(
            collect, identity_allows, resource_allows, bounded, root_of_account
        )

    if not resource_allows:
        return collect.result(
            Decision.IMPLICIT_DENY,
            "the resource is in another account and its resource-based policy "
            "does not allow this caller",
            missing=PolicyType.RESOURCE,
        )
    if not identity_allows:
        return collect.result(
            Decision.IMPLICIT_DENY,
            "cross-account access needs an identity-based policy that allows "
            "the action as well as the resource-based policy",
            missing=PolicyType.IDENTITY,
        )
    if bounded is not None:
        return collect.result(Decision.IMPLICIT_DENY, bounded[0], missing=bounded[1])
    return collect.result(
        Decision.ALLOW,
        "both the identity-based policy and the other account's resource-based "
        "policy allow",
        [*identity_allows, *resource_allows],
    )


def _decide_same_account(
    collect: _Collector,
    identity_allows: list[StatementMatch],
    resource_allows: list[StatementMatch],
    bounded: tuple[str, PolicyType] | None,
    root_of_account: bool,
) -> Evaluation:
    """Inside one account either the resource or the identity policy can grant."""
    direct = [m for m in resource_allows if m.principal_match is PrincipalMatch.DIRECT]
    if direct:
        # A grant to the caller's own ARN (a user, a session, a federated user)
        # is not limited by an implicit deny in a boundary or a session policy.
        return collect.result(
            Decision.ALLOW,
            "a resource-based policy in the same account names this caller",
            direct,
        )
    via_role = [m for m in resource_allows if m.principal_match is PrincipalMatch.ROLE]
    if via_role and bounded is None:
        return collect.result(
            Decision.ALLOW,
            "a resource-based policy in the same account names the caller's role",
            via_role,
        )

    if resource_policy_required(collect.request) and not resource_allows:
        return collect.result(
            Decision.IMPLICIT_DENY,
            "this resource's own policy (a role's trust policy, a key policy) "
            "must allow the caller, and it does not",
            missing=PolicyType.RESOURCE,
        )
    if not identity_allows and not root_of_account:
        reason = "no identity-based policy allows the action"
        if resource_allows:
            reason += (
                " (the resource-based policy names only the account, which "
                "needs an identity-based policy too)"
            )
        return collect.result(
            Decision.IMPLICIT_DENY, reason, missing=PolicyType.IDENTITY
        )
    if bounded is not None:
        return collect.result(Decision.IMPLICIT_DENY, bounded[0], missing=bounded[1])
    if not identity_allows:
        return collect.result(
            Decision.ALLOW, "the account root user has every permission in its account"
        )
    return collect.result(
        Decision.ALLOW, "an identity-based policy allows the action", identity_allows
    )


def _limits_met(
    boundary: list[StatementMatch], session: list[StatementMatch], policies: PolicySet
) -> tuple[str, PolicyType] | None:
    """Why a boundary or session policy withholds the action, or None."""
    if policies.boundaries and not _allows(boundary):
        return "the permissions boundary does not allow the action", PolicyType.BOUNDARY
    if policies.session and not _allows(session):
        return "the session policy does not allow the action", PolicyType.SESSION
    return None


def _allowing(matches: Sequence[StatementMatch]) -> list[StatementMatch]:
    return [m for m in matches if m.applies and m.effect is Effect.ALLOW]


def _allows(matches: Sequence[StatementMatch]) -> bool:
    return any(m.applies and m.effect is Effect.ALLOW for m in matches)


class _Collector:
    """Gathers, per policy type and level, the statements that fit the request."""

    def __init__(self, request: Request, has_boundary: bool) -> None:
        self.request = request
        self.has_boundary = has_boundary
        self.applied: list[StatementMatch] = []
        self.considered: list[StatementMatch] = []
        self._by_group: dict[str, list[StatementMatch]] = {}

    def walk(self, fitted: Fitted) -> None:
        request = self.request
        resource, context = request.resource, request.context
        groups = self._by_group
        for (
            group_key,
            policy_type,
            level,
            name,
            statement,
            principal_match,
            fits,
        ) in fitted:
            if fits is None and not statement.names_resource(resource, context):
                continue
            match = StatementMatch(
                policy_type,
                name,
                statement,
                principal_match,
                statement.conditions_hold(context),
                level,
            )
            group = groups.get(group_key)
            if group is None:
                groups[group_key] = [match]
            else:
                group.append(match)
            self.considered.append(match)
            if match.conditions_hold:
                self.applied.append(match)

    def of(
        self, policy_type: PolicyType, level: int | None = None
    ) -> list[StatementMatch]:
        return self._by_group.get(_group_key(policy_type, level), [])

    def result(
        self,
        decision: Decision,
        reason: str,
        deciding: Sequence[StatementMatch] = (),
        *,
        missing: PolicyType | None = None,
    ) -> Evaluation:
        return Evaluation(
            decision,
            reason,
            self.request,
            tuple(deciding),
            tuple(self.considered),
            missing,
        )
