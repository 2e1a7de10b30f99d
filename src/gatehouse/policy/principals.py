"""Who is asking: the request's principal, and how policy Principal blocks match it.

A request principal is written as an ARN (`arn:aws:iam::111111111111:user/alice`,
`arn:aws:sts::111111111111:assumed-role/Auditor/s1`, ...), an account id, a service
principal (`ec2.amazonaws.com`), `anonymous`, or an object naming the principal
type: `{"Service": "…"}`, `{"Federated": "…"}`, `{"CanonicalUser": "…"}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from gatehouse.policy.errors import RequestError

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$")


class PrincipalKind(Enum):
    """The kinds of caller; `value` is what `aws:PrincipalType` reports."""

    ROOT = "Account"
    USER = "User"
    ROLE = "Role"
    ASSUMED_ROLE = "AssumedRole"
    FEDERATED_USER = "FederatedUser"
    SERVICE = "Service"
    FEDERATED = "WebIdentity"
    CANONICAL_USER = "CanonicalUser"
    ANONYMOUS = "Anonymous"


class PrincipalMatch(Enum):
    """How strongly a Principal block names the caller.

    `ACCOUNT` means only the caller's account is named: in the same account that
    grants nothing by itself, the caller's own identity policy must also allow.
    `ROLE` means the role is named and the caller is one of its sessions.
    `DIRECT` means the caller itself (or everyone, `*`) is named.
    """

    NONE = 0
    ACCOUNT = 1
    ROLE = 2
    DIRECT = 3


@dataclass(frozen=True)
class Principal:
    """The caller of a request."""

    kind: PrincipalKind
    arn: str
    account: str | None = None
    partition: str = "aws"
    name: str | None = None
    role_name: str | None = None
    session_name: str | None = None

    @property
    def account_arn(self) -> str | None:
        if self.account is None:
            return None
        return f"arn:{self.partition}:iam::{self.account}:root"

    @property
    def role_arn(self) -> str | None:
        """For a role session, the role's ARN (without its path, which is unknown)."""
        if self.role_name is None or self.account is None:
            return None
        return f"arn:{self.partition}:iam::{self.account}:role/{self.role_name}"

    @property
    def is_iam(self) -> bool:
        """True for principals that belong to an account and carry IAM policies."""
        return self.kind in _IAM_KINDS

    def __hash__(self) -> int:
        # Equal principals share their ARN; hashing it alone is much cheaper
        # than hashing every field (the kind is an Enum, hashed in Python).
        return hash(self.arn)

    def to_json(self) -> str | dict[str, str]:
        if self.kind is PrincipalKind.SERVICE:
            return {"Service": self.arn}
        if self.kind is PrincipalKind.FEDERATED:
            return {"Federated": self.arn}
        if self.kind is PrincipalKind.CANONICAL_USER:
            return {"CanonicalUser": self.arn}
        return self.arn


_IAM_KINDS = frozenset(
    {
        PrincipalKind.ROOT,
        PrincipalKind.USER,
        PrincipalKind.ROLE,
        PrincipalKind.ASSUMED_ROLE,
        PrincipalKind.FEDERATED_USER,
    }
)


def parse_principal(
    value: object, *, location: str = "$.request.principal"
) -> Principal:
    """Read a request principal; raise `RequestError` naming what is wrong."""
    if isinstance(value, Mapping):
        return _parse_typed(value, location)
    if not isinstance(value, str) or not value:
        raise RequestError(
            "principal must be a non-empty string or object", location=location
        )
    if value in ("anonymous", "*"):
        return Principal(PrincipalKind.ANONYMOUS, "anonymous", account="anonymous")
    if _ACCOUNT_ID.match(value):
        return Principal(
            PrincipalKind.ROOT, f"arn:aws:iam::{value}:root", account=value
        )
    if _SERVICE.match(value):
        return Principal(PrincipalKind.SERVICE, value)
    if value.startswith("arn:"):
        return _parse_arn(value, location)
    raise RequestError(
        f"cannot tell what kind of principal {value!r} is", location=location
    )


