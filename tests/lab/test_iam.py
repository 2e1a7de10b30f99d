"""IAM as AWS answers it, through boto3 against the lab on the default world.

Every test uses names of its own, so the module shares one lab; a test that must
change the world's own entities puts them back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError

from gatehouse.lab.state import GLOBAL, Kind

from .world_lab import HOME, WorldLab, world_lab

ADMIN_ARN = f"arn:aws:iam::{HOME}:user/admin"
ALICE_ARN = f"arn:aws:iam::{HOME}:user/alice"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ADMINISTRATOR = "arn:aws:iam::aws:policy/AdministratorAccess"
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
HOME_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{HOME}:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def allow(*actions: str, resource: str = "*") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": list(actions), "Resource": resource}
            ],
        }
    )


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorldLab]:
    with world_lab(Path(tmp_path_factory.mktemp("iam-lab"))) as served:
        yield served


@pytest.fixture
def iam(lab: WorldLab) -> Any:
    """The home account's administrator."""
    return lab.client("iam")


def error_of(call: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error: dict[str, str] = raised.value.response["Error"]
    error["Status"] = str(raised.value.response["ResponseMetadata"]["HTTPStatusCode"])
    return error


def user_with_key(lab: WorldLab, iam: Any, name: str) -> dict[str, Any]:
    """A new user with no permissions and its access key, as credentials."""
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {
        "AccessKeyId": key["AccessKeyId"],
        "SecretAccessKey": key["SecretAccessKey"],
    }


def wait_for_key(lab: WorldLab, credentials: dict[str, Any]) -> Any:
    return lab.client("iam", credentials=credentials)


# -- users -----------------------------------------------------------------------------


def test_a_user_is_created_found_renamed_and_deleted(iam: Any) -> None:
    created = iam.create_user(
        UserName="carol", Path="/staff/", Tags=[{"Key": "team", "Value": "web"}]
    )["User"]

    assert created["Arn"] == f"arn:aws:iam::{HOME}:user/staff/carol"
    assert created["UserId"].startswith("AIDA") and len(created["UserId"]) == 21
    assert created["Path"] == "/staff/"
    assert created["Tags"] == [{"Key": "team", "Value": "web"}]
    assert iam.get_user(UserName="carol")["User"]["UserId"] == created["UserId"]
    listed = iam.list_users(PathPrefix="/staff/")["Users"]
    assert [u["UserName"] for u in listed] == ["carol"]

    iam.update_user(UserName="carol", NewUserName="carola", NewPath="/ops/")
    moved = iam.get_user(UserName="carola")["User"]
    assert moved["Arn"] == f"arn:aws:iam::{HOME}:user/ops/carola"
    assert moved["UserId"] == created["UserId"]
    assert error_of(iam.get_user, UserName="carol")["Code"] == "NoSuchEntity"

    iam.delete_user(UserName="carola")
    error = error_of(iam.get_user, UserName="carola")
    assert error == {
        "Type": "Sender",
        "Code": "NoSuchEntity",
        "Message": "The user with name carola cannot be found.",
        "Status": "404",
    }


def test_user_names_are_unique_regardless_of_case(iam: Any) -> None:
    iam.create_user(UserName="dup-user")

    error = error_of(iam.create_user, UserName="DUP-USER")

    assert error["Code"] == "EntityAlreadyExists"
    assert error["Status"] == "409"
    assert error["Message"] == "User with name DUP-USER already exists."


def test_get_user_without_a_name_is_the_caller(lab: WorldLab) -> None:
    alice = lab.client("iam", user="alice").get_user()["User"]
    assert alice["Arn"] == ALICE_ARN
    assert alice["UserName"] == "alice"


def test_a_role_session_must_name_the_user(lab: WorldLab, iam: Any) -> None:
    iam.create_role(RoleName="gu-role", AssumeRolePolicyDocument=json.dumps(HOME_TRUST))
    iam.attach_role_policy(RoleName="gu-role", PolicyArn=READ_ONLY)
    session = lab.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{HOME}:role/gu-role", RoleSessionName="gu-session"
    )["Credentials"]

    role_iam = lab.client("iam", credentials=session)
    error = error_of(role_iam.get_user)

    assert error["Code"] == "ValidationError"
    assert error["Status"] == "400"
    assert error["Message"] == (
        "Must specify userName when calling with non-User credentials"
    )
    assert role_iam.get_user(UserName="alice")["User"]["Arn"] == ALICE_ARN


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("key", "Cannot delete entity, must delete access keys first."),
        ("inline", "Cannot delete entity, must delete policies first."),
        ("attached", "Cannot delete entity, must detach all policies first."),
        ("group", "Cannot delete entity, must remove users from group first."),
    ],
)
def test_a_user_with_credentials_or_policies_cannot_be_deleted(
    iam: Any, setup: str, message: str
) -> None:
    name = f"del-{setup}"
    iam.create_user(UserName=name)
    if setup == "key":
        iam.create_access_key(UserName=name)
    elif setup == "inline":
        iam.put_user_policy(
            UserName=name, PolicyName="p", PolicyDocument=allow("s3:GetObject")
        )
    elif setup == "attached":
        iam.attach_user_policy(UserName=name, PolicyArn=READ_ONLY)
    else:
        iam.add_user_to_group(GroupName="developers", UserName=name)

    error = error_of(iam.delete_user, UserName=name)

    assert (error["Code"], error["Status"], error["Message"]) == (
        "DeleteConflict",
        "409",
        message,
    )


