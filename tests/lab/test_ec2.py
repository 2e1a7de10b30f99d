"""EC2 in the lab, black-box through boto3, botocore's credential chain and the AWS CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import botocore.session
import httpx
import pytest
import yaml
from botocore.exceptions import ClientError

from gatehouse.lab.launch import LabPaths, RunningLab
from gatehouse.lab.world import default_world_path

HOME, VENDOR = "111111111111", "222222222222"
WEB = "i-0a1b2c3d4e5f60718"
PLAIN_AMI, V2_AMI = "ami-0abcdef1234567890", "ami-0123456789abcdef0"
SSH_GROUP = "sg-0a1b2c3d4e5f60718"
AWS = str(Path(sys.executable).parent / "aws")


class Lab:
    def __init__(self, running: RunningLab, description: dict[str, Any]) -> None:
        self.running = running
        self.description = description
        assert running.runtime is not None
        self.runtime = running.runtime

    @property
    def url(self) -> str:
        return str(self.description["endpoint"])

    def keys(self, account: str = HOME, user: str = "admin") -> dict[str, str]:
        for doc in self.runtime.state.credentials(account):
            if doc.get("user") == user and doc["type"] == "access-key":
                return {
                    "AccessKeyId": doc["access_key_id"],
                    "SecretAccessKey": doc["secret_access_key"],
                }
        raise KeyError(user)

    def client(
        self, service: str = "ec2", credentials: dict[str, str] | None = None
    ) -> Any:
        keys = credentials or self.keys()
        return boto3.session.Session().client(
            service,
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=keys["AccessKeyId"],
            aws_secret_access_key=keys["SecretAccessKey"],
            aws_session_token=keys.get("SessionToken") or keys.get("Token"),
            config=botocore.config.Config(retries={"max_attempts": 1}),
        )

    def imds(self, instance: str = WEB) -> str:
        return str(
            json.loads(Path(self.description["state_dir"], "lab.json").read_text())[
                "instances"
            ][instance]["imds"]
        )


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    yield from _lab(tmp_path)


def _lab(root: Path, world: Path | None = None) -> Iterator[Lab]:
    running = RunningLab(LabPaths(root / "state"), world_path=world, port=0)
    description = running.start()
    try:
        yield Lab(running, description)
    finally:
        running.stop()


def error_of(call: Any, /, **params: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    error: dict[str, Any] = caught.value.response["Error"]
    error["Status"] = caught.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return error


def web(lab: Lab) -> dict[str, Any]:
    reservations = lab.client().describe_instances(InstanceIds=[WEB])["Reservations"]
    instance: dict[str, Any] = reservations[0]["Instances"][0]
    return instance


# -- DescribeInstances ----------------------------------------------------------------


def test_describe_instances_shows_metadata_options_profile_tags_and_groups(
    lab: Lab,
) -> None:
    instance = web(lab)

    assert instance["MetadataOptions"] == {
        "State": "applied",
        "HttpTokens": "optional",
        "HttpPutResponseHopLimit": 1,
        "HttpEndpoint": "enabled",
        "HttpProtocolIpv6": "disabled",
        "InstanceMetadataTags": "disabled",
    }
    assert instance["IamInstanceProfile"]["Arn"] == (
        f"arn:aws:iam::{HOME}:instance-profile/WebAppProfile"
    )
    assert instance["Tags"] == [{"Key": "Name", "Value": "web-app"}]
    assert instance["SecurityGroups"] == [
        {"GroupId": SSH_GROUP, "GroupName": "web-app"}
    ]
    assert instance["State"] == {"Code": 16, "Name": "running"}


def test_describe_instances_filters_by_instance_id_and_tag_name(lab: Lab) -> None:
    ec2 = lab.client()

    def ids(**filters: list[str]) -> list[str]:
        found = ec2.describe_instances(
            Filters=[{"Name": k, "Values": v} for k, v in filters.items()]
        )
        return [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]]

    assert ids(**{"instance-id": [WEB]}) == [WEB]
    assert ids(**{"tag:Name": ["web-*"]}) == [WEB]
    assert ids(**{"tag:Name": ["db"]}) == []
    assert ids(**{"metadata-options.http-tokens": ["optional"]}) == [WEB]
    error = error_of(ec2.describe_instances, Filters=[{"Name": "x", "Values": ["y"]}])
    assert error["Code"] == "InvalidParameterValue"
    assert error["Message"] == "The filter 'x' is invalid"


def test_unknown_and_malformed_instance_ids_answer_ec2s_errors(lab: Lab) -> None:
    ec2 = lab.client()

    assert error_of(ec2.describe_instances, InstanceIds=["i-0123456789abcdef0"]) == {
        "Code": "InvalidInstanceID.NotFound",
        "Message": "The instance ID 'i-0123456789abcdef0' does not exist",
        "Status": 400,
    }
    assert error_of(ec2.describe_instances, InstanceIds=["i-nope"])["Code"] == (
        "InvalidInstanceID.Malformed"
    )


def test_another_account_sees_none_of_home_s_instances(lab: Lab) -> None:
    vendor = lab.client(credentials=lab.keys(VENDOR))
    assert vendor.describe_instances()["Reservations"] == []
    error = error_of(
        vendor.modify_instance_metadata_options, InstanceId=WEB, HttpTokens="required"
    )
    assert error["Code"] == "InvalidInstanceID.NotFound"


def test_dry_run_answers_dry_run_operation_when_allowed_and_unauthorized_when_not(
    lab: Lab,
) -> None:
    allowed = error_of(lab.client().describe_instances, DryRun=True)
    assert allowed["Code"] == "DryRunOperation"
    assert allowed["Message"] == "Request would have succeeded, but DryRun flag is set."
    assert allowed["Status"] == 412

    # The web app's own role has no EC2 permissions at all.
    role_keys = _instance_credentials(lab, token=True)
    denied = error_of(lab.client(credentials=role_keys).describe_instances, DryRun=True)
    assert denied["Code"] == "UnauthorizedOperation"
    assert "not authorized to perform: ec2:DescribeInstances" in denied["Message"]


# -- ModifyInstanceMetadataOptions ----------------------------------------------------


def test_modify_metadata_options_keeps_omitted_fields_and_reports_pending(
    lab: Lab,
) -> None:
    ec2 = lab.client()
    ec2.modify_instance_metadata_options(InstanceId=WEB, HttpPutResponseHopLimit=2)

    answer = ec2.modify_instance_metadata_options(InstanceId=WEB, HttpTokens="required")

    assert answer["InstanceId"] == WEB
    assert answer["InstanceMetadataOptions"]["State"] == "pending"
    options = web(lab)["MetadataOptions"]
    assert options["State"] == "applied"
    assert options["HttpTokens"] == "required"
    assert options["HttpPutResponseHopLimit"] == 2  # kept from the first change


def test_requiring_tokens_takes_effect_on_the_running_metadata_service(
    lab: Lab,
) -> None:
    url = lab.imds() + "/latest/meta-data/instance-id"
    assert httpx.get(url, timeout=5).status_code == 200

    lab.client().modify_instance_metadata_options(InstanceId=WEB, HttpTokens="required")

    assert httpx.get(url, timeout=5).status_code == 401


def test_disabling_the_endpoint_closes_the_metadata_service(lab: Lab) -> None:
    lab.client().modify_instance_metadata_options(
        InstanceId=WEB, HttpEndpoint="disabled"
    )
    response = httpx.get(lab.imds() + "/latest/meta-data/", timeout=5)
    assert response.status_code == 403


def test_hop_limit_out_of_range_is_invalid(lab: Lab) -> None:
    error = error_of(
        lab.client().modify_instance_metadata_options,
        InstanceId=WEB,
        HttpPutResponseHopLimit=65,
    )
    assert error["Code"] == "InvalidParameterValue"


def test_ec2_attribute_keys_let_a_policy_forbid_opting_out_of_imdsv2(
    lab: Lab, tmp_path: Path
) -> None:
    world = _world_with(
        tmp_path,
        extra_scp={
            "Effect": "Deny",
            "Action": "ec2:ModifyInstanceMetadataOptions",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"ec2:Attribute": "HttpTokens"},
                "StringNotEquals": {"ec2:Attribute/HttpTokens": "required"},
            },
        },
    )
    for other in _lab(tmp_path / "attr", world):
        ec2 = other.client()
        ec2.modify_instance_metadata_options(InstanceId=WEB, HttpTokens="required")
        ec2.modify_instance_metadata_options(InstanceId=WEB, HttpPutResponseHopLimit=2)
        error = error_of(
            ec2.modify_instance_metadata_options, InstanceId=WEB, HttpTokens="optional"
        )
        assert error["Code"] == "UnauthorizedOperation"
        assert "with an explicit deny in a service control policy" in error["Message"]


# -- Account defaults -----------------------------------------------------------------


def test_account_defaults_are_set_kept_and_cleared(lab: Lab) -> None:
    ec2 = lab.client()
    assert ec2.get_instance_metadata_defaults()["AccountLevel"] == {
        "ManagedBy": "account"
    }

    assert ec2.modify_instance_metadata_defaults(
        HttpTokens="required", HttpPutResponseHopLimit=2
    )["Return"]
    ec2.modify_instance_metadata_defaults(InstanceMetadataTags="enabled")
    assert ec2.get_instance_metadata_defaults()["AccountLevel"] == {
        "HttpTokens": "required",
        "HttpPutResponseHopLimit": 2,
        "InstanceMetadataTags": "enabled",
        "ManagedBy": "account",
    }

    ec2.modify_instance_metadata_defaults(
        HttpTokens="no-preference", HttpPutResponseHopLimit=-1
    )
    assert ec2.get_instance_metadata_defaults()["AccountLevel"] == {
        "InstanceMetadataTags": "enabled",
        "ManagedBy": "account",
    }
    error = error_of(ec2.modify_instance_metadata_defaults, HttpPutResponseHopLimit=0)
    assert error["Code"] == "InvalidParameterValue"


def test_a_declarative_policy_manages_the_defaults_and_refuses_account_changes(
    tmp_path: Path,
) -> None:
    world = _world_with(
        tmp_path,
        declarative={
            "name": "ImdsDefaults",
            "targets": ["Workloads"],
            "content": {
                "ec2_attributes": {
                    "instance_metadata_defaults": {
                        "http_tokens": {"@@assign": "required"},
                        "http_put_response_hop_limit": {"@@assign": "2"},
                        "http_endpoint": {"@@assign": "no_preference"},
                    },
                    "exception_message": {"@@assign": "Ask the platform team."},
                }
            },
        },
    )
    for lab in _lab(tmp_path, world):
        ec2 = lab.client()
        assert ec2.get_instance_metadata_defaults()["AccountLevel"] == {
            "HttpTokens": "required",
            "HttpPutResponseHopLimit": 2,
            "ManagedBy": "declarative-policy",
            "ManagedExceptionMessage": "Ask the platform team.",
        }
        error = error_of(ec2.modify_instance_metadata_defaults, HttpTokens="optional")
        assert error["Code"] == "OperationNotPermitted"
        assert error["Message"] == "Ask the platform team."
        launched = _run(lab, V2_AMI, MetadataOptions={"HttpTokens": "required"})
        assert launched["MetadataOptions"]["HttpPutResponseHopLimit"] == 2


# -- RunInstances and the precedence of metadata options -----------------------------


def _run(
    lab: Lab, image: str, credentials: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    answer = lab.client(credentials=credentials).run_instances(
        ImageId=image, MinCount=1, MaxCount=1, **extra
    )
    instance: dict[str, Any] = answer["Instances"][0]
    return instance


def _options(lab: Lab, instance_id: str) -> tuple[str, int]:
    found = lab.client().describe_instances(InstanceIds=[instance_id])
    options = found["Reservations"][0]["Instances"][0]["MetadataOptions"]
    return options["HttpTokens"], options["HttpPutResponseHopLimit"]


def test_the_scp_refuses_a_launch_that_leaves_imdsv1_on_in_the_home_account(
    lab: Lab,
) -> None:
    for options in ({}, {"MetadataOptions": {"HttpTokens": "optional"}}):
        error = error_of(
            lab.client().run_instances,
            ImageId=PLAIN_AMI,
            MinCount=1,
            MaxCount=1,
            **options,
        )
        assert error["Code"] == "UnauthorizedOperation"
        assert (
            f"ec2:RunInstances on resource: arn:aws:ec2:us-east-1:{HOME}:instance/*"
            " with an explicit deny in a service control policy" in error["Message"]
        )


def test_launch_precedence_launch_then_account_then_ami_then_ec2_default(
    lab: Lab,
) -> None:
    # The vendor account is outside the organization: no SCP gets in the way.
    vendor = lab.keys(VENDOR)
    ec2 = lab.client(credentials=vendor)
    ec2.register_image(Name="base-plain")
    image = ec2.register_image(Name="base-v2", ImdsSupport="v2.0")["ImageId"]
    plain = ec2.describe_images(Filters=[{"Name": "name", "Values": ["base-plain"]}])
    plain_id = plain["Images"][0]["ImageId"]

    assert _launch_options(lab, vendor, plain_id) == ("optional", 1)  # EC2 default
    assert _launch_options(lab, vendor, image) == ("required", 2)  # the AMI
    ec2.modify_instance_metadata_defaults(HttpTokens="optional")
    assert _launch_options(lab, vendor, image) == ("optional", 2)  # account > AMI
    assert _launch_options(
        lab, vendor, image, MetadataOptions={"HttpTokens": "required"}
    ) == ("required", 2)  # launch > account
    ec2.modify_instance_metadata_defaults(HttpPutResponseHopLimit=3)
    assert _launch_options(
        lab, vendor, plain_id, MetadataOptions={"HttpPutResponseHopLimit": 5}
    ) == ("optional", 5)
    assert _launch_options(lab, vendor, plain_id) == ("optional", 3)


def _launch_options(
    lab: Lab, keys: dict[str, str], image: str, **extra: Any
) -> tuple[str, int]:
    instance = _run(lab, image, credentials=keys, **extra)
    options = instance["MetadataOptions"]
    described = lab.client(credentials=keys).describe_instances(
        InstanceIds=[instance["InstanceId"]]
    )["Reservations"][0]["Instances"][0]["MetadataOptions"]
    assert options["State"] == "pending"
    assert described == {**options, "State": "applied"}
    return options["HttpTokens"], options["HttpPutResponseHopLimit"]


def test_http_tokens_enforced_refuses_a_launch_without_required_tokens(
    lab: Lab,
) -> None:
    vendor = lab.keys(VENDOR)
    ec2 = lab.client(credentials=vendor)
    image = ec2.register_image(Name="base")["ImageId"]
    ec2.modify_instance_metadata_defaults(HttpTokensEnforced="enabled")

    error = error_of(ec2.run_instances, ImageId=image, MinCount=1, MaxCount=1)
    assert error["Code"] == "OperationNotPermitted"
    assert "HttpTokensEnforced" in error["Message"]
    instance = _run(lab, image, vendor, MetadataOptions={"HttpTokens": "required"})
    assert instance["MetadataOptions"]["HttpTokens"] == "required"


def test_a_launched_instance_gets_its_own_metadata_service_and_role(lab: Lab) -> None:
    instance = _run(
        lab,
        V2_AMI,
        MetadataOptions={"HttpTokens": "required"},
        IamInstanceProfile={"Name": "WebAppProfile"},
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "api"}]}
        ],
    )
    instance_id = instance["InstanceId"]
    assert instance["State"] == {"Code": 0, "Name": "pending"}

    imds = lab.imds(instance_id)
    token = httpx.put(
        imds + "/latest/api/token",
        headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"},
        timeout=5,
    ).text
    headers = {"X-aws-ec2-metadata-token": token}
    assert httpx.get(imds + "/latest/meta-data/instance-id", headers=headers).text == (
        instance_id
    )
    assert (
        httpx.get(imds + "/latest/meta-data/iam/security-credentials/").status_code
        == 401
    )

    lab.client().terminate_instances(InstanceIds=[instance_id])
    state = json.loads(Path(lab.description["state_dir"], "lab.json").read_text())
    assert instance_id not in state["instances"]


def test_run_instances_refuses_unknown_images_and_profiles(lab: Lab) -> None:
    ec2 = lab.client()
    required = {"MetadataOptions": {"HttpTokens": "required"}}
    missing = error_of(
        ec2.run_instances,
        ImageId="ami-0000000000000000f",
        MinCount=1,
        MaxCount=1,
        **required,
    )
    assert missing["Code"] == "InvalidAMIID.NotFound"
    assert missing["Message"] == "The image id '[ami-0000000000000000f]' does not exist"
    profile = error_of(
        ec2.run_instances,
        ImageId=V2_AMI,
        MinCount=1,
        MaxCount=1,
        IamInstanceProfile={"Name": "Nope"},
        **required,
    )
    assert profile["Message"] == (
        "Value (Nope) for parameter iamInstanceProfile.name is invalid. "
        "Invalid IAM Instance Profile name"
    )
    many = error_of(
        ec2.run_instances, ImageId=V2_AMI, MinCount=2, MaxCount=2, **required
    )
    assert many["Code"] == "NotModelled"


def test_stop_and_terminate_change_state(lab: Lab) -> None:
    ec2 = lab.client()
    instance = _run(lab, V2_AMI, MetadataOptions={"HttpTokens": "required"})[
        "InstanceId"
    ]

    stopping = ec2.stop_instances(InstanceIds=[instance])["StoppingInstances"][0]
    assert stopping["CurrentState"]["Name"] == "stopping"
    terminating = ec2.terminate_instances(InstanceIds=[instance])[
        "TerminatingInstances"
    ]
    assert terminating[0]["PreviousState"]["Name"] == "stopped"
    found = ec2.describe_instances(
        Filters=[{"Name": "instance-state-name", "Values": ["terminated"]}]
    )
    assert [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]] == [
        instance
    ]


# -- AMIs ------------------------------------------------------------------------------


def test_images_carry_imds_support_and_it_can_be_set_once(lab: Lab) -> None:
    ec2 = lab.client()
    image = ec2.register_image(Name="golden", Description="built today")["ImageId"]
    assert "ImdsSupport" not in ec2.describe_images(ImageIds=[image])["Images"][0]

    ec2.modify_image_attribute(ImageId=image, ImdsSupport={"Value": "v2.0"})

    assert ec2.describe_images(ImageIds=[image])["Images"][0]["ImdsSupport"] == "v2.0"
    duplicate = error_of(ec2.register_image, Name="golden")
    assert duplicate["Code"] == "InvalidAMIName.Duplicate"
    world = {
        i["ImageId"]: i.get("ImdsSupport")
        for i in ec2.describe_images(Owners=["self"])["Images"]
    }
    assert world[V2_AMI] == "v2.0" and world[PLAIN_AMI] is None


# -- Security groups --------------------------------------------------------------------


def test_the_web_group_leaves_ssh_open_and_a_responder_closes_it(lab: Lab) -> None:
    ec2 = lab.client()
    open_ssh = ec2.describe_security_groups(
        Filters=[
            {"Name": "ip-permission.from-port", "Values": ["22"]},
            {"Name": "ip-permission.cidr", "Values": ["0.0.0.0/0"]},
        ]
    )["SecurityGroups"]
    assert [g["GroupId"] for g in open_ssh] == [SSH_GROUP]

    rule = {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
    }
    duplicate = error_of(
        ec2.authorize_security_group_ingress, GroupId=SSH_GROUP, IpPermissions=[rule]
    )
    assert duplicate["Code"] == "InvalidPermission.Duplicate"
    assert duplicate["Message"] == (
        'the specified rule "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, '
        'ALLOW" already exists'
    )
    assert ec2.revoke_security_group_ingress(GroupId=SSH_GROUP, IpPermissions=[rule])[
        "Return"
    ]
    again = error_of(
        ec2.revoke_security_group_ingress, GroupId=SSH_GROUP, IpPermissions=[rule]
    )
    assert again["Code"] == "InvalidPermission.NotFound"
    added = ec2.authorize_security_group_ingress(
        GroupId=SSH_GROUP, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="10.0.0.0/8"
    )["SecurityGroupRules"][0]
    assert added["CidrIpv4"] == "10.0.0.0/8" and added[
        "SecurityGroupRuleId"
    ].startswith("sgr-")


def test_create_security_group_and_its_errors(lab: Lab) -> None:
    ec2 = lab.client()
    group = ec2.create_security_group(GroupName="db", Description="database")["GroupId"]
    assert (
        ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["GroupName"]
        == "db"
    )
    assert (
        error_of(ec2.create_security_group, GroupName="db", Description="x")["Code"]
        == "InvalidGroup.Duplicate"
    )
    assert (
        error_of(ec2.describe_security_groups, GroupIds=["sg-0000000000000000f"])[
            "Message"
        ]
        == "The security group 'sg-0000000000000000f' does not exist"
    )


# -- Credentials delivered over IMDSv1 and ec2:RoleDelivery -----------------------------


def _instance_credentials(lab: Lab, *, token: bool) -> dict[str, str]:
    imds = lab.imds()
    headers = {}
    if token:
        headers["X-aws-ec2-metadata-token"] = httpx.put(
            imds + "/latest/api/token",
            headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"},
            timeout=5,
        ).text
    body = httpx.get(
        imds + "/latest/meta-data/iam/security-credentials/WebAppRole",
        headers=headers,
        timeout=5,
    ).json()
    return {
        "AccessKeyId": body["AccessKeyId"],
        "SecretAccessKey": body["SecretAccessKey"],
        "SessionToken": body["Token"],
    }


ROLE_DELIVERY_DENY = {
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {"NumericLessThan": {"ec2:RoleDelivery": "2.0"}},
}


def test_a_role_delivery_deny_refuses_credentials_botocore_fetched_over_imdsv1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _world_with(tmp_path, extra_scp=ROLE_DELIVERY_DENY, role_may_describe=True)
    for lab in _lab(tmp_path, world):
        service = lab.runtime.metadata_services[WEB]
        _botocore_env(monkeypatch, tmp_path, lab.imds())

        service.token_fault = _fault("FORBIDDEN")  # the token PUT fails: v1 fallback
        v1 = botocore.session.Session().create_client(
            "ec2", endpoint_url=lab.url, region_name="us-east-1"
        )
        error = error_of(v1.describe_instances)
        assert error["Code"] == "UnauthorizedOperation"
        assert "with an explicit deny in a service control policy" in error["Message"]

        service.token_fault = _fault("NONE")
        v2 = botocore.session.Session().create_client(
            "ec2", endpoint_url=lab.url, region_name="us-east-1"
        )
        assert v2.describe_instances()["Reservations"]


def _fault(name: str) -> Any:
    from gatehouse.imds import TokenFault

    return TokenFault[name]


def _botocore_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, imds: str) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        empty = tmp_path / name.lower()
        empty.write_text("")
        monkeypatch.setenv(name, str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds)


# -- The AWS CLI -----------------------------------------------------------------------


def test_the_aws_cli_describes_and_hardens_the_web_instance(
    lab: Lab, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(tmp_path),
        AWS_CONFIG_FILE=lab.description["config_file"],
        AWS_SHARED_CREDENTIALS_FILE=lab.description["credentials_file"],
    )

    def aws(*args: str) -> Any:
        done = subprocess.run(
            [AWS, "--profile", "home", "ec2", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    described = aws("describe-instances", "--filters", "Name=tag:Name,Values=web-app")
    assert described["Reservations"][0]["Instances"][0]["InstanceId"] == WEB
    changed = aws(
        "modify-instance-metadata-options",
        "--instance-id",
        WEB,
        "--http-tokens",
        "required",
    )
    assert changed["InstanceMetadataOptions"]["State"] == "pending"
    defaults = aws("get-instance-metadata-defaults")
    assert defaults["AccountLevel"] == {"ManagedBy": "account"}


# -- helpers ---------------------------------------------------------------------------


def _world_with(
    tmp_path: Path,
    *,
    extra_scp: dict[str, Any] | None = None,
    declarative: dict[str, Any] | None = None,
    role_may_describe: bool = False,
) -> Path:
    """The default world with one more SCP statement or a declarative policy."""
    world = yaml.safe_load(default_world_path().read_text())
    org = world["organization"]
    if extra_scp is not None:
        org["policies"]["Extra"] = {"Version": "2012-10-17", "Statement": [extra_scp]}
        org["units"][0]["scps"].append("Extra")
    if declarative is not None:
        org["declarative_policies"] = [declarative]
    if role_may_describe:
        role = next(
            r for r in world["accounts"][0]["roles"] if r["name"] == "WebAppRole"
        )
        role["inline_policies"]["Describe"] = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}
            ],
        }
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(world))
    return path
