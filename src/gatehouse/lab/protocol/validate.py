"""Check typed parameters against the input shape's constraints, all at once.

Constraints come from the model: required members, min/max (length of strings,
lists, maps and blobs; value of numbers), pattern (Java regular expressions,
matched against the whole value) and enum. Each member reports at most its first
failed constraint, in the order enum, range, pattern: AWS reported only the
length failure for a value that broke both length and pattern (observed for
DynamoDB, nubo-db/dynoxide#11; the order is a Gatehouse choice).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import regex

from gatehouse.lab.protocol.scalars import FLOAT_TYPES, INTEGER_TYPES

# A list element in a path: AWS writes `policyArns.1.member.arn`.
PathPart = str | int


@dataclass(frozen=True)
class Violation:
    """One broken constraint: where (model member names and 1-based indexes)."""

    path: tuple[PathPart, ...]
    value: Any  # None when the member is missing
    rule: str  # AWS's wording, e.g. "Member must not be null"
    shape: Any
    missing: bool = False


def validate(shape: Any, params: dict[str, Any]) -> list[Violation]:
    if shape is None:
        return []
    found: list[Violation] = []
    _structure(shape, params, (), found)
    return found


def _structure(
    shape: Any,
    value: dict[str, Any],
    path: tuple[PathPart, ...],
    found: list[Violation],
) -> None:
    required = set(shape.required_members)
    for name, member in shape.members.items():
        where = (*path, name)
        if name not in value:
            if name in required:
                found.append(
                    Violation(
                        where, None, "Member must not be null", member, missing=True
                    )
                )
            continue
        _member(member, value[name], where, found)


def _member(
    shape: Any, value: Any, path: tuple[PathPart, ...], found: list[Violation]
) -> None:
    rule = _first_broken(shape, value)
    if rule is not None:
        found.append(Violation(path, value, rule, shape))
    kind = shape.type_name
    if kind == "structure":
        _structure(shape, value, path, found)
    elif kind == "list":
        for index, item in enumerate(value, 1):
            _member(shape.member, item, (*path, index), found)
    elif kind == "map":
        _map(shape, value, path, found)


def _map(
    shape: Any,
    value: dict[str, Any],
    path: tuple[PathPart, ...],
    found: list[Violation],
) -> None:
    # Gatehouse choice (UNCONFIRMED): Coral-style map messages, reported at the map.
    key_rules = sorted(
        {rule for key in value if (rule := _first_broken(shape.key, key))}
    )
    if key_rules:
        found.append(
            Violation(
                path,
                value,
                f"Map keys must satisfy constraint: [{', '.join(key_rules)}]",
                shape,
            )
        )
    value_rules = sorted(
        {rule for item in value.values() if (rule := _first_broken(shape.value, item))}
    )
    if value_rules:
        found.append(
            Violation(
                path,
                value,
                f"Map value must satisfy constraint: [{', '.join(value_rules)}]",
                shape,
            )
        )


def _first_broken(shape: Any, value: Any) -> str | None:
    metadata = shape.metadata
    enum = getattr(shape, "enum", None)
    if enum and value not in enum:
        return f"Member must satisfy enum value set: [{', '.join(enum)}]"
    kind = shape.type_name
    measure = "value" if kind in INTEGER_TYPES or kind in FLOAT_TYPES else "length"
    size = value if measure == "value" else _length(value)
    if size is not None:
        if "min" in metadata and size < metadata["min"]:
            return f"Member must have {measure} greater than or equal to {_number(metadata['min'])}"
        if "max" in metadata and size > metadata["max"]:
            return f"Member must have {measure} less than or equal to {_number(metadata['max'])}"
    pattern = metadata.get("pattern")
    if pattern and isinstance(value, str) and not _compiled(pattern).fullmatch(value):
        return f"Member must satisfy regular expression pattern: {pattern}"
    return None


def _length(value: Any) -> int | None:
    if isinstance(value, str | bytes | list | dict):
        return len(value)
    return None


def _number(limit: Any) -> str:
    return str(int(limit)) if float(limit).is_integer() else str(limit)


# AWS's patterns are Java regexes: there \w, \d and \s are ASCII-only while
# \p{L} and friends are Unicode. The `regex` module reads \p{..}; the ASCII
# classes are spelled out so that Unicode matching stays on for the rest.
_JAVA_CLASSES = {"w": "a-zA-Z0-9_", "d": "0-9", "s": " \\t\\n\\x0B\\f\\r"}


@functools.cache
def _compiled(pattern: str) -> Any:
    return regex.compile(java_to_python(pattern), regex.DOTALL)


def java_to_python(pattern: str) -> str:
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            members = _JAVA_CLASSES.get(escaped)
            if members is None:
                out.append(pattern[index : index + 2])
            else:
                out.append(members if in_class else f"[{members}]")
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        index += 1
    return "".join(out)
