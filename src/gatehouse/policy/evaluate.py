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
from functools import cached_property
from typing import Any, NamedTuple

from gatehouse.policy.compiled import CompiledPolicy, CompiledStatement, compile_policy
from gatehouse.policy.conditions import CompiledCondition, ConditionResult, Context
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


class Deciding(Enum):
    """Which of the considered statements decided: kept as a rule, applied on demand."""

    NONE = "none"
    DENIES = "denies"
    RESOURCE = "resource"
    RESOURCE_DIRECT = "resource-direct"
    RESOURCE_ROLE = "resource-role"
    IDENTITY = "identity"
    IDENTITY_AND_RESOURCE = "identity-and-resource"

    def pick(self, considered: Sequence[StatementMatch]) -> tuple[StatementMatch, ...]:
        if self is Deciding.NONE:
            return ()
        if self is Deciding.DENIES:
            return tuple(m for m in considered if m.applies and m.effect is Effect.DENY)
        if self is Deciding.IDENTITY_AND_RESOURCE:
            return (
                *_allowing(considered, PolicyType.IDENTITY),
                *_allowing(considered, PolicyType.RESOURCE),
            )
        if self is Deciding.IDENTITY:
            return _allowing(considered, PolicyType.IDENTITY)
        allows = _allowing(considered, PolicyType.RESOURCE)
        if self is Deciding.RESOURCE_DIRECT:
            return tuple(
                m for m in allows if m.principal_match is PrincipalMatch.DIRECT
            )
        if self is Deciding.RESOURCE_ROLE:
            return tuple(m for m in allows if m.principal_match is PrincipalMatch.ROLE)
        return allows


def _allowing(
    considered: Sequence[StatementMatch], policy_type: PolicyType
) -> tuple[StatementMatch, ...]:
    return tuple(
        m
        for m in considered
        if m.policy_type is policy_type and m.applies and m.effect is Effect.ALLOW
    )


