"""Who a request is from: the callers the lab knows and how it finds them.

SigV4 verification asks a `CredentialLookup` for an access key id and gets back
the `Caller` behind it: the identity, its secret (to check the signature) and
everything its credentials carry (session issue time, MFA, source identity,
session tags and policies), which authorization and CloudTrail need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class CallerKind(Enum):
    """CloudTrail's userIdentity.type for each kind of caller."""

    ROOT = "Root"
    IAM_USER = "IAMUser"
    ASSUMED_ROLE = "AssumedRole"
    FEDERATED_USER = "FederatedUser"
    # A request without credentials (AssumeRoleWithWebIdentity and
    # AssumeRoleWithSAML); the handler tells CloudTrail who it turned out to be.
    UNAUTHENTICATED = "Unknown"


class Origin(Enum):
    """How a set of credentials came to be."""

    ACCESS_KEY = "AccessKey"
    ASSUME_ROLE = "AssumeRole"
    ASSUME_ROLE_WITH_SAML = "AssumeRoleWithSAML"
    ASSUME_ROLE_WITH_WEB_IDENTITY = "AssumeRoleWithWebIdentity"
    GET_SESSION_TOKEN = "GetSessionToken"
    GET_FEDERATION_TOKEN = "GetFederationToken"
    EC2_INSTANCE = "EC2"
    UNSIGNED = "Unsigned"


@dataclass(frozen=True)
class RoleRef:
    name: str
    arn: str
    id: str
    account: str


@dataclass(frozen=True)
class Caller:
    """A verified caller and everything its credentials carry.

    `secret_access_key` and `session_token` are here only so that SigV4 can be
    checked; they never appear in `repr`, logs or records.
    """

    access_key_id: str
    kind: CallerKind
    account: str
    arn: str
    user_id: str
    name: str
    origin: Origin
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    user_name: str | None = None
    role: RoleRef | None = None
    issued: datetime | None = None
    expiration: datetime | None = None
    mfa_authenticated_at: datetime | None = None
    source_identity: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    transitive_tag_keys: tuple[str, ...] = ()
    session_policies: tuple[Mapping[str, Any], ...] = ()
    chained: bool = False
    ec2_role_delivery: str | None = None
    source_instance: str | None = None
    issuer_user_id: str | None = None
    # The IAM identity provider (ARN) behind a web identity or SAML session.
    federated_provider: str | None = None

    @property
    def temporary(self) -> bool:
        return self.session_token is not None

    @property
    def mfa_present(self) -> bool:
        return self.mfa_authenticated_at is not None


CredentialLookup = Callable[[str], Caller | None]


def unauthenticated_caller() -> Caller:
    """The caller of a request that carries no credentials at all."""
    return Caller(
        access_key_id="",
        kind=CallerKind.UNAUTHENTICATED,
        account="",
        arn="anonymous",
        user_id="anonymous",
        name="anonymous",
        origin=Origin.UNSIGNED,
        secret_access_key="",
    )


class InMemoryCredentials:
    """A fixed table of callers, keyed by access key id."""

    def __init__(self, callers: Iterable[Caller] = ()) -> None:
        self._by_key: Mapping[str, Caller] = {c.access_key_id: c for c in callers}

    def __call__(self, access_key_id: str) -> Caller | None:
        return self._by_key.get(access_key_id)
