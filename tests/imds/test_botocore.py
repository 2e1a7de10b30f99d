"""botocore's own credential chain against the service, including its fallbacks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import botocore.session
import pytest
from botocore.exceptions import MetadataRetrievalError

from gatehouse.imds import (
    Credentials,
    Delivery,
    MetadataService,
    Metric,
    RoleUnavailableError,
    ServiceThread,
    TokenFault,
)

from .helpers import ROLE, TEST_LIMITS, Running, make_instance

CREDENTIAL_ENV = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_V1_DISABLED",
    "AWS_METADATA_SERVICE_TIMEOUT",
    "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
]


@pytest.fixture
def sdk_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """botocore with every credential source but IMDS cleared."""
    for name in CREDENTIAL_ENV:
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        empty = tmp_path / name.lower()
        empty.write_text("")
        monkeypatch.setenv(name, str(empty))
    return monkeypatch


@pytest.fixture
def only_imds(imds: Running, sdk_env: pytest.MonkeyPatch) -> Iterator[Running]:
    sdk_env.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url)
    yield imds


def credentials() -> object:
    return botocore.session.Session().get_credentials()


def test_botocore_gets_the_instance_credentials_over_imdsv2(only_imds: Running) -> None:
    found = credentials()

    assert found is not None
    frozen = found.get_frozen_credentials()  # type: ignore[attr-defined]
    assert found.method == "iam-role"  # type: ignore[attr-defined]
    assert frozen.access_key.startswith("ASIA")
    assert only_imds.provider.calls == [(ROLE, Delivery.V2)]
    assert only_imds.service.metrics[Metric.NO_TOKEN] == 0


def test_botocore_works_when_tokens_are_required(only_imds: Running) -> None:
    only_imds.service.modify_options(HttpTokens="required")
    assert credentials() is not None
    assert only_imds.service.metrics[Metric.NO_TOKEN_REJECTED] == 0


@pytest.mark.parametrize(
    "fault", [TokenFault.FORBIDDEN, TokenFault.NOT_FOUND, TokenFault.METHOD_NOT_ALLOWED]
)
def test_a_403_404_or_405_token_answer_makes_botocore_fall_back_to_imdsv1(
    only_imds: Running, fault: TokenFault
) -> None:
    only_imds.service.token_fault = fault

    assert credentials() is not None
    assert only_imds.provider.calls == [(ROLE, Delivery.V1)]
    assert only_imds.service.metrics[Metric.NO_TOKEN] == 2  # role name, then keys


def test_a_silent_token_endpoint_makes_botocore_fall_back_after_its_timeout(
    only_imds: Running,
) -> None:
    only_imds.service.token_fault = TokenFault.NO_ANSWER

    started = time.monotonic()
    found = credentials()
    elapsed = time.monotonic() - started

    assert found is not None
    assert elapsed >= 1.0  # AWS_METADATA_SERVICE_TIMEOUT defaults to 1 second
    assert only_imds.provider.calls == [(ROLE, Delivery.V1)]


def test_a_400_token_answer_leaves_botocore_without_credentials(
    only_imds: Running,
) -> None:
    only_imds.service.token_fault = TokenFault.BAD_REQUEST

    assert credentials() is None
    assert only_imds.provider.calls == []


def test_a_forced_fallback_fails_when_tokens_are_required(only_imds: Running) -> None:
    only_imds.service.modify_options(HttpTokens="required")
    only_imds.service.token_fault = TokenFault.FORBIDDEN

    assert credentials() is None
    assert only_imds.service.metrics[Metric.NO_TOKEN_REJECTED] >= 1
    assert only_imds.provider.calls == []


def test_with_imdsv1_disabled_in_the_sdk_a_needed_fallback_raises(
    only_imds: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_V1_DISABLED", "true")
    only_imds.service.token_fault = TokenFault.FORBIDDEN

    with pytest.raises(MetadataRetrievalError, match="IMDSv1 has been disabled"):
        credentials()
    assert only_imds.service.metrics[Metric.NO_TOKEN] == 0


def test_with_imdsv1_disabled_in_the_sdk_imdsv2_still_works(
    only_imds: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_V1_DISABLED", "true")
    assert credentials() is not None


def refuse(role_name: str, delivery: Delivery) -> Credentials:
    raise RoleUnavailableError(role_name)


def test_a_role_ec2_cannot_assume_leaves_botocore_without_credentials(
    sdk_env: pytest.MonkeyPatch,
) -> None:
    service = MetadataService(make_instance(), refuse)
    with ServiceThread(service, limits=TEST_LIMITS) as (host, port):
        sdk_env.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", f"http://{host}:{port}")
        assert credentials() is None
