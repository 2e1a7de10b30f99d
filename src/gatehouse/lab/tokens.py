"""What `gatehouse lab token` mints: a world provider's ID token or SAML response.

The lab's state holds each provider's signing key, so a demo or a test can act
as the CI system or the corporate IdP without running one: the token it prints
is what AssumeRoleWithWebIdentity or AssumeRoleWithSAML then checks.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gatehouse.lab import federation
from gatehouse.lab.state import LabState

logger = logging.getLogger(__name__)

OIDC_LIFETIME = 3600
# SAML responses are short-lived by design; five minutes is common IdP practice.
SAML_LIFETIME = 300


class TokenRequestError(Exception):
    """The token cannot be minted; the message says what to change."""


@dataclass(frozen=True)
class TokenRequest:
    provider: str
    subject: str
    saml: bool = False
    account: str | None = None
    audience: str | None = None
    claims: tuple[str, ...] = ()
    source_identity: str | None = None
    tags: tuple[str, ...] = ()
    transitive: tuple[str, ...] = ()
    expires_in: int | None = None
    roles: tuple[str, ...] = ()
    session_name: str | None = None
    session_duration: int | None = None


def mint(database: Path, request: TokenRequest, *, now: datetime | None = None) -> str:
    """The signed token or base64 SAML response for `request`."""
    if not database.exists():
        raise TokenRequestError(
            f"no lab state at {database}; start the lab once with `gatehouse lab up`"
        )
    state = LabState(database)
    try:
        kind = "saml" if request.saml else "oidc"
        try:
            provider = federation.find_provider(
                state, request.provider, kind=kind, account=request.account
            )
        except federation.ProviderNotFoundError as error:
            raise TokenRequestError(str(error)) from None
    finally:
        state.close()

    moment = now or datetime.now(UTC)
    tags = _pairs(request.tags, "--tag")
    if request.saml:
        return _saml(provider, request, tags, moment)
    return _oidc(provider, request, tags, moment)


def _oidc(
    provider: federation.ProviderRecord,
    request: TokenRequest,
    tags: dict[str, str],
    now: datetime,
) -> str:
    audience = request.audience or (
        provider.audiences[0] if provider.audiences else None
    )
    if audience is None:
        raise TokenRequestError(f"{provider.name} has no audiences; pass --audience")
    claims: dict[str, Any] = {
        key: _claim_value(value)
        for key, value in _pairs(request.claims, "--claim").items()
    }
    if request.source_identity is not None:
        claims[federation.SOURCE_IDENTITY_CLAIM] = request.source_identity
    if tags or request.transitive:
        claims[federation.TAGS_CLAIM] = {
            "principal_tags": {key: [value] for key, value in tags.items()},
            "transitive_tag_keys": list(request.transitive),
        }
    lifetime = OIDC_LIFETIME if request.expires_in is None else request.expires_in
    logger.info("minting an ID token of %s for %s", provider.arn, request.subject)
    return federation.mint_jwt(
        provider.keys,
        issuer=provider.issuer,
        subject=request.subject,
        audience=audience,
        now=now,
        lifetime=timedelta(seconds=lifetime),
        claims=claims,
    )


def _saml(
    provider: federation.ProviderRecord,
    request: TokenRequest,
    tags: dict[str, str],
    now: datetime,
) -> str:
    if not request.roles:
        raise TokenRequestError("a SAML response grants roles: pass --role ROLE_ARN")
    roles = [
        f"{_role_arn(role, provider.account)},{provider.arn}" for role in request.roles
    ]
    lifetime = SAML_LIFETIME if request.expires_in is None else request.expires_in
    logger.info("minting a SAML response of %s for %s", provider.arn, request.subject)
    return federation.mint_saml_response(
        provider.keys,
        issuer=provider.issuer,
        subject=request.subject,
        roles=roles,
        session_name=request.session_name or request.subject,
        now=now,
        lifetime=timedelta(seconds=lifetime),
        session_duration=request.session_duration,
        source_identity=request.source_identity,
        tags=tags,
        transitive_tag_keys=request.transitive,
    )


def _role_arn(role: str, account: str) -> str:
    return role if role.startswith("arn:") else f"arn:aws:iam::{account}:role/{role}"


def _pairs(items: tuple[str, ...], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise TokenRequestError(f"{option} takes key=value, not {item!r}")
        out[key] = value
    return out


def _claim_value(text: str) -> Any:
    # A value that reads as JSON (a list, a number, true) is kept as such.
    try:
        return json.loads(text)
    except ValueError:
        return text
