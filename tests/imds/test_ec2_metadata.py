"""The `ec2-metadata` package (IMDSv2 only) reads the tree like on a real instance."""

from __future__ import annotations

from ec2_metadata import EC2Metadata

from .helpers import ROLE, Running


def client(running: Running) -> EC2Metadata:
    metadata = EC2Metadata()
    metadata.service_url = f"{running.url}/latest/"
    metadata.dynamic_url = f"{metadata.service_url}dynamic/"
    metadata.metadata_url = f"{metadata.service_url}meta-data/"
    metadata.userdata_url = f"{metadata.service_url}user-data/"
    return metadata


def test_ec2_metadata_reads_identity_and_placement(imds_required: Running) -> None:
    metadata = client(imds_required)

    assert metadata.instance_id == "i-0abcdef1234567890"
    assert metadata.ami_id == "ami-0123456789abcdef0"
    assert metadata.instance_type == "t3.micro"
    assert metadata.availability_zone == "eu-west-1a"
    assert metadata.availability_zone_id == "euw1-az1"
    assert metadata.region == "eu-west-1"
    assert metadata.account_id == "111122223333"
    assert metadata.private_ipv4 == "10.0.1.25"
    assert metadata.private_hostname == "ip-10-0-1-25.eu-west-1.compute.internal"
    assert metadata.mac == "0e:49:61:0f:c3:11"
    assert metadata.partition == "aws"
    assert metadata.domain == "amazonaws.com"
    assert metadata.user_data is None
    assert metadata.public_ipv4 is None


def test_ec2_metadata_reads_the_instance_profile(imds_required: Running) -> None:
    metadata = client(imds_required)

    assert metadata.instance_profile_arn == (
        "arn:aws:iam::111122223333:instance-profile/web-server"
    )
    assert metadata.instance_profile_id == "AIPAEXAMPLEPROFILE01"
    assert metadata.instance_profile_name == "web-server"


def test_ec2_metadata_reads_tags_when_enabled(imds_required: Running) -> None:
    imds_required.service.modify_options(InstanceMetadataTags="enabled")

    assert dict(client(imds_required).tags) == {"Name": "web-1", "team": "payments"}


def test_ec2_metadata_uses_only_imdsv2(imds_required: Running) -> None:
    client(imds_required).instance_id  # noqa: B018
    sample = imds_required.service.metrics.sample().to_json()
    assert sample["Metrics"] == {"MetadataNoToken": 0, "MetadataNoTokenRejected": 0}
    assert (
        imds_required.get(f"/latest/meta-data/iam/security-credentials/{ROLE}")[0]
        == 401
    )
