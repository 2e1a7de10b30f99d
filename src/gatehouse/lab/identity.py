"""Who a request is from: principals, their credentials, and how the lab finds them.

The verifier asks a `CredentialLookup` for an access key id; today an in-memory
table answers, later the lab's state store will.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime


class PrincipalKind(enum.Enum):
    """The kinds of caller AWS distinguishes (CloudTrail's userIdentity.type)."""

    ROOT = "Root"
    IAM_USER = "IAMUser"
    ASSUMED_ROLE = "AssumedRole"
    FEDERATED_USER = "FederatedUser"


@dataclass(frozen=True)
class Principal:
    """The identity behind a credential, as GetCallerIdentity reports it."""

    kind: PrincipalKind
    account: str
    arn: str
    user_id: str
    name: str
    created: datetime  # user creation, or session issue time for temporary keys
    path: str = "/"


@dataclass(frozen=True)
class Credential:
    """A secret the lab knows, with what it proves. Never log `secret_access_key`."""

    access_key_id: str
    secret_access_key: str
    principal: Principal
    session_token: str | None = None
    expiration: datetime | None = None

    def __repr__(self) -> str:
        return f"Credential(access_key_id={self.access_key_id!r}, principal={self.principal!r})"


CredentialLookup = Callable[[str], Credential | None]


class InMemoryCredentials:
    """A fixed table of credentials, keyed by access key id."""

    def __init__(self, credentials: Iterable[Credential] = ()) -> None:
        self._by_key: Mapping[str, Credential] = {
            credential.access_key_id: credential for credential in credentials
        }

    def __call__(self, access_key_id: str) -> Credential | None:
        return self._by_key.get(access_key_id)
