"""The AWS CLI and botocore's config-file profiles reach the lab with no extra flags."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from .conftest import ACCOUNT, ALICE, ALICE_KEY, REGION, Lab

AWS_CLI = Path(sys.executable).with_name("aws")


@pytest.fixture
def profile_env(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """A config and credentials file whose `lab` profile points at the running lab."""
    config = tmp_path / "config"
    config.write_text(
        f"[profile lab]\nregion = {REGION}\nendpoint_url = {lab.url}\noutput = json\n"
    )
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[lab]\n"
        f"aws_access_key_id = {ALICE_KEY.access_key_id}\n"
        f"aws_secret_access_key = {ALICE_KEY.secret_access_key}\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and key != "HOME"
    }
    env |= {
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_PROFILE": "lab",
    }
    for key in [key for key in os.environ if key.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE"):
        monkeypatch.setenv(key, env[key])
    return env


def aws(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    if not AWS_CLI.exists():
        pytest.skip(
            f"the AWS CLI is not installed at {AWS_CLI} (install the test extra)"
        )
    return subprocess.run(
        [str(AWS_CLI), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_aws_cli_get_caller_identity_through_a_profile(
    profile_env: dict[str, str],
) -> None:
    result = aws(profile_env, "sts", "get-caller-identity")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "UserId": ALICE.user_id,
        "Account": ACCOUNT,
        "Arn": ALICE.arn,
    }


def test_aws_cli_shows_the_servers_validation_error(
    profile_env: dict[str, str],
) -> None:
    result = aws(
        profile_env,
        "sts",
        "assume-role",
        "--role-arn",
        f"arn:aws:iam::{ACCOUNT}:role/auditor",
        "--role-session-name",
        "a:b",
    )

    assert result.returncode != 0
    assert (
        "An error occurred (ValidationError) when calling the AssumeRole operation: "
        "1 validation error detected: Value 'a:b' at 'roleSessionName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
    ) in result.stderr


def test_aws_cli_ssm_and_ec2_through_the_same_profile(
    profile_env: dict[str, str],
) -> None:
    sessions = aws(profile_env, "ssm", "describe-sessions", "--state", "History")
    instances = aws(profile_env, "ec2", "describe-instances")

    assert sessions.returncode == 0, sessions.stderr
    assert json.loads(sessions.stdout) == {"Sessions": []}
    assert instances.returncode == 0, instances.stderr
    assert json.loads(instances.stdout) == {"Reservations": []}


@pytest.mark.usefixtures("profile_env")
def test_boto3_reads_the_endpoint_from_the_profile() -> None:
    sts = boto3.session.Session().client("sts")

    assert sts.get_caller_identity()["Arn"] == ALICE.arn
