"""What a handler receives: one authenticated, validated AWS call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gatehouse.lab.identity import Principal


@dataclass(frozen=True)
class LabRequest:
    service: str
    operation: str
    params: Mapping[str, Any]  # keyed by model member names, values typed
    caller: Principal
    access_key_id: str
    region: str
    source_ip: str
    request_id: str
    received_at: datetime


# A handler returns the operation's output as a dict keyed by model member names,
# or raises an AwsError from gatehouse.lab.errors.
Handler = Callable[[LabRequest], dict[str, Any]]
