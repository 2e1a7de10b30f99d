"""STS: the credential-issuing operations, with AWS's rules and refusals.

AssumeRole reads the role's trust policy through the policy engine (external id,
MFA, source identity, session tags and principal all decide there), enforces the
duration limits (the role's maximum, and one hour when a role session calls),
keeps a source identity for the life of a chain, and stores the new session so
that every later call is authorized and recorded as AWS would.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
import zlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pyotp

from gatehouse.lab import errors, ids
from gatehouse.lab.errors import AwsError
from gatehouse.lab.federation import (
    SESSION_NAME_ATTRIBUTE,
    SOURCE_IDENTITY_ATTRIBUTE,
    SOURCE_IDENTITY_CLAIM,
    FederationError,
    Problem,
    SamlAssertion,
    SigningKeys,
    WebIdentity,
    granted_role,
    issuer_host,
    name_qualifier,
    oidc_tags,
    saml_tags,
    token_issuer,
    unverified_claims,
    verify_jwt,
    verify_saml,
)
from gatehouse.lab.identity import Caller, CallerKind, Origin
from gatehouse.lab.request import LabRequest
from gatehouse.lab.routes import Fidelity, Route
from gatehouse.lab.runtime import LabRuntime, role_session
from gatehouse.lab.state import Entity, Kind
from gatehouse.policy import (
    Decision,
    PolicyKind,
    PolicySet,
    Principal,
    PrincipalKind,
    Severity,
    evaluate,
    lint_policy,
    make_request,
    parse_policy,
)
from gatehouse.policy.compiled import CompiledPolicy, compile_policy
from gatehouse.trail import IdentityType, Resource, UserIdentity

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
    session = role_session(
        role,
        params["RoleSessionName"],
        origin=Origin.ASSUME_ROLE,
        issued=now,
        expiration=now + timedelta(seconds=duration),
        tags=tags,
        mfa_authenticated_at=mfa_at or caller.mfa_authenticated_at,
        source_identity=source_identity,
        transitive_tag_keys=transitive,
        session_policies=tuple(policies),
        chained=_is_chaining(caller),
    )
    runtime.store_session(session)
    _note_role_call(request, role_arn, role.account)
    logger.info("issued role session %s for %s", session.arn, caller.arn)

    return _role_session_output(session, packed, source_identity)


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
    runtime.store_session(session)
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
    runtime.store_session(session)
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


# -- federation: AssumeRoleWithWebIdentity and AssumeRoleWithSAML ---------------------
#
# Both come without AWS credentials (the server admits them unsigned). The token
# or assertion is checked against the provider the world defines in the role's
# account, then the role's trust policy decides with the provider as the
# principal ({"Federated": provider ARN}) and the provider's claims as condition
# keys, exactly as for AssumeRole: sts:SetSourceIdentity for a source identity,
# sts:TagSession for session tags.

_SOURCE_IDENTITY = re.compile(r"^[\w+=,.@-]{2,64}$")
_SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")

_OIDC_PROBLEMS = {
    Problem.MALFORMED: errors.OIDC_MALFORMED,
    Problem.MISSING_CLAIM: errors.OIDC_MISSING_CLAIM,
    Problem.UNKNOWN_ISSUER: errors.OIDC_PROVIDER_NOT_FOUND,
    Problem.UNKNOWN_KEY: errors.OIDC_UNKNOWN_KEY,
    Problem.BAD_SIGNATURE: errors.OIDC_BAD_SIGNATURE,
    Problem.WRONG_AUDIENCE: errors.OIDC_WRONG_AUDIENCE,
    Problem.EXPIRED: errors.TOKEN_EXPIRED,
    Problem.NOT_YET_VALID: errors.OIDC_NOT_YET_VALID,
}
_SAML_PROBLEMS = {
    Problem.MALFORMED: errors.SAML_MALFORMED,
    Problem.BAD_SIGNATURE: errors.SAML_BAD_SIGNATURE,
    Problem.WRONG_AUDIENCE: errors.SAML_WRONG_AUDIENCE,
    Problem.WRONG_RECIPIENT: errors.SAML_WRONG_RECIPIENT,
    Problem.EXPIRED: errors.TOKEN_EXPIRED,
}


def assume_role_with_web_identity(
    runtime: LabRuntime, request: LabRequest
) -> dict[str, Any]:
    params = request.params
    role_arn: str = params["RoleArn"]
    token: str = params["WebIdentityToken"]
    account = _arn_account(role_arn)
    request.notes["recipient_account_id"] = account
    request.notes["identity"] = _web_identity_user(unverified_claims(token))

    provider, identity = _verify_web_identity(runtime, account, token, request)
    provider_arn: str = provider.doc["arn"]
    request.notes["identity"] = _web_identity_user(identity.claims, provider_arn)
    source_identity = _claimed_source_identity(
        identity.claims.get(SOURCE_IDENTITY_CLAIM)
    )
    tags, transitive = _checked_tags(*oidc_tags(identity.claims))
    host = identity.host
    context: dict[str, Any] = {
        "sts:RoleSessionName": params["RoleSessionName"],
        f"{host}:aud": identity.audience,
        f"{host}:sub": identity.subject,
    }
    amr = identity.claims.get("amr")
    if isinstance(amr, list):
        context[f"{host}:amr"] = [str(value) for value in amr]

    session, packed = _federated_session(
        runtime,
        request,
        role_arn=role_arn,
        provider_arn=provider_arn,
        action="sts:AssumeRoleWithWebIdentity",
        session_name=params["RoleSessionName"],
        context=context,
        source_identity=source_identity,
        tags=tags,
        transitive=transitive,
        origin=Origin.ASSUME_ROLE_WITH_WEB_IDENTITY,
        ends_by=None,
    )
    output = _role_session_output(session, packed, source_identity)
    output.update(
        SubjectFromWebIdentityToken=identity.subject,
        # Observed: for an IAM OIDC provider STS answers the provider's ARN.
        Provider=provider_arn,
        Audience=identity.audience,
    )
    return output


def assume_role_with_saml(runtime: LabRuntime, request: LabRequest) -> dict[str, Any]:
    params = request.params
    role_arn: str = params["RoleArn"]
    provider_arn: str = params["PrincipalArn"]
    request.notes["recipient_account_id"] = _arn_account(role_arn)
    request.notes["identity"] = UserIdentity(IdentityType.SAML_USER)

    provider = _provider(runtime, provider_arn, "saml")
    if provider is None:
        raise errors.SAML_PROVIDER_NOT_FOUND.error()
    assertion = _verify_saml(provider, params["SAMLAssertion"], request)
    qualifier = name_qualifier(assertion.issuer, provider.account, provider.doc["name"])
    request.notes["identity"] = UserIdentity(
        IdentityType.SAML_USER,
        principal_id=f"{qualifier}:{assertion.subject}",
        user_name=assertion.subject,
        identity_provider=qualifier,
    )
    session_name = _saml_session_name(assertion)
    denied = errors.FEDERATION_ACCESS_DENIED.error(action="sts:AssumeRoleWithSAML")
    if not granted_role(assertion, role_arn, provider_arn):
        raise denied
    source_identity = _claimed_source_identity(
        assertion.attribute(SOURCE_IDENTITY_ATTRIBUTE)
    )
    tags, transitive = _checked_tags(*saml_tags(assertion))
    # IAM's SAML keys: saml:aud is the Recipient the assertion was presented
    # to, saml:doc the account and provider name, saml:namequalifier the hash.
    context: dict[str, Any] = {
        "sts:RoleSessionName": session_name,
        "saml:aud": assertion.recipient,
        "saml:iss": assertion.issuer,
        "saml:sub": assertion.subject,
        "saml:sub_type": assertion.subject_type,
        "saml:namequalifier": qualifier,
        "saml:doc": f"{provider.account}/{provider.doc['name']}",
    }

    session, packed = _federated_session(
        runtime,
        request,
        role_arn=role_arn,
        provider_arn=provider_arn,
        action="sts:AssumeRoleWithSAML",
        session_name=session_name,
        context=context,
        source_identity=source_identity,
        tags=tags,
        transitive=transitive,
        origin=Origin.ASSUME_ROLE_WITH_SAML,
        ends_by=assertion.session_not_on_or_after,
    )
    output = _role_session_output(session, packed, source_identity)
    output.update(
        Subject=assertion.subject,
        SubjectType=assertion.subject_type,
        Issuer=assertion.issuer,
        Audience=assertion.recipient,
        NameQualifier=qualifier,
    )
    return output


def _arn_account(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def _provider(runtime: LabRuntime, arn: str, kind: str) -> Entity | None:
    entity = runtime.state.get(_arn_account(arn), Kind.IDENTITY_PROVIDER, arn)
    if entity is None or entity.doc.get("kind") != kind:
        return None
    return entity


def _web_identity_user(
    claims: Mapping[str, Any], provider_arn: str | None = None
) -> UserIdentity:
    # CloudTrail: principalId joins provider, audience and subject; userName is
    # the subject; identityProvider is the provider (its ARN for IAM OIDC
    # providers, as observed in real records).
    subject = claims.get("sub")
    audience = claims.get("azp") or claims.get("aud")
    if isinstance(audience, list):
        audience = audience[0] if audience else None
    provider = provider_arn or claims.get("iss")
    principal = None
    if provider and audience and subject:
        principal = f"{provider}:{audience}:{subject}"
    return UserIdentity(
        IdentityType.WEB_IDENTITY_USER,
        principal_id=principal,
        user_name=str(subject) if subject else None,
        identity_provider=str(provider) if provider else None,
    )


def _verify_web_identity(
    runtime: LabRuntime, account: str, token: str, request: LabRequest
) -> tuple[Entity, WebIdentity]:
    try:
        issuer = token_issuer(token)
        provider = _oidc_provider(runtime, account, issuer)
        if provider is None:
            raise FederationError(Problem.UNKNOWN_ISSUER, issuer=issuer)
        identity = verify_jwt(
            token,
            keys=SigningKeys.from_doc(provider.doc["signing"]),
            issuer=provider.doc["issuer"],
            client_ids=provider.doc.get("audiences", []),
            now=request.received_at,
        )
    except FederationError as problem:
        raise _OIDC_PROBLEMS[problem.problem].error(**problem.fields) from None
    return provider, identity


def _oidc_provider(runtime: LabRuntime, account: str, issuer: str) -> Entity | None:
    # IAM names an OIDC provider by its URL without the scheme; the issuer in the
    # token must match the provider's URL exactly.
    arn = f"arn:aws:iam::{account}:oidc-provider/{issuer_host(issuer)}"
    provider = _provider(runtime, arn, "oidc")
    if provider is None or provider.doc.get("issuer") != issuer:
        return None
    return provider


def _verify_saml(provider: Entity, encoded: str, request: LabRequest) -> SamlAssertion:
    try:
        assertion = verify_saml(
            encoded,
            keys=SigningKeys.from_doc(provider.doc["signing"]),
            now=request.received_at,
        )
    except FederationError as problem:
        if problem.problem is Problem.NO_SUBJECT:
            raise errors.FEDERATION_ACCESS_DENIED.error(
                action="sts:AssumeRoleWithSAML"
            ) from None
        raise _SAML_PROBLEMS[problem.problem].error(**problem.fields) from None
    if assertion.issuer != provider.doc["issuer"]:
        raise errors.SAML_ISSUER_MISMATCH.error()
    return assertion


def _saml_session_name(assertion: SamlAssertion) -> str:
    name = assertion.attribute(SESSION_NAME_ATTRIBUTE)
    if not name:
        raise errors.SAML_NO_SESSION_NAME.error()
    if not _SESSION_NAME.match(name):
        raise errors.SAML_BAD_SESSION_NAME.error()
    return name


def _claimed_source_identity(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    if not _SOURCE_IDENTITY.match(text) or text.startswith("aws:"):
        raise errors.FEDERATED_BAD_SOURCE_IDENTITY.error()
    return text


def _checked_tags(
    tags: dict[str, str], transitive: tuple[str, ...]
) -> tuple[dict[str, str], tuple[str, ...]]:
    lowered = {key.lower() for key in tags}
    if len(lowered) != len(tags):
        raise errors.DUPLICATE_TAG_KEYS.error()
    for key in transitive:
        if key.lower() not in lowered:
            raise errors.TRANSITIVE_KEY_NOT_TAGGED.error(key=key)
    return tags, transitive


def _federated_session(
    runtime: LabRuntime,
    request: LabRequest,
    *,
    role_arn: str,
    provider_arn: str,
    action: str,
    session_name: str,
    context: dict[str, Any],
    source_identity: str | None,
    tags: dict[str, str],
    transitive: tuple[str, ...],
    origin: Origin,
    ends_by: datetime | None,
) -> tuple[Caller, int | None]:
    """Authorize against the trust policy and store the new role session."""
    if source_identity is not None:
        context["sts:SourceIdentity"] = source_identity
    for key, value in tags.items():
        context[f"aws:RequestTag/{key}"] = value
    if tags:
        context["aws:TagKeys"] = list(tags)
    if transitive:
        context["sts:TransitiveTagKeys"] = list(transitive)

    role = _find_role(runtime, role_arn)
    principal = Principal(PrincipalKind.FEDERATED, provider_arn)
    needed = [action]
    if source_identity is not None:
        needed.append("sts:SetSourceIdentity")
    if tags:
        needed.append("sts:TagSession")
    for each in needed:
        # A missing role, a refusing trust policy and a missing
        # sts:SetSourceIdentity or sts:TagSession all read the same (IAM User
        # Guide, SAML troubleshooting).
        if role is None or not _trusts(
            role, principal, each, role_arn, context, request
        ):
            raise errors.FEDERATION_ACCESS_DENIED.error(action=action)
    assert role is not None

    now = request.received_at
    duration = _session_duration(
        request.caller, role, request.params.get("DurationSeconds")
    )
    expiration = now + timedelta(seconds=duration)
    if ends_by is not None:
        # SAML: the session ends at SessionNotOnOrAfter if that comes sooner.
        if ends_by <= now:
            raise errors.TOKEN_EXPIRED.error(
                now=int(now.timestamp()), expires=int(ends_by.timestamp())
            )
        expiration = min(expiration, ends_by)
    policies, packed = _session_policies(runtime, request, role, tags)

    session = role_session(
        role,
        session_name,
        origin=origin,
        issued=now,
        expiration=expiration,
        tags=tags,
        source_identity=source_identity,
        transitive_tag_keys=transitive,
        session_policies=tuple(policies),
        federated_provider=provider_arn
        if origin is Origin.ASSUME_ROLE_WITH_WEB_IDENTITY
        else None,
    )
    runtime.store_session(session)
    request.notes["resources"] = [Resource(role_arn, role.account, "AWS::IAM::Role")]
    logger.info("issued role session %s for %s", session.arn, provider_arn)
    return session, packed


def _trusts(
    role: Entity,
    principal: Principal,
    action: str,
    role_arn: str,
    context: Mapping[str, Any],
    request: LabRequest,
) -> bool:
    """Whether the role's trust policy alone allows the federated principal."""
    trust = _compiled_trust(json.dumps(role.doc["trust_policy"], sort_keys=True))
    evaluation = evaluate(
        make_request(
            principal=principal,
            action=action,
            resource=role_arn,
            context={
                "aws:CurrentTime": request.received_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "aws:EpochTime": str(int(request.received_at.timestamp())),
                "aws:SourceIp": request.source_ip,
                "aws:RequestedRegion": request.region,
                **context,
            },
            now=request.received_at,
        ),
        PolicySet(resource=trust),
    )
    if evaluation.decision is not Decision.ALLOW:
        logger.info(
            "trust policy of %s refuses %s: %s", role_arn, action, evaluation.reason
        )
        return False
    return True


