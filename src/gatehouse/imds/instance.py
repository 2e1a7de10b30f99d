"""What the metadata service knows about its instance.

The JSON form follows DescribeInstances' field names (`InstanceId`, `ImageId`,
`Placement.AvailabilityZone`, `IamInstanceProfile.Arn`, `MetadataOptions`, ...) so
the lab can hand over what it already stores; a few fields DescribeInstances does
not carry (`AccountId`, `Region`, `RoleName`, `UserData`) sit beside them.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gatehouse.imds.errors import (
    InstanceDescriptionError,
    InvalidMetadataOptionError,
    Problem,
)
from gatehouse.imds.options import MetadataOptions

# Tag keys readable through IMDS: letters, digits and + - = . , _ : @; never
# ".", ".." or "_index" (EC2 User Guide, "Work with instance tags in IMDS").
_METADATA_TAG_KEY = re.compile(r"[A-Za-z0-9+\-=.,_:@]+")
_RESERVED_TAG_KEYS = frozenset({".", "..", "_index"})

_INSTANCE_ID = re.compile(r"i-[0-9a-f]{8}([0-9a-f]{9})?")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_AMI_ID = re.compile(r"ami-[0-9a-f]{8}([0-9a-f]{9})?")
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_PROFILE_ARN = re.compile(
    r"arn:aws[a-z-]*:iam::[0-9]{12}:instance-profile/[\w+=,.@/-]+"
)


@dataclass(frozen=True)
class InstanceProfile:
    """The instance profile attached to an instance and the role inside it."""

    arn: str
    profile_id: str
    role_name: str


@dataclass(frozen=True)
class Instance:
    """One lab instance, as IMDS describes it to software running on it."""

    instance_id: str
    account_id: str
    region: str
    availability_zone: str
    ami_id: str
    instance_type: str
    private_ip: str
    availability_zone_id: str | None = None
    mac: str = "0e:00:00:00:00:01"
    architecture: str = "x86_64"
    tags: tuple[tuple[str, str], ...] = ()
    profile: InstanceProfile | None = None
    user_data: bytes | None = None
    pending_time: datetime = field(default_factory=lambda: datetime.now(UTC))
    metadata_options: MetadataOptions = field(default_factory=MetadataOptions)

    @property
    def local_hostname(self) -> str:
        """EC2's IP-based private DNS name (`ip-10-0-0-5.ec2.internal` in us-east-1)."""
        label = "ip-" + self.private_ip.replace(".", "-")
        if self.region == "us-east-1":
            return f"{label}.ec2.internal"
        return f"{label}.{self.region}.compute.internal"

    @property
    def tag_map(self) -> dict[str, str]:
        return dict(self.tags)

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    def check_options(self, options: MetadataOptions) -> None:
        """Refuse options AWS would refuse for this instance's tags."""
        if not options.tags_enabled:
            return
        for key, _ in self.tags:
            if key in _RESERVED_TAG_KEYS or not _METADATA_TAG_KEY.fullmatch(key):
                raise InvalidMetadataOptionError(
                    "InstanceMetadataTags",
                    "enabled",
                    f"tag key {key!r} is not allowed in instance metadata "
                    "(letters, digits and + - = . , _ : @ only; not . .. _index)",
                )

    @classmethod
    def from_file(cls, path: Path) -> Instance:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise InstanceDescriptionError(
                [Problem("$", str(error))], source=str(path)
            ) from None
        except json.JSONDecodeError as error:
            problem = Problem(f"line {error.lineno} column {error.colno}", error.msg)
            raise InstanceDescriptionError([problem], source=str(path)) from None
        return cls.from_json(document, source=str(path))

    @classmethod
    def from_json(cls, document: object, *, source: str = "instance") -> Instance:
        """Parse the JSON form, reporting every problem with its location."""
        reader = _Reader(document)
        instance = reader.instance()
        if reader.problems or instance is None:
            raise InstanceDescriptionError(reader.problems, source=source)
        return instance


