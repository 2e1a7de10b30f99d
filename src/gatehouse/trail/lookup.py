"""CloudTrail's LookupEvents over an in-memory index of delivered records.

`lookup_events(index, account_id=..., region=..., request=...)` takes the
request members as the protocol layer parses them (botocore's
LookupEventsRequest: LookupAttributes, StartTime, EndTime, EventCategory,
MaxResults, NextToken) and returns a dict shaped like LookupEventsResponse, or
raises one of the `errors.LookupEventsError` subclasses.

Semantics, from botocore's model documentation of the operation: management
events of the caller's account in the Region, at most 90 days old; at most one
lookup attribute among eight keys; AttributeValue of 1-2000 characters where
`_`, space, `,` and newline count twice; StartTime/EndTime inclusive; MaxResults
1-50, default 50; newest first; a NextToken is valid only with the parameters
that produced it.
"""

from __future__ import annotations

import base64
import bisect
import dataclasses
import hashlib
import itertools
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gatehouse.trail.errors import (
    InvalidEventCategoryException,
    InvalidLookupAttributesException,
    InvalidMaxResultsException,
    InvalidNextTokenException,
    InvalidTimeRangeException,
)

RETENTION = timedelta(days=90)
MAX_RESULTS = 50
MAX_ATTRIBUTE_VALUE = 2000
_DOUBLE_WIDTH = frozenset("_ ,\n")
LOOKUP_KEYS = (
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
)


@dataclass(frozen=True, slots=True)
class IndexedEvent:
    """One record as LookupEvents sees it."""

    event_time: datetime
    seq: int
    event_id: str
    event_name: str
    event_source: str
    read_only: bool
    access_key_id: str | None
    username: str | None
    resources: tuple[tuple[str | None, str], ...]  # (type, name)
    cloudtrail_event: str

    @property
    def sort_key(self) -> tuple[datetime, int]:
        return (self.event_time, self.seq)

    def matches(self, key: str, value: str) -> bool:
        if key == "EventId":
            return self.event_id == value
        if key == "EventName":
            return self.event_name == value
        if key == "EventSource":
            return self.event_source == value
        if key == "ReadOnly":
            return ("true" if self.read_only else "false") == value
        if key == "Username":
            return self.username == value
        if key == "AccessKeyId":
            return self.access_key_id == value
        if key == "ResourceType":
            return any(t == value for t, _ in self.resources)
        return any(n == value for _, n in self.resources)

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "EventId": self.event_id,
            "EventName": self.event_name,
            "ReadOnly": "true" if self.read_only else "false",
        }
        if self.access_key_id:
            out["AccessKeyId"] = self.access_key_id
        out["EventTime"] = self.event_time
        out["EventSource"] = self.event_source
        if self.username:
            out["Username"] = self.username
        # The model: "When the resource type cannot be determined, null is
        # returned"; JSON null and an absent member parse alike, so it is left out.
        out["Resources"] = [
            {"ResourceName": n} if t is None else {"ResourceType": t, "ResourceName": n}
            for t, n in self.resources
        ]
        out["CloudTrailEvent"] = self.cloudtrail_event
        return out


def lookup_username(identity: Mapping[str, Any]) -> str | None:
    """The `Username` LookupEvents shows for a record's userIdentity.

    IAM users and root show their user name (root: "root" when no alias is
    logged); role and federated sessions show the session name, the last part
    of their ARN. Others (AWSAccount, AWSService) show none. A choice: AWS
    documents the field only as "a user name or role name of the requester".
    """
    kind = identity.get("type")
    if kind == "IAMUser":
        name = identity.get("userName")
        return str(name) if name else None
    if kind == "Root":
        return str(identity.get("userName") or "root")
    if kind in ("AssumedRole", "FederatedUser", "SAMLUser", "WebIdentityUser"):
        if kind in ("SAMLUser", "WebIdentityUser") and identity.get("userName"):
            return str(identity["userName"])
        arn = identity.get("arn")
        return str(arn).rsplit("/", 1)[-1] if arn else None
    return None


def _parse_event_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


class EventIndex:
    """Delivered records per (recipient account, Region), oldest first.

    Thread-safe; it is a `DeliveryListener`, so a `TrailWriter` can feed it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[tuple[str, str], list[IndexedEvent]] = {}
        self._seq = itertools.count()

    def add_records(self, records: Iterable[Mapping[str, Any]]) -> None:
        prepared = [self._prepare(rec) for rec in records]
        with self._lock:
            for key, event in prepared:
                event = dataclasses.replace(event, seq=next(self._seq))
                bucket = self._events.setdefault(key, [])
                if not bucket or bucket[-1].sort_key <= event.sort_key:
                    bucket.append(event)
                else:
                    bisect.insort(bucket, event, key=lambda e: e.sort_key)

    def events(self, account_id: str, region: str) -> tuple[IndexedEvent, ...]:
        """A snapshot of one account's events in one Region, oldest first."""
        with self._lock:
            return tuple(self._events.get((account_id, region), ()))

    def __len__(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._events.values())

    @staticmethod
    def _prepare(rec: Mapping[str, Any]) -> tuple[tuple[str, str], IndexedEvent]:
        identity = rec.get("userIdentity") or {}
        resources = tuple(
            (r.get("type"), str(r.get("ARN", ""))) for r in rec.get("resources") or ()
        )
        event = IndexedEvent(
            event_time=_parse_event_time(rec["eventTime"]),
            seq=0,
            event_id=rec["eventID"],
            event_name=rec["eventName"],
            event_source=rec["eventSource"],
            read_only=bool(rec.get("readOnly", False)),
            access_key_id=identity.get("accessKeyId") or None,
            username=lookup_username(identity),
            resources=resources,
            cloudtrail_event=json.dumps(rec, separators=(",", ":")),
        )
        return (rec["recipientAccountId"], rec["awsRegion"]), event


