"""STS and IAM over the query protocol, driven by boto3 and botocore's signer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from botocore.exceptions import ClientError

from gatehouse.lab.server import MAX_BODY_BYTES, LabApp

from .conftest import (
    ACCOUNT,
    ALICE,
    CREATED,
    CREDENTIALS,
    EXPIRED_KEY,
    SESSION_KEY,
    Lab,
    error_of,
    running,
    signed_post,
)
from .proof_routes import PROOF_ROUTES

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/auditor"


def client_error(call, /, **params) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value


def test_get_caller_identity_names_the_signing_user(lab: Lab) -> None:
    identity = lab.client("sts").get_caller_identity()

    assert identity["Arn"] == ALICE.arn
    assert identity["UserId"] == ALICE.user_id
    assert identity["Account"] == ACCOUNT


def test_get_caller_identity_names_the_role_session_of_temporary_credentials(
    lab: Lab,
) -> None:
    identity = lab.client("sts", SESSION_KEY).get_caller_identity()

    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/auditor/audit-1"
    assert identity["UserId"] == "AROAGATEHOUSEAUDITOR:audit-1"


def test_a_session_name_with_a_colon_breaks_the_pattern_in_aws_words(lab: Lab) -> None:
    sts = lab.client("sts", parameter_validation=False)

    error = client_error(sts.assume_role, RoleArn=ROLE_ARN, RoleSessionName="a:b")

    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.response["Error"] == {
        "Type": "Sender",
        "Code": "ValidationError",
        "Message": "1 validation error detected: Value 'a:b' at 'roleSessionName' failed "
        "to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    }


def test_every_violation_is_reported_at_once_joined_by_semicolons(lab: Lab) -> None:
    sts = lab.client("sts", parameter_validation=False)

    error = client_error(
        sts.assume_role, RoleArn=ROLE_ARN, RoleSessionName="s" * 65, DurationSeconds=800
    )

    assert error.response["Error"]["Message"] == (
        "2 validation errors detected: "
        f"Value '{'s' * 65}' at 'roleSessionName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64; "
        "Value '800' at 'durationSeconds' failed to satisfy constraint: "
        "Member must have value greater than or equal to 900"
    )


def test_nested_list_members_are_named_with_their_index(lab: Lab) -> None:
    sts = lab.client("sts", parameter_validation=False)

    error = client_error(
        sts.assume_role,
        RoleArn=ROLE_ARN,
        RoleSessionName="ok-session",
        PolicyArns=[
            {"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
            {"arn": "short"},
        ],
    )

    assert error.response["Error"]["Message"] == (
        "1 validation error detected: Value 'short' at 'policyArns.2.member.arn' failed "
        "to satisfy constraint: Member must have length greater than or equal to 20"
    )


def test_a_missing_required_member_is_reported_as_null(lab: Lab) -> None:
    sts = lab.client("sts", parameter_validation=False)

    error = client_error(sts.assume_role, RoleSessionName="x")

    assert error.response["Error"]["Message"] == (
        "2 validation errors detected: Value null at 'roleArn' failed to satisfy "
        "constraint: Member must not be null; Value 'x' at 'roleSessionName' failed "
        "to satisfy constraint: Member must have length greater than or equal to 2"
    )


def test_a_valid_call_to_an_operation_the_lab_lacks_answers_not_modelled(
    lab: Lab,
) -> None:
    error = client_error(
        lab.client("sts").decode_authorization_message, EncodedMessage="x"
    )

    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert error.response["Error"]["Code"] == "NotModelled"
    assert error.response["Error"]["Message"] == (
        "Gatehouse does not model sts:DecodeAuthorizationMessage; see docs/coverage.md"
    )


def test_iam_get_user_without_a_name_describes_the_caller(lab: Lab) -> None:
    user = lab.client("iam").get_user()["User"]

    assert user["UserName"] == "alice"
    assert user["Arn"] == ALICE.arn
    assert user["CreateDate"] == CREATED


def test_iam_get_user_from_a_role_session_needs_a_user_name(lab: Lab) -> None:
    error = client_error(lab.client("iam", SESSION_KEY).get_user)

    assert error.response["Error"]["Code"] == "ValidationError"
    assert error.response["Error"]["Message"] == (
        "Must specify userName when calling with non-User credentials"
    )


def test_iam_get_user_for_another_user_is_not_silently_answered(lab: Lab) -> None:
    error = client_error(lab.client("iam").get_user, UserName="bob")

    assert error.response["Error"]["Code"] == "NotModelled"


def test_a_wrong_secret_key_does_not_match_the_signature(lab: Lab) -> None:
    forged = replace(ALICE, secret_access_key="not-alice-secret")

    error = client_error(lab.client("sts", forged).get_caller_identity)

    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert error.response["Error"]["Message"].startswith(
        "The request signature we calculated does not match the signature you provided."
    )


def test_an_unknown_access_key_is_an_invalid_client_token(lab: Lab) -> None:
    stranger = replace(
        ALICE, access_key_id="AKIAGATEHOUSESTRANGE", secret_access_key="whatever"
    )

    error = client_error(lab.client("sts", stranger).get_caller_identity)

    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error.response["Error"]["Code"] == "InvalidClientTokenId"
    assert error.response["Error"]["Message"] == (
        "The security token included in the request is invalid."
    )


def test_temporary_keys_without_their_session_token_are_refused(lab: Lab) -> None:
    tokenless = replace(SESSION_KEY, session_token=None)

    error = client_error(lab.client("sts", tokenless).get_caller_identity)

    assert error.response["Error"]["Code"] == "InvalidClientTokenId"


def test_expired_session_credentials_are_refused_even_for_get_caller_identity(
    lab: Lab,
) -> None:
    error = client_error(lab.client("sts", EXPIRED_KEY).get_caller_identity)

    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error.response["Error"]["Code"] == "ExpiredToken"
    assert error.response["Error"]["Message"] == (
        "The security token included in the request is expired"
    )


def test_a_presigned_get_caller_identity_url_authenticates(lab: Lab) -> None:
    url = lab.client("sts").generate_presigned_url(
        "get_caller_identity", HttpMethod="GET", ExpiresIn=60
    )

    response = httpx.get(url, timeout=10)

    assert response.status_code == 200
    assert f"<Arn>{ALICE.arn}</Arn>" in response.text


def test_a_tampered_presigned_url_is_refused(lab: Lab) -> None:
    url = lab.client("sts").generate_presigned_url(
        "get_caller_identity", HttpMethod="GET"
    )

    response = httpx.get(
        url.replace("Version=2011-06-15", "Version=2011-06-16"), timeout=10
    )

    assert response.status_code == 403
    assert error_of(response)["Code"] == "SignatureDoesNotMatch"


def test_an_unsigned_request_is_missing_its_authentication_token(lab: Lab) -> None:
    response = httpx.post(
        lab.url,
        content=b"Action=GetCallerIdentity&Version=2011-06-15",
        timeout=10,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 403
    assert error_of(response) == {
        "Type": "Sender",
        "Code": "MissingAuthenticationToken",
        "Message": "Request is missing Authentication Token",
    }


def test_an_unknown_action_is_aws_invalid_action(lab: Lab) -> None:
    response = signed_post(lab, "sts", "Action=AssumeEverything&Version=2011-06-15")

    assert response.status_code == 400
    assert error_of(response)["Code"] == "InvalidAction"
    assert error_of(response)["Message"] == (
        "Could not find operation AssumeEverything for version 2011-06-15"
    )


def test_a_request_without_an_action_is_missing_action(lab: Lab) -> None:
    response = signed_post(lab, "iam", "Version=2010-05-08")

    assert response.status_code == 400
    assert error_of(response)["Code"] == "MissingAction"


def test_a_malformed_form_body_is_a_malformed_query_string(lab: Lab) -> None:
    response = signed_post(
        lab, "sts", b"Action=GetCallerIdentity&Version=2011-06-15&%ZZ\xff"
    )

    assert response.status_code == 404
    assert error_of(response)["Code"] == "MalformedQueryString"


def test_a_value_of_the_wrong_type_names_the_parameter(lab: Lab) -> None:
    body = (
        "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s1"
        f"&RoleArn={ROLE_ARN}&DurationSeconds=an-hour"
    )

    response = signed_post(lab, "sts", body)

    assert response.status_code == 400
    assert error_of(response) == {
        "Type": "Sender",
        "Code": "InvalidParameterValue",
        "Message": "Value (an-hour) for parameter DurationSeconds is invalid. Expected an integer.",
    }


def test_an_oversized_body_is_refused_before_it_is_read(lab: Lab) -> None:
    body = "Action=GetCallerIdentity&Version=2011-06-15&Pad=" + "x" * MAX_BODY_BYTES

    response = signed_post(lab, "sts", body)

    assert response.status_code == 413
    assert error_of(response)["Code"] == "RequestEntityTooLarge"


def test_a_service_the_lab_does_not_speak_answers_not_modelled(lab: Lab) -> None:
    response = signed_post(lab, "sqs", "Action=ListQueues&Version=2012-11-05")

    assert response.status_code == 501
    assert error_of(response)["Message"] == (
        "Gatehouse does not model the sqs service; see docs/coverage.md"
    )


@pytest.mark.parametrize(
    ("offset", "code", "start"),
    [
        (timedelta(minutes=20), "SignatureDoesNotMatch", "Signature expired: "),
        (
            -timedelta(minutes=20),
            "SignatureDoesNotMatch",
            "Signature not yet current: ",
        ),
    ],
)
def test_a_clock_more_than_15_minutes_off_is_refused(
    offset: timedelta, code: str, start: str
) -> None:
    app = LabApp(
        credentials=CREDENTIALS,
        routes=PROOF_ROUTES,
        clock=lambda: datetime.now(UTC) + offset,
    )
    with running(app) as skewed:
        error = client_error(skewed.client("sts").get_caller_identity)

    assert error.response["Error"]["Code"] == code
    assert error.response["Error"]["Message"].startswith(start)
    assert error.response["Error"]["Message"].endswith(" 15 min.)")


def test_a_clock_within_15_minutes_is_accepted() -> None:
    app = LabApp(
        credentials=CREDENTIALS,
        routes=PROOF_ROUTES,
        clock=lambda: datetime.now(UTC) + timedelta(minutes=10),
    )
    with running(app) as skewed:
        identity = skewed.client("sts").get_caller_identity()

    assert identity["Arn"] == ALICE.arn
