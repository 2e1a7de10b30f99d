"""CloudTrail records: what the lab knows about one API call, and its JSON form.

The lab builds one `ApiCall` per request (cheap: a frozen dataclass), hands it
to the trail writer, and the writer thread turns it into CloudTrail's records
with `records_for_call` — the conversion and redaction cost is paid there, not
on the request path.

Field order and presence follow real records (AWS's CloudTrail record-contents
reference and the user-identity reference; the IAM user guide's examples keep
AWS's order; the Stratus detonation logs show which keys a 2024 record has).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from gatehouse.trail import redaction

# The record version CloudTrail writes for API calls in 2025 (aws-facts §5.3; the
# Stratus set, captured in 2024, holds 1.08-1.10).
EVENT_VERSION = "1.11"

# CloudTrail writes these error codes when authorization failed; such records
# carry requestParameters null and no resources (the four failed AssumeRole and
# the failed LeaveOrganization records in the Stratus set). EC2's
# Client.UnauthorizedOperation records keep their parameters, so EC2 is not here.
_AUTHORIZATION_ERRORS = frozenset({"AccessDenied", "AccessDeniedException"})

# Sources whose records carry `"webIdFederationData": {}` for role and
# federated sessions even without web identity federation. Observed on
# sts.amazonaws.com and ec2-instance-connect.amazonaws.com in the Stratus set;
# EC2, SSM, IAM, Bedrock and Organizations records there leave it out.
_EMPTY_WEB_ID_SOURCES = frozenset(
    {"sts.amazonaws.com", "ec2-instance-connect.amazonaws.com"}
)


class IdentityType(StrEnum):
    """`userIdentity.type` values (CloudTrail user-identity reference)."""

    ROOT = "Root"
    IAM_USER = "IAMUser"
    ASSUMED_ROLE = "AssumedRole"
    FEDERATED_USER = "FederatedUser"
    AWS_ACCOUNT = "AWSAccount"
    AWS_SERVICE = "AWSService"
    SAML_USER = "SAMLUser"
    WEB_IDENTITY_USER = "WebIdentityUser"


@dataclass(frozen=True, slots=True)
class SessionIssuer:
    """Where temporary credentials came from: `type` is Root, IAMUser or Role."""

    type: str
    principal_id: str
    arn: str
    account_id: str
    user_name: str

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "principalId": self.principal_id,
            "arn": self.arn,
            "accountId": self.account_id,
            "userName": self.user_name,
        }


@dataclass(frozen=True, slots=True)
class SessionContext:
    """`userIdentity.sessionContext` of a call made with temporary credentials."""

    creation_date: datetime
    mfa_authenticated: bool = False
    session_issuer: SessionIssuer | None = None
    web_id_federation_data: Mapping[str, Any] | None = None
    source_identity: str | None = None
    # "1.0" when the credentials came from IMDSv1, "2.0" from IMDSv2.
    ec2_role_delivery: str | None = None

    def to_json(self, *, empty_web_id: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.session_issuer is not None:
            out["sessionIssuer"] = self.session_issuer.to_json()
        if self.web_id_federation_data is not None:
            out["webIdFederationData"] = dict(self.web_id_federation_data)
        elif empty_web_id and self.session_issuer is not None:
            out["webIdFederationData"] = {}
        out["attributes"] = {
            "creationDate": iso_time(self.creation_date),
            "mfaAuthenticated": "true" if self.mfa_authenticated else "false",
        }
        if self.source_identity is not None:
            out["sourceIdentity"] = self.source_identity
        if self.ec2_role_delivery is not None:
            out["ec2RoleDelivery"] = self.ec2_role_delivery
        return out


@dataclass(frozen=True, slots=True)
class UserIdentity:
    """The caller, as CloudTrail's `userIdentity` describes it."""

    type: IdentityType
    principal_id: str | None = None
    arn: str | None = None
    account_id: str | None = None
    access_key_id: str | None = None
    user_name: str | None = None
    session_context: SessionContext | None = None
    invoked_by: str | None = None
    identity_provider: str | None = None

    def to_json(self, *, event_source: str) -> dict[str, Any]:
        out: dict[str, Any] = {"type": str(self.type)}
        for key, value in (
            ("principalId", self.principal_id),
            ("arn", self.arn),
            ("accountId", self.account_id),
            ("accessKeyId", self.access_key_id),
            ("userName", self.user_name),
        ):
            if value is not None:
                out[key] = value
        if self.session_context is not None:
            empty_web_id = event_source in _EMPTY_WEB_ID_SOURCES
            out["sessionContext"] = self.session_context.to_json(
                empty_web_id=empty_web_id
            )
        if self.invoked_by is not None:
            out["invokedBy"] = self.invoked_by
        if self.identity_provider is not None:
            out["identityProvider"] = self.identity_provider
        return out

    def as_seen_by_owner(self) -> UserIdentity:
        """The caller as the resource owner's copy of a cross-account call shows it.

        The owner's account sees `AWSAccount` with the caller's principal and
        account ID, or `AWSService` with `invokedBy` when a service called
        (CloudTrail user-identity reference; aws-facts §5.2).
        """
        if self.type is IdentityType.AWS_SERVICE:
            return UserIdentity(type=self.type, invoked_by=self.invoked_by)
        return UserIdentity(
            type=IdentityType.AWS_ACCOUNT,
            principal_id=self.principal_id,
            account_id=self.account_id,
        )