@functools.lru_cache(maxsize=256)
def _compiled_trust(document: str) -> CompiledPolicy:
    policy = parse_policy(
        json.loads(document), kind=PolicyKind.TRUST, name="trust policy", strict=False
    )
    return compile_policy(policy)


def _role_session_output(
    session: Caller, packed: int | None, source_identity: str | None
) -> dict[str, Any]:
    output: dict[str, Any] = {
        "Credentials": _credentials(session),
        "AssumedRoleUser": {"AssumedRoleId": session.user_id, "Arn": session.arn},
    }
    if packed is not None:
        output["PackedPolicySize"] = packed
    if source_identity is not None:
        output["SourceIdentity"] = source_identity
    return output


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
    ("sts", "AssumeRoleWithWebIdentity"): Route(
        assume_role_with_web_identity,
        Fidelity.FULL,
        "Unsigned; the ID token's RS256 signature, issuer, audience (client ids) "
        "and expiry (five minutes' skew) checked against the world's OIDC "
        "provider; trust policy with the provider as Federated principal and its "
        "aud/sub/amr keys; source identity and session tags from the token's AWS "
        "claims with sts:SetSourceIdentity and sts:TagSession; session policies.",
    ),
    ("sts", "AssumeRoleWithSAML"): Route(
        assume_role_with_saml,
        Fidelity.FULL,
        "Unsigned; the assertion's XML signature, issuer, audience, recipient and "
        "NotOnOrAfter checked against the world's SAML provider; the Role "
        "attribute must pair role and provider; trust policy with saml: keys; "
        "duration capped by SessionNotOnOrAfter and the role maximum; source "
        "identity and PrincipalTag attributes.",
    ),
}
