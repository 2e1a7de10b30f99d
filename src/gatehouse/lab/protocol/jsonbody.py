"""JSON-protocol request bodies into typed parameters, following the input shape."""

from __future__ import annotations

import json
from typing import Any

from gatehouse.lab import errors
from gatehouse.lab.protocol.scalars import (
    FLOAT_TYPES,
    INTEGER_TYPES,
    ScalarError,
    decode_blob,
    parse_timestamp,
)


def parse_json(shape: Any, body: bytes) -> dict[str, Any]:
    """The operation's input; an empty body reads as `{}` (awsJson1_1 allows it)."""
    if not body.strip():
        document: Any = {}
    else:
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as problem:
            raise errors.SERIALIZATION.error(
                detail=f"The request body is not JSON: {problem}"
            ) from None
    if not isinstance(document, dict):
        raise errors.SERIALIZATION.error(
            detail="The request body must be a JSON object."
        )
    if shape is None:
        return {}
    result = _value(shape, document, "")
    assert isinstance(result, dict)
    return result


def _value(shape: Any, value: Any, where: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        document = _expect(value, dict, "an object", where)
        return {
            name: _value(member, document[name], _join(where, name))
            for name, member in shape.members.items()
            if document.get(name) is not None
        }
    if kind == "list":
        items = _expect(value, list, "an array", where)
        return [
            _value(shape.member, item, f"{where}[{i}]") for i, item in enumerate(items)
        ]
    if kind == "map":
        document = _expect(value, dict, "an object", where)
        return {
            key: _value(shape.value, item, f"{where}.{key}")
            for key, item in document.items()
        }
    return _scalar(kind, value, where)


def _scalar(kind: str, value: Any, where: str) -> Any:
    if kind == "string":
        return _expect(value, str, "a string", where)
    if kind == "boolean":
        return _expect(value, bool, "a boolean", where)
    if kind in INTEGER_TYPES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _mismatch("an integer", where)
        return value
    if kind in FLOAT_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _mismatch("a number", where)
        return float(value)
    try:
        if kind == "timestamp" and isinstance(value, int | float | str):
            return parse_timestamp(str(value))
        if kind == "blob" and isinstance(value, str):
            return decode_blob(value)
    except ScalarError as problem:
        raise _mismatch(problem.expected, where) from None
    raise _mismatch(f"a {kind}", where)


def _expect(value: Any, kind: type, description: str, where: str) -> Any:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise _mismatch(description, where)
    return value


def _mismatch(expected: str, where: str) -> errors.AwsError:
    return errors.SERIALIZATION.error(detail=f"Expected {expected} at '{where}'.")


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name