def test_users_are_tagged_and_untagged(iam: Any) -> None:
    iam.create_user(UserName="tagged")
    iam.tag_user(
        UserName="tagged",
        Tags=[{"Key": "cost", "Value": "1"}, {"Key": "owner", "Value": "ops"}],
    )
    iam.untag_user(UserName="tagged", TagKeys=["cost"])

    assert iam.list_user_tags(UserName="tagged")["Tags"] == [
        {"Key": "owner", "Value": "ops"}
    ]
    error = error_of(
        iam.tag_user,
        UserName="tagged",
        Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}],
    )
    assert error["Code"] == "InvalidInput"


def test_list_users_pages_with_markers(iam: Any) -> None:
    for n in range(3):
        iam.create_user(UserName=f"page-{n}", Path="/paged/")

    first = iam.list_users(PathPrefix="/paged/", MaxItems=2)
    second = iam.list_users(PathPrefix="/paged/", Marker=first["Marker"])

    assert first["IsTruncated"] is True
    assert [u["UserName"] for u in first["Users"]] == ["page-0", "page-1"]
    assert second["IsTruncated"] is False
    assert [u["UserName"] for u in second["Users"]] == ["page-2"]
    pages = iam.get_paginator("list_users").paginate(
        PathPrefix="/paged/", PaginationConfig={"PageSize": 1}
    )
    assert [u["UserName"] for p in pages for u in p["Users"]] == [
        "page-0",
        "page-1",
        "page-2",
    ]


# -- access keys -------------------------------------------------------------------------


def test_an_access_key_authenticates_until_deactivated(lab: WorldLab, iam: Any) -> None:
    credentials = user_with_key(lab, iam, "keyholder")
    assert credentials["AccessKeyId"].startswith("AKIA")
    assert len(credentials["AccessKeyId"]) == 20
    assert len(credentials["SecretAccessKey"]) == 40
    sts = lab.client("sts", credentials=credentials)
    assert sts.get_caller_identity()["Arn"].endswith(":user/keyholder")

    iam.update_access_key(
        UserName="keyholder", AccessKeyId=credentials["AccessKeyId"], Status="Inactive"
    )
    error = error_of(sts.get_caller_identity)
    assert error["Code"] == "InvalidClientTokenId"
    [listed] = iam.list_access_keys(UserName="keyholder")["AccessKeyMetadata"]
    assert listed["Status"] == "Inactive"

    iam.update_access_key(
        UserName="keyholder", AccessKeyId=credentials["AccessKeyId"], Status="Active"
    )
    assert sts.get_caller_identity()["Arn"].endswith(":user/keyholder")
    iam.delete_access_key(UserName="keyholder", AccessKeyId=credentials["AccessKeyId"])
    assert error_of(sts.get_caller_identity)["Code"] == "InvalidClientTokenId"


def test_a_user_has_at_most_two_access_keys(iam: Any) -> None:
    iam.create_user(UserName="twokeys")
    first = iam.create_access_key(UserName="twokeys")["AccessKey"]
    iam.create_access_key(UserName="twokeys")
    iam.update_access_key(
        UserName="twokeys", AccessKeyId=first["AccessKeyId"], Status="Inactive"
    )

    error = error_of(iam.create_access_key, UserName="twokeys")

    assert (error["Code"], error["Status"], error["Message"]) == (
        "LimitExceeded",
        "409",
        "Cannot exceed quota for AccessKeysPerUser: 2",
    )


def test_an_unknown_access_key_is_no_such_entity(iam: Any) -> None:
    error = error_of(
        iam.delete_access_key, UserName="admin", AccessKeyId="AKIAAAAAAAAAAAAAAAAA"
    )
    assert error["Message"] == (
        "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found."
    )