def _parse_typed(value: Mapping[object, object], location: str) -> Principal:
    if len(value) != 1:
        raise RequestError("a principal object has exactly one key", location=location)
    ((key, inner),) = value.items()
    if not isinstance(inner, str) or not inner:
        raise RequestError(f"{key} must be a non-empty string", location=location)
    if key == "AWS":
        return parse_principal(inner, location=location)
    if key == "Service":
        return Principal(PrincipalKind.SERVICE, inner)
    if key == "Federated":
        return Principal(PrincipalKind.FEDERATED, inner)
    if key == "CanonicalUser":
        return Principal(PrincipalKind.CANONICAL_USER, inner)
    raise RequestError(f"unknown principal type {key!r}", location=location)


def _parse_arn(arn: str, location: str) -> Principal:
    parts = arn.split(":", 5)
    if len(parts) != 6:
        raise RequestError(f"malformed principal ARN {arn!r}", location=location)
    _, partition, service, _, account, resource = parts
    if not _ACCOUNT_ID.match(account):
        raise RequestError(
            f"principal ARN {arn!r} has no account id", location=location
        )
    if service == "iam" and resource == "root":
        return Principal(PrincipalKind.ROOT, arn, account, partition)
    kind_name, _, rest = resource.partition("/")
    name = rest.rsplit("/", 1)[-1] if rest else None
    if service == "iam" and kind_name == "user" and name:
        return Principal(PrincipalKind.USER, arn, account, partition, name=name)
    if service == "iam" and kind_name == "role" and name:
        return Principal(PrincipalKind.ROLE, arn, account, partition, role_name=name)
    if service == "iam" and kind_name in ("saml-provider", "oidc-provider"):
        return Principal(PrincipalKind.FEDERATED, arn, account, partition)
    if service == "sts" and kind_name == "assumed-role":
        role, _, session = rest.partition("/")
        if role and session:
            return Principal(
                PrincipalKind.ASSUMED_ROLE,
                arn,
                account,
                partition,
                role_name=role,
                session_name=session,
            )
    if service == "sts" and kind_name == "federated-user" and name:
        return Principal(
            PrincipalKind.FEDERATED_USER, arn, account, partition, name=name
        )
    raise RequestError(f"unsupported principal ARN {arn!r}", location=location)


def match_aws_value(value: str, principal: Principal) -> PrincipalMatch:
    """How a single `"AWS": value` entry of a Principal block names `principal`."""
    if value == "*":
        return PrincipalMatch.DIRECT
    if not principal.is_iam:
        return PrincipalMatch.NONE
    if _ACCOUNT_ID.match(value):
        value = f"arn:{principal.partition}:iam::{value}:root"
    if value == principal.arn:
        return PrincipalMatch.DIRECT
    if value == principal.account_arn:
        return PrincipalMatch.ACCOUNT
    if principal.kind is PrincipalKind.ASSUMED_ROLE and _names_role(value, principal):
        return PrincipalMatch.ROLE
    return PrincipalMatch.NONE


def _names_role(value: str, principal: Principal) -> bool:
    # A trust or resource policy that names a role matches every session of that
    # role. Session ARNs carry no role path, so compare account and role name.
    prefix = f"arn:{principal.partition}:iam::{principal.account}:role/"
    if not value.startswith(prefix):
        return False
    return value.rsplit("/", 1)[-1] == principal.role_name


def identity_chain(principal: Principal) -> tuple[str, ...]:
    """The identities AWS checks one by one for NotPrincipal: account, role, caller."""
    chain = [principal.account_arn] if principal.account_arn else []
    if principal.kind is PrincipalKind.ASSUMED_ROLE and principal.role_arn:
        chain.append(principal.role_arn)
    if principal.arn not in chain:
        chain.append(principal.arn)
    return tuple(chain)
