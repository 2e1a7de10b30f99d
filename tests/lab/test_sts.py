"""STS as AWS answers it, through boto3 against the lab on the default world."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError

from .world_lab import HOME, VENDOR, WorldLab, world_lab

AUDIT_ROLE = f"arn:aws:iam::{HOME}:role/AuditRole"
LEGACY_AUDIT_ROLE = f"arn:aws:iam::{HOME}:role/LegacyAuditRole"
VENDOR_ROLE = f"arn:aws:iam::{VENDOR}:role/VendorRole"
DEPLOY_ROLE = f"arn:aws:iam::{HOME}:role/DeployRole"
RELEASE_ROLE = f"arn:aws:iam::{HOME}:role/ReleaseRole"
SENSITIVE_ROLE = f"arn:aws:iam::{HOME}:role/SensitiveDataRole"
EXTERNAL_ID = "7f3c9e21-customer-111111111111"
ALICE_MFA = f"arn:aws:iam::{HOME}:mfa/alice"
ALICE_SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorldLab]:
    with world_lab(Path(tmp_path_factory.mktemp("sts-lab"))) as served:
        yield served


def error_of(call: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error: dict[str, str] = raised.value.response["Error"]
    error["Status"] = str(raised.value.response["ResponseMetadata"]["HTTPStatusCode"])
    return error


def vendor_session(lab: WorldLab) -> dict[str, Any]:
    """The vendor's auditing service: a session of VendorRole."""
    sts = lab.client("sts", account=VENDOR)
    credentials: dict[str, Any] = sts.assume_role(
        RoleArn=VENDOR_ROLE, RoleSessionName="audit-service"
    )["Credentials"]
    return credentials


def alice_with_mfa(lab: WorldLab) -> dict[str, Any]:
    code = pyotp.TOTP(ALICE_SEED).now()
    sts = lab.client("sts", user="alice")
    credentials: dict[str, Any] = sts.assume_role(
        RoleArn=DEPLOY_ROLE,
        RoleSessionName="alice",
        SerialNumber=ALICE_MFA,
        TokenCode=code,
        DurationSeconds=7200,
    )["Credentials"]
    return credentials


# -- the confused deputy --------------------------------------------------------------


