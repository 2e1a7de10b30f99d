"""Per-instance metadata options, and a thread-safe holder the lab can update.

The option names, values and launch defaults are EC2's `InstanceMetadataOptions`
(botocore's EC2 model; RunInstances `MetadataOptions`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

from gatehouse.imds.errors import InvalidMetadataOptionError

# ModifyInstanceMetadataOptions accepts a hop limit from 1 to 64; 1 is the default.
MIN_HOP_LIMIT = 1
MAX_HOP_LIMIT = 64


class HttpTokens(StrEnum):
    OPTIONAL = "optional"
    REQUIRED = "required"


class Toggle(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"


# AWS name in the API -> (attribute name, parser).
_API_FIELDS: dict[str, str] = {
    "HttpTokens": "http_tokens",
    "HttpPutResponseHopLimit": "hop_limit",
    "HttpEndpoint": "http_endpoint",
    "HttpProtocolIpv6": "http_protocol_ipv6",
    "InstanceMetadataTags": "instance_metadata_tags",
}


@dataclass(frozen=True)
class MetadataOptions:
    """One instance's IMDS settings; defaults are EC2's launch defaults.

    HttpTokens defaults to `optional` here, as for an AMI without
    `ImdsSupport=v2.0` and no account default.
    """

    http_tokens: HttpTokens = HttpTokens.OPTIONAL
    hop_limit: int = 1
    http_endpoint: Toggle = Toggle.ENABLED
    http_protocol_ipv6: Toggle = Toggle.DISABLED
    instance_metadata_tags: Toggle = Toggle.DISABLED

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "http_tokens", _enum(HttpTokens, "HttpTokens", self.http_tokens)
        )
        object.__setattr__(
            self, "http_endpoint", _enum(Toggle, "HttpEndpoint", self.http_endpoint)
        )
        object.__setattr__(
            self,
            "http_protocol_ipv6",
            _enum(Toggle, "HttpProtocolIpv6", self.http_protocol_ipv6),
        )
        object.__setattr__(
            self,
            "instance_metadata_tags",
            _enum(Toggle, "InstanceMetadataTags", self.instance_metadata_tags),
        )
        hop = self.hop_limit
        if isinstance(hop, bool) or not isinstance(hop, int):
            raise InvalidMetadataOptionError(
                "HttpPutResponseHopLimit", hop, "must be an integer"
            )
        if not MIN_HOP_LIMIT <= hop <= MAX_HOP_LIMIT:
            raise InvalidMetadataOptionError(
                "HttpPutResponseHopLimit",
                hop,
                f"must be between {MIN_HOP_LIMIT} and {MAX_HOP_LIMIT}",
            )

    @property
    def tokens_required(self) -> bool:
        return self.http_tokens is HttpTokens.REQUIRED

    @property
    def endpoint_enabled(self) -> bool:
        return self.http_endpoint is Toggle.ENABLED

    @property
    def tags_enabled(self) -> bool:
        return self.instance_metadata_tags is Toggle.ENABLED

    @classmethod
    def from_api(cls, fields: Mapping[str, object]) -> MetadataOptions:
        """Build from EC2 API names (`HttpTokens`, `HttpPutResponseHopLimit`, ...)."""
        return cls().changed(fields)

    def changed(self, fields: Mapping[str, object]) -> MetadataOptions:
        """Apply ModifyInstanceMetadataOptions: omitted fields keep their values."""
        unknown = sorted(set(fields) - set(_API_FIELDS) - {"State"})
        if unknown:
            raise InvalidMetadataOptionError(
                unknown[0], fields[unknown[0]], "unknown option"
            )
        changes = {_API_FIELDS[k]: v for k, v in fields.items() if k in _API_FIELDS}
        return replace(self, **changes)  # type: ignore[arg-type]

    def to_api(self) -> dict[str, object]:
        """The `InstanceMetadataOptions` shape DescribeInstances returns."""
        return {
            "State": "applied",
            "HttpTokens": self.http_tokens.value,
            "HttpPutResponseHopLimit": self.hop_limit,
            "HttpEndpoint": self.http_endpoint.value,
            "HttpProtocolIpv6": self.http_protocol_ipv6.value,
            "InstanceMetadataTags": self.instance_metadata_tags.value,
        }


_E = TypeVar("_E", bound=StrEnum)


def _enum(kind: type[_E], name: str, value: object) -> _E:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return kind(value)
    except ValueError:
        allowed = "|".join(member.value for member in kind)
        raise InvalidMetadataOptionError(
            name, value, f"must be one of {allowed}"
        ) from None


class OptionsHolder:
    """The live options of one running service; readers always see a whole value.

    `check` runs on every new value before it is applied (the service uses it to
    refuse enabling tags in metadata while a tag key is not allowed there).
    """

    def __init__(
        self,
        initial: MetadataOptions | None = None,
        *,
        check: Callable[[MetadataOptions], None] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._check = check
        self._current = initial if initial is not None else MetadataOptions()
        if check is not None:
            check(self._current)

    def get(self) -> MetadataOptions:
        return self._current

    def modify(self, **api_fields: object) -> MetadataOptions:
        """Change some options by their EC2 API names; returns the new value."""
        with self._lock:
            updated = self._current.changed(api_fields)
            if self._check is not None:
                self._check(updated)
            self._current = updated
            return updated

    def set(self, options: MetadataOptions) -> None:
        with self._lock:
            if self._check is not None:
                self._check(options)
            self._current = options