def test_access_key_last_used_reports_the_last_call(lab: WorldLab, iam: Any) -> None:
    credentials = user_with_key(lab, iam, "lastused")
    key_id = credentials["AccessKeyId"]
    never = iam.get_access_key_last_used(AccessKeyId=key_id)
    assert never["UserName"] == "lastused"
    assert never["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}

    lab.client("sts", credentials=credentials).get_caller_identity()

    used = iam.get_access_key_last_used(AccessKeyId=key_id)["AccessKeyLastUsed"]
    assert used["ServiceName"] == "sts"
    assert used["Region"] == "us-east-1"
    assert abs(used["LastUsedDate"] - datetime.now(UTC)) < timedelta(minutes=1)


# -- groups ------------------------------------------------------------------------------


def test_group_membership_is_kept_and_listed(iam: Any) -> None:
    group = iam.create_group(GroupName="oncall", Path="/teams/")["Group"]
    assert group["GroupId"].startswith("AGPA")
    assert group["Arn"] == f"arn:aws:iam::{HOME}:group/teams/oncall"
    iam.create_user(UserName="pager")
    iam.add_user_to_group(GroupName="oncall", UserName="pager")

    got = iam.get_group(GroupName="oncall")
    assert [u["UserName"] for u in got["Users"]] == ["pager"]
    groups = iam.list_groups_for_user(UserName="pager")["Groups"]
    assert [g["GroupName"] for g in groups] == ["oncall"]
    assert "oncall" in [g["GroupName"] for g in iam.list_groups()["Groups"]]
    error = error_of(iam.delete_group, GroupName="oncall")
    assert error["Message"] == (
        "Cannot delete entity, must remove users from group first."
    )

    iam.remove_user_from_group(GroupName="oncall", UserName="pager")
    iam.delete_group(GroupName="oncall")
    assert error_of(iam.get_group, GroupName="oncall")["Message"] == (
        "The group with name oncall cannot be found."
    )


def test_joining_a_group_grants_its_policies_on_the_next_call(
    lab: WorldLab, iam: Any
) -> None:
    credentials = user_with_key(lab, iam, "joiner")
    joiner = lab.client("iam", credentials=credentials)
    assert error_of(joiner.list_roles)["Code"] == "AccessDenied"

    iam.add_user_to_group(GroupName="developers", UserName="joiner")
    assert joiner.list_roles()["Roles"]

    iam.remove_user_from_group(GroupName="developers", UserName="joiner")
    assert error_of(joiner.list_roles)["Code"] == "AccessDenied"


# -- roles ------------------------------------------------------------------------------


def test_a_role_is_created_and_described_as_iam_describes_it(iam: Any) -> None:
    created = iam.create_role(
        RoleName="app-role",
        Path="/apps/",
        AssumeRolePolicyDocument=json.dumps(EC2_TRUST),
        Description="the app",
        MaxSessionDuration=7200,
        Tags=[{"Key": "app", "Value": "web"}],
    )["Role"]
    assert created["Tags"] == [{"Key": "app", "Value": "web"}]
    assert created["RoleId"].startswith("AROA")
    assert created["Arn"] == f"arn:aws:iam::{HOME}:role/apps/app-role"

    role = iam.get_role(RoleName="app-role")["Role"]
    # botocore decodes IAM's URL-encoded policy documents into dicts.
    assert role["AssumeRolePolicyDocument"] == EC2_TRUST
    assert role["MaxSessionDuration"] == 7200
    assert role["Description"] == "the app"
    assert role["RoleLastUsed"] == {}

    iam.update_role(
        RoleName="app-role", Description="changed", MaxSessionDuration=43200
    )
    role = iam.get_role(RoleName="app-role")["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("changed", 43200)


def test_role_last_used_follows_its_sessions(lab: WorldLab) -> None:
    vendor = "222222222222"
    vendor_iam = lab.client("iam", account=vendor)
    session = lab.client("sts", account=vendor).assume_role(
        RoleArn=f"arn:aws:iam::{vendor}:role/VendorRole", RoleSessionName="last-used"
    )["Credentials"]

    lab.client("sts", credentials=session).get_caller_identity()

    used = vendor_iam.get_role(RoleName="VendorRole")["Role"]["RoleLastUsed"]
    assert used["Region"] == "us-east-1"
    assert abs(used["LastUsedDate"] - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("{not json", "invalid JSON"),
        (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}), ""),
    ],
)
def test_a_malformed_trust_policy_is_refused(
    iam: Any, document: str, problem: str
) -> None:
    error = error_of(
        iam.create_role, RoleName="bad-trust", AssumeRolePolicyDocument=document
    )

    assert (error["Code"], error["Status"]) == ("MalformedPolicyDocument", "400")
    assert problem in error["Message"]
    assert " at $" in error["Message"]


def test_max_session_duration_is_bounded(iam: Any) -> None:
    error = error_of(
        iam.create_role,
        RoleName="long-role",
        AssumeRolePolicyDocument=json.dumps(EC2_TRUST),
        MaxSessionDuration=43201,
    )
    assert error["Code"] == "ValidationError"
    assert "maxSessionDuration" in error["Message"]


def test_a_trust_policy_over_2048_characters_is_refused(iam: Any) -> None:
    trust = json.loads(json.dumps(HOME_TRUST))
    trust["Statement"][0]["Condition"] = {
        "StringEquals": {"sts:ExternalId": [f"id-{n:04d}" for n in range(250)]}
    }

    error = error_of(
        iam.create_role,
        RoleName="big-trust",
        AssumeRolePolicyDocument=json.dumps(trust),
    )

    assert (error["Code"], error["Message"]) == (
        "LimitExceeded",
        "Cannot exceed quota for ACLSizePerRole: 2048",
    )


def test_a_new_trust_policy_decides_the_next_assume_role(
    lab: WorldLab, iam: Any
) -> None:
    iam.create_role(
        RoleName="trusting", AssumeRolePolicyDocument=json.dumps(HOME_TRUST)
    )
    arn = f"arn:aws:iam::{HOME}:role/trusting"
    sts = lab.client("sts")
    assert sts.assume_role(RoleArn=arn, RoleSessionName="before")

    iam.update_assume_role_policy(
        RoleName="trusting", PolicyDocument=json.dumps(EC2_TRUST)
    )

    error = error_of(sts.assume_role, RoleArn=arn, RoleSessionName="after")
    assert error["Code"] == "AccessDenied"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            "profile",
            "Cannot delete entity, must remove roles from instance profile first.",
        ),
        ("inline", "Cannot delete entity, must delete policies first."),
        ("attached", "Cannot delete entity, must detach all policies first."),
    ],
)
def test_a_role_in_use_cannot_be_deleted(iam: Any, setup: str, message: str) -> None:
    name = f"busy-{setup}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    if setup == "profile":
        iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    elif setup == "inline":
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=allow("s3:*"))
    else:
        iam.attach_role_policy(RoleName=name, PolicyArn=READ_ONLY)

    error = error_of(iam.delete_role, RoleName=name)

    assert (error["Code"], error["Status"], error["Message"]) == (
        "DeleteConflict",
        "409",
        message,
    )


