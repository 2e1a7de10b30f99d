"""Authorization of every lab call through the policy engine.

For a caller the lab gathers what AWS would: the identity-based policies of the
user (with its groups) or the role, the permissions boundary, the session
policies carried by the credentials, the SCPs of the caller's account, and the
request context — the global keys AWS fills in for every request plus the
service's own keys the handler passes. Compiled policies are cached until the
state changes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gatehouse.lab.identity import Caller, CallerKind
from gatehouse.lab.state import GLOBAL, Kind, LabState
from gatehouse.policy import (
    Evaluation,
    PolicyKind,
    PolicySet,
    evaluate,
    make_request,
    parse_policy,
)
from gatehouse.policy.compiled import CompiledPolicy, compile_policy
from gatehouse.policy.model import Policy


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class CallerPolicies:
    identity: tuple[CompiledPolicy, ...]
    boundaries: tuple[CompiledPolicy, ...]
    session: tuple[CompiledPolicy, ...]
    scps: tuple[tuple[CompiledPolicy, ...], ...]
    org_id: str | None


class Authorizer:
    """Answers "may this caller do this?" against the current state."""

    def __init__(self, state: LabState) -> None:
        self.state = state
        self._lock = threading.Lock()
        self._revision = -1
        self._cache: dict[tuple[str, ...], CallerPolicies] = {}
        self._documents: dict[str, CompiledPolicy] = {}
        self._sets: dict[tuple[str, str, str], PolicySet] = {}

    def authorize(
        self,
        caller: Caller,
        *,
        action: str,
        resource: str = "*",
        now: datetime,
        source_ip: str,
        region: str,
        resource_policy: Mapping[str, Any] | None = None,
        resource_policy_kind: PolicyKind = PolicyKind.RESOURCE,
        resource_account: str | None = None,
        context: Mapping[str, str | list[str]] | None = None,
    ) -> Evaluation:
        policies = self.policies_for(caller)
        request = make_request(
            principal=caller.arn,
            action=action,
            resource=resource,
            resource_account=resource_account,
            context={
                **request_context(caller, policies, now, source_ip, region),
                **(context or {}),
            },
            now=now,
        )
        return evaluate(
            request,
            self._policy_set(caller, policies, resource_policy, resource_policy_kind),
        )

    def _policy_set(
        self,
        caller: Caller,
        policies: CallerPolicies,
        resource_policy: Mapping[str, Any] | None,
        kind: PolicyKind,
    ) -> PolicySet:
        """One policy set per caller and resource policy, kept until the state
        changes, so its plans and remembered outcomes serve later requests."""
        resource_key = ""
        resource_compiled = None
        if resource_policy is not None:
            resource_key = _document_key(resource_policy, kind, "resource-based policy")
            resource_compiled = self._compiled(
                resource_policy, kind, "resource-based policy"
            )
        key = (caller.access_key_id, caller.arn, resource_key)
        with self._lock:
            cached = self._sets.get(key)
        if cached is not None:
            return cached
        built = PolicySet(
            identity=policies.identity,
            resource=resource_compiled,
            boundaries=policies.boundaries,
            session=policies.session,
            scps=policies.scps,
        )
        with self._lock:
            if len(self._sets) >= _POLICY_SET_LIMIT:
                self._sets.clear()
            self._sets[key] = built
        return built

    # -- gathering the caller's policies -------------------------------------------

    def policies_for(self, caller: Caller) -> CallerPolicies:
        key = (caller.access_key_id, caller.arn)
        with self._lock:
            if self._revision != self.state.revision:
                self._cache.clear()
                self._sets.clear()
                self._revision = self.state.revision
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        built = self._build(caller)
        with self._lock:
            self._cache[key] = built
        return built

    def _build(self, caller: Caller) -> CallerPolicies:
        account = caller.account
        identity: list[CompiledPolicy] = []
        boundary: str | None = None

        if caller.kind is CallerKind.ASSUMED_ROLE and caller.role is not None:
            role = self.state.get(caller.role.account, Kind.ROLE, caller.role.name)
            if role is not None:
                identity += self._entity_policies(
                    account, role.doc, f"role {caller.role.name}"
                )
                boundary = role.doc.get("boundary")
        elif caller.user_name is not None:
            user = self.state.get(account, Kind.USER, caller.user_name)
            if user is not None:
                identity += self._entity_policies(
                    account, user.doc, f"user {caller.user_name}"
                )
                for group_name in user.doc.get("groups", []):
                    group = self.state.get(account, Kind.GROUP, group_name)
                    if group is not None:
                        identity += self._entity_policies(
                            account, group.doc, f"group {group_name}"
                        )
                boundary = user.doc.get("boundary")

        boundaries: tuple[CompiledPolicy, ...] = ()
        if boundary:
            document = self._managed_document(account, boundary)
            if document is not None:
                boundaries = (
                    self._compiled(
                        document, PolicyKind.BOUNDARY, f"boundary {boundary}"
                    ),
                )
        session = tuple(
            self._compiled(doc, PolicyKind.SESSION, f"session policy {i}")
            for i, doc in enumerate(caller.session_policies)
        )
        scps, org_id = self._scps(account)
        return CallerPolicies(tuple(identity), boundaries, session, scps, org_id)

    def _entity_policies(
        self, account: str, doc: Mapping[str, Any], owner: str
    ) -> list[CompiledPolicy]:
        out = [
            self._compiled(
                document, PolicyKind.IDENTITY, f"{owner} inline policy {name}"
            )
            for name, document in doc.get("inline_policies", {}).items()
        ]
        for arn in doc.get("managed_policies", []):
            document = self._managed_document(account, arn)
            if document is not None:
                out.append(self._compiled(document, PolicyKind.IDENTITY, arn))
        return out

    def _managed_document(self, account: str, arn: str) -> Mapping[str, Any] | None:
        owner = GLOBAL if ":aws:policy/" in arn else account
        entity = self.state.get(owner, Kind.POLICY, arn)
        if entity is None:
            return None
        version = entity.doc["default_version"]
        document: Mapping[str, Any] = entity.doc["versions"][version]["document"]
        return document

    def _scps(
        self, account: str
    ) -> tuple[tuple[tuple[CompiledPolicy, ...], ...], str | None]:
        account_entity = self.state.get(GLOBAL, Kind.ACCOUNT, account)
        org_id = account_entity.doc.get("organization") if account_entity else None
        if not org_id:
            return (), None
        org = self.state.get(GLOBAL, Kind.ORGANIZATION, org_id)
        if org is None or account == org.doc["management_account"]:
            # SCPs never restrict the management account.
            return (), org_id
        levels = org.doc["levels"].get(account, [])
        compiled = tuple(
            tuple(
                self._compiled(doc, PolicyKind.SCP, f"SCP level {i}") for doc in level
            )
            for i, level in enumerate(levels)
        )
        return compiled, org_id

    def _compiled(
        self, document: Mapping[str, Any], kind: PolicyKind, name: str
    ) -> CompiledPolicy:
        key = _document_key(document, kind, name)
        cached = self._documents.get(key)
        if cached is None:
            policy: Policy = parse_policy(document, kind=kind, name=name, strict=False)
            cached = compile_policy(policy)
            if len(self._documents) > 4096:
                self._documents.clear()
            self._documents[key] = cached
        return cached


_POLICY_SET_LIMIT = 4096


def _document_key(document: Mapping[str, Any], kind: PolicyKind, name: str) -> str:
    return f"{kind.value}|{name}|" + json.dumps(document, sort_keys=True)


def request_context(
    caller: Caller, policies: CallerPolicies, now: datetime, source_ip: str, region: str
) -> dict[str, str | list[str]]:
    """The global condition keys AWS fills in for a request by `caller`."""
    context: dict[str, str | list[str]] = {
        "aws:SourceIp": source_ip,
        "aws:CurrentTime": iso(now),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:RequestedRegion": region,
        "aws:SecureTransport": "false",
        "aws:ViaAWSService": "false",
        "aws:userid": caller.user_id,
    }
    if caller.role is not None:
        context["aws:PrincipalArn"] = caller.role.arn
    if caller.kind is CallerKind.IAM_USER:
        context["aws:username"] = caller.name
    if policies.org_id:
        context["aws:PrincipalOrgID"] = policies.org_id
    # aws:TokenIssueTime and aws:MultiFactorAuthPresent exist only for temporary
    # credentials; long-term access keys carry neither (IAM global condition keys).
    if caller.temporary and caller.issued is not None:
        context["aws:TokenIssueTime"] = iso(caller.issued)
        context["aws:MultiFactorAuthPresent"] = (
            "true" if caller.mfa_present else "false"
        )
    if caller.mfa_authenticated_at is not None:
        age = int((now - caller.mfa_authenticated_at).total_seconds())
        context["aws:MultiFactorAuthAge"] = str(max(age, 0))
    if caller.source_identity:
        context["aws:SourceIdentity"] = caller.source_identity
    if caller.federated_provider:
        context["aws:FederatedProvider"] = caller.federated_provider
    if caller.ec2_role_delivery:
        context["ec2:RoleDelivery"] = caller.ec2_role_delivery
    for key, value in caller.tags.items():
        context[f"aws:PrincipalTag/{key}"] = value
    return context
