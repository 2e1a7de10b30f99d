"""`gatehouse lab up/down/reset/env`, driven as a user drives them, with real clients."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pyotp
import pytest

ROOT = Path(__file__).resolve().parents[2]
AWS = str(Path(sys.executable).parent / "aws")


def gatehouse(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gatehouse", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


@pytest.fixture(scope="module")
def running_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    state = tmp_path_factory.mktemp("lab-state")
    started = gatehouse("lab", "up", "--detach", "--state", str(state), "--port", "0")
    assert started.returncode == 0, started.stderr + started.stdout
    description: dict[str, Any] = json.loads((state / "lab.json").read_text())
    try:
        yield description
    finally:
        stopped = gatehouse("lab", "down", "--state", str(state))
        assert stopped.returncode == 0, stopped.stderr


def cli_env(description: dict[str, Any], home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # A fresh HOME: the AWS CLI caches assumed-role credentials under ~/.aws/cli/cache.
    env["HOME"] = str(home)
    env["AWS_CONFIG_FILE"] = description["config_file"]
    env["AWS_SHARED_CREDENTIALS_FILE"] = description["credentials_file"]
    return env


def aws(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AWS, *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )


def test_lab_up_writes_the_description_and_a_profile_per_account(
    running_lab: dict[str, Any],
) -> None:
    assert [a["alias"] for a in running_lab["accounts"]] == [
        "home",
        "vendor",
        "outsider",
        "management",
    ]
    assert running_lab["endpoint"].startswith("http://127.0.0.1:")
    assert running_lab["instances"]["i-0a1b2c3d4e5f60718"]["imds"].startswith(
        "http://127.0.0.1:"
    )
    config = Path(running_lab["config_file"]).read_text()
    for alias in ("home", "vendor", "outsider", "management", "home-alice"):
        assert f"[profile {alias}]" in config
    assert f"endpoint_url = {running_lab['endpoint']}" in config
    assert oct(Path(running_lab["credentials_file"]).stat().st_mode & 0o777) == "0o600"


def test_the_aws_cli_uses_the_profiles_with_no_extra_flags(
    running_lab: dict[str, Any], tmp_path: Path
) -> None:
    env = cli_env(running_lab, tmp_path)
    result = aws(env, "--profile", "vendor", "sts", "get-caller-identity")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"] == "arn:aws:iam::222222222222:user/admin"


def test_a_profile_chain_with_the_external_id_reaches_the_audit_role(
    running_lab: dict[str, Any], tmp_path: Path
) -> None:
    env = cli_env(running_lab, tmp_path)
    result = aws(env, "--profile", "vendor-audit", "sts", "get-caller-identity")
    assert result.returncode == 0, result.stderr
    assert ":assumed-role/AuditRole/" in json.loads(result.stdout)["Arn"]

    refused = aws(
        env, "--profile", "vendor-audit-no-external-id", "sts", "get-caller-identity"
    )
    assert refused.returncode != 0
    assert "(AccessDenied) when calling the AssumeRole operation" in refused.stderr


def test_boto3_follows_a_profile_chain_with_mfa_and_duration(
    running_lab: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", running_lab["config_file"])
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", running_lab["credentials_file"])
    monkeypatch.setenv("HOME", str(tmp_path))
    code = pyotp.TOTP("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").now()
    session = boto3.session.Session(profile_name="home-deploy")
    provider = session._session.get_component("credential_provider")
    assume = provider.get_provider("assume-role")
    assume._prompter = lambda _prompt: code
    identity = session.client("sts").get_caller_identity()
    assert ":assumed-role/DeployRole/" in identity["Arn"]
    expiry = session.get_credentials()._expiry_time  # type: ignore[union-attr]
    assert 7000 < (expiry.timestamp() - time.time()) <= 7200


def test_botocore_gets_instance_credentials_from_the_instance_metadata_service(
    running_lab: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    empty = tmp_path / "empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    imds = running_lab["instances"]["i-0a1b2c3d4e5f60718"]["imds"]
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds)

    credentials = botocore.session.Session().get_credentials()
    assert credentials is not None and credentials.method == "iam-role"
    sts = boto3.session.Session().client(
        "sts",
        endpoint_url=running_lab["endpoint"],
        region_name="us-east-1",
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token,
    )
    arn = sts.get_caller_identity()["Arn"]
    assert (
        arn == "arn:aws:sts::111111111111:assumed-role/WebAppRole/i-0a1b2c3d4e5f60718"
    )


def test_cloudtrail_lookup_events_finds_the_calls(
    running_lab: dict[str, Any], tmp_path: Path
) -> None:
    env = cli_env(running_lab, tmp_path)
    assert aws(env, "--profile", "home", "sts", "get-caller-identity").returncode == 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        result = aws(
            env,
            "--profile",
            "home",
            "cloudtrail",
            "lookup-events",
            "--lookup-attributes",
            "AttributeKey=EventName,AttributeValue=GetCallerIdentity",
        )
        assert result.returncode == 0, result.stderr
        events = json.loads(result.stdout)["Events"]
        if events:
            record = json.loads(events[0]["CloudTrailEvent"])
            assert record["eventSource"] == "sts.amazonaws.com"
            assert record["recipientAccountId"] == "111111111111"
            return
        time.sleep(1)
    pytest.fail("no GetCallerIdentity event was delivered within 30 s")


def test_the_delivered_files_use_cloudtrails_layout(
    running_lab: dict[str, Any],
) -> None:
    root = Path(running_lab["cloudtrail"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not list(root.rglob("*.json.gz")):
        time.sleep(0.5)
    files = list(root.rglob("*.json.gz"))
    assert files
    relative = files[0].relative_to(root).parts
    assert relative[0] == "AWSLogs" and relative[2] == "CloudTrail"


def test_a_second_lab_on_the_same_state_is_refused(running_lab: dict[str, Any]) -> None:
    again = gatehouse(
        "lab", "up", "--detach", "--state", running_lab["state_dir"], "--port", "0"
    )
    assert again.returncode != 0
    assert "already running" in again.stderr


def test_reset_is_refused_while_running_and_restores_the_world_after(
    tmp_path: Path,
) -> None:
    state = tmp_path / "lab"
    assert gatehouse("lab", "reset", "--state", str(state)).returncode == 0
    db = state / "lab.sqlite3"
    assert db.exists()
    started = gatehouse("lab", "up", "--detach", "--state", str(state), "--port", "0")
    assert started.returncode == 0, started.stderr
    try:
        refused = gatehouse("lab", "reset", "--state", str(state))
        assert refused.returncode != 0 and "stop it first" in refused.stderr
    finally:
        assert gatehouse("lab", "down", "--state", str(state)).returncode == 0
    assert gatehouse("lab", "reset", "--state", str(state)).returncode == 0