def test_the_vendor_with_the_external_id_assumes_the_audit_role(lab: WorldLab) -> None:
    sts = lab.client("sts", credentials=vendor_session(lab))
    response = sts.assume_role(
        RoleArn=AUDIT_ROLE, RoleSessionName="customer-111", ExternalId=EXTERNAL_ID
    )

    credentials = response["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert len(credentials["AccessKeyId"]) == 20
    assert response["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{HOME}:assumed-role/AuditRole/customer-111"
    )
    assert response["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert response["AssumedRoleUser"]["AssumedRoleId"].endswith(":customer-111")
    who = lab.client("sts", credentials=credentials).get_caller_identity()
    assert who["Arn"] == response["AssumedRoleUser"]["Arn"]
    assert who["Account"] == HOME


@pytest.mark.parametrize("external_id", [None, "guess-1234", EXTERNAL_ID.upper()])
def test_the_vendor_without_the_right_external_id_is_refused(
    lab: WorldLab, external_id: str | None
) -> None:
    sts = lab.client("sts", credentials=vendor_session(lab))
    extra = {} if external_id is None else {"ExternalId": external_id}

    error = error_of(sts.assume_role, RoleArn=AUDIT_ROLE, RoleSessionName="x1", **extra)

    assert error["Code"] == "AccessDenied"
    assert error["Status"] == "403"
    assert error["Message"] == (
        f"User: arn:aws:sts::{VENDOR}:assumed-role/VendorRole/audit-service is not "
        f"authorized to perform: sts:AssumeRole on resource: {AUDIT_ROLE}"
    )


def test_an_if_exists_condition_lets_a_caller_without_the_external_id_in(
    lab: WorldLab,
) -> None:
    sts = lab.client("sts", credentials=vendor_session(lab))

    response = sts.assume_role(RoleArn=LEGACY_AUDIT_ROLE, RoleSessionName="no-id")
    assert response["AssumedRoleUser"]["Arn"].endswith("LegacyAuditRole/no-id")

    error = error_of(
        sts.assume_role,
        RoleArn=LEGACY_AUDIT_ROLE,
        RoleSessionName="x3",
        ExternalId="wrong-1",
    )
    assert error["Code"] == "AccessDenied"


def test_an_outsider_cannot_assume_the_audit_role_even_with_the_external_id(
    lab: WorldLab,
) -> None:
    sts = lab.client("sts", account="333333333333")
    error = error_of(
        sts.assume_role,
        RoleArn=AUDIT_ROLE,
        RoleSessionName="x1",
        ExternalId=EXTERNAL_ID,
    )
    assert error["Code"] == "AccessDenied"


def test_a_role_that_does_not_exist_is_refused_like_one_that_refuses(
    lab: WorldLab,
) -> None:
    sts = lab.client("sts", credentials=vendor_session(lab))
    missing = f"arn:aws:iam::{HOME}:role/NoSuchRole"
    error = error_of(sts.assume_role, RoleArn=missing, RoleSessionName="x1")
    assert error["Message"].endswith(f"on resource: {missing}")


def test_the_root_user_cannot_assume_roles(lab: WorldLab) -> None:
    state = lab.runtime.state
    with state.write() as w:
        w.put_credential(
            "AKIAROOTKEYFORTEST01",
            HOME,
            {
                "type": "access-key",
                "access_key_id": "AKIAROOTKEYFORTEST01",
                "secret_access_key": "r" * 40,
                "account": HOME,
                "root": True,
                "status": "Active",
            },
            None,
        )
    sts = lab.client(
        "sts",
        credentials={
            "AccessKeyId": "AKIAROOTKEYFORTEST01",
            "SecretAccessKey": "r" * 40,
        },
    )
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{HOME}:root"
    error = error_of(sts.assume_role, RoleArn=DEPLOY_ROLE, RoleSessionName="root")
    assert (error["Code"], error["Message"]) == (
        "AccessDenied",
        "Roles may not be assumed by root accounts.",
    )


# -- MFA, durations and the one-hour chain -----------------------------------------------


def test_mfa_is_required_by_the_deploy_role(lab: WorldLab) -> None:
    sts = lab.client("sts", user="alice")
    error = error_of(sts.assume_role, RoleArn=DEPLOY_ROLE, RoleSessionName="alice")
    assert error["Code"] == "AccessDenied"

    bad = error_of(
        sts.assume_role,
        RoleArn=DEPLOY_ROLE,
        RoleSessionName="alice",
        SerialNumber=ALICE_MFA,
        TokenCode="000000" if pyotp.TOTP(ALICE_SEED).now() != "000000" else "111111",
    )
    assert bad["Message"] == (
        "MultiFactorAuthentication failed with invalid MFA one time pass code."
    )
    assert alice_with_mfa(lab)["AccessKeyId"].startswith("ASIA")


def test_a_duration_beyond_the_role_maximum_is_refused(lab: WorldLab) -> None:
    sts = lab.client("sts", user="alice")
    error = error_of(
        sts.assume_role,
        RoleArn=SENSITIVE_ROLE,
        RoleSessionName="long",
        SourceIdentity="alice",
        DurationSeconds=7200,
    )
    assert (error["Code"], error["Status"], error["Message"]) == (
        "ValidationError",
        "400",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )


def test_durations_outside_900_to_43200_fail_validation(lab: WorldLab) -> None:
    sts = lab.client("sts", user="alice", parameter_validation=False)
    error = error_of(
        sts.assume_role, RoleArn=DEPLOY_ROLE, RoleSessionName="a1", DurationSeconds=800
    )
    assert error["Message"] == (
        "1 validation error detected: Value '800' at 'durationSeconds' failed to "
        "satisfy constraint: Member must have value greater than or equal to 900"
    )


def test_role_chaining_is_capped_at_one_hour(lab: WorldLab) -> None:
    deploy = lab.client("sts", credentials=alice_with_mfa(lab))

    error = error_of(
        deploy.assume_role,
        RoleArn=RELEASE_ROLE,
        RoleSessionName="r1",
        DurationSeconds=3601,
    )
    assert (error["Code"], error["Status"], error["Message"]) == (
        "ValidationError",
        "400",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles "
        "assumed by role chaining.",
    )
    response = deploy.assume_role(
        RoleArn=RELEASE_ROLE, RoleSessionName="r1", DurationSeconds=3600
    )
    lifetime = response["Credentials"]["Expiration"] - datetime.now(UTC)
    assert 3500 < lifetime.total_seconds() <= 3600


def test_the_first_hop_may_last_as_long_as_the_role_allows(lab: WorldLab) -> None:
    credentials = alice_with_mfa(lab)
    lifetime = credentials["Expiration"] - datetime.now(UTC)
    assert 7100 < lifetime.total_seconds() <= 7200


# -- source identity --------------------------------------------------------------------


def test_the_sensitive_role_requires_a_source_identity(lab: WorldLab) -> None:
    sts = lab.client("sts", user="alice")
    error = error_of(sts.assume_role, RoleArn=SENSITIVE_ROLE, RoleSessionName="alice")
    assert error["Code"] == "AccessDenied"

    response = sts.assume_role(
        RoleArn=SENSITIVE_ROLE,
        RoleSessionName="alice",
        SourceIdentity="alice@example.com",
    )
    assert response["SourceIdentity"] == "alice@example.com"


def test_source_identity_persists_through_a_chain_and_cannot_change(
    lab: WorldLab,
) -> None:
    code = pyotp.TOTP(ALICE_SEED).now()
    first = lab.client("sts", user="alice").assume_role(
        RoleArn=DEPLOY_ROLE,
        RoleSessionName="alice",
        SerialNumber=ALICE_MFA,
        TokenCode=code,
        SourceIdentity="alice",
    )
    deploy = lab.client("sts", credentials=first["Credentials"])

    kept = deploy.assume_role(RoleArn=RELEASE_ROLE, RoleSessionName="hop2")
    assert kept["SourceIdentity"] == "alice"

    changed = error_of(
        deploy.assume_role,
        RoleArn=RELEASE_ROLE,
        RoleSessionName="hop3",
        SourceIdentity="bob",
    )
    assert changed["Message"] == (
        f"User: arn:aws:sts::{HOME}:assumed-role/DeployRole/alice is not authorized "
        f"to perform: sts:SetSourceIdentity on resource: {RELEASE_ROLE}"
    )
    release = lab.client("sts", credentials=kept["Credentials"]).get_caller_identity()
    assert release["Arn"].endswith("ReleaseRole/hop2")


def test_setting_a_source_identity_needs_set_source_identity_in_the_trust_policy(
    lab: WorldLab,
) -> None:
    sts = lab.client("sts", credentials=vendor_session(lab))
    error = error_of(
        sts.assume_role,
        RoleArn=AUDIT_ROLE,
        RoleSessionName="x1",
        ExternalId=EXTERNAL_ID,
        SourceIdentity="auditor-7",
    )
    assert "sts:SetSourceIdentity" in error["Message"]


@pytest.mark.parametrize("value", ["a:b", "has space", "x"])
def test_a_malformed_source_identity_fails_validation(
    lab: WorldLab, value: str
) -> None:
    sts = lab.client("sts", user="alice", parameter_validation=False)
    error = error_of(
        sts.assume_role,
        RoleArn=SENSITIVE_ROLE,
        RoleSessionName="a1",
        SourceIdentity=value,
    )
    assert error["Code"] == "ValidationError"
    assert "at 'sourceIdentity'" in error["Message"]


# -- session policies and tags -----------------------------------------------------------


def test_a_session_policy_narrows_the_session(lab: WorldLab) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "ec2:DescribeRegions", "Resource": "*"}
        ],
    }
    sts = lab.client("sts", user="alice")
    response = sts.assume_role(
        RoleArn=SENSITIVE_ROLE,
        RoleSessionName="narrow",
        SourceIdentity="alice",
        Policy=json.dumps(policy),
    )
    assert 0 < response["PackedPolicySize"] <= 100


