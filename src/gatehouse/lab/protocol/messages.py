"""Validation violations in AWS's words.

Query and JSON services speak Coral's form: `2 validation errors detected: Value
'a:b' at 'roleSessionName' failed to satisfy constraint: Member must ...; Value
null at 'roleArn' failed to satisfy constraint: Member must not be null`. Member
paths are lowerCamelCase and list items read `policyArns.1.member.arn` (observed:
`tags.1.member.key`, `filters.1.member.key`). Sensitive members leave the value
out (`Value at 'value' ...`, observed for SSM PutParameter). EC2 reports one
problem at a time as MissingParameter or InvalidParameterValue with wire names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gatehouse.lab import errors
from gatehouse.lab.protocol.form import member_wire_name
from gatehouse.lab.protocol.scalars import blob_text, iso8601, lower_camel
from gatehouse.lab.protocol.validate import PathPart, Violation


def coral_summary(violations: list[Violation]) -> str:
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    details = "; ".join(_coral_detail(violation) for violation in violations)
    return f"{count} validation {noun} detected: {details}"


def _coral_detail(violation: Violation) -> str:
    where = coral_path(violation.path)
    if violation.missing:
        subject = "Value null"
    elif violation.shape.metadata.get("sensitive"):
        subject = "Value"
    else:
        subject = f"Value '{render(violation.value, violation.shape)}'"
    return f"{subject} at '{where}' failed to satisfy constraint: {violation.rule}"


def coral_path(path: tuple[PathPart, ...]) -> str:
    parts = [
        f"{part}.member" if isinstance(part, int) else lower_camel(part)
        for part in path
    ]
    return ".".join(parts)


def render(value: Any, shape: Any) -> str:
    """A value as Coral's Java toString would show it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso8601(value)
    if isinstance(value, bytes):
        return blob_text(value)
    if isinstance(value, list):
        return "[" + ", ".join(render(item, shape.member) for item in value) + "]"
    if isinstance(value, dict) and shape.type_name == "map":
        return (
            "{"
            + ", ".join(f"{k}={render(v, shape.value)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, dict):
        fields = ", ".join(
            f"{lower_camel(name)}={render(value[name], member)}"
            for name, member in shape.members.items()
            if name in value
        )
        return f"{shape.name}({fields})"
    return str(value)


def ec2_error(input_shape: Any, violation: Violation) -> errors.AwsError:
    name = ec2_wire_path(input_shape, violation.path)
    if violation.missing:
        return errors.MISSING_PARAMETER.error(name=name)
    return errors.INVALID_PARAMETER_VALUE.error(
        value=render(violation.value, violation.shape), name=name, reason=violation.rule
    )


def ec2_wire_path(input_shape: Any, path: tuple[PathPart, ...]) -> str:
    shape = input_shape
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts.append(str(part))
            shape = shape.member
        else:
            member = shape.members[part]
            parts.append(member_wire_name(part, member, ec2=True))
            shape = member
    return ".".join(parts)
