"""Delivering records as CloudTrail log files, in the real S3 key layout.

    <state_dir>/cloudtrail/AWSLogs/[<o-orgid>/]<AccountID>/CloudTrail/<region>/
        YYYY/MM/DD/<AccountID>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 chars>.json.gz

Each file is gzip JSON `{"Records": [...]}`; the time in the name and folders is
the delivery time (UTC), and a file may hold records of any earlier time
(CloudTrail user guide, "Finding your log files" and "log file examples";
aws-facts §5.4).

Real CloudTrail delivers about every 5 minutes; the lab delivers every
`interval` seconds (5 by default) so that a lesson sees its records promptly,
and on `flush()`/`close()`.
"""

from __future__ import annotations

import gzip
import json
import logging
import secrets
import string
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from gatehouse.trail.records import ApiCall, records_for_call

LOG = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 5.0
_UNIQUE_ALPHABET = string.ascii_letters + string.digits
_UNIQUE_LENGTH = 16  # e.g. Mu0KsOhtH1ar15ZZ in AWS's example file name


class DeliveryListener(Protocol):
    """Told about every file delivered, e.g. the LookupEvents index."""

    def add_records(self, records: Iterable[dict[str, Any]]) -> None: ...


@dataclass(frozen=True, slots=True)
class DeliveredFile:
    path: Path
    account_id: str
    region: str
    record_count: int


def log_file_key(
    *,
    account_id: str,
    region: str,
    delivered_at: datetime,
    unique: str,
    org_id: str | None,
) -> str:
    """The S3 key of one log file, relative to the bucket (and prefix)."""
    stamp = delivered_at.astimezone(UTC)
    org = f"{org_id}/" if org_id else ""
    folder = f"AWSLogs/{org}{account_id}/CloudTrail/{region}/{stamp:%Y/%m/%d}"
    name = f"{account_id}_CloudTrail_{region}_{stamp:%Y%m%dT%H%MZ}_{unique}.json.gz"
    return f"{folder}/{name}"


def unique_string() -> str:
    return "".join(secrets.choice(_UNIQUE_ALPHABET) for _ in range(_UNIQUE_LENGTH))


def write_log_file(path: Path, records: list[dict[str, Any]]) -> None:
    """Write one gzip log file atomically: a temporary file in the same folder,
    then a rename (`Path.replace`, atomic on POSIX), so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    body = json.dumps({"Records": records}, separators=(",", ":"), default=str).encode(
        "utf-8"
    )
    try:
        with (
            tmp.open("wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz,
        ):
            gz.write(body)
            gz.flush()
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


class TrailWriter:
    """Buffers API calls and delivers their records as CloudTrail log files.

    `record()` is safe from any thread and only appends to a buffer; rendering,
    redaction, grouping and file writing happen in the delivery thread (or in
    the caller of `flush()`). Records that fail to be written stay buffered
    for the next delivery, so none is lost.
    """

    def __init__(
        self,
        state_dir: Path | str,
        *,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        organization_id: str | None = None,
        listener: DeliveryListener | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        start: bool = True,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive, got {interval!r}")
        self.root = Path(state_dir) / "cloudtrail"
        self.interval = interval
        self.organization_id = organization_id
        self._listener = listener
        self._clock = clock
        self._calls: list[ApiCall] = []
        self._pending: list[dict[str, Any]] = []
        self._buffer_lock = threading.Lock()
        self._deliver_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if start:
            self.start()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name="gatehouse-trail-writer", daemon=True
        )
        self._thread.start()

    def record(self, call: ApiCall) -> None:
        """Queue one call; its records appear in the next delivery."""
        with self._buffer_lock:
            self._calls.append(call)

    def flush(self) -> list[DeliveredFile]:
        """Deliver everything queued so far, now; returns the files written."""
        with self._deliver_lock:
            with self._buffer_lock:
                calls, self._calls = self._calls, []
            pending = self._pending
            self._pending = []
            for call in calls:
                pending.extend(records_for_call(call))
            if not pending:
                return []
            return self._deliver(pending)

    def close(self) -> None:
        """Stop the delivery thread and deliver what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()

    def __enter__(self) -> TrailWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.flush()
            except Exception:
                LOG.exception(
                    "CloudTrail delivery failed; records kept for the next try"
                )

    def _deliver(self, records: list[dict[str, Any]]) -> list[DeliveredFile]:
        groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for rec in records:
            groups[(rec["recipientAccountId"], rec["awsRegion"])].append(rec)

        now = self._clock()
        written: list[DeliveredFile] = []
        for (account, region), group in groups.items():
            key = log_file_key(
                account_id=account,
                region=region,
                delivered_at=now,
                unique=unique_string(),
                org_id=self.organization_id,
            )
            path = self.root / key
            try:
                write_log_file(path, group)
            except OSError:
                self._keep_undelivered(groups, written)
                raise
            written.append(DeliveredFile(path, account, region, len(group)))
            if self._listener is not None:
                self._listener.add_records(group)
            LOG.debug("delivered %s records to %s", len(group), path)

        return written

    def _keep_undelivered(
        self,
        groups: dict[tuple[str, str], list[dict[str, Any]]],
        written: list[DeliveredFile],
    ) -> None:
        done = {(f.account_id, f.region) for f in written}
        for group_key, group in groups.items():
            if group_key not in done:
                self._pending.extend(group)