def test_a_malformed_session_policy_is_refused(lab: WorldLab) -> None:
    sts = lab.client("sts", user="alice")
    error = error_of(
        sts.assume_role,
        RoleArn=SENSITIVE_ROLE,
        RoleSessionName="bad",
        SourceIdentity="alice",
        Policy='{"Version": "2012-10-17", "Statement": {"Effect": "Permit"}}',
    )
    assert error["Code"] == "MalformedPolicyDocument"


def test_session_tags_need_tag_session_and_transitive_keys_must_be_tagged(
    lab: WorldLab,
) -> None:
    deploy = lab.client("sts", credentials=alice_with_mfa(lab))
    error = error_of(
        deploy.assume_role,
        RoleArn=RELEASE_ROLE,
        RoleSessionName="t1",
        Tags=[{"Key": "team", "Value": "blue"}],
        TransitiveTagKeys=["project"],
    )
    assert error["Code"] == "InvalidParameterValue"
    tagged = deploy.assume_role(
        RoleArn=RELEASE_ROLE,
        RoleSessionName="t1",
        Tags=[{"Key": "team", "Value": "blue"}],
        TransitiveTagKeys=["team"],
    )
    assert tagged["PackedPolicySize"] >= 1


# -- GetSessionToken and GetFederationToken ------------------------------------------------