@dataclass(frozen=True, slots=True)
class _Query:
    attribute: tuple[str, str] | None
    start: datetime | None
    end: datetime | None
    category: str | None
    max_results: int

    def fingerprint(self) -> str:
        data = json.dumps(
            [
                self.attribute,
                self.start.isoformat() if self.start else None,
                self.end.isoformat() if self.end else None,
                self.category,
            ]
        )
        return hashlib.sha256(data.encode()).hexdigest()[:24]


def lookup_events(
    index: EventIndex,
    *,
    account_id: str,
    region: str,
    request: Mapping[str, Any],
    now: datetime | None = None,
) -> dict[str, Any]:
    """Answer one LookupEvents request for the caller's account and Region."""
    query = _parse_request(request)
    cursor = _parse_token(request.get("NextToken"), query)

    if query.category is not None:
        # Insights events are never generated by the lab: nothing to return.
        return {"Events": []}
    oldest = (now or datetime.now(UTC)) - RETENTION
    page: list[IndexedEvent] = []
    more = False
    for event in reversed(index.events(account_id, region)):
        if cursor is not None and event.sort_key >= cursor:
            continue
        if not _selected(event, query, oldest):
            continue
        if len(page) == query.max_results:
            more = True
            break
        page.append(event)

    response: dict[str, Any] = {"Events": [e.to_api() for e in page]}
    if more:
        response["NextToken"] = _make_token(query, page[-1])
    return response


def _selected(event: IndexedEvent, query: _Query, oldest: datetime) -> bool:
    if event.event_time < oldest:
        return False
    if query.start is not None and event.event_time < query.start:
        return False
    if query.end is not None and event.event_time > query.end:
        return False
    return query.attribute is None or event.matches(*query.attribute)


def _parse_request(request: Mapping[str, Any]) -> _Query:
    attribute = _parse_attributes(request.get("LookupAttributes"))
    start = _as_time(request.get("StartTime"), "StartTime")
    end = _as_time(request.get("EndTime"), "EndTime")
    if start is not None and end is not None and start > end:
        raise InvalidTimeRangeException(
            detail=f"StartTime {start.isoformat()} is after EndTime {end.isoformat()}; "
            "the start time must not be after the end time."
        )

    category = request.get("EventCategory")
    if category is not None and category != "insight":
        raise InvalidEventCategoryException(value=category)

    max_results = request.get("MaxResults", MAX_RESULTS)
    if (
        isinstance(max_results, bool)
        or not isinstance(max_results, int)
        or not 1 <= max_results <= MAX_RESULTS
    ):
        raise InvalidMaxResultsException(value=max_results)
    return _Query(attribute, start, end, category, max_results)


def _parse_attributes(raw: Any) -> tuple[str, str] | None:
    if raw is None or raw == []:
        return None
    if not isinstance(raw, list):
        raise InvalidLookupAttributesException(
            detail="LookupAttributes must be a list."
        )
    if len(raw) > 1:
        raise InvalidLookupAttributesException(
            detail=f"LookupAttributes holds {len(raw)} items; only one lookup "
            "attribute can be specified."
        )
    item = raw[0]
    key = item.get("AttributeKey") if isinstance(item, Mapping) else None
    value = item.get("AttributeValue") if isinstance(item, Mapping) else None
    if key not in LOOKUP_KEYS:
        raise InvalidLookupAttributesException(
            detail=f"AttributeKey {key!r} is not valid. Valid keys are: "
            + ", ".join(LOOKUP_KEYS)
            + "."
        )
    if not isinstance(value, str) or not value:
        raise InvalidLookupAttributesException(
            detail=f"AttributeValue for {key} must be a non-empty string."
        )
    weight = sum(2 if ch in _DOUBLE_WIDTH else 1 for ch in value)
    if weight > MAX_ATTRIBUTE_VALUE:
        raise InvalidLookupAttributesException(
            detail=f"AttributeValue for {key} counts {weight} characters; the "
            f"maximum is {MAX_ATTRIBUTE_VALUE} ('_', ' ', ',' and newline count twice)."
        )
    if key == "ReadOnly" and value not in ("true", "false"):
        raise InvalidLookupAttributesException(
            detail=f"AttributeValue for ReadOnly must be true or false, not {value!r}."
        )
    return (key, value)


def _as_time(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    raise InvalidTimeRangeException(detail=f"{name} {value!r} is not a timestamp.")


def _make_token(query: _Query, last: IndexedEvent) -> str:
    body = {
        "q": query.fingerprint(),
        "t": last.event_time.timestamp(),
        "s": last.seq,
    }
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _parse_token(token: Any, query: _Query) -> tuple[datetime, int] | None:
    if token is None:
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(str(token).encode("ascii")))
        fingerprint, stamp, seq = body["q"], float(body["t"]), int(body["s"])
    except (ValueError, KeyError, TypeError, UnicodeError):
        raise InvalidNextTokenException() from None
    if fingerprint != query.fingerprint():
        raise InvalidNextTokenException()
    return (datetime.fromtimestamp(stamp, UTC), seq)
