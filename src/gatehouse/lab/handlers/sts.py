"""STS: the credential-issuing operations, with AWS's rules and refusals.

AssumeRole reads the role's trust policy through the policy engine (external id,
MFA, source identity, session tags and principal all decide there), enforces the
duration limits (the role's maximum, and one hour when a role session calls),
keeps a source identity for the life of a chain, and stores the new session so
that every later call is authorized and recorded as AWS would.
"""

from __future__ import annotations

import json
import logging
import math
import zlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pyotp

from gatehouse.lab import errors, ids
from gatehouse.lab.errors import AwsError
from gatehouse.lab.identity import Caller, CallerKind, Origin, RoleRef
from gatehouse.lab.request import LabRequest
from gatehouse.lab.routes import Fidelity, Route
from gatehouse.lab.runtime import LabRuntime, session_document
from gatehouse.lab.state import Entity, Kind
from gatehouse.policy import PolicyKind, Severity, lint_policy
from gatehouse.trail import Resource

logger = logging.getLogger(__name__)

# STS API reference: DurationSeconds defaults to 3600 for AssumeRole; role
# chaining limits a session to one hour; GetSessionToken and GetFederationToken
# default to 43200 for IAM users (maximum 129600) and allow root at most 3600,
# a longer request from root falling back to one hour.
ASSUME_ROLE_DEFAULT = 3600
CHAINED_MAXIMUM = 3600
USER_TOKEN_DEFAULT = 43200
ROOT_TOKEN_MAXIMUM = 3600

# Gatehouse choice: the packed size of session policies and tags is measured as
# the zlib-compressed size of their JSON against this budget. AWS does not
# publish its packing; the percentage only approximates AWS's PackedPolicySize.
_PACKED_BUDGET = 1450
# IAM User Guide: inline and managed session policies together may not exceed
# 2,048 characters of plain text.
SESSION_POLICY_PLAINTEXT_LIMIT = 2048

_MFA_WINDOW = 1  # accept the previous and the next 30-second TOTP step too


