"""The lab at run time: state, authorization and CloudTrail behind every handler.

Handlers receive the runtime with each request. They ask it who the caller is
(`lookup`, used by SigV4 before the handler runs), whether the caller may act
(`authorize`, which raises AWS's denial in the caller's protocol), and change the
state in one transaction. The server hands every answered call to `record`, which
turns it into CloudTrail records.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from gatehouse.lab import errors, ids
from gatehouse.lab.authz import Authorizer
from gatehouse.lab.errors import AwsError
from gatehouse.lab.identity import Caller, CallerKind, Origin, RoleRef
from gatehouse.lab.request import LabRequest
from gatehouse.lab.state import GLOBAL, Entity, Kind, LabState
from gatehouse.lab.world import World
from gatehouse.policy import Decision, Evaluation, PolicyKind, PolicyType
from gatehouse.trail import (
    ApiCall,
    EventIndex,
    IdentityType,
    Resource,
    SessionContext,
    SessionIssuer,
    TlsDetails,
    TrailWriter,
    UserIdentity,
)

logger = logging.getLogger(__name__)

_GST_STS_OPERATIONS = frozenset({"AssumeRole", "GetCallerIdentity"})

# IAM is a global service: CloudTrail records its events in us-east-1.
_GLOBAL_SERVICES = frozenset({"iam"})

_POLICY_TYPE_WORDS = {
    PolicyType.IDENTITY: ("an", "identity-based policy"),
    PolicyType.RESOURCE: ("a", "resource-based policy"),
    PolicyType.BOUNDARY: ("a", "permissions boundary"),
    PolicyType.SESSION: ("a", "session policy"),
    PolicyType.SCP: ("a", "service control policy"),
    PolicyType.RCP: ("a", "resource control policy"),
}


class InstanceHost(Protocol):
    """Runs the metadata services of instances EC2 starts or stops while the lab runs."""

    def instance_started(self, account: str, instance_id: str) -> None: ...

    def instance_stopped(self, instance_id: str) -> None: ...


class LabRuntime:
    """Everything a handler needs besides its request."""

    def __init__(
        self,
        *,
        state: LabState,
        world: World,
        state_dir: Path,
        clock: Callable[[], datetime] | None = None,
        trail: TrailWriter | None = None,
        events: EventIndex | None = None,
    ) -> None:
        self.state = state
        self.world = world
        self.state_dir = state_dir
        self.clock = clock or (lambda: datetime.now(UTC))
        self.authorizer = Authorizer(state)
        self.trail = trail
        self.events = events if events is not None else EventIndex()
        # Running metadata services by instance id, filled by the launcher;
        # EC2's ModifyInstanceMetadataOptions changes them in place.
        self.metadata_services: dict[str, Any] = {}
        # Set by the launcher; None where no metadata services run (tests).
        self.instance_host: InstanceHost | None = None
        self._callers: dict[str, Caller] = {}
        self._callers_revision = -1
        self._lock = threading.Lock()
        # When each long-term key and each role last made a call: (time,
        # service, region), for IAM's GetAccessKeyLastUsed and RoleLastUsed.
        self.last_used: dict[str, tuple[datetime, str, str]] = {}

    # -- who is calling ------------------------------------------------------------

    def lookup(self, access_key_id: str) -> Caller | None:
        """The caller behind an access key id, or None when the lab has none."""
        with self._lock:
            if self._callers_revision != self.state.revision:
                self._callers.clear()
                self._callers_revision = self.state.revision
            cached = self._callers.get(access_key_id)
        if cached is not None:
            return cached
        doc = self.state.credential(access_key_id)
        if doc is None:
            return None
        caller = self._caller_from(doc)
        if caller is not None:
            with self._lock:
                self._callers[access_key_id] = caller
        return caller

    def _caller_from(self, doc: Mapping[str, Any]) -> Caller | None:
        if doc["type"] == "access-key":
            return self._key_caller(doc)
        return caller_from_session(doc)

    def _key_caller(self, doc: Mapping[str, Any]) -> Caller | None:
        # An inactive key authenticates nothing (AWS answers InvalidClientTokenId).
        if doc.get("status") != "Active":
            return None
        account = doc["account"]
        if doc.get("root"):
            return Caller(
                access_key_id=doc["access_key_id"],
                kind=CallerKind.ROOT,
                account=account,
                arn=f"arn:aws:iam::{account}:root",
                user_id=account,
                name=self.account_alias(account) or account,
                origin=Origin.ACCESS_KEY,
                secret_access_key=doc["secret_access_key"],
            )
        user = self.state.get(account, Kind.USER, doc["user"])
        if user is None or user.id is None:
            return None
        return Caller(
            access_key_id=doc["access_key_id"],
            kind=CallerKind.IAM_USER,
            account=account,
            arn=user.doc["arn"],
            user_id=user.id,
            name=user.name,
            origin=Origin.ACCESS_KEY,
            secret_access_key=doc["secret_access_key"],
            user_name=user.name,
            tags=dict(user.doc.get("tags", {})),
        )

    def account_alias(self, account: str) -> str | None:
        entity = self.state.get(GLOBAL, Kind.ACCOUNT, account)
        return None if entity is None else str(entity.doc["alias"])

    def store_session(self, session: Caller) -> None:
        """Keep new temporary credentials. Inserting them changes nothing that a
        cache derives, so the state's revision (and every cache) stays put."""
        expires = session.expiration.isoformat() if session.expiration else None
        with self.state.write() as w:
            w.add_credential(
                session.access_key_id,
                session.account,
                session_document(session),
                expires,
            )

    # -- may they ------------------------------------------------------------------

    def admit(self, request: LabRequest) -> None:
        """Refuse what a kind of temporary credentials can never do.

        GetSessionToken credentials call IAM only when MFA was used and STS only
        for AssumeRole and GetCallerIdentity; GetFederationToken credentials call
        no IAM and no STS but GetCallerIdentity (STS "Compare credentials" table).
        """
        caller = request.caller
        service, operation = request.service, request.operation
        if caller.origin is Origin.GET_SESSION_TOKEN:
            if service == "iam" and not caller.mfa_present:
                raise errors.GST_IAM_WITHOUT_MFA.error()
            if service == "sts" and operation not in _GST_STS_OPERATIONS:
                raise errors.SESSION_CREDENTIALS_REFUSED.error(operation=operation)
        if caller.origin is Origin.GET_FEDERATION_TOKEN:
            # Gatehouse choice (UNCONFIRMED code): IAM refuses federated tokens
            # the way it refuses GetSessionToken credentials without MFA.
            if service == "iam":
                raise errors.GST_IAM_WITHOUT_MFA.error()
            if service == "sts" and operation != "GetCallerIdentity":
                raise errors.SESSION_CREDENTIALS_REFUSED.error(operation=operation)

    def authorize(
        self,
        request: LabRequest,
        *,
        action: str,
        resource: str = "*",
        resource_policy: Mapping[str, Any] | None = None,
        resource_policy_kind: PolicyKind = PolicyKind.RESOURCE,
        context: Mapping[str, str | list[str]] | None = None,
    ) -> Evaluation:
        """Evaluate the call; raise the service's denial unless it is allowed."""
        evaluation = self.authorizer.authorize(
            request.caller,
            action=action,
            resource=resource,
            now=request.received_at,
            source_ip=request.source_ip,
            region=request.region,
            resource_policy=resource_policy,
            resource_policy_kind=resource_policy_kind,
            context=context,
        )
        if evaluation.decision is not Decision.ALLOW:
            logger.info(
                "denied %s %s on %s: %s",
                request.caller.arn,
                action,
                resource,
                evaluation.reason,
            )
            raise denial(request, action, resource, evaluation)
        return evaluation

    # -- what happened -------------------------------------------------------------

    def record(
        self,
        request: LabRequest,
        output: Mapping[str, Any] | None,
        error: AwsError | None,
    ) -> None:
        """Hand one answered call to CloudTrail."""
        self._note_use(request)
        if self.trail is None:
            return
        notes = request.notes
        region = "us-east-1" if request.service in _GLOBAL_SERVICES else request.region
        call = ApiCall(
            event_source=f"{request.service}.amazonaws.com",
            event_name=request.operation,
            aws_region=region,
            source_ip_address=request.source_ip,
            user_agent=request.user_agent,
            # A federation call names its caller and account only once the
            # handler has read the token; it leaves both in the notes.
            identity=notes.get("identity") or user_identity(request.caller),
            recipient_account_id=notes.get("recipient_account_id")
            or request.caller.account,
            request_id=request.request_id,
            event_time=request.received_at,
            # AWS logs no request parameters for a call it denied (observed).
            request_parameters=None if _denied(error) else dict(request.params),
            response=dict(output) if output is not None else None,
            error_code=error.code if error is not None else None,
            error_message=error.message if error is not None else None,
            resources=tuple(notes.get("resources", ())),
            owner_account_id=notes.get("owner_account_id"),
            tls_details=TlsDetails(request.host) if request.host else None,
        )
        self.trail.record(call)

    def _note_use(self, request: LabRequest) -> None:
        caller = request.caller
        use = (request.received_at, request.service, request.region)
        with self._lock:
            if caller.origin is Origin.ACCESS_KEY:
                self.last_used[caller.access_key_id] = use
            if caller.role is not None:
                self.last_used[caller.role.arn] = use


