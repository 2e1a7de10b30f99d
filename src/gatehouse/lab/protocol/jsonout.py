"""Output dicts to JSON-protocol bodies: timestamps as epoch seconds, blobs base64."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from gatehouse.lab.protocol.scalars import blob_text, epoch_seconds
from gatehouse.lab.protocol.xmlout import OutputShapeError


def write_json(shape: Any, value: dict[str, Any]) -> bytes:
    document = _value(shape, value) if shape is not None else {}
    return json.dumps(document, separators=(",", ":")).encode()


def _value(shape: Any, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        unknown = set(value) - set(shape.members)
        if unknown:
            raise OutputShapeError(f"{shape.name} has no members {sorted(unknown)}")
        return {
            member.serialization.get("name", name): _value(member, value[name])
            for name, member in shape.members.items()
            if value.get(name) is not None
        }
    if kind == "list":
        return [_value(shape.member, item) for item in value]
    if kind == "map":
        return {str(key): _value(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        if not isinstance(value, datetime):
            raise OutputShapeError(f"timestamp expected, got {type(value).__name__}")
        return epoch_seconds(value)
    if kind == "blob":
        return blob_text(value)
    return value