def test_a_missing_role_is_no_such_entity(iam: Any) -> None:
    error = error_of(iam.get_role, RoleName="NoSuchRole")
    assert (error["Code"], error["Status"], error["Message"]) == (
        "NoSuchEntity",
        "404",
        "The role with name NoSuchRole cannot be found.",
    )


def test_roles_are_tagged(iam: Any) -> None:
    iam.create_role(RoleName="tag-role", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    iam.tag_role(RoleName="tag-role", Tags=[{"Key": "env", "Value": "prod"}])
    assert iam.list_role_tags(RoleName="tag-role")["Tags"] == [
        {"Key": "env", "Value": "prod"}
    ]
    iam.untag_role(RoleName="tag-role", TagKeys=["env"])
    assert iam.get_role(RoleName="tag-role")["Role"].get("Tags") is None


# -- inline policies ------------------------------------------------------------------------

HOLDERS = {
    "User": ("UserName", 2048),
    "Group": ("GroupName", 5120),
    "Role": ("RoleName", 10240),
}


def make_holder(iam: Any, title: str, name: str) -> dict[str, str]:
    if title == "User":
        iam.create_user(UserName=name)
    elif title == "Group":
        iam.create_group(GroupName=name)
    else:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    return {HOLDERS[title][0]: name}


def call(iam: Any, operation: str, **kwargs: Any) -> Any:
    """Call an IAM operation by its AWS name (PutUserPolicy -> put_user_policy)."""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in operation)
    return getattr(iam, snake.lstrip("_"))(**kwargs)


@pytest.mark.parametrize("title", HOLDERS)
def test_inline_policies_are_put_read_listed_and_deleted(iam: Any, title: str) -> None:
    who = make_holder(iam, title, f"inline-{title.lower()}")
    document = json.loads(allow("s3:GetObject", resource="arn:aws:s3:::b/*"))

    call(
        iam,
        f"Put{title}Policy",
        **who,
        PolicyName="read",
        PolicyDocument=json.dumps(document),
    )

    got = call(iam, f"Get{title}Policy", **who, PolicyName="read")
    assert got["PolicyDocument"] == document
    assert call(iam, f"List{title}Policies", **who)["PolicyNames"] == ["read"]
    call(iam, f"Delete{title}Policy", **who, PolicyName="read")
    error = error_of(
        lambda **k: call(iam, f"Get{title}Policy", **k), **who, PolicyName="read"
    )
    assert error["Message"] == (
        f"The {title.lower()} policy with name read cannot be found."
    )


@pytest.mark.parametrize("title", HOLDERS)
def test_inline_policies_have_iams_size_limit(iam: Any, title: str) -> None:
    name = f"big-{title.lower()}"
    who = make_holder(iam, title, name)
    limit = HOLDERS[title][1]
    # Whitespace is not counted: this document is within the limit only so.
    resources = [f"arn:aws:s3:::bucket-{n:05d}/*" for n in range(limit // 30)]
    big = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": resources}],
        },
        indent=8,
    )

    error = error_of(
        lambda **k: call(iam, f"Put{title}Policy", **k),
        **who,
        PolicyName="big",
        PolicyDocument=big,
    )

    assert (error["Code"], error["Status"], error["Message"]) == (
        "LimitExceeded",
        "409",
        f"Maximum policy size of {limit} bytes exceeded for {title.lower()} {name}",
    )


def test_a_malformed_identity_policy_is_refused(iam: Any) -> None:
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                }
            ],
        }
    )

    error = error_of(
        iam.put_user_policy, UserName="admin", PolicyName="bad", PolicyDocument=document
    )

    assert (error["Code"], error["Status"]) == ("MalformedPolicyDocument", "400")
    assert "Principal" in error["Message"]


def test_revoking_role_sessions_with_put_role_policy(lab: WorldLab, iam: Any) -> None:
    arn = f"arn:aws:iam::{HOME}:role/revocable"
    iam.create_role(
        RoleName="revocable", AssumeRolePolicyDocument=json.dumps(HOME_TRUST)
    )
    iam.attach_role_policy(RoleName="revocable", PolicyArn=READ_ONLY)
    sts = lab.client("sts")
    old = sts.assume_role(RoleArn=arn, RoleSessionName="old")["Credentials"]
    assert lab.client("iam", credentials=old).list_roles()["Roles"]
    time.sleep(1.1)  # token issue times have one-second resolution

    # What the console's "Revoke active sessions" writes (aws-facts §2).
    cutoff = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    revoke = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": cutoff}},
        },
    }
    iam.put_role_policy(
        RoleName="revocable",
        PolicyName="AWSRevokeOlderSessions",
        PolicyDocument=json.dumps(revoke),
    )
    time.sleep(1.1)
    new = sts.assume_role(RoleArn=arn, RoleSessionName="new")["Credentials"]

    error = error_of(lab.client("iam", credentials=old).list_roles)
    assert error["Code"] == "AccessDenied"
    assert error["Message"].endswith(
        "with an explicit deny in an identity-based policy"
    )
    assert lab.client("iam", credentials=new).list_roles()["Roles"]


