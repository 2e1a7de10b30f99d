"""An HTTP response as the protocol layer produces it."""

from __future__ import annotations

from dataclasses import dataclass, field

XML_CONTENT_TYPE = "text/xml"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"


@dataclass(frozen=True)
class WireResponse:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