@dataclass(frozen=True)
class Evaluation:
    """The decision, the statements that decided it, and a sentence saying why.

    Deciding needs only a yes or no from each statement, often not even from all
    of them; the statements themselves (`considered`, `deciding`) are worked out
    again from the request when asked for, and then kept.
    """

    decision: Decision
    reason: str
    request: Request = field(compare=False)
    missing: PolicyType | None = None
    fitted: Fitted | None = field(default=None, compare=False, repr=False)
    decided_by: Deciding = field(default=Deciding.NONE, compare=False, repr=False)

    @cached_property
    def considered(self) -> tuple[StatementMatch, ...]:
        """Every statement whose action, resource and principal fit the request."""
        resource, context = self.request.resource, self.request.context
        return tuple(
            StatementMatch(
                entry.policy_type,
                entry.policy_name,
                entry.statement,
                entry.principal_match,
                entry.statement.conditions_hold(context),
                entry.level,
            )
            for entry in (self.fitted.entries if self.fitted else ())
            if entry.resource_fits or entry.statement.names_resource(resource, context)
        )

    @cached_property
    def deciding(self) -> tuple[StatementMatch, ...]:
        """The statements that produced the decision."""
        return self.decided_by.pick(self.considered)

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

    A policy set remembers what it works out: per action the statements that
    name it, per action and caller those that fit the caller, per action,
    resource and caller those that fit all three, and (unless
    `remember_outcomes` is false) the outcome per distinct value of the context
    keys those statements read. Every cache is exact and bounded.
    """

    identity: tuple[CompiledPolicy, ...] = ()
    resource: CompiledPolicy | None = None
    boundaries: tuple[CompiledPolicy, ...] = ()
    session: tuple[CompiledPolicy, ...] = ()
    scps: tuple[tuple[CompiledPolicy, ...], ...] = ()
    rcps: tuple[tuple[CompiledPolicy, ...], ...] = ()
    remember_outcomes: bool = field(default=True, compare=False)
    _plans: dict[str, Plan] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    _callers: dict[tuple[str, Principal, bool], tuple[FittedEntry, ...]] = field(
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
        remember_outcomes: bool = True,
    ) -> PolicySet:
        return cls(
            identity=tuple(compile_policy(p) for p in identity),
            resource=compile_policy(resource) if resource is not None else None,
            boundaries=tuple(compile_policy(p) for p in boundaries),
            session=tuple(compile_policy(p) for p in session),
            scps=tuple(tuple(compile_policy(p) for p in level) for level in scps),
            rcps=tuple(tuple(compile_policy(p) for p in level) for level in rcps),
            remember_outcomes=remember_outcomes,
        )

    def cache_sizes(self) -> dict[str, int]:
        """How many entries each cache holds: plans (per action), callers (per
        action and caller), fitted (per action, resource and caller), outcomes."""
        return {
            "plans": len(self._plans),
            "callers": len(self._callers),
            "fitted": len(self._fitted),
            "outcomes": sum(len(f.outcomes) for f in self._fitted.values()),
        }

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
        `resource_fits=None` and checked per request.
        """
        action = request.action.lower()
        principal = request.principal
        key = (action, request.resource, principal, has_boundary)
        cached = self._fitted.get(key)
        if cached is not None:
            return cached
        resource = request.resource
        entries = tuple(
            entry
            for entry in self._for_caller(action, principal, has_boundary)
            if entry.resource_fits is None
            or entry.statement.names_resource(resource, {})
        )
        fitted = Fitted.sort(entries, len(self.scps) if principal.is_iam else 0)
        if len(self._fitted) >= _FITTED_CACHE_LIMIT:
            self._fitted.clear()
        self._fitted[key] = fitted
        return fitted

    def _for_caller(
        self, action: str, principal: Principal, has_boundary: bool
    ) -> tuple[FittedEntry, ...]:
        """The statements that fit this action and caller, whatever the resource.

        A new resource then costs only the resource patterns. Entries whose
        resources use no policy variables carry `resource_fits=True` here and
        are kept by `fitted` only if they name the resource.
        """
        key = (action, principal, has_boundary)
        cached = self._callers.get(key)
        if cached is not None:
            return cached
        entries: list[FittedEntry] = []
        for policy_type, level, name, statement in self.plan(action):
            # SCPs govern the IAM principals of member accounts; RCPs govern
            # every caller but AWS service principals. Neither touches anyone
            # else, not even to deny.
            if policy_type is PolicyType.SCP and not principal.is_iam:
                continue
            if (
                policy_type is PolicyType.RCP
                and principal.kind is PrincipalKind.SERVICE
            ):
                continue
            principal_match = statement.principal_match(
                principal, has_boundary=has_boundary
            )
            if principal_match is PrincipalMatch.NONE:
                continue
            resource_fits = None if statement.resource_templates else True
            entries.append(
                FittedEntry(
                    policy_type,
                    level,
                    name,
                    statement,
                    principal_match,
                    resource_fits,
                    statement.conditions,
                )
            )
        if len(self._callers) >= _PLAN_CACHE_LIMIT:
            self._callers.clear()
        result = tuple(entries)
        self._callers[key] = result
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
_PLAN_CACHE_LIMIT = 4096
# Bounds on what a policy set remembers: at most this many fitted statement
# lists, each with at most _OUTCOME_CACHE_LIMIT outcomes, so a long-lived set
# serving ever new requests holds about a million outcomes at most.
_FITTED_CACHE_LIMIT = 16384


class FittedEntry(NamedTuple):
    """A statement whose action, caller and (unless `resource_fits` is None)
    resource fit a request; only its conditions are left to check."""

    policy_type: PolicyType
    level: int | None
    policy_name: str
    statement: CompiledStatement
    principal_match: PrincipalMatch
    resource_fits: bool | None
    conditions: tuple[CompiledCondition, ...]

    def applies(self, resource: str, context: Context) -> bool:
        return _any_applies((self,), resource, context)


