"""Builders for trail tests: callers, calls with known secrets, real data."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gatehouse.trail import (
    ApiCall,
    IdentityType,
    Resource,
    SessionContext,
    SessionIssuer,
    TlsDetails,
    UserIdentity,
)

CALLER_ACCOUNT = "111111111111"
OWNER_ACCOUNT = "222222222222"
REGION = "us-east-1"
T0 = datetime(2025, 3, 4, 21, 46, 15, tzinfo=UTC)

# Values that must never reach a delivered file.
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
SSM_TOKEN = "AAEAAX-ssm-stream-token-that-must-stay-secret"
PASSWORD = "Correct-Horse-Battery-Staple-9!"
MFA_CODE = "654321"
ASSERTION = "PHNhbWxwOlJlc3BvbnNlIHNlY3JldC1hc3NlcnRpb24="
WEB_TOKEN = "eyJhbGciOiJSUzI1NiJ9.secret-web-identity-token.sig"


def shared_dir() -> Path:
    """The shared folder beside the repository, or where GATEHOUSE_SHARED points."""
    base = os.environ.get("GATEHOUSE_SHARED")
    return Path(base) if base else Path(__file__).resolve().parents[3] / "shared"


def stratus_dir() -> Path:
    path = shared_dir() / "data" / "cloudtrail" / "stratus-detonation-logs"
    if not path.is_dir():
        pytest.skip(
            f"real CloudTrail records not found at {path} (set GATEHOUSE_SHARED)"
        )
    return path


def real_records() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for file in sorted(stratus_dir().glob("*.json")):
        out.extend((file.name, rec) for rec in json.loads(file.read_text()))
    return out


def iam_user(account: str = CALLER_ACCOUNT, name: str = "alice") -> UserIdentity:
    return UserIdentity(
        type=IdentityType.IAM_USER,
        principal_id="AIDAEXAMPLEALICE0001",
        arn=f"arn:aws:iam::{account}:user/{name}",
        account_id=account,
        access_key_id="AKIAEXAMPLEALICE0001",
        user_name=name,
    )


def role_session(
    account: str = CALLER_ACCOUNT,
    role: str = "app",
    session: str = "i-0123456789abcdef0",
    *,
    delivery: str | None = None,
) -> UserIdentity:
    return UserIdentity(
        type=IdentityType.ASSUMED_ROLE,
        principal_id=f"AROAEXAMPLEROLE00001:{session}",
        arn=f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        account_id=account,
        access_key_id="ASIAEXAMPLESESSION01",
        session_context=SessionContext(
            creation_date=T0 - timedelta(minutes=3),
            session_issuer=SessionIssuer(
                type="Role",
                principal_id="AROAEXAMPLEROLE00001",
                arn=f"arn:aws:iam::{account}:role/{role}",
                account_id=account,
                user_name=role,
            ),
            ec2_role_delivery=delivery,
        ),
    )


def sts_host(region: str = REGION) -> TlsDetails:
    return TlsDetails(client_provided_host_header=f"sts.{region}.amazonaws.com")


def credentials(token: str = "IQoJb3JpZ2luX2VjEXAMPLETOKEN") -> dict[str, Any]:
    return {
        "AccessKeyId": "ASIAEXAMPLENEWKEY001",
        "SecretAccessKey": SECRET_KEY,
        "SessionToken": token,
        "Expiration": T0 + timedelta(hours=1),
    }


def assume_role(
    *,
    caller: UserIdentity | None = None,
    role_account: str = CALLER_ACCOUNT,
    external_id: str | None = None,
    error: tuple[str, str] | None = None,
) -> ApiCall:
    who = caller or iam_user()
    role_arn = f"arn:aws:iam::{role_account}:role/audit"
    params: dict[str, Any] = {
        "RoleArn": role_arn,
        "RoleSessionName": "audit-run",
        "DurationSeconds": 900,
        "SerialNumber": f"arn:aws:iam::{who.account_id}:mfa/alice",
        "TokenCode": MFA_CODE,
        "Tags": [{"Key": "team", "Value": "blue"}],
    }
    if external_id is not None:
        params["ExternalId"] = external_id
    response = {
        "Credentials": credentials(),
        "AssumedRoleUser": {
            "AssumedRoleId": "AROAEXAMPLEAUDIT0001:audit-run",
            "Arn": f"arn:aws:sts::{role_account}:assumed-role/audit/audit-run",
        },
        "PackedPolicySize": 6,
    }
    return ApiCall(
        event_source="sts.amazonaws.com",
        event_name="AssumeRole",
        aws_region=REGION,
        source_ip_address="203.0.113.7",
        user_agent="aws-cli/2.15.0 Python/3.11",
        identity=who,
        recipient_account_id=who.account_id or CALLER_ACCOUNT,
        event_time=T0,
        request_parameters=params,
        response=None if error else response,
        error_code=error[0] if error else None,
        error_message=error[1] if error else None,
        resources=(Resource(role_arn, role_account, "AWS::IAM::Role"),),
        owner_account_id=role_account,
        tls_details=sts_host(),
    )


def read_gzip_records(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        doc = json.load(fh)
    assert set(doc) == {"Records"}
    records: list[dict[str, Any]] = doc["Records"]
    return records
