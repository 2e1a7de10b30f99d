"""What a handler receives: one authenticated, validated AWS call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gatehouse.lab.identity import Caller

if TYPE_CHECKING:
    from gatehouse.lab.runtime import LabRuntime


@dataclass(frozen=True)
class LabRequest:
    service: str
    operation: str
    params: Mapping[str, Any]  # keyed by model member names, values typed
    caller: Caller
    region: str
    source_ip: str
    request_id: str
    received_at: datetime
    user_agent: str = ""
    host: str = ""
    # What a handler tells CloudTrail beyond the call itself: `resources`, and
    # `owner_account_id` for a call into another account.
    notes: dict[str, Any] = field(default_factory=dict, compare=False)


# A handler gets the lab's runtime (None only in protocol tests that need no
# state) and the request; it returns the operation's output as a dict keyed by
# model member names, or raises an AwsError from gatehouse.lab.errors.
Handler = Callable[["LabRuntime", LabRequest], dict[str, Any]]
