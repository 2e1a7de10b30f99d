"""Scalar values between wire text and Python, by botocore shape type."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

INTEGER_TYPES = frozenset({"integer", "long", "short", "byte"})
FLOAT_TYPES = frozenset({"float", "double"})
SCALAR_TYPES = frozenset(
    {"string", "boolean", "timestamp", "blob", *INTEGER_TYPES, *FLOAT_TYPES}
)


class ScalarError(ValueError):
    """Text that cannot be read as the shape's type; `expected` names the type."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def from_text(type_name: str, text: str) -> Any:
    """Read a form-encoded (query/ec2) value as the shape's type."""
    if type_name == "string":
        return text
    if type_name in INTEGER_TYPES:
        try:
            return int(text)
        except ValueError:
            raise ScalarError("an integer") from None
    if type_name == "boolean":
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise ScalarError("true or false")
        return lowered == "true"
    if type_name in FLOAT_TYPES:
        try:
            return float(text)
        except ValueError:
            raise ScalarError("a number") from None
    if type_name == "timestamp":
        return parse_timestamp(text)
    if type_name == "blob":
        return decode_blob(text)
    raise ScalarError(f"a {type_name}")


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 (what botocore sends on query/ec2) or epoch seconds."""
    try:
        return datetime.fromtimestamp(float(text), tz=UTC)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ScalarError("an ISO 8601 timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def decode_blob(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ScalarError("base64-encoded bytes") from None


def iso8601(moment: datetime, *, milliseconds: bool = False) -> str:
    """AWS's XML timestamps: `2019-11-09T13:34:41Z` (query), with `.000` on EC2."""
    moment = moment.astimezone(UTC)
    if milliseconds:
        return (
            moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        )
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_seconds(moment: datetime) -> int | float:
    """JSON protocol timestamps: seconds since the epoch, fractional when needed."""
    value = moment.timestamp()
    return int(value) if value.is_integer() else round(value, 3)


def blob_text(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def lower_camel(name: str) -> str:
    """AWS's member paths in validation messages: `RoleSessionName` → `roleSessionName`."""
    return name[:1].lower() + name[1:]
