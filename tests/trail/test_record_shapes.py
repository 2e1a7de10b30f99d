"""Records we produce have the keys real CloudTrail records have.

For every real record of an STS, IAM or SSM call in the Stratus detonation
logs, the test rebuilds a comparable call (same caller, same parameters, same
outcome, with the secrets AWS hides put back in) and renders it. Allowed
differences: `eventVersion` (we write 1.11; the set holds 1.08-1.10) and the
wording of the SSM token marker (2024 records say "Value hidden due to
security reasons."; we write HIDDEN_DUE_TO_SECURITY_REASONS, as 2025 records do).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
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
    to_record,
)
from gatehouse.trail.redaction import HIDDEN

from .helpers import PASSWORD, SECRET_KEY, SSM_TOKEN, real_records

MODELLED_SOURCES = ("sts.amazonaws.com", "iam.amazonaws.com", "ssm.amazonaws.com")
_JAVA_DATE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4},? \d{1,2}:\d{2}:\d{2} [AP]M$")


def _upper(value: Any) -> Any:
    if isinstance(value, dict):
        return {k[:1].upper() + k[1:]: _upper(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_upper(v) for v in value]
    if isinstance(value, str) and _JAVA_DATE.match(value):
        fmt = "%b %d, %Y, %I:%M:%S %p" if ", " in value[7:] else "%b %d, %Y %I:%M:%S %p"
        return datetime.strptime(value, fmt).replace(tzinfo=UTC)
    return value


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def identity_from(real: dict[str, Any]) -> UserIdentity:
    context = None
    if "sessionContext" in real:
        sc = real["sessionContext"]
        issuer = sc.get("sessionIssuer")
        context = SessionContext(
            creation_date=_time(sc["attributes"]["creationDate"]),
            mfa_authenticated=sc["attributes"]["mfaAuthenticated"] == "true",
            session_issuer=SessionIssuer(
                type=issuer["type"],
                principal_id=issuer["principalId"],
                arn=issuer["arn"],
                account_id=issuer["accountId"],
                user_name=issuer["userName"],
            )
            if issuer
            else None,
            source_identity=sc.get("sourceIdentity"),
            ec2_role_delivery=sc.get("ec2RoleDelivery"),
        )
    return UserIdentity(
        type=IdentityType(real["type"]),
        principal_id=real.get("principalId"),
        arn=real.get("arn"),
        account_id=real.get("accountId"),
        access_key_id=real.get("accessKeyId"),
        user_name=real.get("userName"),
        session_context=context,
    )


def comparable_call(real: dict[str, Any]) -> ApiCall:
    """The call that produced `real`, with the secrets AWS dropped put back."""
    name = real["eventName"]
    params = _upper(real["requestParameters"]) or {}
    response = _upper(real["responseElements"]) or {}
    if name in ("CreateLoginProfile", "UpdateLoginProfile"):
        params["Password"] = PASSWORD
    if "Credentials" in response:
        response["Credentials"]["SecretAccessKey"] = SECRET_KEY
    if "AccessKey" in response:
        response["AccessKey"]["SecretAccessKey"] = SECRET_KEY
    if "TokenValue" in response:
        response["TokenValue"] = SSM_TOKEN
    if name == "GetCallerIdentity":
        response = {"UserId": "AIDAX", "Account": "1", "Arn": "arn:aws:iam::1:user/x"}
    tls = real["tlsDetails"]
    return ApiCall(
        event_source=real["eventSource"],
        event_name=name,
        aws_region=real["awsRegion"],
        source_ip_address=real["sourceIPAddress"],
        user_agent=real["userAgent"],
        identity=identity_from(real["userIdentity"]),
        recipient_account_id=real["recipientAccountId"],
        request_id=real["requestID"],
        event_time=_time(real["eventTime"]),
        request_parameters=params,
        response=response,
        error_code=real.get("errorCode"),
        error_message=real.get("errorMessage"),
        resources=tuple(
            Resource(r["ARN"], r["accountId"], r.get("type"))
            for r in real.get("resources", [])
        ),
        tls_details=TlsDetails(
            client_provided_host_header=tls["clientProvidedHostHeader"],
            tls_version=tls["tlsVersion"],
            cipher_suite=tls["cipherSuite"],
        ),
    )


def _cases() -> list[Any]:
    try:
        records = real_records()
    except pytest.skip.Exception as skip:
        return [pytest.param(None, marks=pytest.mark.skip(reason=str(skip)))]
    return [
        pytest.param(rec, id=f"{file}:{rec['eventName']}:{rec['eventID'][:8]}")
        for file, rec in records
        if rec["eventSource"] in MODELLED_SOURCES
    ]


def _keys(value: Any) -> Any:
    """The nested key structure of a JSON value (dict keys, recursively)."""
    if isinstance(value, dict):
        return {k: _keys(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [_keys(value[0])]
    return None


@pytest.mark.parametrize("real", _cases())
def test_record_has_the_keys_of_the_real_one(real: dict[str, Any]) -> None:
    ours = to_record(comparable_call(real))

    assert set(ours) == set(real)
    assert _keys(ours["userIdentity"]) == _keys(real["userIdentity"])
    assert _keys(ours["requestParameters"]) == _keys(real["requestParameters"])
    assert _keys(ours["responseElements"]) == _keys(real["responseElements"])
    assert ours["readOnly"] == real["readOnly"]
    assert ours["eventVersion"] == "1.11"


@pytest.mark.parametrize("real", _cases())
def test_record_values_match_the_real_one(real: dict[str, Any]) -> None:
    ours = to_record(comparable_call(real))

    for key in ("eventTime", "eventSource", "eventName", "errorCode", "resources"):
        assert ours.get(key) == real.get(key)
    assert ours["userIdentity"] == real["userIdentity"]
    assert ours["requestParameters"] == real["requestParameters"]
    expected = real["responseElements"]
    if expected and "tokenValue" in expected:
        expected = {**expected, "tokenValue": HIDDEN}
    assert ours["responseElements"] == expected


def test_key_order_follows_cloudtrail() -> None:
    """Keys come in the order CloudTrail writes them (the IAM user guide's
    examples keep AWS's order; the Stratus files were re-sorted)."""
    call = comparable_call(
        {
            "eventSource": "sts.amazonaws.com",
            "eventName": "AssumeRole",
            "awsRegion": "us-east-1",
            "sourceIPAddress": "192.0.2.1",
            "userAgent": "ua",
            "userIdentity": {"type": "IAMUser", "accountId": "1", "userName": "u"},
            "recipientAccountId": "1",
            "requestID": "r",
            "eventTime": "2025-01-01T00:00:00Z",
            "requestParameters": {"roleArn": "arn:aws:iam::1:role/r"},
            "responseElements": None,
            "errorCode": "AccessDenied",
            "errorMessage": "no",
            "resources": [
                {"ARN": "arn:aws:iam::1:role/r", "accountId": "1", "type": "t"}
            ],
            "tlsDetails": {
                "tlsVersion": "TLSv1.3",
                "cipherSuite": "c",
                "clientProvidedHostHeader": "h",
            },
        }
    )
    assert list(to_record(call)) == [
        "eventVersion",
        "userIdentity",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
        "errorCode",
        "errorMessage",
        "requestParameters",
        "responseElements",
        "requestID",
        "eventID",
        "readOnly",
        "eventType",
        "managementEvent",
        "recipientAccountId",
        "eventCategory",
        "tlsDetails",
    ]