class _Reader:
    def __init__(self, document: object) -> None:
        self.document = document
        self.problems: list[Problem] = []

    def instance(self) -> Instance | None:
        doc = self.document
        if not isinstance(doc, dict):
            self.problems.append(Problem("$", "must be a JSON object"))
            return None

        text = self._text
        instance_id = text(doc, "InstanceId", _INSTANCE_ID, "i- and 8 or 17 hex digits")
        account_id = text(doc, "AccountId", _ACCOUNT_ID, "12 digits")
        ami_id = text(doc, "ImageId", _AMI_ID, "ami- and 8 or 17 hex digits")
        instance_type = text(doc, "InstanceType")
        private_ip = self._ip(doc)
        placement = self._object(doc, "Placement", "$")
        zone = text(placement, "AvailabilityZone", where="$.Placement")
        zone_id = text(
            placement, "AvailabilityZoneId", where="$.Placement", required=False
        )
        region = text(doc, "Region", required=False) or zone[:-1]
        mac = text(doc, "MacAddress", required=False) or "0e:00:00:00:00:01"
        architecture = text(doc, "Architecture", required=False) or "x86_64"
        tags = self._tags(doc)
        profile = self._profile(doc)
        user_data = self._user_data(doc)
        pending = self._time(doc)
        options = self._options(doc)

        if self.problems:
            return None
        instance = Instance(
            instance_id=instance_id,
            account_id=account_id,
            region=region,
            availability_zone=zone,
            availability_zone_id=zone_id or None,
            ami_id=ami_id,
            instance_type=instance_type,
            private_ip=private_ip,
            mac=mac,
            architecture=architecture,
            tags=tags,
            profile=profile,
            user_data=user_data,
            pending_time=pending,
            metadata_options=options,
        )
        try:
            instance.check_options(options)
        except InvalidMetadataOptionError as error:
            self.problems.append(Problem("$.MetadataOptions", str(error)))
        return instance

    def _text(
        self,
        doc: Mapping[str, Any],
        key: str,
        pattern: re.Pattern[str] | None = None,
        shape: str = "",
        *,
        where: str = "$",
        required: bool = True,
    ) -> str:
        value = doc.get(key)
        if value is None:
            if required:
                self.problems.append(Problem(f"{where}.{key}", "is required"))
            return ""
        if not isinstance(value, str) or not value:
            self.problems.append(
                Problem(f"{where}.{key}", "must be a non-empty string")
            )
            return ""
        if pattern is not None and not pattern.fullmatch(value):
            self.problems.append(Problem(f"{where}.{key}", f"{value!r} is not {shape}"))
        return value

    def _object(self, doc: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
        value = doc.get(key, {})
        if not isinstance(value, dict):
            self.problems.append(Problem(f"{where}.{key}", "must be a JSON object"))
            return {}
        return value

    def _ip(self, doc: Mapping[str, Any]) -> str:
        value = self._text(doc, "PrivateIpAddress")
        if value:
            try:
                ipaddress.IPv4Address(value)
            except ValueError:
                self.problems.append(
                    Problem("$.PrivateIpAddress", f"{value!r} is not an IPv4 address")
                )
        return value

    def _tags(self, doc: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        raw = doc.get("Tags", [])
        if not isinstance(raw, list):
            self.problems.append(Problem("$.Tags", "must be a list of {Key, Value}"))
            return ()
        tags: list[tuple[str, str]] = []
        for index, item in enumerate(raw):
            where = f"$.Tags[{index}]"
            if not isinstance(item, dict):
                self.problems.append(
                    Problem(where, "must be an object with Key and Value")
                )
                continue
            key = self._text(item, "Key", where=where)
            value = item.get("Value", "")
            if not isinstance(value, str):
                self.problems.append(Problem(f"{where}.Value", "must be a string"))
                continue
            tags.append((key, value))
        return tuple(tags)

    def _profile(self, doc: Mapping[str, Any]) -> InstanceProfile | None:
        if "IamInstanceProfile" not in doc:
            return None
        raw = self._object(doc, "IamInstanceProfile", "$")
        where = "$.IamInstanceProfile"
        arn = self._text(
            raw, "Arn", _PROFILE_ARN, "an instance-profile ARN", where=where
        )
        profile_id = self._text(raw, "Id", where=where)
        role = self._text(doc, "RoleName", _ROLE_NAME, "an IAM role name")
        return InstanceProfile(arn=arn, profile_id=profile_id, role_name=role)

    def _user_data(self, doc: Mapping[str, Any]) -> bytes | None:
        value = doc.get("UserData")
        if value is None:
            return None
        if not isinstance(value, str):
            self.problems.append(Problem("$.UserData", "must be a base64 string"))
            return None
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error:
            self.problems.append(Problem("$.UserData", "is not valid base64"))
            return None

    def _time(self, doc: Mapping[str, Any]) -> datetime:
        value = doc.get("LaunchTime")
        if value is None:
            return datetime.now(UTC)
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            self.problems.append(
                Problem("$.LaunchTime", f"{value!r} is not an ISO 8601 time")
            )
            return datetime.now(UTC)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def _options(self, doc: Mapping[str, Any]) -> MetadataOptions:
        raw = self._object(doc, "MetadataOptions", "$")
        try:
            return MetadataOptions.from_api(raw)
        except InvalidMetadataOptionError as error:
            self.problems.append(
                Problem(f"$.MetadataOptions.{error.name}", error.reason)
            )
            return MetadataOptions()