# -- managed policies ---------------------------------------------------------------------


def test_a_managed_policy_is_created_with_a_first_default_version(iam: Any) -> None:
    policy = iam.create_policy(
        PolicyName="ReadBuckets",
        Path="/team/",
        PolicyDocument=allow("s3:Get*"),
        Description="reads buckets",
    )["Policy"]

    assert policy["Arn"] == f"arn:aws:iam::{HOME}:policy/team/ReadBuckets"
    assert policy["PolicyId"].startswith("ANPA")
    assert policy["DefaultVersionId"] == "v1"
    assert policy["AttachmentCount"] == 0
    got = iam.get_policy(PolicyArn=policy["Arn"])["Policy"]
    assert got["Description"] == "reads buckets"
    version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId="v1")
    assert version["PolicyVersion"]["Document"] == json.loads(allow("s3:Get*"))
    error = error_of(
        iam.create_policy, PolicyName="ReadBuckets", PolicyDocument=allow("s3:Get*")
    )
    assert (error["Code"], error["Message"]) == (
        "EntityAlreadyExists",
        "A policy called ReadBuckets already exists. Duplicate names are not allowed.",
    )


def test_a_managed_policy_keeps_at_most_five_versions(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="Versioned", PolicyDocument=allow("s3:Get*"))[
        "Policy"
    ]["Arn"]
    for n in range(2, 6):
        made = iam.create_policy_version(
            PolicyArn=arn, PolicyDocument=allow(f"s3:Get{n}*"), SetAsDefault=n == 3
        )
        assert made["PolicyVersion"]["VersionId"] == f"v{n}"

    error = error_of(
        iam.create_policy_version, PolicyArn=arn, PolicyDocument=allow("x:Y")
    )
    assert (error["Code"], error["Status"], error["Message"]) == (
        "LimitExceeded",
        "409",
        "A managed policy can have up to 5 versions. Before you create a new "
        "version, you must delete an existing version.",
    )
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v5", "v4", "v3", "v2", "v1"]
    assert [v["VersionId"] for v in versions if v["IsDefaultVersion"]] == ["v3"]

    error = error_of(iam.delete_policy_version, PolicyArn=arn, VersionId="v3")
    assert error["Message"] == "Cannot delete the default version of a policy."
    error = error_of(iam.delete_policy, PolicyArn=arn)
    assert error["Message"].startswith("This policy has more than one version.")
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    for n in range(2, 6):
        iam.delete_policy_version(PolicyArn=arn, VersionId=f"v{n}")
    iam.delete_policy(PolicyArn=arn)
    assert error_of(iam.get_policy, PolicyArn=arn)["Message"] == (
        f"Policy {arn} was not found."
    )


def test_a_managed_policy_over_6144_characters_is_refused(iam: Any) -> None:
    resources = [f"arn:aws:s3:::bucket-{n:05d}/*" for n in range(250)]
    big = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": resources}],
        }
    )
    error = error_of(iam.create_policy, PolicyName="Huge", PolicyDocument=big)
    assert (error["Code"], error["Message"]) == (
        "LimitExceeded",
        "Cannot exceed quota for PolicySize: 6144",
    )


def test_aws_managed_policies_cannot_be_changed(iam: Any) -> None:
    error = error_of(iam.delete_policy, PolicyArn=READ_ONLY)
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == (
        f"User: {ADMIN_ARN} is not authorized to perform: iam:DeletePolicy on "
        f"resource: policy {READ_ONLY}"
    )
    error = error_of(
        iam.create_policy_version, PolicyArn=READ_ONLY, PolicyDocument=allow("*")
    )
    assert error["Code"] == "AccessDenied"


def test_list_policies_by_scope_and_use(iam: Any) -> None:
    aws = {p["Arn"] for p in iam.list_policies(Scope="AWS")["Policies"]}
    local = {p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]}
    attached = {
        p["Arn"]: p["AttachmentCount"]
        for p in iam.list_policies(OnlyAttached=True)["Policies"]
    }

    assert {READ_ONLY, ADMINISTRATOR} <= aws
    assert f"arn:aws:iam::{HOME}:policy/AuditReadOnly" in local
    assert not aws & local
    assert attached[f"arn:aws:iam::{HOME}:policy/AuditReadOnly"] == 2