def _denied(error: AwsError | None) -> bool:
    return error is not None and error.code in _DENIAL_CODES


_DENIAL_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
)


def denial(
    request: LabRequest, action: str, resource: str, evaluation: Evaluation
) -> AwsError:
    """AWS's access-denied error for this service, with the reason clause."""
    because = _because(action, evaluation)
    fields = {"caller": request.caller.arn, "action": action, "resource": resource}
    if request.service == "sts":
        return errors.ACCESS_DENIED.error(**fields, because="")
    if request.service == "ec2":
        encoded = _encoded_message(evaluation)
        return errors.EC2_UNAUTHORIZED.error(**fields, because=because, encoded=encoded)
    if request.service in ("ssm", "cloudtrail"):
        return errors.ACCESS_DENIED_EXCEPTION.error(**fields, because=because)
    return errors.ACCESS_DENIED.error(**fields, because=because)


def _because(action: str, evaluation: Evaluation) -> str:
    denied_by = evaluation.denied_by
    if denied_by is None:
        return ""
    article, words = _POLICY_TYPE_WORDS[denied_by]
    if evaluation.decision is Decision.EXPLICIT_DENY:
        return f" with an explicit deny in {article} {words}"
    return f" because no {words} allows the {action} action"


def _encoded_message(evaluation: Evaluation) -> str:
    # An opaque token in place of AWS's encrypted one; it carries the decision
    # and its reason so that a later DecodeAuthorizationMessage can show them.
    summary = {
        "allowed": False,
        "explicitDeny": evaluation.decision is Decision.EXPLICIT_DENY,
        "reason": evaluation.reason,
    }
    return base64.urlsafe_b64encode(json.dumps(summary).encode()).decode().rstrip("=")


