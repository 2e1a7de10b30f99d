"""Role credentials for the instance, per delivery version, cached and rotated.

AWS issues separate credentials to IMDSv1 and IMDSv2 callers so that CloudTrail
can tell them apart (`userIdentity.sessionContext.ec2RoleDelivery` "1.0" or
"2.0", condition key `ec2:RoleDelivery`). The lab's STS gets the delivery
version through the provider callback; this module keeps one cache entry per
(role, delivery) and asks for new credentials before the old ones expire.
"""

from __future__ import annotations

import logging
import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from gatehouse.imds.errors import RoleUnavailableError

logger = logging.getLogger(__name__)

# EC2 makes new role credentials available at least five minutes before the old
# ones expire (EC2 User Guide, "Retrieve security credentials from instance
# metadata"). Refreshing 15 minutes ahead also keeps botocore out of its 10-minute
# "static stability" window, where it would extend expired credentials.
DEFAULT_REFRESH_BEFORE = timedelta(minutes=15)
MIN_REFRESH_BEFORE = timedelta(minutes=5)
DEFAULT_LIFETIME = timedelta(hours=6)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Delivery(StrEnum):
    """How the credentials were fetched: IMDSv1 (no token) or IMDSv2."""

    V1 = "1.0"
    V2 = "2.0"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    token: str = field(repr=False)
    expiration: datetime
    last_updated: datetime


class CredentialProvider(Protocol):
    """Mints role credentials; raises RoleUnavailableError when EC2 cannot assume the role."""

    def __call__(self, role_name: str, delivery: Delivery) -> Credentials: ...


class LocalCredentialProvider:
    """A stand-in for STS: ASIA-prefixed keys that expire, for tests and standalone use.

    The keys are well-formed but no service accepts them; the lab replaces this
    provider with one that asks its STS for an instance-profile session.
    """

    def __init__(
        self, *, lifetime: timedelta = DEFAULT_LIFETIME, clock: Clock = utc_now
    ) -> None:
        self.lifetime = lifetime
        self._clock = clock
        self.calls: list[tuple[str, Delivery]] = []

    def __call__(self, role_name: str, delivery: Delivery) -> Credentials:
        self.calls.append((role_name, delivery))
        now = self._clock().replace(microsecond=0)
        return Credentials(
            access_key_id="ASIA" + _random(string.ascii_uppercase + "234567", 16),
            secret_access_key=_random(string.ascii_letters + string.digits + "+/", 40),
            token=secrets.token_urlsafe(300),
            expiration=now + self.lifetime,
            last_updated=now,
        )


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


class CredentialCache:
    """Credentials per (role, delivery), asked for again before they expire."""

    def __init__(
        self,
        provider: CredentialProvider,
        *,
        refresh_before: timedelta = DEFAULT_REFRESH_BEFORE,
        clock: Clock = utc_now,
    ) -> None:
        if refresh_before < MIN_REFRESH_BEFORE:
            raise ValueError(
                f"refresh_before must be at least {MIN_REFRESH_BEFORE} "
                "(EC2 rotates at least five minutes before expiry)"
            )
        self._provider = provider
        self._refresh_before = refresh_before
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, Delivery], Credentials] = {}

    def cached(self, role_name: str, delivery: Delivery) -> Credentials | None:
        """The current credentials if they need no refresh, without calling out."""
        entry = self._entries.get((role_name, delivery))
        if entry is None or self._due(entry):
            return None
        return entry

    def get(self, role_name: str, delivery: Delivery) -> Credentials:
        """Current credentials, minting new ones when due; may raise RoleUnavailableError."""
        with self._lock:
            entry = self._entries.get((role_name, delivery))
            if entry is not None and not self._due(entry):
                return entry
            try:
                fresh = self._provider(role_name, delivery)
            except RoleUnavailableError:
                self._entries.pop((role_name, delivery), None)
                raise
            self._entries[(role_name, delivery)] = fresh
            logger.info(
                "new credentials %s for role %s (delivery %s) until %s",
                fresh.access_key_id,
                role_name,
                delivery.value,
                fresh.expiration.isoformat(),
            )
            return fresh

    def _due(self, entry: Credentials) -> bool:
        # Short-lived credentials (under twice the window) refresh at half-life.
        window = min(self._refresh_before, (entry.expiration - entry.last_updated) / 2)
        return self._clock() >= entry.expiration - window