@pytest.mark.parametrize("title", HOLDERS)
def test_managed_policies_are_attached_listed_and_detached(
    iam: Any, title: str
) -> None:
    who = make_holder(iam, title, f"attach-{title.lower()}")

    call(iam, f"Attach{title}Policy", **who, PolicyArn=READ_ONLY)
    call(iam, f"Attach{title}Policy", **who, PolicyArn=READ_ONLY)  # idempotent

    listed = call(iam, f"ListAttached{title}Policies", **who)["AttachedPolicies"]
    assert listed == [{"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY}]
    users = iam.list_entities_for_policy(PolicyArn=READ_ONLY, EntityFilter=title)
    assert who[f"{title}Name"] in [e[f"{title}Name"] for e in users[f"Policy{title}s"]]
    call(iam, f"Detach{title}Policy", **who, PolicyArn=READ_ONLY)
    assert call(iam, f"ListAttached{title}Policies", **who)["AttachedPolicies"] == []
    error = error_of(
        lambda **k: call(iam, f"Detach{title}Policy", **k), **who, PolicyArn=READ_ONLY
    )
    assert error["Message"] == f"Policy {READ_ONLY} was not found."


def test_a_policy_that_does_not_exist_is_not_attachable(iam: Any) -> None:
    missing = f"arn:aws:iam::{HOME}:policy/Missing"
    error = error_of(iam.attach_user_policy, UserName="admin", PolicyArn=missing)
    assert (error["Code"], error["Status"], error["Message"]) == (
        "NoSuchEntity",
        "404",
        f"Policy {missing} does not exist or is not attachable.",
    )


def test_an_attached_policy_cannot_be_deleted(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="InUse", PolicyDocument=allow("s3:Get*"))[
        "Policy"
    ]["Arn"]
    iam.attach_group_policy(GroupName="developers", PolicyArn=arn)
    try:
        error = error_of(iam.delete_policy, PolicyArn=arn)
        assert (error["Code"], error["Message"]) == (
            "DeleteConflict",
            "Cannot delete a policy attached to entities.",
        )
    finally:
        iam.detach_group_policy(GroupName="developers", PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)


# -- authorization ---------------------------------------------------------------------------


def test_a_read_only_developer_can_list_but_not_create(lab: WorldLab) -> None:
    alice = lab.client("iam", user="alice")
    assert "admin" in [u["UserName"] for u in alice.list_users()["Users"]]

    error = error_of(alice.create_user, UserName="mallory")

    assert (error["Code"], error["Status"]) == ("AccessDenied", "403")
    assert error["Message"] == (
        f"User: {ALICE_ARN} is not authorized to perform: iam:CreateUser on "
        f"resource: arn:aws:iam::{HOME}:user/mallory because no identity-based "
        "policy allows the iam:CreateUser action"
    )


def test_a_denial_on_an_existing_role_names_it_as_iam_does(
    lab: WorldLab, iam: Any
) -> None:
    credentials = user_with_key(lab, iam, "nobody")
    error = error_of(
        lab.client("iam", credentials=credentials).get_role, RoleName="AuditRole"
    )
    assert error["Message"] == (
        f"User: arn:aws:iam::{HOME}:user/nobody is not authorized to perform: "
        "iam:GetRole on resource: role AuditRole because no identity-based policy "
        "allows the iam:GetRole action"
    )


def test_attaching_grants_on_the_next_call_and_detaching_takes_it_away(
    lab: WorldLab, iam: Any
) -> None:
    credentials = user_with_key(lab, iam, "grantee")
    grantee = lab.client("iam", credentials=credentials)
    assert error_of(grantee.list_users)["Code"] == "AccessDenied"

    iam.attach_user_policy(UserName="grantee", PolicyArn=READ_ONLY)
    assert grantee.list_users()["Users"]

    iam.detach_user_policy(UserName="grantee", PolicyArn=READ_ONLY)
    assert error_of(grantee.list_users)["Code"] == "AccessDenied"


def test_a_permissions_boundary_caps_an_administrator(lab: WorldLab, iam: Any) -> None:
    credentials = user_with_key(lab, iam, "bounded")
    iam.attach_user_policy(UserName="bounded", PolicyArn=ADMINISTRATOR)
    bounded = lab.client("iam", credentials=credentials)
    bounded.create_user(UserName="made-by-bounded")

    iam.put_user_permissions_boundary(UserName="bounded", PermissionsBoundary=READ_ONLY)
    error = error_of(bounded.create_user, UserName="blocked-by-boundary")
    assert error["Message"].endswith(
        "because no permissions boundary allows the iam:CreateUser action"
    )
    assert iam.get_user(UserName="bounded")["User"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": READ_ONLY,
    }

    iam.delete_user_permissions_boundary(UserName="bounded")
    bounded.create_user(UserName="made-again")


def test_role_boundaries_are_set_and_removed(iam: Any) -> None:
    iam.create_role(
        RoleName="bounded-role", AssumeRolePolicyDocument=json.dumps(EC2_TRUST)
    )
    iam.put_role_permissions_boundary(
        RoleName="bounded-role", PermissionsBoundary=READ_ONLY
    )
    role = iam.get_role(RoleName="bounded-role")["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == READ_ONLY
    usage = iam.list_entities_for_policy(
        PolicyArn=READ_ONLY, PolicyUsageFilter="PermissionsBoundary"
    )
    assert "bounded-role" in [r["RoleName"] for r in usage["PolicyRoles"]]
    iam.delete_role_permissions_boundary(RoleName="bounded-role")
    assert "PermissionsBoundary" not in iam.get_role(RoleName="bounded-role")["Role"]


def test_an_scp_binds_the_administrator_of_a_member_account(
    lab: WorldLab, iam: Any
) -> None:
    state = lab.runtime.state
    org = next(iter(state.entities(GLOBAL, Kind.ORGANIZATION)))
    deny_users = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"},
        ],
    }
    levels = {**org.doc["levels"]}
    levels[HOME] = [*levels[HOME], [deny_users]]
    with state.write() as w:
        w.put(
            org.__class__(
                org.account, org.kind, org.name, org.id, {**org.doc, "levels": levels}
            )
        )
    try:
        error = error_of(iam.create_user, UserName="scp-blocked")
        assert error["Message"] == (
            f"User: {ADMIN_ARN} is not authorized to perform: iam:CreateUser on "
            f"resource: arn:aws:iam::{HOME}:user/scp-blocked with an explicit deny "
            "in a service control policy"
        )
        assert iam.list_users()["Users"]
    finally:
        with state.write() as w:
            w.put(org)
    iam.create_user(UserName="scp-allowed")


# -- instance profiles ----------------------------------------------------------------------


def test_an_instance_profile_holds_one_role(iam: Any) -> None:
    for name in ("ip-role-a", "ip-role-b"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    profile = iam.create_instance_profile(InstanceProfileName="ip-one")[
        "InstanceProfile"
    ]
    assert profile["InstanceProfileId"].startswith("AIPA")
    iam.add_role_to_instance_profile(InstanceProfileName="ip-one", RoleName="ip-role-a")

    error = error_of(
        iam.add_role_to_instance_profile,
        InstanceProfileName="ip-one",
        RoleName="ip-role-b",
    )
    assert (error["Code"], error["Status"], error["Message"]) == (
        "LimitExceeded",
        "409",
        "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
    )
    got = iam.get_instance_profile(InstanceProfileName="ip-one")["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["ip-role-a"]
    assert got["Roles"][0]["AssumeRolePolicyDocument"] == EC2_TRUST
    for_role = iam.list_instance_profiles_for_role(RoleName="ip-role-a")
    assert [p["InstanceProfileName"] for p in for_role["InstanceProfiles"]] == [
        "ip-one"
    ]
    assert (
        error_of(iam.delete_instance_profile, InstanceProfileName="ip-one")["Message"]
        == "Cannot delete entity, must remove roles from instance profile first."
    )

    iam.remove_role_from_instance_profile(
        InstanceProfileName="ip-one", RoleName="ip-role-a"
    )
    iam.delete_instance_profile(InstanceProfileName="ip-one")
    assert (
        error_of(iam.get_instance_profile, InstanceProfileName="ip-one")["Message"]
        == "Instance Profile ip-one cannot be found."
    )


def test_adding_a_role_to_a_profile_needs_pass_role(lab: WorldLab, iam: Any) -> None:
    credentials = user_with_key(lab, iam, "profiler")
    iam.put_user_policy(
        UserName="profiler",
        PolicyName="profiles",
        PolicyDocument=allow(
            "iam:AddRoleToInstanceProfile", "iam:CreateInstanceProfile"
        ),
    )
    iam.create_role(
        RoleName="ip-passed", AssumeRolePolicyDocument=json.dumps(EC2_TRUST)
    )
    profiler = lab.client("iam", credentials=credentials)
    profiler.create_instance_profile(InstanceProfileName="ip-pass")

    error = error_of(
        profiler.add_role_to_instance_profile,
        InstanceProfileName="ip-pass",
        RoleName="ip-passed",
    )

    assert "iam:PassRole on resource: " in error["Message"]


# -- virtual MFA devices ----------------------------------------------------------------------


def test_a_virtual_mfa_device_is_enabled_with_two_consecutive_codes(
    lab: WorldLab, iam: Any
) -> None:
    credentials = user_with_key(lab, iam, "mfa-user")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="mfa-user")[
        "VirtualMFADevice"
    ]
    serial = device["SerialNumber"]
    assert serial == f"arn:aws:iam::{HOME}:mfa/mfa-user"
    # boto3 decodes the blob: what it hands back is the base32 seed itself.
    totp = pyotp.TOTP(device["Base32StringSeed"].decode())
    now = datetime.now(UTC)
    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")
    assert serial in [d["SerialNumber"] for d in unassigned["VirtualMFADevices"]]

    error = error_of(
        iam.enable_mfa_device,
        UserName="mfa-user",
        SerialNumber=serial,
        AuthenticationCode1=totp.at(now),
        AuthenticationCode2=totp.at(now),
    )
    assert (error["Code"], error["Status"]) == ("InvalidAuthenticationCode", "403")
    iam.enable_mfa_device(
        UserName="mfa-user",
        SerialNumber=serial,
        AuthenticationCode1=totp.at(now - timedelta(seconds=30)),
        AuthenticationCode2=totp.at(now),
    )

    [listed] = iam.list_mfa_devices(UserName="mfa-user")["MFADevices"]
    assert listed["SerialNumber"] == serial
    token = lab.client("sts", credentials=credentials).get_session_token(
        SerialNumber=serial, TokenCode=totp.now()
    )["Credentials"]
    assert token["AccessKeyId"].startswith("ASIA")
    assert (
        error_of(iam.delete_virtual_mfa_device, SerialNumber=serial)["Code"]
        == "DeleteConflict"
    )
    assert error_of(iam.delete_user, UserName="mfa-user")["Message"] == (
        "Cannot delete entity, must delete access keys first."
    )

    iam.deactivate_mfa_device(UserName="mfa-user", SerialNumber=serial)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="mfa-user")["MFADevices"] == []


# -- the account ------------------------------------------------------------------------------


def test_account_authorization_details_describe_the_world(iam: Any) -> None:
    details = iam.get_account_authorization_details()

    users = {u["UserName"]: u for u in details["UserDetailList"]}
    alice = users["alice"]
    assert alice["GroupList"] == ["developers"]
    assert [p["PolicyName"] for p in alice["UserPolicyList"]] == [
        "AssumeDeployAndSensitive"
    ]
    assert alice["UserPolicyList"][0]["PolicyDocument"]["Version"] == "2012-10-17"
    assert users["admin"]["AttachedManagedPolicies"] == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMINISTRATOR}
    ]
    roles = {r["RoleName"]: r for r in details["RoleDetailList"]}
    audit = roles["AuditRole"]
    assert audit["AssumeRolePolicyDocument"]["Statement"][0]["Sid"] == (
        "VendorWithExternalId"
    )
    web = roles["WebAppRole"]
    assert [p["InstanceProfileName"] for p in web["InstanceProfileList"]] == [
        "WebAppProfile"
    ]
    groups = {g["GroupName"]: g for g in details["GroupDetailList"]}
    assert groups["developers"]["AttachedManagedPolicies"][0]["PolicyArn"] == READ_ONLY
    policies = {p["Arn"]: p for p in details["Policies"]}
    audit_policy = policies[f"arn:aws:iam::{HOME}:policy/AuditReadOnly"]
    [version] = audit_policy["PolicyVersionList"]
    assert version["IsDefaultVersion"] is True
    assert version["Document"]["Statement"][0]["Action"][0] == "iam:Get*"
    assert READ_ONLY in policies


