"""SSM over the JSON protocol and EC2 over the ec2 protocol, driven by boto3."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from botocore.exceptions import ClientError

from .conftest import EXPIRED_KEY, Lab, signed_post


def client_error(call, /, **params) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value


def test_ssm_describe_sessions_answers_in_json(lab: Lab) -> None:
    response = lab.client("ssm").describe_sessions(State="Active", MaxResults=10)

    assert response["Sessions"] == []
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == (
        "application/x-amz-json-1.1"
    )


def test_ssm_validation_speaks_validation_exception(lab: Lab) -> None:
    ssm = lab.client("ssm", parameter_validation=False)

    error = client_error(ssm.describe_sessions, State="Bogus", MaxResults=500)

    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.response["Error"]["Code"] == "ValidationException"
    assert error.response["Error"]["Message"] == (
        "2 validation errors detected: Value 'Bogus' at 'state' failed to satisfy "
        "constraint: Member must satisfy enum value set: [Active, History]; "
        "Value '500' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 200"
    )


def test_ssm_not_modelled_operation(lab: Lab) -> None:
    error = client_error(lab.client("ssm").get_parameter, Name="/app/db-password")

    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert error.response["Error"]["Code"] == "NotModelled"
    assert error.response["Error"]["Message"] == (
        "Gatehouse does not model ssm:GetParameter; see docs/coverage.md"
    )


def test_ssm_expired_credentials_speak_json(lab: Lab) -> None:
    error = client_error(
        lab.client("ssm", EXPIRED_KEY).describe_sessions, State="Active"
    )

    assert error.response["Error"]["Code"] == "ExpiredTokenException"


def test_ssm_unknown_target_is_unknown_operation(lab: Lab) -> None:
    response = signed_post(
        lab,
        "ssm",
        "{}",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonSSM.LaunchRockets",
        },
    )

    assert response.status_code == 400
    assert response.json() == {"__type": "UnknownOperationException"}
    assert response.headers["x-amzn-ErrorType"] == "UnknownOperationException"


def test_ssm_body_that_is_not_json_is_a_serialization_exception(lab: Lab) -> None:
    response = signed_post(
        lab,
        "ssm",
        "{not json",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonSSM.DescribeSessions",
        },
    )

    assert response.status_code == 400
    assert response.json()["__type"] == "SerializationException"


def test_ssm_unsigned_request_is_missing_its_token(lab: Lab) -> None:
    response = httpx.post(
        lab.url,
        content=b'{"State":"Active"}',
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonSSM.DescribeSessions",
        },
        timeout=10,
    )

    assert response.status_code == 400
    assert response.json() == {
        "__type": "MissingAuthenticationTokenException",
        "message": "Missing Authentication Token",
    }


def test_ec2_describe_instances_reads_flattened_filters(lab: Lab) -> None:
    response = lab.client("ec2").describe_instances(
        Filters=[{"Name": "instance-state-name", "Values": ["running", "stopped"]}]
    )

    assert response["Reservations"] == []


def test_ec2_unknown_instance_ids_are_not_found(lab: Lab) -> None:
    error = client_error(
        lab.client("ec2").describe_instances,
        InstanceIds=["i-0123456789abcdef0", "i-0fedcba9876543210"],
    )

    assert error.response["Error"] == {
        "Code": "InvalidInstanceID.NotFound",
        "Message": "The instance IDs 'i-0123456789abcdef0, i-0fedcba9876543210' do not exist",
    }


def test_ec2_malformed_instance_id(lab: Lab) -> None:
    error = client_error(lab.client("ec2").describe_instances, InstanceIds=["i-nope"])

    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.response["Error"] == {
        "Code": "InvalidInstanceID.Malformed",
        "Message": 'Invalid id: "i-nope"',
    }


def test_ec2_dry_run_reports_it_would_have_succeeded(lab: Lab) -> None:
    error = client_error(lab.client("ec2").describe_instances, DryRun=True)

    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert error.response["Error"]["Code"] == "DryRunOperation"


def test_ec2_missing_required_parameter(lab: Lab) -> None:
    ec2 = lab.client("ec2", parameter_validation=False)

    error = client_error(ec2.modify_instance_metadata_options, HttpTokens="required")

    assert error.response["Error"] == {
        "Code": "MissingParameter",
        "Message": "The request must contain the parameter InstanceId",
    }


def test_ec2_not_modelled_operation(lab: Lab) -> None:
    error = client_error(
        lab.client("ec2").modify_instance_metadata_options,
        InstanceId="i-0123456789abcdef0",
        HttpTokens="required",
    )

    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert error.response["Error"]["Code"] == "NotModelled"


def test_ec2_expired_credentials_are_request_expired(lab: Lab) -> None:
    error = client_error(lab.client("ec2", EXPIRED_KEY).describe_instances)

    assert error.response["Error"] == {
        "Code": "RequestExpired",
        "Message": "Request has expired.",
    }


def test_ec2_unknown_action_and_wrong_key(lab: Lab) -> None:
    response = signed_post(lab, "ec2", "Action=LaunchRockets&Version=2016-11-15")

    assert response.status_code == 400
    assert "<Code>InvalidAction</Code>" in response.text
    assert (
        "The action LaunchRockets is not valid for this web service." in response.text
    )
    assert response.text.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors>'
    )


def test_ec2_unknown_key_is_auth_failure(lab: Lab) -> None:

    from .conftest import ALICE

    stranger = replace(
        ALICE, access_key_id="AKIAGATEHOUSESTRANGE", secret_access_key="whatever"
    )
    error = client_error(lab.client("ec2", stranger).describe_instances)

    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 401
    assert error.response["Error"] == {
        "Code": "AuthFailure",
        "Message": "AWS was not able to validate the provided access credentials",
    }
