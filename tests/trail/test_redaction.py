"""No secret ever reaches a delivered CloudTrail file; what is hidden is hidden
the way AWS hides it."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gatehouse.trail import ApiCall, TrailWriter, to_record
from gatehouse.trail.redaction import (
    EVENT_RULES,
    HIDDEN,
    java_date,
    request_parameters,
    response_elements,
)

from .helpers import (
    ASSERTION,
    MFA_CODE,
    PASSWORD,
    REGION,
    SECRET_KEY,
    SSM_TOKEN,
    T0,
    WEB_TOKEN,
    assume_role,
    credentials,
    iam_user,
    role_session,
)

SECRETS = (SECRET_KEY, SSM_TOKEN, PASSWORD, MFA_CODE, ASSERTION, WEB_TOKEN)


def _call(
    source: str, name: str, params: dict[str, Any], response: dict[str, Any]
) -> ApiCall:
    return ApiCall(
        event_source=source,
        event_name=name,
        aws_region=REGION,
        source_ip_address="198.51.100.4",
        user_agent="Boto3/1.34",
        identity=iam_user(),
        recipient_account_id="111111111111",
        event_time=T0,
        request_parameters=params,
        response=response,
    )


def calls_with_secrets() -> list[ApiCall]:
    """One call of every event that carries a secret, secrets in place."""
    return [
        assume_role(),
        assume_role(role_account="222222222222", external_id="vendor-7f3a"),
        _call(
            "sts.amazonaws.com",
            "GetSessionToken",
            {
                "DurationSeconds": 3600,
                "SerialNumber": "arn:aws:iam::1:mfa/a",
                "TokenCode": MFA_CODE,
            },
            {"Credentials": credentials()},
        ),
        _call(
            "sts.amazonaws.com",
            "GetFederationToken",
            {"Name": "contractor", "Policy": "{}"},
            {
                "Credentials": credentials(),
                "FederatedUser": {
                    "FederatedUserId": "111111111111:contractor",
                    "Arn": "arn:aws:sts::111111111111:federated-user/contractor",
                },
                "PackedPolicySize": 4,
            },
        ),
        _call(
            "sts.amazonaws.com",
            "AssumeRoleWithSAML",
            {
                "RoleArn": "arn:aws:iam::1:role/r",
                "PrincipalArn": "p",
                "SAMLAssertion": ASSERTION,
            },
            {"Credentials": credentials()},
        ),
        _call(
            "sts.amazonaws.com",
            "AssumeRoleWithWebIdentity",
            {
                "RoleArn": "arn:aws:iam::1:role/r",
                "RoleSessionName": "w",
                "WebIdentityToken": WEB_TOKEN,
            },
            {"Credentials": credentials()},
        ),
        _call(
            "ssm.amazonaws.com",
            "StartSession",
            {"Target": "i-0123456789abcdef0"},
            {
                "SessionId": "alice-0a1b2c",
                "TokenValue": SSM_TOKEN,
                "StreamUrl": "wss://x",
            },
        ),
        _call(
            "ssm.amazonaws.com",
            "ResumeSession",
            {"SessionId": "alice-0a1b2c"},
            {
                "SessionId": "alice-0a1b2c",
                "TokenValue": SSM_TOKEN,
                "StreamUrl": "wss://x",
            },
        ),
        _call(
            "iam.amazonaws.com",
            "CreateLoginProfile",
            {"UserName": "bob", "Password": PASSWORD, "PasswordResetRequired": True},
            {
                "LoginProfile": {
                    "UserName": "bob",
                    "CreateDate": T0,
                    "PasswordResetRequired": True,
                }
            },
        ),
        _call(
            "iam.amazonaws.com",
            "UpdateLoginProfile",
            {"UserName": "bob", "Password": PASSWORD},
            {},
        ),
        _call(
            "iam.amazonaws.com",
            "ChangePassword",
            {"OldPassword": PASSWORD, "NewPassword": PASSWORD + "x"},
            {},
        ),
        _call(
            "iam.amazonaws.com",
            "CreateAccessKey",
            {"UserName": "bob"},
            {
                "AccessKey": {
                    "UserName": "bob",
                    "AccessKeyId": "AKIAEXAMPLEBOBKEY001",
                    "Status": "Active",
                    "SecretAccessKey": SECRET_KEY,
                    "CreateDate": T0,
                }
            },
        ),
    ]


def test_no_secret_appears_in_any_delivered_file(tmp_path: Path) -> None:
    with TrailWriter(tmp_path, start=False) as writer:
        for call in calls_with_secrets():
            writer.record(call)
        delivered = writer.flush()

    assert sum(f.record_count for f in delivered) == len(calls_with_secrets()) + 1
    files = list((tmp_path / "cloudtrail").rglob("*.json.gz"))
    assert files
    for file in files:
        text = gzip.decompress(file.read_bytes()).decode()
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked into {file.name}"
        assert "secretAccessKey" not in text
        assert '"password"' not in text


def test_assume_role_logs_key_id_token_and_expiration_but_never_the_secret() -> None:
    record = to_record(assume_role())

    creds = record["responseElements"]["credentials"]
    assert creds == {
        "accessKeyId": "ASIAEXAMPLENEWKEY001",
        "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLETOKEN",
        "expiration": "Mar 4, 2025, 10:46:15 PM",
    }
    assert record["readOnly"] is True
    assert record["requestParameters"] == {
        "roleArn": "arn:aws:iam::111111111111:role/audit",
        "roleSessionName": "audit-run",
        "durationSeconds": 900,
        "serialNumber": "arn:aws:iam::111111111111:mfa/alice",
        "tags": [{"key": "team", "value": "blue"}],
    }


def test_external_id_and_transitive_tags_are_logged_in_lower_camel_case() -> None:
    params = {
        "RoleArn": "arn:aws:iam::222222222222:role/audit",
        "RoleSessionName": "s",
        "ExternalId": "vendor-7f3a",
        "SourceIdentity": "alice",
        "TransitiveTagKeys": ["team"],
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
    }
    logged = request_parameters("sts.amazonaws.com", "AssumeRole", params)
    assert logged == {
        "roleArn": "arn:aws:iam::222222222222:role/audit",
        "roleSessionName": "s",
        "externalId": "vendor-7f3a",
        "sourceIdentity": "alice",
        "transitiveTagKeys": ["team"],
        "policyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
    }


def test_map_members_keep_their_keys() -> None:
    """SSM document parameters are a map: their keys are the user's, not re-cased."""
    logged = request_parameters(
        "ssm.amazonaws.com",
        "StartSession",
        {
            "Target": "i-0123456789abcdef0",
            "DocumentName": "AWS-StartPortForwardingSession",
            "Parameters": {"portNumber": ["22"], "LocalPortNumber": ["9922"]},
        },
    )
    assert logged == {
        "target": "i-0123456789abcdef0",
        "documentName": "AWS-StartPortForwardingSession",
        "parameters": {"portNumber": ["22"], "LocalPortNumber": ["9922"]},
    }


