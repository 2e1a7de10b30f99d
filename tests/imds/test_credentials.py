"""Role credentials: one set per delivery version, rotated before they expire."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from gatehouse.imds import (
    CredentialCache,
    Credentials,
    Delivery,
    LocalCredentialProvider,
    MetadataService,
    RoleUnavailableError,
    ServiceThread,
)

from .helpers import ROLE, TEST_LIMITS, Running, make_instance

CREDENTIALS_PATH = f"/latest/meta-data/iam/security-credentials/{ROLE}"


def test_v1_and_v2_callers_get_different_credentials_and_the_provider_knows_which(
    imds: Running,
) -> None:
    v2 = json.loads(imds.get(CREDENTIALS_PATH, imds.token())[2])
    v1 = json.loads(imds.get(CREDENTIALS_PATH)[2])

    assert v1["AccessKeyId"] != v2["AccessKeyId"]
    assert imds.provider.calls == [(ROLE, Delivery.V2), (ROLE, Delivery.V1)]


def test_credentials_are_cached_per_delivery(imds: Running) -> None:
    token = imds.token()
    first = json.loads(imds.get(CREDENTIALS_PATH, token)[2])
    second = json.loads(imds.get(CREDENTIALS_PATH, imds.token())[2])

    assert first == second
    assert imds.provider.calls == [(ROLE, Delivery.V2)]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_new_credentials_arrive_at_least_five_minutes_before_expiry() -> None:
    clock = Clock()
    provider = LocalCredentialProvider(lifetime=timedelta(hours=1), clock=clock)
    cache = CredentialCache(provider, clock=clock)
    first = cache.get(ROLE, Delivery.V2)

    clock.now = first.expiration - timedelta(minutes=15, seconds=1)
    assert cache.get(ROLE, Delivery.V2) is first

    clock.now = first.expiration - timedelta(minutes=15)
    second = cache.get(ROLE, Delivery.V2)
    assert second.access_key_id != first.access_key_id
    assert second.expiration - clock.now >= timedelta(minutes=5)


def test_short_lived_credentials_refresh_at_half_life() -> None:
    clock = Clock()
    provider = LocalCredentialProvider(lifetime=timedelta(minutes=12), clock=clock)
    cache = CredentialCache(provider, clock=clock)
    first = cache.get(ROLE, Delivery.V1)

    clock.now += timedelta(minutes=5, seconds=59)
    assert cache.get(ROLE, Delivery.V1) is first
    clock.now += timedelta(seconds=1)
    assert cache.get(ROLE, Delivery.V1) is not first


def test_a_refresh_window_under_five_minutes_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        CredentialCache(LocalCredentialProvider(), refresh_before=timedelta(minutes=4))


def test_local_provider_mints_asia_keys_with_an_expiry() -> None:
    credentials = LocalCredentialProvider()(ROLE, Delivery.V2)
    assert credentials.access_key_id.startswith("ASIA")
    assert credentials.expiration - credentials.last_updated == timedelta(hours=6)
    assert credentials.secret_access_key not in repr(credentials)
    assert credentials.token not in repr(credentials)


def refusing_provider(role_name: str, delivery: Delivery) -> Credentials:
    raise RoleUnavailableError(role_name)


def test_a_role_ec2_cannot_assume_is_a_200_with_code_and_message() -> None:
    service = MetadataService(make_instance(), refusing_provider)
    with ServiceThread(service, limits=TEST_LIMITS) as (host, port):
        running = Running(service, LocalCredentialProvider(), host, port)
        status, _, body = running.get(CREDENTIALS_PATH, running.token())

    document = json.loads(body)
    assert status == 200
    assert document["Code"] == "AssumeRoleUnauthorizedAccess"
    assert document["Message"].startswith(
        f"EC2 cannot assume the role {ROLE}.  Please see"
    )
    assert "AccessKeyId" not in document
