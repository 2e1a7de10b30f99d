"""Log files land in CloudTrail's S3 key layout, whole, and lose no record."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gatehouse.trail import EventIndex, TrailWriter, log_file_key, lookup_events

from .helpers import (
    CALLER_ACCOUNT,
    OWNER_ACCOUNT,
    REGION,
    assume_role,
    read_gzip_records,
)

DELIVERED = datetime(2025, 3, 4, 21, 58, 7, tzinfo=UTC)
KEY = re.compile(
    r"^AWSLogs/(?:(?P<org>o-[a-z0-9]{10,32})/)?(?P<acct>\d{12})/CloudTrail/(?P<region>[a-z0-9-]+)/"
    r"(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/"
    r"(?P=acct)_CloudTrail_(?P=region)_(?P<stamp>\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$"
)


def test_key_matches_aws_example_layout() -> None:
    key = log_file_key(
        account_id="111122223333",
        region="us-east-2",
        delivered_at=datetime(2015, 8, 1, 2, 10, tzinfo=UTC),
        unique="Mu0KsOhtH1ar15ZZ",
        org_id=None,
    )
    assert key == (
        "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/"
        "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz"
    )


def test_files_are_named_by_delivery_time_and_grouped_by_recipient(
    tmp_path: Path,
) -> None:
    writer = TrailWriter(tmp_path, start=False, clock=lambda: DELIVERED)
    writer.record(assume_role(role_account=OWNER_ACCOUNT))
    writer.record(
        replace(assume_role(), event_time=datetime(2025, 3, 3, 23, 59, tzinfo=UTC))
    )
    delivered = writer.flush()

    keys = {
        f.account_id: f.path.relative_to(tmp_path / "cloudtrail").as_posix()
        for f in delivered
    }
    assert set(keys) == {CALLER_ACCOUNT, OWNER_ACCOUNT}
    for account, key in keys.items():
        match = KEY.match(key)
        assert match, key
        assert match["acct"] == account
        assert (match["y"], match["m"], match["d"]) == ("2025", "03", "04")
        assert match["stamp"] == "20250304T2158Z"
    caller_file = next(f for f in delivered if f.account_id == CALLER_ACCOUNT)
    times = [r["eventTime"] for r in read_gzip_records(caller_file.path)]
    assert times == ["2025-03-04T21:46:15Z", "2025-03-03T23:59:00Z"]


def test_organization_trail_layout(tmp_path: Path) -> None:
    writer = TrailWriter(tmp_path, start=False, organization_id="o-a1b2c3d4e5")
    writer.record(assume_role())
    (file,) = writer.flush()

    key = file.path.relative_to(tmp_path / "cloudtrail").as_posix()
    match = KEY.match(key)
    assert match and match["org"] == "o-a1b2c3d4e5" and match["acct"] == CALLER_ACCOUNT


def test_many_threads_lose_no_record_and_leave_no_partial_file(tmp_path: Path) -> None:
    writer = TrailWriter(tmp_path, interval=0.01)
    threads, per_thread = 8, 250

    def work(n: int) -> None:
        for i in range(per_thread):
            writer.record(replace(assume_role(), request_id=f"req-{n}-{i}"))

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=30)
    writer.close()

    root = tmp_path / "cloudtrail"
    ids = [
        r["requestID"] for f in root.rglob("*.json.gz") for r in read_gzip_records(f)
    ]
    assert len(ids) == threads * per_thread
    assert len(set(ids)) == threads * per_thread
    assert not [p for p in root.rglob("*") if p.is_file() and p.name.startswith(".")]


def test_a_failed_write_keeps_the_records_for_the_next_delivery(tmp_path: Path) -> None:
    writer = TrailWriter(tmp_path, start=False)
    writer.record(assume_role())
    blocker = tmp_path / "cloudtrail"
    blocker.write_text("not a folder")
    with pytest.raises(OSError):
        writer.flush()

    blocker.unlink()
    (file,) = writer.flush()
    assert len(read_gzip_records(file.path)) == 1


def test_delivery_feeds_the_lookup_index(tmp_path: Path) -> None:
    index = EventIndex()
    with TrailWriter(tmp_path, start=False, listener=index) as writer:
        writer.record(assume_role(role_account=OWNER_ACCOUNT))
        assert len(index) == 0  # nothing is visible before delivery
        writer.flush()

    now = datetime(2025, 3, 5, tzinfo=UTC)
    mine = lookup_events(
        index, account_id=CALLER_ACCOUNT, region=REGION, request={}, now=now
    )
    theirs = lookup_events(
        index, account_id=OWNER_ACCOUNT, region=REGION, request={}, now=now
    )
    assert [e["EventName"] for e in mine["Events"]] == ["AssumeRole"]
    assert [e["EventName"] for e in theirs["Events"]] == ["AssumeRole"]
    assert mine["Events"][0]["EventId"] != theirs["Events"][0]["EventId"]


def test_interval_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="interval"):
        TrailWriter(tmp_path, interval=0)