def test_ssm_session_token_is_replaced_by_the_marker() -> None:
    logged = response_elements(
        "ssm.amazonaws.com",
        "StartSession",
        {"SessionId": "a-1", "TokenValue": SSM_TOKEN, "StreamUrl": "wss://x"},
        read_only=False,
    )
    assert logged == {"sessionId": "a-1", "tokenValue": HIDDEN, "streamUrl": "wss://x"}
    assert HIDDEN == "HIDDEN_DUE_TO_SECURITY_REASONS"


@pytest.mark.parametrize("name", ["CreateLoginProfile", "UpdateLoginProfile"])
def test_console_passwords_are_left_out_not_masked(name: str) -> None:
    logged = request_parameters(
        "iam.amazonaws.com", name, {"UserName": "bob", "Password": PASSWORD}
    )
    assert logged == {"userName": "bob"}


def test_read_only_calls_log_no_response_except_credential_issuers() -> None:
    whoami = {"UserId": "AIDA", "Account": "1", "Arn": "arn:aws:iam::1:user/a"}
    assert (
        response_elements(
            "sts.amazonaws.com", "GetCallerIdentity", whoami, read_only=True
        )
        is None
    )
    assert response_elements(
        "sts.amazonaws.com",
        "GetSessionToken",
        {"Credentials": credentials()},
        read_only=True,
    ) == {
        "credentials": {
            "accessKeyId": "ASIAEXAMPLENEWKEY001",
            "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLETOKEN",
            "expiration": "Mar 4, 2025, 10:46:15 PM",
        }
    }


def test_failed_and_denied_calls() -> None:
    denied = to_record(assume_role(error=("AccessDenied", "User: x is not authorized")))
    assert denied["errorCode"] == "AccessDenied"
    assert denied["requestParameters"] is None
    assert denied["responseElements"] is None
    assert "resources" not in denied

    call = replace(
        assume_role(),
        error_code="ValidationError",
        error_message="The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        response=None,
    )
    invalid = to_record(call)
    assert invalid["requestParameters"]["roleArn"].endswith(":role/audit")
    assert invalid["responseElements"] is None

    ok = to_record(assume_role())
    assert "errorCode" not in ok and "errorMessage" not in ok


@pytest.mark.parametrize(
    ("moment", "comma", "text"),
    [
        (
            datetime(2019, 10, 2, 23, 12, 29, tzinfo=UTC),
            True,
            "Oct 2, 2019, 11:12:29 PM",
        ),
        (
            datetime(2024, 7, 30, 21, 46, 15, tzinfo=UTC),
            True,
            "Jul 30, 2024, 9:46:15 PM",
        ),
        (datetime(2024, 8, 1, 13, 42, 21, tzinfo=UTC), False, "Aug 1, 2024 1:42:21 PM"),
        (datetime(2024, 8, 1, 0, 5, 1, tzinfo=UTC), True, "Aug 1, 2024, 12:05:01 AM"),
        (datetime(2024, 8, 1, 12, 0, 0, tzinfo=UTC), True, "Aug 1, 2024, 12:00:00 PM"),
    ],
)
def test_dates_inside_elements_use_cloudtrails_java_form(
    moment: datetime, comma: bool, text: str
) -> None:
    assert java_date(moment, comma_after_year=comma) == text


def test_iam_dates_have_no_comma_after_the_year() -> None:
    logged = response_elements(
        "iam.amazonaws.com",
        "CreateUser",
        {"User": {"UserName": "bob", "CreateDate": T0}},
        read_only=False,
    )
    assert logged == {
        "user": {"userName": "bob", "createDate": "Mar 4, 2025 9:46:15 PM"}
    }


def test_every_rule_names_a_real_operation() -> None:
    """The table has no typo: each event is an operation of botocore's model."""
    import botocore.session

    session = botocore.session.get_session()
    for source, name in EVENT_RULES:
        model = session.get_service_model(source.split(".")[0])
        assert name in model.operation_names, (source, name)


def test_ec2_role_delivery_is_logged() -> None:
    call = replace(assume_role(), identity=role_session(delivery="1.0"))
    context = to_record(call)["userIdentity"]["sessionContext"]
    assert context["ec2RoleDelivery"] == "1.0"
    assert list(context) == [
        "sessionIssuer",
        "webIdFederationData",
        "attributes",
        "ec2RoleDelivery",
    ]
