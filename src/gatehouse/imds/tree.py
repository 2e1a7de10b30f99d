"""The metadata tree: what each GET path answers for one instance.

Listings are text/plain, one entry per line separated by LF, subtrees with a
trailing `/` (EC2 User Guide, "Instance metadata categories"). JSON documents use
AWS's layout: two-space indent and `" : "` between key and value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from gatehouse.imds.credentials import Credentials
from gatehouse.imds.instance import Instance
from gatehouse.imds.options import MetadataOptions

# Dated versions listed at `/`; every one of them serves the same tree as
# `latest` (AWS hides categories newer than the version; not modelled).
VERSIONS = [
    "1.0",
    "2007-01-19",
    "2007-03-01",
    "2007-08-29",
    "2007-10-10",
    "2007-12-15",
    "2008-02-01",
    "2008-09-01",
    "2009-04-04",
    "2011-01-01",
    "2011-05-01",
    "2012-01-12",
    "2014-02-25",
    "2014-11-05",
    "2015-10-20",
    "2016-04-19",
    "2016-06-30",
    "2016-09-02",
    "2018-03-28",
    "2018-08-17",
    "2018-09-24",
    "2019-10-01",
    "2020-10-27",
    "2021-01-03",
    "2021-03-23",
    "2021-07-15",
    "2022-09-24",
    "latest",
]

IDENTITY_DOCUMENT_VERSION = "2017-09-30"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# The 200-with-error body EC2 serves when it cannot assume the instance's role.
ASSUME_ROLE_MESSAGE = (
    "EC2 cannot assume the role {role}.  Please see documentation at "
    "http://docs.amazonwebservices.com/IAM/latest/UserGuide/RolesTroubleshooting.html."
)


@dataclass(frozen=True)
class Text:
    """A 200 answer."""

    body: bytes


@dataclass(frozen=True)
class NotFound:
    """A 404; `note` says why when the path exists in AWS but is not modelled."""

    note: str | None = None


@dataclass(frozen=True)
class RoleCredentials:
    """The role's credentials; the server fetches them for the caller's delivery."""

    role_name: str
    account_id: str | None = None  # set on the -extended path


Resolution = Text | NotFound | RoleCredentials
Leaf = Text | NotFound | RoleCredentials


@dataclass(frozen=True)
class Directory:
    listed: Mapping[str, Directory | Leaf]
    unlisted: Mapping[str, Directory | Leaf] = field(default_factory=dict)
    slash_subtrees: bool = True

    def child(self, name: str) -> Directory | Leaf | None:
        found = self.listed.get(name)
        return found if found is not None else self.unlisted.get(name)

    def listing(self) -> bytes:
        names = [
            f"{name}/" if isinstance(node, Directory) and self.slash_subtrees else name
            for name, node in sorted(self.listed.items())
        ]
        return "\n".join(names).encode()


def aws_json(document: Mapping[str, object]) -> bytes:
    return json.dumps(document, indent=2, separators=(",", " : ")).encode()


def aws_time(moment: datetime) -> str:
    return moment.strftime(TIME_FORMAT)


def credentials_json(
    credentials: Credentials, *, account_id: str | None = None
) -> bytes:
    document: dict[str, object] = {
        "Code": "Success",
        "LastUpdated": aws_time(credentials.last_updated),
        "Type": "AWS-HMAC",
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key,
        "Token": credentials.token,
        "Expiration": aws_time(credentials.expiration),
    }
    if account_id is not None:
        document["AccountId"] = account_id
    return aws_json(document)


def role_error_json(role_name: str, code: str, now: datetime) -> bytes:
    return aws_json(
        {
            "Code": code,
            "Message": ASSUME_ROLE_MESSAGE.format(role=role_name),
            "LastUpdated": aws_time(now),
        }
    )


class MetadataTree:
    """Resolves GET paths for one instance; options decide what is visible."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self._meta_data = _meta_data(instance)
        self._dynamic = _dynamic(instance)

    def resolve(self, path: str, options: MetadataOptions) -> Resolution:
        parts = path.split("/")[1:]
        if parts and parts[-1] == "":
            parts.pop()  # a trailing slash names the same node
        if not parts:
            return Text("\n".join(VERSIONS).encode())
        if parts[0] not in VERSIONS or "" in parts:
            return NotFound()

        node: Directory | Leaf | None = self._version_root(options)
        for name in parts[1:]:
            if not isinstance(node, Directory):
                return NotFound()
            node = node.child(name)
        if node is None:
            return NotFound()
        if isinstance(node, Directory):
            return Text(node.listing())
        return node

    def _version_root(self, options: MetadataOptions) -> Directory:
        meta_data = self._meta_data
        if options.tags_enabled:
            meta_data = Directory({**meta_data.listed, "tags": _tags(self.instance)})
        top: dict[str, Directory | Leaf] = {
            "dynamic": self._dynamic,
            "meta-data": meta_data,
        }
        if self.instance.user_data is not None:
            top["user-data"] = Text(self.instance.user_data)
        return Directory(top, slash_subtrees=False)