def get_caller_identity(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    # AWS: GetCallerIdentity needs no permission, and an explicit Deny cannot
    # block it (aws-facts §1.9), so it is never sent to the policy engine.
    caller = request.caller
    return {"UserId": caller.user_id, "Account": caller.account, "Arn": caller.arn}


def assume_role(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    caller = request.caller
    if caller.kind is CallerKind.ROOT:
        raise errors.ROOT_CANNOT_ASSUME.error()

    role_arn: str = params["RoleArn"]
    role = _find_role(runtime, role_arn)
    mfa_at = _check_mfa(runtime, request)
    context = _assume_context(request, mfa_at)
    _authorize_assume(runtime, request, role_arn, role, context)

    duration = _session_duration(caller, role, params.get("DurationSeconds"))
    source_identity = _source_identity(runtime, request, role_arn, role, context)
    tags, transitive = _session_tags(runtime, request, role_arn, role, context)
    policies, packed = _session_policies(runtime, request, role, tags)

    now = request.received_at
    assert role is not None  # _authorize_assume refuses a missing role
    role_ref = RoleRef(role.name, role.doc["arn"], role.id or "", role.account)
    session_name: str = params["RoleSessionName"]
    session = Caller(
        access_key_id=ids.access_key_id(temporary=True),
        kind=CallerKind.ASSUMED_ROLE,
        account=role.account,
        arn=f"arn:aws:sts::{role.account}:assumed-role/{role.name}/{session_name}",
        user_id=f"{role_ref.id}:{session_name}",
        name=session_name,
        origin=Origin.ASSUME_ROLE,
        secret_access_key=ids.secret_access_key(),
        session_token=ids.session_token(),
        role=role_ref,
        issued=now,
        expiration=now + timedelta(seconds=duration),
        mfa_authenticated_at=mfa_at or caller.mfa_authenticated_at,
        source_identity=source_identity,
        tags={**role.doc.get("tags", {}), **tags},
        transitive_tag_keys=transitive,
        session_policies=tuple(policies),
        chained=_is_chaining(caller),
    )
    _store(runtime, session)
    _note_role_call(request, role_arn, role.account)
    logger.info("issued role session %s for %s", session.arn, caller.arn)

    output: dict[str, Any] = {
        "Credentials": _credentials(session),
        "AssumedRoleUser": {"AssumedRoleId": session.user_id, "Arn": session.arn},
    }
    if packed is not None:
        output["PackedPolicySize"] = packed
    if source_identity is not None:
        output["SourceIdentity"] = source_identity
    return output


def get_session_token(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    caller = request.caller
    params = request.params
    if caller.temporary:
        raise errors.SESSION_CREDENTIALS_REFUSED.error(operation="GetSessionToken")

    mfa_at = _check_mfa(runtime, request)
    duration = _token_duration(caller, params.get("DurationSeconds"))
    now = request.received_at
    session = Caller(
        access_key_id=ids.access_key_id(temporary=True),
        kind=caller.kind,
        account=caller.account,
        arn=caller.arn,
        user_id=caller.user_id,
        name=caller.name,
        origin=Origin.GET_SESSION_TOKEN,
        secret_access_key=ids.secret_access_key(),
        session_token=ids.session_token(),
        user_name=caller.user_name,
        issued=now,
        expiration=now + timedelta(seconds=duration),
        mfa_authenticated_at=mfa_at,
        tags=dict(caller.tags),
    )
    _store(runtime, session)
    return {"Credentials": _credentials(session)}


def get_federation_token(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    caller = request.caller
    params = request.params
    if caller.temporary:
        raise errors.SESSION_CREDENTIALS_REFUSED.error(operation="GetFederationToken")

    name: str = params["Name"]
    federated_arn = f"arn:aws:sts::{caller.account}:federated-user/{name}"
    runtime.authorize(request, action="sts:GetFederationToken", resource=federated_arn)
    duration = _token_duration(caller, params.get("DurationSeconds"))
    tags = _plain_tags(params.get("Tags", []))
    policies, packed = _session_policies(runtime, request, None, tags)
    # Without a session policy the federated session has no permissions at all
    # (only resource policies naming the federated user grant it anything).
    if not policies:
        policies = [_NO_PERMISSIONS]

    now = request.received_at
    session = Caller(
        access_key_id=ids.access_key_id(temporary=True),
        kind=CallerKind.FEDERATED_USER,
        account=caller.account,
        arn=federated_arn,
        user_id=f"{caller.account}:{name}",
        name=name,
        origin=Origin.GET_FEDERATION_TOKEN,
        secret_access_key=ids.secret_access_key(),
        session_token=ids.session_token(),
        user_name=caller.user_name,
        issued=now,
        expiration=now + timedelta(seconds=duration),
        tags=tags,
        session_policies=tuple(policies),
        issuer_user_id=caller.user_id,
    )
    _store(runtime, session)
    output: dict[str, Any] = {
        "Credentials": _credentials(session),
        "FederatedUser": {"FederatedUserId": session.user_id, "Arn": session.arn},
    }
    if packed is not None:
        output["PackedPolicySize"] = packed
    return output


_NO_PERMISSIONS: Mapping[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "NotAction": "*", "Resource": "*"}],
}


# -- AssumeRole, step by step --------------------------------------------------------


def _find_role(runtime: LabRuntime, role_arn: str) -> Entity | None:
    parts = role_arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        return None
    name = parts[5].rsplit("/", 1)[-1]
    role = runtime.state.get(parts[4], Kind.ROLE, name)
    if role is None or role.doc["arn"] != role_arn:
        return None
    return role


def _assume_context(request: LabRequest, mfa_at: datetime | None) -> dict[str, Any]:
    params = request.params
    context: dict[str, Any] = {"sts:RoleSessionName": params["RoleSessionName"]}
    if "ExternalId" in params:
        context["sts:ExternalId"] = params["ExternalId"]
    if "SourceIdentity" in params:
        context["sts:SourceIdentity"] = params["SourceIdentity"]
    if mfa_at is not None:
        # A valid code sent with the call puts MFA in the request context, even
        # for long-term keys, which otherwise carry no MFA key at all.
        context["aws:MultiFactorAuthPresent"] = "true"
        context["aws:MultiFactorAuthAge"] = "0"
    tags = _plain_tags(params.get("Tags", []))
    for key, value in tags.items():
        context[f"aws:RequestTag/{key}"] = value
    if tags:
        context["aws:TagKeys"] = list(tags)
    if params.get("TransitiveTagKeys"):
        context["sts:TransitiveTagKeys"] = list(params["TransitiveTagKeys"])
    return context


def _authorize_assume(
    runtime: LabRuntime,
    request: LabRequest,
    role_arn: str,
    role: Entity | None,
    context: Mapping[str, Any],
) -> None:
    # A role that does not exist is refused exactly like one whose trust
    # policy refuses the caller (aws-facts §1.4), so nothing leaks.
    if role is None:
        raise errors.ACCESS_DENIED.error(
            caller=request.caller.arn,
            action="sts:AssumeRole",
            resource=role_arn,
            because="",
        )
    runtime.authorize(
        request,
        action="sts:AssumeRole",
        resource=role_arn,
        resource_policy=role.doc["trust_policy"],
        resource_policy_kind=PolicyKind.TRUST,
        context=context,
    )


def _is_chaining(caller: Caller) -> bool:
    # Role chaining is a role session assuming a role. AWS does not count EC2
    # instance-profile credentials as chaining, and GetSessionToken credentials
    # are observed to hit the same one-hour limit (aws-facts §0 #12).
    if caller.origin is Origin.EC2_INSTANCE:
        return False
    return (
        caller.kind is CallerKind.ASSUMED_ROLE
        or caller.origin is Origin.GET_SESSION_TOKEN
    )


def _session_duration(
    caller: Caller, role: Entity | None, requested: int | None
) -> int:
    duration = ASSUME_ROLE_DEFAULT if requested is None else int(requested)
    if _is_chaining(caller) and duration > CHAINED_MAXIMUM:
        raise errors.DURATION_EXCEEDS_CHAINING_LIMIT.error()
    maximum = int(role.doc["max_session_duration"]) if role else ASSUME_ROLE_DEFAULT
    if duration > maximum:
        raise errors.DURATION_EXCEEDS_ROLE_MAXIMUM.error()
    return duration


def _source_identity(
    runtime: LabRuntime,
    request: LabRequest,
    role_arn: str,
    role: Entity | None,
    context: Mapping[str, Any],
) -> str | None:
    """The source identity of the new session: inherited, or set now."""
    caller = request.caller
    requested: str | None = request.params.get("SourceIdentity")
    inherited = caller.source_identity
    if requested is None:
        return inherited

    denied = errors.ACCESS_DENIED.error(
        caller=caller.arn, action="sts:SetSourceIdentity", resource=role_arn, because=""
    )
    # Once set, a source identity cannot change anywhere down the chain.
    if inherited is not None and requested != inherited:
        raise denied
    assert role is not None
    try:
        # The role's trust policy must allow sts:SetSourceIdentity; a role
        # session (chaining) needs it in its own permissions policy as well.
        runtime.authorize(
            request,
            action="sts:SetSourceIdentity",
            resource=role_arn,
            resource_policy=role.doc["trust_policy"],
            resource_policy_kind=PolicyKind.TRUST,
            context=context,
        )
        if caller.kind is CallerKind.ASSUMED_ROLE:
            runtime.authorize(
                request,
                action="sts:SetSourceIdentity",
                resource=role_arn,
                context=context,
            )
    except AwsError:
        raise denied from None
    return requested


def _session_tags(
    runtime: LabRuntime,
    request: LabRequest,
    role_arn: str,
    role: Entity | None,
    context: Mapping[str, Any],
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Session tags and transitive keys: the caller's transitive ones plus new ones."""
    caller = request.caller
    params = request.params
    requested = _plain_tags(params.get("Tags", []))
    transitive_keys = tuple(params.get("TransitiveTagKeys", ()))
    lowered = {k.lower() for k in requested}
    for key in transitive_keys:
        if key.lower() not in lowered:
            raise errors.TRANSITIVE_KEY_NOT_TAGGED.error(key=key)

    inherited = {
        k: v for k, v in caller.tags.items() if k in caller.transitive_tag_keys
    }
    for key in requested:
        if key.lower() in {k.lower() for k in inherited}:
            raise errors.TRANSITIVE_TAG_OVERRIDE.error(key=key)

    if requested:
        assert role is not None
        runtime.authorize(
            request,
            action="sts:TagSession",
            resource=role_arn,
            resource_policy=role.doc["trust_policy"],
            resource_policy_kind=PolicyKind.TRUST,
            context=context,
        )
    tags = {**inherited, **requested}
    keys = tuple(dict.fromkeys([*caller.transitive_tag_keys, *transitive_keys]))
    return tags, keys


def _plain_tags(raw: list[Mapping[str, str]]) -> dict[str, str]:
    tags: dict[str, str] = {}
    seen: set[str] = set()
    for tag in raw:
        key = tag["Key"]
        # Tag keys are case-insensitive but case-preserving (aws-facts §1.9).
        if key.lower() in seen:
            raise errors.DUPLICATE_TAG_KEYS.error()
        seen.add(key.lower())
        tags[key] = tag.get("Value", "")
    return tags


def _session_policies(
    runtime: LabRuntime,
    request: LabRequest,
    role: Entity | None,
    tags: Mapping[str, str],
) -> tuple[list[Mapping[str, Any]], int | None]:
    """The session policies (inline and managed) and the packed-size percentage."""
    params = request.params
    documents: list[Mapping[str, Any]] = []
    inline: str | None = params.get("Policy")
    if inline is not None:
        documents.append(_read_session_policy(inline))
    arns = [entry["arn"] for entry in params.get("PolicyArns", [])]
    for arn in arns:
        documents.append(_managed_session_policy(runtime, request, arn))

    plaintext = len(inline or "") + sum(len(a) for a in arns)
    if not documents and not tags:
        return documents, None
    packed = _packed_percent(inline, arns, tags)
    if packed > 100 or plaintext > SESSION_POLICY_PLAINTEXT_LIMIT:
        raise errors.PACKED_POLICY_TOO_LARGE.error(percent=max(packed, 101))
    return documents, packed


def _read_session_policy(text: str) -> Mapping[str, Any]:
    problems = [
        p
        for p in lint_policy(text, kind=PolicyKind.SESSION)
        if p.severity is Severity.ERROR
    ]
    if problems:
        first = problems[0]
        raise errors.STS_MALFORMED_POLICY.error(
            detail=f"{first.message} at {first.location}"
        )
    loaded: Mapping[str, Any] = json.loads(text)
    return loaded


def _managed_session_policy(
    runtime: LabRuntime, request: LabRequest, arn: str
) -> Mapping[str, Any]:
    owner = "global" if ":aws:policy/" in arn else arn.split(":")[4]
    entity = runtime.state.get(owner, Kind.POLICY, arn)
    if entity is None:
        # Gatehouse choice (UNCONFIRMED wording) for an unknown managed policy.
        raise errors.STS_MALFORMED_POLICY.error(detail=f"Policy {arn} does not exist.")
    version = entity.doc["default_version"]
    document: Mapping[str, Any] = entity.doc["versions"][version]["document"]
    return document


def _packed_percent(
    inline: str | None, arns: list[str], tags: Mapping[str, str]
) -> int:
    packed = json.dumps(
        [inline or "", arns, sorted(tags.items())], separators=(",", ":")
    )
    size = len(zlib.compress(packed.encode(), 9))
    return max(1, math.ceil(100 * size / _PACKED_BUDGET))


# -- shared pieces ---------------------------------------------------------------------


def _check_mfa(runtime: LabRuntime, request: LabRequest) -> datetime | None:
    """When MFA is sent, check it against the caller's device; return its time."""
    params = request.params
    serial = params.get("SerialNumber")
    code = params.get("TokenCode")
    if serial is None and code is None:
        return None
    if serial is None or code is None:
        raise errors.MFA_INCOMPLETE.error()
    caller = request.caller
    device = runtime.state.get(caller.account, Kind.MFA_DEVICE, serial)
    user = caller.user_name
    if device is None or (user is not None and device.doc.get("user") != user):
        raise errors.MFA_UNKNOWN_DEVICE.error()
    totp = pyotp.TOTP(device.doc["seed"])
    if not totp.verify(code, for_time=request.received_at, valid_window=_MFA_WINDOW):
        raise errors.MFA_INVALID_CODE.error()
    return request.received_at


def _token_duration(caller: Caller, requested: int | None) -> int:
    duration = USER_TOKEN_DEFAULT if requested is None else int(requested)
    if caller.kind is CallerKind.ROOT:
        # A root request longer than an hour gets an hour, not an error.
        return min(duration, ROOT_TOKEN_MAXIMUM)
    return duration


def _store(runtime: LabRuntime, session: Caller) -> None:
    expires = session.expiration.isoformat() if session.expiration else None
    with runtime.state.write() as w:
        w.put_credential(
            session.access_key_id, session.account, session_document(session), expires
        )


def _credentials(session: Caller) -> dict[str, Any]:
    return {
        "AccessKeyId": session.access_key_id,
        "SecretAccessKey": session.secret_access_key,
        "SessionToken": session.session_token,
        "Expiration": session.expiration,
    }


def _note_role_call(request: LabRequest, role_arn: str, role_account: str) -> None:
    request.notes["resources"] = [Resource(role_arn, role_account, "AWS::IAM::Role")]
    if role_account != request.caller.account:
        request.notes["owner_account_id"] = role_account


ROUTES = {
    ("sts", "GetCallerIdentity"): Route(
        get_caller_identity,
        Fidelity.FULL,
        "Returns the signing principal; needs no permission, as in AWS.",
    ),
    ("sts", "AssumeRole"): Route(
        assume_role,
        Fidelity.FULL,
        "Trust policy through the policy engine (external id, MFA, principal, "
        "conditions); both sides across accounts; role maximum and one-hour "
        "chaining limit; source identity set once with sts:SetSourceIdentity and "
        "kept through chains; session tags with sts:TagSession and transitive keys; "
        "inline and managed session policies; root refused.",
    ),
    ("sts", "GetSessionToken"): Route(
        get_session_token,
        Fidelity.FULL,
        "Long-term keys only; durations for users and root; MFA checked against "
        "the world's virtual devices; the resulting credentials may call IAM only "
        "with MFA and STS only for AssumeRole and GetCallerIdentity.",
    ),
    ("sts", "GetFederationToken"): Route(
        get_federation_token,
        Fidelity.FULL,
        "Needs sts:GetFederationToken; without a session policy the federated "
        "user has no permissions; no IAM and no STS but GetCallerIdentity.",
    ),
}