def test_get_session_token_defaults_to_twelve_hours_for_users(lab: WorldLab) -> None:
    credentials = lab.client("sts", user="alice").get_session_token()["Credentials"]
    lifetime = credentials["Expiration"] - datetime.now(UTC)
    assert 43100 < lifetime.total_seconds() <= 43200


def test_session_credentials_cannot_get_a_session_token(lab: WorldLab) -> None:
    sts = lab.client("sts", credentials=vendor_session(lab))
    error = error_of(sts.get_session_token)
    assert (error["Code"], error["Message"]) == (
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials",
    )
    error = error_of(sts.get_federation_token, Name="partner")
    assert error["Message"] == "Cannot call GetFederationToken with session credentials"


def test_get_session_token_credentials_need_mfa_for_iam(lab: WorldLab) -> None:
    plain = lab.client("sts", user="alice").get_session_token()["Credentials"]
    iam = lab.client("iam", credentials=plain)
    error = error_of(iam.list_users)
    assert (error["Code"], error["Message"]) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid",
    )
    sts = lab.client("sts", credentials=plain)
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{HOME}:user/alice"
    error = error_of(sts.get_federation_token, Name="partner")
    assert error["Code"] == "AccessDenied"


def test_get_session_token_with_a_wrong_serial_is_refused(lab: WorldLab) -> None:
    sts = lab.client("sts", user="alice")
    error = error_of(
        sts.get_session_token,
        SerialNumber=f"arn:aws:iam::{HOME}:mfa/nobody",
        TokenCode="123456",
    )
    assert error["Message"].startswith(
        "MultiFactorAuthentication failed, unable to validate"
    )
    error = error_of(sts.get_session_token, SerialNumber=ALICE_MFA)
    assert error["Message"] == (
        "MultiFactorAuthentication failed, must provide both MFA serial number and "
        "one time pass code."
    )


def test_a_federated_user_without_a_session_policy_has_no_permissions(
    lab: WorldLab,
) -> None:
    sts = lab.client("sts")
    response = sts.get_federation_token(Name="partner-bob")
    assert response["FederatedUser"]["Arn"] == (
        f"arn:aws:sts::{HOME}:federated-user/partner-bob"
    )
    assert response["FederatedUser"]["FederatedUserId"] == f"{HOME}:partner-bob"
    federated = lab.client("sts", credentials=response["Credentials"])
    assert federated.get_caller_identity()["Arn"].endswith("federated-user/partner-bob")
    error = error_of(federated.get_session_token)
    assert error["Code"] == "AccessDenied"


def test_get_federation_token_needs_its_permission(lab: WorldLab) -> None:
    sts = lab.client("sts", user="alice")
    error = error_of(sts.get_federation_token, Name="partner-bob")
    assert error["Message"].startswith(
        f"User: arn:aws:iam::{HOME}:user/alice is not authorized to perform: "
        "sts:GetFederationToken"
    )


# -- revocation ----------------------------------------------------------------------------