def user_identity(caller: Caller) -> UserIdentity:
    """The caller as CloudTrail's userIdentity shows it."""

    def identity(
        kind: IdentityType,
        session: SessionContext | None = None,
        user_name: str | None = None,
    ) -> UserIdentity:
        return UserIdentity(
            kind,
            principal_id=caller.user_id,
            arn=caller.arn,
            account_id=caller.account,
            access_key_id=caller.access_key_id,
            user_name=user_name,
            session_context=session,
        )

    if caller.kind is CallerKind.ROOT:
        return identity(IdentityType.ROOT)
    session = None
    if caller.temporary and caller.issued is not None:
        session = SessionContext(
            creation_date=caller.issued,
            mfa_authenticated=caller.mfa_present,
            session_issuer=_issuer(caller),
            source_identity=caller.source_identity,
            ec2_role_delivery=caller.ec2_role_delivery,
            web_id_federation_data=_web_id_data(caller),
        )
    if caller.kind is CallerKind.IAM_USER:
        return identity(IdentityType.IAM_USER, session, caller.name)
    if caller.kind is CallerKind.FEDERATED_USER:
        return identity(IdentityType.FEDERATED_USER, session)
    return identity(IdentityType.ASSUMED_ROLE, session)


def _web_id_data(caller: Caller) -> dict[str, Any] | None:
    # Sessions from AssumeRoleWithWebIdentity name their provider in
    # sessionContext.webIdFederationData (CloudTrail userIdentity reference).
    if caller.origin is not Origin.ASSUME_ROLE_WITH_WEB_IDENTITY:
        return None
    return {"federatedProvider": caller.federated_provider, "attributes": {}}


