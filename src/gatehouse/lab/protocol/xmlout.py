"""Output dicts to XML for the query and ec2 protocols, following the output shape.

Element names are the model's locationName or the member name; non-flattened
lists wrap each item in the list member's name (`member` on query, `item` on
EC2), maps write `<entry><key/><value/></entry>`, as botocore's parsers read it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from gatehouse.lab.protocol.scalars import blob_text, iso8601


class OutputShapeError(TypeError):
    """A handler returned a key or type its operation's output shape does not have."""


def write_members(shape: Any, value: dict[str, Any], *, ec2: bool) -> str:
    parts: list[str] = []
    _Writer(parts, ec2=ec2).structure(shape, value)
    return "".join(parts)


class _Writer:
    def __init__(self, parts: list[str], *, ec2: bool) -> None:
        self.parts = parts
        self.ec2 = ec2

    def structure(self, shape: Any, value: dict[str, Any]) -> None:
        unknown = set(value) - set(shape.members)
        if unknown:
            raise OutputShapeError(f"{shape.name} has no members {sorted(unknown)}")
        for name, member in shape.members.items():
            item = value.get(name)
            if item is not None:
                self.element(member, _element_name(member, name), item)

    def element(self, shape: Any, tag: str, value: Any) -> None:
        if shape.type_name == "list" and shape.serialization.get("flattened"):
            for item in value:
                self.element(shape.member, tag, item)
            return
        self.parts.append(f"<{tag}>")
        self.content(shape, value)
        self.parts.append(f"</{tag}>")

    def content(self, shape: Any, value: Any) -> None:
        kind = shape.type_name
        if kind == "structure":
            self.structure(shape, value)
        elif kind == "list":
            tag = shape.member.serialization.get("name", "member")
            for item in value:
                self.element(shape.member, tag, item)
        elif kind == "map":
            key_tag = shape.key.serialization.get("name", "key")
            value_tag = shape.value.serialization.get("name", "value")
            for key, item in value.items():
                self.parts.append(f"<entry><{key_tag}>{escape(str(key))}</{key_tag}>")
                self.element(shape.value, value_tag, item)
                self.parts.append("</entry>")
        else:
            self.parts.append(escape(self.scalar(kind, value)))

    def scalar(self, kind: str, value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if kind == "timestamp":
            if not isinstance(value, datetime):
                raise OutputShapeError(
                    f"timestamp expected, got {type(value).__name__}"
                )
            return iso8601(value, milliseconds=self.ec2)
        if kind == "blob":
            return blob_text(value)
        return str(value)


def _element_name(shape: Any, name: str) -> str:
    if shape.type_name == "list" and shape.serialization.get("flattened"):
        return str(
            shape.member.serialization.get(
                "name", shape.serialization.get("name", name)
            )
        )
    return str(shape.serialization.get("name", name))
