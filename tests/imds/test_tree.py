"""The metadata tree real software reads, path by path."""

from __future__ import annotations

import base64
import json

import pytest

from gatehouse.imds import Instance
from gatehouse.imds.tree import VERSIONS

from .helpers import ROLE, Running, instance_json, make_instance, start, utc


def read(imds: Running, path: str) -> bytes:
    status, headers, body = imds.get(path, imds.token())
    assert status == 200, (path, status, body)
    assert headers["content-type"] == "text/plain"
    return body


def test_root_lists_versions_and_latest_lists_categories(imds: Running) -> None:
    assert read(imds, "/").decode().split("\n") == VERSIONS
    assert read(imds, "/latest/") == b"dynamic\nmeta-data"
    assert read(imds, "/latest") == b"dynamic\nmeta-data"


def test_meta_data_listing_marks_subtrees_with_a_slash(imds: Running) -> None:
    assert read(imds, "/latest/meta-data/").decode().split("\n") == [
        "ami-id",
        "hostname",
        "iam/",
        "instance-id",
        "instance-type",
        "local-hostname",
        "local-ipv4",
        "mac",
        "placement/",
        "services/",
    ]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("ami-id", "ami-0123456789abcdef0"),
        ("instance-id", "i-0abcdef1234567890"),
        ("instance-type", "t3.micro"),
        ("local-ipv4", "10.0.1.25"),
        ("local-hostname", "ip-10-0-1-25.eu-west-1.compute.internal"),
        ("hostname", "ip-10-0-1-25.eu-west-1.compute.internal"),
        ("mac", "0e:49:61:0f:c3:11"),
        ("placement/availability-zone", "eu-west-1a"),
        ("placement/region", "eu-west-1"),
        ("placement/availability-zone-id", "euw1-az1"),
        ("services/partition", "aws"),
        ("services/domain", "amazonaws.com"),
        ("iam/security-credentials/", ROLE),
        ("iam/", "info\nsecurity-credentials/"),
        ("placement/", "availability-zone\navailability-zone-id\nregion"),
    ],
)
def test_meta_data_items(imds: Running, path: str, value: str) -> None:
    assert read(imds, f"/latest/meta-data/{path}").decode() == value


def test_a_trailing_slash_on_a_leaf_names_the_same_item(imds: Running) -> None:
    assert read(imds, "/latest/meta-data/ami-id/") == b"ami-0123456789abcdef0"


def test_dated_versions_serve_the_same_tree(imds: Running) -> None:
    assert read(imds, "/2009-04-04/meta-data/instance-id") == b"i-0abcdef1234567890"


def test_us_east_1_hostnames_use_ec2_internal() -> None:
    instance = make_instance(Placement={"AvailabilityZone": "us-east-1c"})
    assert instance.local_hostname == "ip-10-0-1-25.ec2.internal"


def test_iam_info_names_the_instance_profile(imds: Running) -> None:
    body = read(imds, "/latest/meta-data/iam/info")
    assert json.loads(body) == {
        "Code": "Success",
        "LastUpdated": "2025-01-02T03:04:05Z",
        "InstanceProfileArn": "arn:aws:iam::111122223333:instance-profile/web-server",
        "InstanceProfileId": "AIPAEXAMPLEPROFILE01",
    }
    assert body.startswith(b'{\n  "Code" : "Success",\n  "LastUpdated" : ')


def test_role_credentials_use_aws_layout_and_fields(imds: Running) -> None:
    body = read(imds, f"/latest/meta-data/iam/security-credentials/{ROLE}")
    document = json.loads(body)

    assert list(document) == [
        "Code",
        "LastUpdated",
        "Type",
        "AccessKeyId",
        "SecretAccessKey",
        "Token",
        "Expiration",
    ]
    assert document["Code"] == "Success" and document["Type"] == "AWS-HMAC"
    assert (
        document["AccessKeyId"].startswith("ASIA")
        and len(document["AccessKeyId"]) == 20
    )
    assert len(document["SecretAccessKey"]) == 40
    assert utc(document["Expiration"]) > utc(document["LastUpdated"])
    lines = body.decode().split("\n")
    assert lines[0] == "{" and lines[-1] == "}"
    assert lines[3] == '  "Type" : "AWS-HMAC",'


