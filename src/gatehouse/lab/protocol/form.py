"""Form-encoded requests (the query and ec2 protocols) into typed parameters.

Key layout, as botocore's QuerySerializer and EC2Serializer write it:
query: `Tags.member.1.Key`, flattened lists `Name.1`, maps `Attr.entry.1.key`;
ec2: every list flattened (`Filter.1.Value.1`), names from queryName or the
capitalised locationName.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gatehouse.lab import errors
from gatehouse.lab.protocol.scalars import SCALAR_TYPES, ScalarError, from_text

# Parameters that address the request itself, not the operation's input.
_ENVELOPE = frozenset({"Action", "Version"})


class _Node:
    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.value: str | None = None
        self.children: dict[str, _Node] = {}


def parse_form(
    shape: Any, pairs: Iterable[tuple[str, str]], *, ec2: bool
) -> dict[str, Any]:
    """The operation's input as a dict keyed by model member names."""
    if shape is None:
        return {}
    root = _Node()
    for key, value in pairs:
        if key in _ENVELOPE or key.startswith("X-Amz-"):
            continue
        node = root
        for part in key.split("."):
            node = node.children.setdefault(part, _Node())
        node.value = value
    reader = _Reader(ec2=ec2)
    return reader.structure(shape, root, "")


class _Reader:
    def __init__(self, *, ec2: bool) -> None:
        self.ec2 = ec2

    def structure(self, shape: Any, node: _Node, where: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, member in shape.members.items():
            wire = self._member_name(name, member)
            child = node.children.get(wire)
            if child is not None:
                result[name] = self.value(member, child, _join(where, wire))
        return result

    def value(self, shape: Any, node: _Node, where: str) -> Any:
        kind = shape.type_name
        if kind == "structure":
            return self.structure(shape, node, where)
        if kind == "list":
            return self.list(shape, node, where)
        if kind == "map":
            return self.map(shape, node, where)
        if kind in SCALAR_TYPES and node.value is not None:
            try:
                return from_text(kind, node.value)
            except ScalarError as problem:
                raise errors.INVALID_PARAMETER_VALUE.error(
                    value=node.value, name=where, reason=f"Expected {problem.expected}."
                ) from None
        raise errors.INVALID_PARAMETER_VALUE.error(
            value="", name=where, reason=f"Expected a {kind} value."
        )

    def list(self, shape: Any, node: _Node, where: str) -> list[Any]:
        items = node
        if not self.ec2 and not shape.serialization.get("flattened"):
            # An empty list is sent as `Name=` with nothing under it.
            member_name = shape.member.serialization.get("name", "member")
            found = node.children.get(member_name)
            if found is None:
                return []
            items = found
            where = _join(where, member_name)
        return [
            self.value(shape.member, items.children[index], _join(where, index))
            for index in _indexes(items)
        ]

    def map(self, shape: Any, node: _Node, where: str) -> dict[str, Any]:
        entries = (
            node if shape.serialization.get("flattened") else node.children.get("entry")
        )
        if entries is None:
            return {}
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        result: dict[str, Any] = {}
        for index in _indexes(entries):
            entry = entries.children[index]
            key_node = entry.children.get(key_name)
            value_node = entry.children.get(value_name)
            if value_node is None and shape.value.type_name == "structure":
                value_node = _Node()  # a structure with nothing set sends no keys
            if key_node is None or key_node.value is None or value_node is None:
                raise errors.INVALID_PARAMETER_VALUE.error(
                    value="",
                    name=_join(where, index),
                    reason=f"A map entry needs both {key_name} and {value_name}.",
                )
            result[key_node.value] = self.value(
                shape.value, value_node, _join(where, f"{index}.{value_name}")
            )
        return result

    def _member_name(self, name: str, member: Any) -> str:
        return member_wire_name(name, member, ec2=self.ec2)


def member_wire_name(name: str, member: Any, *, ec2: bool) -> str:
    """The key a structure member is sent under, as botocore's serializers name it."""
    serialization = member.serialization
    if ec2:
        if "queryName" in serialization:
            return str(serialization["queryName"])
        if "name" in serialization:
            located = str(serialization["name"])
            return located[:1].upper() + located[1:]
        return name
    if (
        member.type_name == "list"
        and serialization.get("flattened")
        and "name" in member.member.serialization
    ):
        # botocore replaces the member's own name with the list member's name.
        return str(member.member.serialization["name"])
    return str(serialization.get("name", name))


def _indexes(node: _Node) -> list[str]:
    numbered = [key for key in node.children if key.isdigit()]
    return sorted(numbered, key=int)


def _join(where: str, part: str) -> str:
    return f"{where}.{part}" if where else part
