"""What every EC2 handler shares: ARNs, DryRun, filters, tags, id formats."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from gatehouse.lab import errors
from gatehouse.lab.request import LabRequest
from gatehouse.lab.runtime import LabRuntime

# EC2 ids: a prefix, a dash, and 8 (old format) or 17 hexadecimal digits.
INSTANCE_ID = re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})")
IMAGE_ID = re.compile(r"ami-(?:[0-9a-f]{8}|[0-9a-f]{17})")
GROUP_ID = re.compile(r"sg-(?:[0-9a-f]{8}|[0-9a-f]{17})")

# The lab's one VPC per account (AWS's default VPC in a fresh account).
DEFAULT_VPC = "vpc-0a1b2c3d4e5f60718"

# A filter name -> the values an item has for it; None when it has no value.
FilterValues = Callable[[Mapping[str, Any]], Sequence[str] | None]


def arn(request: LabRequest, kind: str, resource_id: str) -> str:
    """An EC2 resource ARN in the caller's account and the request's Region."""
    return f"arn:aws:ec2:{request.region}:{request.caller.account}:{kind}/{resource_id}"


def image_arn(request: LabRequest, image_id: str) -> str:
    # AMI ARNs carry no account (Service Authorization Reference, EC2 image).
    return f"arn:aws:ec2:{request.region}::image/{image_id}"


def authorize(
    runtime: LabRuntime,
    request: LabRequest,
    action: str,
    resource: str = "*",
    context: Mapping[str, str | list[str]] | None = None,
) -> None:
    """Authorize, then answer DryRun: EC2 checks permissions before DryRun.

    Call it once per operation, after the checks of the request itself.

    EC2 API reference, DryRun: "If you have the required permissions, the error
    response is DryRunOperation. Otherwise, it is UnauthorizedOperation."
    """
    runtime.authorize(request, action=action, resource=resource, context=context)
    dry_run(request)


def dry_run(request: LabRequest) -> None:
    if request.params.get("DryRun"):
        raise errors.EC2_DRY_RUN_OPERATION.error()


def tags_out(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


def requested_tags(request: LabRequest, resource_type: str) -> dict[str, str]:
    """Tags from TagSpecifications for one resource type."""
    tags: dict[str, str] = {}
    for spec in request.params.get("TagSpecifications", []):
        if spec.get("ResourceType") == resource_type:
            for tag in spec.get("Tags", []):
                tags[tag["Key"]] = tag.get("Value", "")
    return tags


def tag_context(prefix: str, tags: Mapping[str, str]) -> dict[str, str | list[str]]:
    """`aws:RequestTag/k` or `ec2:ResourceTag/k` keys for a set of tags."""
    context: dict[str, str | list[str]] = {
        f"{prefix}/{key}": value for key, value in tags.items()
    }
    if prefix == "aws:RequestTag" and tags:
        context["aws:TagKeys"] = list(tags)
    return context


def check_ids(
    ids: Iterable[str], pattern: re.Pattern[str], spec: errors.ErrorSpec, field: str
) -> None:
    for value in ids:
        if not pattern.fullmatch(value):
            raise spec.error(**{field: value})


def filtered(
    items: Iterable[Mapping[str, Any]],
    filters: Sequence[Mapping[str, Any]],
    table: Mapping[str, FilterValues],
) -> list[Mapping[str, Any]]:
    """Items matching every filter; a filter matches when any value matches.

    Values may use `*` and `?` wildcards (EC2 API reference, Filter). Tag
    filters are `tag:<key>` and `tag-key`. An unknown filter name is refused.
    """
    checks = []
    for spec in filters:
        name = spec["Name"]
        getter = _getter(name, table)
        patterns = [_wildcard(v) for v in spec.get("Values", [])]
        checks.append((getter, patterns))
    out = []
    for item in items:
        if all(_any_match(getter(item), patterns) for getter, patterns in checks):
            out.append(item)
    return out


def _getter(name: str, table: Mapping[str, FilterValues]) -> FilterValues:
    if name.startswith("tag:"):
        key = name[4:]

        def tag_value(item: Mapping[str, Any]) -> Sequence[str] | None:
            value = item.get("tags", {}).get(key)
            return None if value is None else [value]

        return tag_value
    if name == "tag-key":
        return lambda item: list(item.get("tags", {}))
    if name == "tag-value":
        return lambda item: list(item.get("tags", {}).values())
    getter = table.get(name)
    if getter is None:
        raise errors.EC2_INVALID_FILTER.error(name=name)
    return getter


def _wildcard(value: str) -> re.Pattern[str]:
    pattern = "".join(
        ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in value
    )
    return re.compile(pattern, re.DOTALL)


def _any_match(values: Sequence[str] | None, patterns: list[re.Pattern[str]]) -> bool:
    if values is None:
        return False
    return any(p.fullmatch(v) for p in patterns for v in values)
