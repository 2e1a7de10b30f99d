"""Any folder of CloudTrail files loads into DuckDB; bad input is reported."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from gatehouse.trail import TrailWriter, index_directory, load_directory

from .helpers import OWNER_ACCOUNT, assume_role, stratus_dir


def test_all_310_real_stratus_records_load() -> None:
    conn, report = load_directory(stratus_dir())

    assert report.problems == ()
    assert (report.files, report.records) == (35, 310)
    (count,) = conn.execute("SELECT count(*) FROM cloudtrail").fetchall()
    assert count == (310,)
    delivery = conn.execute(
        "SELECT json_extract_string(record, '$.userIdentity.sessionContext.ec2RoleDelivery') "
        "FROM cloudtrail WHERE event_name = 'GetCallerIdentity' AND identity_type = 'AssumedRole'"
    ).fetchall()
    assert delivery == [("1.0",)]


def test_detection_style_query_over_real_records() -> None:
    conn, _ = load_directory(stratus_dir())
    rows = conn.execute(
        "SELECT event_name, error_code FROM cloudtrail "
        "WHERE event_source = 'sts.amazonaws.com' AND error_code = 'AccessDenied' "
        "ORDER BY event_time"
    ).fetchall()
    assert rows == [("AssumeRole", "AccessDenied")] * 4


def test_a_corrupt_file_is_reported_and_the_others_load(tmp_path: Path) -> None:
    for name in (
        "aws.execution.ssm-start-session.json",
        "aws.persistence.sts-federation-token.json",
    ):
        shutil.copy(stratus_dir() / name, tmp_path / name)
    (tmp_path / "truncated.json.gz").write_bytes(
        gzip.compress(b'{"Records": [{"eventTime": "2025-01-01T00:00:00Z"')[:-6]
    )
    (tmp_path / "broken.json").write_text('{"Records": [ {"eventName": ')
    (tmp_path / "notes.txt").write_text("ignored: not a CloudTrail file name")

    _conn, report = load_directory(tmp_path)

    expected = sum(
        len(json.loads((tmp_path / n).read_text()))
        for n in (
            "aws.execution.ssm-start-session.json",
            "aws.persistence.sts-federation-token.json",
        )
    )
    assert report.records == expected
    bad = sorted(Path(p.path).name for p in report.problems)
    assert bad == ["broken.json", "truncated.json.gz"]
    assert all(p.detail for p in report.problems)


def test_bad_lines_are_reported_by_number_and_good_lines_kept(tmp_path: Path) -> None:
    good = {
        "eventTime": "2025-01-01T00:00:00Z",
        "eventName": "A",
        "eventSource": "s",
        "eventID": "1",
    }
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "eventID": "2"}),
        "[1, 2]",
    ]
    (tmp_path / "events.json").write_text("\n".join(lines) + "\n")

    _conn, report = load_directory(tmp_path)

    assert report.records == 2
    assert sorted((p.line, Path(p.path).name) for p in report.problems) == [
        (2, "events.json"),
        (4, "events.json"),
    ]


def test_records_missing_required_fields_are_reported_by_position(
    tmp_path: Path,
) -> None:
    ok = {
        "eventTime": "2025-01-01T00:00:00Z",
        "eventName": "A",
        "eventSource": "s",
        "eventID": "1",
    }
    doc = {"Records": [ok, {"eventName": "no time"}, {**ok, "eventTime": "yesterday"}]}
    (tmp_path / "f.json").write_text(json.dumps(doc))

    _, report = load_directory(tmp_path)

    assert report.records == 1
    assert sorted(p.record for p in report.problems if p.record) == [2, 3]


def test_our_delivered_trail_loads_back(tmp_path: Path) -> None:
    with TrailWriter(tmp_path, start=False) as writer:
        for _ in range(3):
            writer.record(assume_role(role_account=OWNER_ACCOUNT))
        writer.record(assume_role(role_account=OWNER_ACCOUNT))  # left for close()

    conn, report = load_directory(tmp_path / "cloudtrail")
    assert report.problems == ()
    assert report.records == 8
    shared = conn.execute(
        "SELECT count(DISTINCT shared_event_id), count(DISTINCT event_id) FROM cloudtrail"
    ).fetchall()
    assert shared == [(4, 8)]

    index, problems = index_directory(tmp_path / "cloudtrail")
    assert problems == [] and len(index) == 8