def test_account_authorization_details_filter_and_page(iam: Any) -> None:
    roles_only = iam.get_account_authorization_details(Filter=["Role"])
    assert roles_only["UserDetailList"] == []
    assert roles_only["RoleDetailList"]

    paginator = iam.get_paginator("get_account_authorization_details")
    paged = [
        r["RoleName"]
        for page in paginator.paginate(
            Filter=["Role"], PaginationConfig={"PageSize": 2}
        )
        for r in page["RoleDetailList"]
    ]
    assert paged == [r["RoleName"] for r in roles_only["RoleDetailList"]]


def test_account_summary_and_aliases(lab: WorldLab, iam: Any) -> None:
    summary = lab.client("iam", account="222222222222").get_account_summary()[
        "SummaryMap"
    ]
    assert summary["Users"] == 1
    assert summary["Roles"] == 1
    assert summary["AccessKeysPerUserQuota"] == 2
    assert summary["PolicySizeQuota"] == 6144
    assert iam.list_account_aliases()["AccountAliases"] == ["home"]


# -- CloudTrail ---------------------------------------------------------------------------------


def test_iam_writes_are_recorded_in_us_east_1(lab: WorldLab, iam: Any) -> None:
    iam.create_user(UserName="trailed")
    key = iam.create_access_key(UserName="trailed")["AccessKey"]
    iam.create_virtual_mfa_device(VirtualMFADeviceName="trailed-mfa")

    records = lab.records(HOME, "us-east-1")

    created = next(
        r
        for r in records
        if r["eventName"] == "CreateUser"
        and (r["requestParameters"] or {}).get("userName") == "trailed"
    )
    assert created["eventSource"] == "iam.amazonaws.com"
    assert created["awsRegion"] == "us-east-1"
    assert created["readOnly"] is False
    assert created["resources"] == [
        {
            "accountId": HOME,
            "type": "AWS::IAM::User",
            "ARN": f"arn:aws:iam::{HOME}:user/trailed",
        }
    ]
    key_record = next(
        r
        for r in records
        if r["eventName"] == "CreateAccessKey"
        and r.get("responseElements")
        and r["responseElements"]["accessKey"]["accessKeyId"] == key["AccessKeyId"]
    )
    assert "secretAccessKey" not in key_record["responseElements"]["accessKey"]
    assert key["SecretAccessKey"] not in json.dumps(records)
    device = next(
        r
        for r in records
        if r["eventName"] == "CreateVirtualMFADevice" and r.get("responseElements")
    )
    assert "base32StringSeed" not in device["responseElements"]["virtualMFADevice"]