@dataclass(frozen=True, slots=True)
class Fitted:
    """The fitted statements, and the same statements sorted the way deciding
    reads them: every Deny, then each kind of policy's Allow statements."""

    entries: tuple[FittedEntry, ...]
    denies: tuple[FittedEntry, ...]
    identity: tuple[FittedEntry, ...]
    resource: tuple[FittedEntry, ...]
    boundary: tuple[FittedEntry, ...]
    session: tuple[FittedEntry, ...]
    scp_levels: tuple[tuple[FittedEntry, ...], ...]
    # The context keys these statements read, and past outcomes by the action
    # as written, the resource's account and the values of those keys: nothing
    # else that a decision depends on can differ between requests that share
    # these fitted statements.
    reads: tuple[str, ...]
    outcomes: dict[tuple[object, ...], Outcome]

    @classmethod
    def sort(cls, entries: tuple[FittedEntry, ...], scp_levels: int) -> Fitted:
        denies: list[FittedEntry] = []
        allows: dict[tuple[PolicyType, int | None], list[FittedEntry]] = {}
        for entry in entries:
            if entry.statement.effect is Effect.DENY:
                denies.append(entry)
            else:
                allows.setdefault((entry.policy_type, entry.level), []).append(entry)

        def of(
            policy_type: PolicyType, level: int | None = None
        ) -> tuple[FittedEntry, ...]:
            return tuple(allows.get((policy_type, level), ()))

        return cls(
            entries=entries,
            denies=tuple(denies),
            identity=of(PolicyType.IDENTITY),
            resource=of(PolicyType.RESOURCE),
            boundary=of(PolicyType.BOUNDARY),
            session=of(PolicyType.SESSION),
            scp_levels=tuple(of(PolicyType.SCP, i) for i in range(scp_levels)),
            reads=tuple(sorted(set().union(*(e.statement.reads for e in entries)))),
            outcomes={},
        )


class Outcome(NamedTuple):
    """An evaluation without its request: what a repeated request gets again."""

    decision: Decision
    reason: str
    missing: PolicyType | None
    decided_by: Deciding


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

    fitted = policies.fitted(request, has_boundary=bool(policies.boundaries))
    if not policies.remember_outcomes:
        return _decide(request, policies, fitted)
    # The fitted statements already stand for the action, resource and caller;
    # what else a decision reads is the action as written (they know it only
    # lower-cased), the resource's account and the context keys they read.
    key = (
        request.action,
        request.resource_account,
        *map(request.context.get, fitted.reads),
    )
    try:
        known = fitted.outcomes.get(key)
    except TypeError:  # a context value that is not a tuple of strings
        return _decide(request, policies, fitted)
    if known is not None:
        return Evaluation(
            known.decision,
            known.reason,
            request,
            known.missing,
            fitted,
            known.decided_by,
        )

    evaluation = _decide(request, policies, fitted)
    if len(fitted.outcomes) >= _OUTCOME_CACHE_LIMIT:
        fitted.outcomes.clear()
    fitted.outcomes[key] = Outcome(
        evaluation.decision,
        evaluation.reason,
        evaluation.missing,
        evaluation.decided_by,
    )
    return evaluation


_OUTCOME_CACHE_LIMIT = 64


def _decide(request: Request, policies: PolicySet, fitted: Fitted) -> Evaluation:
    verdict = _Verdict(request, fitted)
    resource, context = request.resource, request.context

    if _any_applies(fitted.denies, resource, context):
        return verdict(
            Decision.EXPLICIT_DENY, "an explicit Deny applies", Deciding.DENIES
        )

    reservation = reserved_by_aws(request.action, request.resource)
    if reservation is not None:
        reason = f"{request.resource} is {reservation.owner}; AWS lets no one change it"
        return verdict(Decision.IMPLICIT_DENY, reason)

    # Every SCP level (root, each OU, the account) must allow. RCPs only ever
    # deny: AWS attaches RCPFullAWSAccess to every root, OU and account once RCPs
    # are enabled and it cannot be detached, so each level always allows.
    for index, level in enumerate(fitted.scp_levels):
        if not _any_applies(level, resource, context):
            reason = f"no service control policy at level {index} allows the action"
            return verdict(Decision.IMPLICIT_DENY, reason, missing=PolicyType.SCP)

    return _decide_grant(verdict, policies)


