"""Instance metadata defaults per account and Region, and the launch precedence.

Account-level defaults (ModifyInstanceMetadataDefaults) hold a value or no
preference for each option. An organization's EC2 declarative policy can set
them instead; then they are managed by the policy and the account cannot change
them. At launch each option is resolved on its own, first match wins:

1. the launch request's `MetadataOptions`;
2. the account default for the Region (declarative policy or account setting);
3. the AMI: `ImdsSupport=v2.0` gives HttpTokens `required` and hop limit 2;
4. EC2's defaults: HttpTokens `optional`, hop limit 1, endpoint enabled,
   IPv6 disabled, tags disabled.

AWS documents that launch parameters beat the account default and the account
default beats the AMI ("If ImdsSupport is v2.0 but the account level default
is set, the default is the account's"); the full table is not published, so
resolving each option independently is Gatehouse's reading (docs/imds.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

NO_PREFERENCE = "no-preference"
NO_PREFERENCE_HOPS = -1

# EC2's launch defaults (RunInstances MetadataOptions, botocore's EC2 model).
EC2_LAUNCH_DEFAULTS: Mapping[str, Any] = {
    "HttpTokens": "optional",
    "HttpPutResponseHopLimit": 1,
    "HttpEndpoint": "enabled",
    "HttpProtocolIpv6": "disabled",
    "InstanceMetadataTags": "disabled",
}
# An AMI registered with ImdsSupport=v2.0 (EC2 Image.ImdsSupport documentation).
IMDS_V2_IMAGE_DEFAULTS: Mapping[str, Any] = {
    "HttpTokens": "required",
    "HttpPutResponseHopLimit": 2,
}

# Declarative policy attribute -> EC2 API field.
_DECLARATIVE_FIELDS = {
    "http_tokens": "HttpTokens",
    "http_put_response_hop_limit": "HttpPutResponseHopLimit",
    "http_endpoint": "HttpEndpoint",
    "instance_metadata_tags": "InstanceMetadataTags",
    "http_tokens_enforced": "HttpTokensEnforced",
}


class ManagedBy(Enum):
    ACCOUNT = "account"
    DECLARATIVE_POLICY = "declarative-policy"


@dataclass(frozen=True)
class AccountDefaults:
    """One account's defaults in one Region; None means no preference."""

    http_tokens: str | None = None
    hop_limit: int | None = None
    http_endpoint: str | None = None
    instance_metadata_tags: str | None = None
    http_tokens_enforced: str | None = None
    managed_by: ManagedBy = ManagedBy.ACCOUNT
    exception_message: str | None = None

    @property
    def tokens_enforced(self) -> bool:
        return self.http_tokens_enforced == "enabled"

    def launch_fields(self) -> dict[str, Any]:
        """The defaults that apply at launch, by RunInstances field name."""
        fields = {
            "HttpTokens": self.http_tokens,
            "HttpPutResponseHopLimit": self.hop_limit,
            "HttpEndpoint": self.http_endpoint,
            "InstanceMetadataTags": self.instance_metadata_tags,
        }
        return {name: value for name, value in fields.items() if value is not None}

    def to_api(self) -> dict[str, Any]:
        """GetInstanceMetadataDefaults `AccountLevel`: set values only."""
        output: dict[str, Any] = {
            **self.launch_fields(),
            "ManagedBy": self.managed_by.value,
        }
        if self.http_tokens_enforced is not None:
            output["HttpTokensEnforced"] = self.http_tokens_enforced
        if self.exception_message is not None:
            output["ManagedExceptionMessage"] = self.exception_message
        return output

    def to_document(self) -> dict[str, Any]:
        return {
            "http_tokens": self.http_tokens,
            "hop_limit": self.hop_limit,
            "http_endpoint": self.http_endpoint,
            "instance_metadata_tags": self.instance_metadata_tags,
            "http_tokens_enforced": self.http_tokens_enforced,
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> AccountDefaults:
        return cls(
            http_tokens=doc.get("http_tokens"),
            hop_limit=doc.get("hop_limit"),
            http_endpoint=doc.get("http_endpoint"),
            instance_metadata_tags=doc.get("instance_metadata_tags"),
            http_tokens_enforced=doc.get("http_tokens_enforced"),
        )

    def modified(self, request: Mapping[str, Any]) -> AccountDefaults:
        """ModifyInstanceMetadataDefaults: omitted fields keep their values,
        `no-preference` (or -1 for the hop limit) clears one."""

        def value(name: str, current: Any) -> Any:
            if name not in request:
                return current
            given = request[name]
            if given in (NO_PREFERENCE, NO_PREFERENCE_HOPS):
                return None
            return given

        return replace(
            self,
            http_tokens=value("HttpTokens", self.http_tokens),
            hop_limit=value("HttpPutResponseHopLimit", self.hop_limit),
            http_endpoint=value("HttpEndpoint", self.http_endpoint),
            instance_metadata_tags=value(
                "InstanceMetadataTags", self.instance_metadata_tags
            ),
            http_tokens_enforced=value("HttpTokensEnforced", self.http_tokens_enforced),
        )


def from_declarative(policy: Mapping[str, Any]) -> AccountDefaults | None:
    """Defaults set by an effective EC2 declarative policy, or None if it sets none."""
    attributes: Mapping[str, str] = policy.get("instance_metadata_defaults", {})
    if not attributes:
        return None
    fields: dict[str, Any] = {}
    for key, raw in attributes.items():
        api_name = _DECLARATIVE_FIELDS[key]
        if api_name == "HttpPutResponseHopLimit":
            hops = int(raw)
            fields[api_name] = None if hops == NO_PREFERENCE_HOPS else hops
        else:
            fields[api_name] = None if raw == "no_preference" else raw
    defaults = AccountDefaults(managed_by=ManagedBy.DECLARATIVE_POLICY)
    defaults = defaults.modified({k: v for k, v in fields.items() if v is not None})
    return replace(defaults, exception_message=policy.get("exception_message"))


def launch_options(
    requested: Mapping[str, Any],
    defaults: AccountDefaults,
    imds_support: str | None,
) -> dict[str, Any]:
    """The metadata options a new instance gets, by EC2 API field name."""
    account = defaults.launch_fields()
    image = IMDS_V2_IMAGE_DEFAULTS if imds_support == "v2.0" else {}
    resolved: dict[str, Any] = {}
    for name, ec2_default in EC2_LAUNCH_DEFAULTS.items():
        for source in (requested, account, image):
            if source.get(name) is not None:
                resolved[name] = source[name]
                break
        else:
            resolved[name] = ec2_default
    return resolved