def _text(value: str) -> Text:
    return Text(value.encode())


def _meta_data(instance: Instance) -> Directory:
    placement: dict[str, Directory | Leaf] = {
        "availability-zone": _text(instance.availability_zone),
        "region": _text(instance.region),
    }
    if instance.availability_zone_id:
        placement["availability-zone-id"] = _text(instance.availability_zone_id)
    domain = "amazonaws.com.cn" if instance.partition == "aws-cn" else "amazonaws.com"
    entries: dict[str, Directory | Leaf] = {
        "ami-id": _text(instance.ami_id),
        "hostname": _text(instance.local_hostname),
        "instance-id": _text(instance.instance_id),
        "instance-type": _text(instance.instance_type),
        "local-hostname": _text(instance.local_hostname),
        "local-ipv4": _text(instance.private_ip),
        "mac": _text(instance.mac),
        "placement": Directory(placement),
        "services": Directory(
            {"domain": _text(domain), "partition": _text(instance.partition)}
        ),
    }
    if instance.profile is not None:
        entries["iam"] = _iam(instance)
    return Directory(entries)


def _iam(instance: Instance) -> Directory:
    assert instance.profile is not None
    role = instance.profile.role_name
    info = aws_json(
        {
            "Code": "Success",
            "LastUpdated": aws_time(instance.pending_time),
            "InstanceProfileArn": instance.profile.arn,
            "InstanceProfileId": instance.profile.profile_id,
        }
    )
    extended = RoleCredentials(role, account_id=instance.account_id)
    return Directory(
        {
            "info": Text(info),
            "security-credentials": Directory({role: RoleCredentials(role)}),
        },
        # Probed first by newer SDKs (JS v3, Java v2, Ruby, PHP); they fall back to
        # the legacy path only on 404. Not listed: its listing is unconfirmed.
        unlisted={"security-credentials-extended": Directory({role: extended})},
    )


def _dynamic(instance: Instance) -> Directory:
    document = aws_json(
        {
            "accountId": instance.account_id,
            "architecture": instance.architecture,
            "availabilityZone": instance.availability_zone,
            "billingProducts": None,
            "devpayProductCodes": None,
            "marketplaceProductCodes": None,
            "imageId": instance.ami_id,
            "instanceId": instance.instance_id,
            "instanceType": instance.instance_type,
            "kernelId": None,
            "pendingTime": aws_time(instance.pending_time),
            "privateIp": instance.private_ip,
            "ramdiskId": None,
            "region": instance.region,
            "version": IDENTITY_DOCUMENT_VERSION,
        }
    )
    unsigned = NotFound(
        "Not modelled by Gatehouse: signed instance identity documents "
        "(pkcs7, signature, rsa2048). Use /latest/dynamic/instance-identity/document."
    )
    identity = Directory(
        {"document": Text(document)},
        unlisted={"pkcs7": unsigned, "signature": unsigned, "rsa2048": unsigned},
    )
    return Directory({"instance-identity": identity})


def _tags(instance: Instance) -> Directory:
    keys: dict[str, Directory | Leaf] = {k: _text(v) for k, v in instance.tags}
    return Directory({"instance": Directory(keys)})