@dataclass(frozen=True, slots=True)
class Resource:
    """One entry of a record's `resources`, e.g. the role an AssumeRole targets.

    Some services log no `type` (SSM GetParameters in the Stratus set).
    """

    arn: str
    account_id: str
    type: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {"ARN": self.arn, "accountId": self.account_id}
        if self.type is not None:
            out["type"] = self.type
        return out


@dataclass(frozen=True, slots=True)
class TlsDetails:
    """`tlsDetails`: the TLS version and cipher the client negotiated."""

    client_provided_host_header: str
    tls_version: str = "TLSv1.3"
    cipher_suite: str = "TLS_AES_128_GCM_SHA256"

    def to_json(self) -> dict[str, Any]:
        return {
            "tlsVersion": self.tls_version,
            "cipherSuite": self.cipher_suite,
            "clientProvidedHostHeader": self.client_provided_host_header,
        }


@dataclass(frozen=True, slots=True)
class ApiCall:
    """What the lab knows about one API call, before CloudTrail's rendering.

    `request_parameters` and `response` are the API's input and output members
    as botocore parses them (PascalCase, datetimes for timestamps), secrets
    included: redaction happens when the record is rendered, never later.
    `owner_account_id` names the account that owns the target resource when it
    differs from the caller's (a cross-account AssumeRole); CloudTrail then
    delivers a second copy there.
    """

    event_source: str
    event_name: str
    aws_region: str
    source_ip_address: str
    user_agent: str
    identity: UserIdentity
    recipient_account_id: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    event_time: datetime = field(default_factory=lambda: datetime.now(UTC))
    request_parameters: Mapping[str, Any] | None = None
    response: Mapping[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None
    read_only: bool | None = None
    management_event: bool = True
    resources: tuple[Resource, ...] = ()
    owner_account_id: str | None = None
    additional_event_data: Mapping[str, Any] | None = None
    tls_details: TlsDetails | None = None
    vpc_endpoint_id: str | None = None

    @property
    def is_cross_account(self) -> bool:
        return (
            self.owner_account_id is not None
            and self.owner_account_id != self.recipient_account_id
        )


def iso_time(moment: datetime) -> str:
    """CloudTrail's `eventTime` and `creationDate` form: `2024-08-02T08:23:55Z`."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def to_record(
    call: ApiCall,
    *,
    event_id: str | None = None,
    shared_event_id: str | None = None,
    recipient_account_id: str | None = None,
    identity: UserIdentity | None = None,
) -> dict[str, Any]:
    """The CloudTrail JSON record of one call, in CloudTrail's key order.

    The keyword arguments let `records_for_call` make the owner's copy of a
    cross-account call; a single-account caller needs none of them.
    """
    read_only = call.read_only
    if read_only is None:
        read_only = redaction.default_read_only(call.event_source, call.event_name)
    failed = call.error_code is not None
    denied = call.error_code in _AUTHORIZATION_ERRORS
    who = identity if identity is not None else call.identity

    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": who.to_json(event_source=call.event_source),
        "eventTime": iso_time(call.event_time),
        "eventSource": call.event_source,
        "eventName": call.event_name,
        "awsRegion": call.aws_region,
        "sourceIPAddress": call.source_ip_address,
        "userAgent": call.user_agent,
    }
    if failed:
        record["errorCode"] = call.error_code
        record["errorMessage"] = call.error_message or ""

    record["requestParameters"] = (
        None
        if denied
        else redaction.request_parameters(
            call.event_source, call.event_name, call.request_parameters
        )
    )
    record["responseElements"] = (
        None
        if failed
        else redaction.response_elements(
            call.event_source, call.event_name, call.response, read_only=read_only
        )
    )
    if call.additional_event_data is not None:
        record["additionalEventData"] = dict(call.additional_event_data)
    record["requestID"] = call.request_id
    record["eventID"] = event_id or str(uuid.uuid4())
    record["readOnly"] = read_only
    if call.resources and not denied:
        record["resources"] = [r.to_json() for r in call.resources]
    record["eventType"] = "AwsApiCall"
    record["managementEvent"] = call.management_event
    record["recipientAccountId"] = recipient_account_id or call.recipient_account_id
    if shared_event_id is not None:
        record["sharedEventID"] = shared_event_id
    if call.vpc_endpoint_id is not None:
        record["vpcEndpointId"] = call.vpc_endpoint_id
    record["eventCategory"] = "Management"
    if call.tls_details is not None:
        record["tlsDetails"] = call.tls_details.to_json()
    return record


def records_for_call(call: ApiCall) -> list[dict[str, Any]]:
    """Every record CloudTrail writes for one call: one, or two when cross-account.

    A cross-account call is logged in both accounts; the copies share
    `sharedEventID` and differ in `eventID` and `recipientAccountId`, and the
    owner's copy shows the caller as an `AWSAccount` (CloudTrail record-contents
    reference; aws-facts §5.2). A same-account call has no `sharedEventID`.
    """
    if not call.is_cross_account:
        return [to_record(call)]

    shared = str(uuid.uuid4())
    caller_copy = to_record(call, shared_event_id=shared)
    owner_copy = to_record(
        call,
        shared_event_id=shared,
        recipient_account_id=call.owner_account_id,
        identity=call.identity.as_seen_by_owner(),
    )
    return [caller_copy, owner_copy]