def test_revoking_older_sessions_cuts_them_off_and_spares_newer_ones(
    lab: WorldLab,
) -> None:
    from gatehouse.lab.state import Kind

    old = lab.client("sts", credentials=vendor_session(lab)).assume_role(
        RoleArn=AUDIT_ROLE, RoleSessionName="old", ExternalId=EXTERNAL_ID
    )["Credentials"]
    sts_old = lab.client("sts", credentials=old)
    assert sts_old.get_caller_identity()["Arn"].endswith("AuditRole/old")

    cutoff = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    state = lab.runtime.state
    role = state.get(HOME, Kind.ROLE, "AuditRole")
    assert role is not None
    revoke = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": cutoff}},
        },
    }
    inline = {**role.doc["inline_policies"], "AWSRevokeOlderSessions": revoke}
    with state.write() as w:
        w.put(
            role.__class__(
                role.account,
                role.kind,
                role.name,
                role.id,
                {**role.doc, "inline_policies": inline},
            )
        )

    import time

    time.sleep(1.1)
    new = lab.client("sts", credentials=vendor_session(lab)).assume_role(
        RoleArn=AUDIT_ROLE, RoleSessionName="new", ExternalId=EXTERNAL_ID
    )["Credentials"]
    # GetCallerIdentity cannot be denied; an ordinary call can.
    try:
        assert sts_old.get_caller_identity()["Arn"].endswith("AuditRole/old")
        error = error_of(
            lab.client("sts", credentials=old).assume_role,
            RoleArn=AUDIT_ROLE,
            RoleSessionName="again",
        )
        assert "with an explicit deny" not in error["Message"]  # STS omits the reason
        assert error["Code"] == "AccessDenied"
        fresh = lab.client("sts", credentials=new)
        assert fresh.get_caller_identity()["Arn"].endswith("AuditRole/new")
    finally:
        with state.write() as w:
            w.put(role)


# -- CloudTrail ------------------------------------------------------------------------------


def test_cross_account_assume_role_is_recorded_in_both_accounts(lab: WorldLab) -> None:
    sts = lab.client("sts", credentials=vendor_session(lab))
    sts.assume_role(
        RoleArn=AUDIT_ROLE, RoleSessionName="trail-1", ExternalId=EXTERNAL_ID
    )

    def find(account: str) -> dict[str, Any]:
        return next(
            r
            for r in reversed(lab.records(account))
            if r["eventName"] == "AssumeRole"
            and (r.get("requestParameters") or {}).get("roleSessionName") == "trail-1"
        )

    home, vendor = find(HOME), find(VENDOR)
    assert home["sharedEventID"] == vendor["sharedEventID"]
    assert home["eventID"] != vendor["eventID"]
    assert home["userIdentity"]["type"] == "AWSAccount"
    assert vendor["userIdentity"]["type"] == "AssumedRole"
    assert vendor["requestParameters"]["externalId"] == EXTERNAL_ID
    credentials = vendor["responseElements"]["credentials"]
    assert "secretAccessKey" not in credentials
    assert credentials["accessKeyId"].startswith("ASIA")
    assert vendor["resources"] == [
        {"accountId": HOME, "type": "AWS::IAM::Role", "ARN": AUDIT_ROLE}
    ]


def test_denied_calls_are_recorded_with_their_error(lab: WorldLab) -> None:
    sts = lab.client("sts", credentials=vendor_session(lab))
    error_of(sts.assume_role, RoleArn=AUDIT_ROLE, RoleSessionName="denied-1")
    denied = [
        r
        for r in lab.records(VENDOR)
        if r["eventName"] == "AssumeRole" and r.get("errorCode") == "AccessDenied"
    ]
    assert denied
    assert denied[-1]["requestParameters"] is None
    assert denied[-1]["errorMessage"].startswith("User: arn:aws:sts::")


def test_a_chained_session_carries_its_source_identity_into_cloudtrail(
    lab: WorldLab,
) -> None:
    sts = lab.client("sts", user="alice")
    response = sts.assume_role(
        RoleArn=SENSITIVE_ROLE, RoleSessionName="si-trail", SourceIdentity="alice-si"
    )
    lab.client("sts", credentials=response["Credentials"]).get_caller_identity()
    record = next(
        r
        for r in reversed(lab.records(HOME))
        if r["eventName"] == "GetCallerIdentity"
        and r["userIdentity"].get("arn", "").endswith("SensitiveDataRole/si-trail")
    )
    context = record["userIdentity"]["sessionContext"]
    assert context["sourceIdentity"] == "alice-si"
    assert context["sessionIssuer"]["arn"] == SENSITIVE_ROLE
    assert context["attributes"]["mfaAuthenticated"] == "false"