def _issuer(caller: Caller) -> SessionIssuer | None:
    if caller.role is not None:
        return SessionIssuer(
            "Role",
            caller.role.id,
            caller.role.arn,
            caller.role.account,
            caller.role.name,
        )
    if caller.kind is CallerKind.FEDERATED_USER and caller.issuer_user_id:
        user_arn = f"arn:aws:iam::{caller.account}:user/{caller.user_name}"
        return SessionIssuer(
            "IAMUser",
            caller.issuer_user_id,
            user_arn,
            caller.account,
            caller.user_name or "",
        )
    return None


def role_session(
    role: Entity,
    session_name: str,
    *,
    origin: Origin,
    issued: datetime,
    expiration: datetime,
    tags: Mapping[str, str] | None = None,
    **carried: Any,
) -> Caller:
    """New credentials for a session of `role`, in AWS's identifier formats.

    The session's principal tags are the role's tags, overridden by session tags;
    `carried` holds what the credentials carry besides (MFA time, source identity,
    transitive keys, session policies, how they were delivered).
    """
    role_ref = RoleRef(role.name, role.doc["arn"], role.id or "", role.account)
    return Caller(
        access_key_id=ids.access_key_id(temporary=True),
        kind=CallerKind.ASSUMED_ROLE,
        account=role.account,
        arn=f"arn:aws:sts::{role.account}:assumed-role/{role.name}/{session_name}",
        user_id=f"{role_ref.id}:{session_name}",
        name=session_name,
        origin=origin,
        secret_access_key=ids.secret_access_key(),
        session_token=ids.session_token(),
        role=role_ref,
        issued=issued,
        expiration=expiration,
        tags={**role.doc.get("tags", {}), **(tags or {})},
        **carried,
    )


def caller_from_session(doc: Mapping[str, Any]) -> Caller:
    """A caller from the stored document of temporary credentials."""
    role = doc.get("role")
    mfa_at = doc.get("mfa_authenticated_at")
    return Caller(
        access_key_id=doc["access_key_id"],
        kind=CallerKind(doc["kind"]),
        account=doc["account"],
        arn=doc["arn"],
        user_id=doc["user_id"],
        name=doc["name"],
        origin=Origin(doc["origin"]),
        secret_access_key=doc["secret_access_key"],
        session_token=doc["session_token"],
        user_name=doc.get("user_name"),
        role=RoleRef(**role) if role else None,
        issued=_parse_time(doc["issued"]),
        expiration=_parse_time(doc["expiration"]),
        mfa_authenticated_at=_parse_time(mfa_at) if mfa_at else None,
        source_identity=doc.get("source_identity"),
        tags=dict(doc.get("tags", {})),
        transitive_tag_keys=tuple(doc.get("transitive_tag_keys", ())),
        session_policies=tuple(doc.get("session_policies", ())),
        chained=bool(doc.get("chained", False)),
        ec2_role_delivery=doc.get("ec2_role_delivery"),
        source_instance=doc.get("source_instance"),
        issuer_user_id=doc.get("issuer_user_id"),
        federated_provider=doc.get("federated_provider"),
    )


def session_document(caller: Caller) -> dict[str, Any]:
    """The stored form of temporary credentials; `caller_from_session` reads it back."""
    return {
        "type": "session",
        "access_key_id": caller.access_key_id,
        "kind": caller.kind.value,
        "account": caller.account,
        "arn": caller.arn,
        "user_id": caller.user_id,
        "name": caller.name,
        "origin": caller.origin.value,
        "secret_access_key": caller.secret_access_key,
        "session_token": caller.session_token,
        "user_name": caller.user_name,
        "role": None
        if caller.role is None
        else {
            "name": caller.role.name,
            "arn": caller.role.arn,
            "id": caller.role.id,
            "account": caller.role.account,
        },
        "issued": _format_time(caller.issued),
        "expiration": _format_time(caller.expiration),
        "mfa_authenticated_at": _format_time(caller.mfa_authenticated_at)
        if caller.mfa_authenticated_at
        else None,
        "source_identity": caller.source_identity,
        "tags": dict(caller.tags),
        "transitive_tag_keys": list(caller.transitive_tag_keys),
        "session_policies": [dict(p) for p in caller.session_policies],
        "chained": caller.chained,
        "ec2_role_delivery": caller.ec2_role_delivery,
        "source_instance": caller.source_instance,
        "issuer_user_id": caller.issuer_user_id,
        "federated_provider": caller.federated_provider,
    }


def _format_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def resource(arn: str, account: str, kind: str) -> Resource:
    return Resource(arn, account, kind)