# -- the AWS CLI --------------------------------------------------------------------------------

AWS_CLI = Path(sys.executable).with_name("aws")


def test_the_aws_cli_manages_users_through_a_profile(
    lab: WorldLab, tmp_path: Path
) -> None:
    if not AWS_CLI.exists():
        pytest.skip(
            f"the AWS CLI is not installed at {AWS_CLI} (install the test extra)"
        )
    key, secret = lab.keys(HOME, "admin")
    config = tmp_path / "config"
    config.write_text(
        f"[profile lab]\nregion = us-east-1\nendpoint_url = {lab.url}\noutput = json\n"
    )
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[lab]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_PROFILE": "lab",
    }

    def aws(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(AWS_CLI), "iam", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    created = aws("create-user", "--user-name", "cli-user", "--path", "/cli/")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["User"]["Arn"] == (
        f"arn:aws:iam::{HOME}:user/cli/cli-user"
    )
    listed = aws("list-users", "--path-prefix", "/cli/")
    assert [u["UserName"] for u in json.loads(listed.stdout)["Users"]] == ["cli-user"]
    again = aws("create-user", "--user-name", "cli-user")
    assert again.returncode != 0
    assert "(EntityAlreadyExists)" in again.stderr
    assert "User with name cli-user already exists." in again.stderr


def test_sign_in_session_durations_are_not_modelled(iam: Any) -> None:
    error = error_of(
        iam.create_role,
        RoleName="signin-role",
        AssumeRolePolicyDocument=json.dumps(EC2_TRUST),
        MaxSigninSessionDuration=3600,
    )
    assert (error["Code"], error["Status"]) == ("NotModelled", "501")
    assert "MaxSigninSessionDuration" in error["Message"]