def test_the_extended_path_adds_the_account_id(imds: Running) -> None:
    assert (
        read(imds, "/latest/meta-data/iam/security-credentials-extended/")
        == ROLE.encode()
    )
    document = json.loads(
        read(imds, f"/latest/meta-data/iam/security-credentials-extended/{ROLE}")
    )
    assert document["AccountId"] == "111122223333"
    assert document["AccessKeyId"].startswith("ASIA")


def test_a_role_other_than_the_instances_is_404(imds: Running) -> None:
    token = imds.token()
    assert imds.get("/latest/meta-data/iam/security-credentials/admin", token)[0] == 404


def test_an_instance_without_a_role_has_no_iam_subtree() -> None:
    raw = instance_json()
    del raw["IamInstanceProfile"], raw["RoleName"]

    for running in start(Instance.from_json(raw)):
        token = running.token()
        assert b"iam/" not in running.get("/latest/meta-data/", token)[2]
        assert running.get("/latest/meta-data/iam/info", token)[0] == 404
        assert (
            running.get("/latest/meta-data/iam/security-credentials/", token)[0] == 404
        )


def test_identity_document_has_the_documented_fields(imds: Running) -> None:
    body = read(imds, "/latest/dynamic/instance-identity/document")
    document = json.loads(body)

    assert document == {
        "accountId": "111122223333",
        "architecture": "x86_64",
        "availabilityZone": "eu-west-1a",
        "billingProducts": None,
        "devpayProductCodes": None,
        "marketplaceProductCodes": None,
        "imageId": "ami-0123456789abcdef0",
        "instanceId": "i-0abcdef1234567890",
        "instanceType": "t3.micro",
        "kernelId": None,
        "pendingTime": "2025-01-02T03:04:05Z",
        "privateIp": "10.0.1.25",
        "ramdiskId": None,
        "region": "eu-west-1",
        "version": "2017-09-30",
    }
    assert b'"billingProducts" : null' in body


@pytest.mark.parametrize("item", ["pkcs7", "signature", "rsa2048"])
def test_signed_identity_documents_say_they_are_not_modelled(
    imds: Running, item: str
) -> None:
    status, headers, body = imds.get(
        f"/latest/dynamic/instance-identity/{item}", imds.token()
    )
    assert status == 404
    assert headers["content-type"] == "text/plain"
    assert body.startswith(b"Not modelled by Gatehouse")


def test_tags_are_visible_only_when_enabled(imds: Running) -> None:
    token = imds.token()
    assert imds.get("/latest/meta-data/tags/instance/Name", token)[0] == 404
    assert b"tags/" not in imds.get("/latest/meta-data/", token)[2]

    imds.service.modify_options(InstanceMetadataTags="enabled")

    assert b"tags/" in imds.get("/latest/meta-data/", token)[2]
    assert read(imds, "/latest/meta-data/tags/instance") == b"Name\nteam"
    assert read(imds, "/latest/meta-data/tags/instance/team") == b"payments"
    assert imds.get("/latest/meta-data/tags/instance/absent", token)[0] == 404


def test_user_data_is_404_when_there_is_none(imds: Running) -> None:
    assert imds.get("/latest/user-data", imds.token())[0] == 404


def test_user_data_is_served_as_given() -> None:
    script = b"#!/bin/bash\necho hello\n"
    encoded = base64.b64encode(script).decode()
    for running in start(make_instance(UserData=encoded)):
        assert read(running, "/latest/user-data") == script
        assert read(running, "/latest/") == b"dynamic\nmeta-data\nuser-data"