def _decide_grant(verdict: _Verdict, policies: PolicySet) -> Evaluation:
    request, fitted = verdict.request, verdict.fitted
    resource, context = request.resource, request.context
    principal = request.principal
    resource_allows = [e for e in fitted.resource if e.applies(resource, context)]

    if not principal.is_iam:
        if resource_allows:
            return verdict(
                Decision.ALLOW,
                "the resource-based policy allows this caller",
                Deciding.RESOURCE,
            )
        return verdict(
            Decision.IMPLICIT_DENY,
            "no resource-based policy allows this caller",
            missing=PolicyType.RESOURCE,
        )

    bounded = _limits_met(verdict, policies)
    identity_allows = _any_applies(fitted.identity, resource, context)
    root_of_account = principal.kind is PrincipalKind.ROOT and request.same_account

    if request.same_account:
        return _decide_same_account(
            verdict, identity_allows, resource_allows, bounded, root_of_account
        )

    if not resource_allows:
        return verdict(
            Decision.IMPLICIT_DENY,
            "the resource is in another account and its resource-based policy "
            "does not allow this caller",
            missing=PolicyType.RESOURCE,
        )
    if not identity_allows:
        return verdict(
            Decision.IMPLICIT_DENY,
            "cross-account access needs an identity-based policy that allows "
            "the action as well as the resource-based policy",
            missing=PolicyType.IDENTITY,
        )
    if bounded is not None:
        return verdict(Decision.IMPLICIT_DENY, bounded[0], missing=bounded[1])
    return verdict(
        Decision.ALLOW,
        "both the identity-based policy and the other account's resource-based "
        "policy allow",
        Deciding.IDENTITY_AND_RESOURCE,
    )


def _decide_same_account(
    verdict: _Verdict,
    identity_allows: bool,
    resource_allows: list[FittedEntry],
    bounded: tuple[str, PolicyType] | None,
    root_of_account: bool,
) -> Evaluation:
    """Inside one account either the resource or the identity policy can grant."""
    names = [e.principal_match for e in resource_allows]
    if PrincipalMatch.DIRECT in names:
        # A grant to the caller's own ARN (a user, a session, a federated user)
        # is not limited by an implicit deny in a boundary or a session policy.
        return verdict(
            Decision.ALLOW,
            "a resource-based policy in the same account names this caller",
            Deciding.RESOURCE_DIRECT,
        )
    if PrincipalMatch.ROLE in names and bounded is None:
        return verdict(
            Decision.ALLOW,
            "a resource-based policy in the same account names the caller's role",
            Deciding.RESOURCE_ROLE,
        )

    if resource_policy_required(verdict.request) and not resource_allows:
        return verdict(
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
        return verdict(Decision.IMPLICIT_DENY, reason, missing=PolicyType.IDENTITY)
    if bounded is not None:
        return verdict(Decision.IMPLICIT_DENY, bounded[0], missing=bounded[1])
    if not identity_allows:
        return verdict(
            Decision.ALLOW, "the account root user has every permission in its account"
        )
    return verdict(
        Decision.ALLOW,
        "an identity-based policy allows the action",
        Deciding.IDENTITY,
    )


def _limits_met(
    verdict: _Verdict, policies: PolicySet
) -> tuple[str, PolicyType] | None:
    """Why a boundary or session policy withholds the action, or None."""
    fitted, request = verdict.fitted, verdict.request
    resource, context = request.resource, request.context
    if policies.boundaries and not _any_applies(fitted.boundary, resource, context):
        return "the permissions boundary does not allow the action", PolicyType.BOUNDARY
    if policies.session and not _any_applies(fitted.session, resource, context):
        return "the session policy does not allow the action", PolicyType.SESSION
    return None


def _any_applies(
    entries: tuple[FittedEntry, ...], resource: str, context: Context
) -> bool:
    # The hot loop of every decision, written out: most entries need no
    # resource check, and many have no conditions at all.
    for entry in entries:
        if entry.resource_fits is None and not entry.statement.names_resource(
            resource, context
        ):
            continue
        for condition in entry.conditions:
            if not condition.holds(context):
                break
        else:
            return True
    return False


class _Verdict:
    """Builds the evaluation of one request against its fitted statements."""

    __slots__ = ("fitted", "request")

    def __init__(self, request: Request, fitted: Fitted) -> None:
        self.request = request
        self.fitted = fitted

    def __call__(
        self,
        decision: Decision,
        reason: str,
        decided_by: Deciding = Deciding.NONE,
        *,
        missing: PolicyType | None = None,
    ) -> Evaluation:
        return Evaluation(
            decision, reason, self.request, missing, self.fitted, decided_by
        )
