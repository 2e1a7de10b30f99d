"""Reading any folder of CloudTrail files into DuckDB for detections.

Accepted files end in `.json` or `.json.gz` (gzip is detected from the name):
CloudTrail's delivery form `{"Records": [...]}`, a bare JSON array of records
(the Stratus detonation logs), or one record per line. Hidden and temporary
files (names starting with a dot, as the trail writer's are) are skipped.

Bad input is reported, not fatal: a file that cannot be parsed is named in the
report and the rest is loaded; in a one-record-per-line file each bad line is
reported and the good lines are kept; a record without the fields every
CloudTrail record has is reported by file and position.

DuckDB parses the files itself, in parallel, in one query; only when that
query fails are the files split in halves until each failing file is found,
and those are read line by line in Python.
"""

from __future__ import annotations

import gzip
import json
import logging
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from gatehouse.trail.lookup import EventIndex

LOG = logging.getLogger(__name__)

TABLE = "cloudtrail"
_REQUIRED = ("eventTime", "eventName", "eventSource", "eventID")
_INDEXED = (*_REQUIRED, "recipientAccountId", "awsRegion")
_COLUMN_OF = {
    "eventTime": "event_time",
    "eventName": "event_name",
    "eventSource": "event_source",
    "eventID": "event_id",
}

# Columns of the `cloudtrail` table: name, SQL type, JSON path in the record.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("event_time", "TIMESTAMPTZ", "$.eventTime"),
    ("event_id", "VARCHAR", "$.eventID"),
    ("event_version", "VARCHAR", "$.eventVersion"),
    ("event_source", "VARCHAR", "$.eventSource"),
    ("event_name", "VARCHAR", "$.eventName"),
    ("aws_region", "VARCHAR", "$.awsRegion"),
    ("source_ip", "VARCHAR", "$.sourceIPAddress"),
    ("user_agent", "VARCHAR", "$.userAgent"),
    ("identity_type", "VARCHAR", "$.userIdentity.type"),
    ("principal_id", "VARCHAR", "$.userIdentity.principalId"),
    ("identity_arn", "VARCHAR", "$.userIdentity.arn"),
    ("identity_account_id", "VARCHAR", "$.userIdentity.accountId"),
    ("access_key_id", "VARCHAR", "$.userIdentity.accessKeyId"),
    ("user_name", "VARCHAR", "$.userIdentity.userName"),
    ("error_code", "VARCHAR", "$.errorCode"),
    ("error_message", "VARCHAR", "$.errorMessage"),
    ("read_only", "BOOLEAN", "$.readOnly"),
    ("request_id", "VARCHAR", "$.requestID"),
    ("recipient_account_id", "VARCHAR", "$.recipientAccountId"),
    ("shared_event_id", "VARCHAR", "$.sharedEventID"),
)


@dataclass(frozen=True, slots=True)
class ReadProblem:
    """Something in the input that could not be loaded, and where it is.

    `line` is a 1-based line of a one-record-per-line file; `record` is the
    1-based position of a record inside a file.
    """

    path: str
    detail: str
    line: int | None = None
    record: int | None = None

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
        if self.record is not None:
            where += f" record {self.record}"
        return f"{where}: {self.detail}"


@dataclass(frozen=True, slots=True)
class LoadReport:
    files: int
    records: int
    input_bytes: int
    problems: tuple[ReadProblem, ...]


def log_files(root: Path | str) -> list[Path]:
    """Every CloudTrail file under `root` (or `root` itself), in a stable order."""
    base = Path(root)
    if base.is_file():
        return [base]
    found = [
        p
        for p in base.rglob("*")
        if p.is_file()
        and not p.name.startswith(".")
        and (p.name.endswith(".json") or p.name.endswith(".json.gz"))
    ]
    return sorted(found)


def connect(database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(database)
    conn.execute("SET TimeZone = 'UTC'")
    return conn


def load_directory(
    root: Path | str, conn: duckdb.DuckDBPyConnection | None = None
) -> tuple[duckdb.DuckDBPyConnection, LoadReport]:
    """Load every CloudTrail file under `root` into the `cloudtrail` table."""
    conn = conn if conn is not None else connect()
    files = log_files(root)
    problems: list[ReadProblem] = []
    _create_tables(conn)

    bad = _stage_files(conn, [str(p) for p in files])
    for path in bad:
        problems.extend(_stage_by_python(conn, path))
    problems.extend(_finish(conn))

    records = int(conn.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0])
    size = sum(p.stat().st_size for p in files)
    for problem in problems:
        LOG.warning("CloudTrail input: %s", problem)
    LOG.info(
        "loaded %s records from %s files (%s problems)",
        records,
        len(files),
        len(problems),
    )
    return conn, LoadReport(len(files), records, size, tuple(problems))


def _create_tables(conn: duckdb.DuckDBPyConnection) -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind, _ in COLUMNS)
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} ({columns}, record JSON, source_file VARCHAR)"
    )
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE trail_stage "
        "(source_file VARCHAR, pos BIGINT, r JSON, v VARCHAR[])"
    )


def _stage_files(conn: duckdb.DuckDBPyConnection, files: Sequence[str]) -> list[str]:
    """Stage the records of `files` with DuckDB; returns the files it could not parse."""
    if not files:
        return []
    try:
        conn.execute(_STAGE_SQL.format(paths=_PATHS), [list(files)])
    except duckdb.Error:
        if len(files) == 1:
            return list(files)
        half = len(files) // 2
        return _stage_files(conn, files[:half]) + _stage_files(conn, files[half:])
    return []


_PATHS = "[" + ", ".join(f"'{path}'" for _, _, path in COLUMNS) + "]"

# One row per JSON value DuckDB reads; a {"Records": [...]} value is unnested,
# any other value (an element of a bare array, a line) is one record.
_STAGE_SQL = """
INSERT INTO trail_stage
WITH raw AS (
    SELECT filename AS source_file, json
    FROM read_json_objects(?, format = 'auto', filename = true)
), lists AS (
    SELECT source_file,
           CASE WHEN json_type(json, '$.Records') = 'ARRAY'
                THEN json_extract(json, '$.Records[*]')
                ELSE [json] END AS recs,
           json_type(json, '$.Records') = 'ARRAY' AS wrapped
    FROM raw
)
SELECT source_file, pos, r, json_extract_string(r, {paths}) AS v
FROM (
    SELECT source_file,
           CASE WHEN wrapped THEN generate_subscripts(recs, 1) ELSE NULL END AS pos,
           unnest(recs) AS r
    FROM lists
)
"""


def _stage_by_python(conn: duckdb.DuckDBPyConnection, path: str) -> list[ReadProblem]:
    """Salvage what can be read of a file DuckDB refused, reporting the rest."""
    records, problems = read_file(Path(path))
    rows = [(path, pos, json.dumps(rec)) for pos, rec in records]
    if rows:
        conn.executemany(
            "INSERT INTO trail_stage SELECT ?, ?, j, json_extract_string(j, "
            f"{_PATHS}) FROM (SELECT ?::JSON AS j)",
            rows,
        )
    return problems


def _finish(conn: duckdb.DuckDBPyConnection) -> list[ReadProblem]:
    """Move valid staged records into the table; report the invalid ones.

    Validity is judged on the values extracted while staging (`v`, one
    `json_extract_string` over every column's path), so no record is parsed again.
    """
    names = [name for name, _, _ in COLUMNS]
    required = [names.index(_COLUMN_OF[key]) + 1 for key in _REQUIRED]
    valid = " AND ".join(
        ["try_cast(v[1] AS TIMESTAMPTZ) IS NOT NULL"]
        + [f"v[{i}] IS NOT NULL" for i in required]
    )
    rows = conn.execute(
        f"SELECT source_file, pos FROM trail_stage WHERE NOT coalesce({valid}, false)"
    ).fetchall()
    problems = [
        ReadProblem(
            str(file),
            "not a CloudTrail record (needs eventTime, eventName, eventSource, eventID)",
            record=int(pos) if pos is not None else None,
        )
        for file, pos in rows
    ]

    picks = ", ".join(
        f"try_cast(v[{i + 1}] AS {kind})" for i, (_, kind, _) in enumerate(COLUMNS)
    )
    conn.execute(
        f"INSERT INTO {TABLE} SELECT {picks}, r, source_file FROM trail_stage WHERE {valid}"
    )
    conn.execute("DROP TABLE trail_stage")
    return problems


def read_file(
    path: Path,
) -> tuple[list[tuple[int | None, dict[str, Any]]], list[ReadProblem]]:
    """Records of one file in Python, with (position, record) pairs and problems.

    A whole-document file that does not parse is one problem; a file of one
    record per line keeps every line that parses.
    """
    try:
        text = _read_text(path)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        return [], [ReadProblem(str(path), f"cannot read file: {exc}")]

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if "\n" not in text.strip():
            return [], [ReadProblem(str(path), f"malformed JSON: {exc}")]
        return _read_lines(path, text)
    return _records_of(path, doc)


def _read_text(path: Path) -> str:
    if path.name.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return fh.read()
    return path.read_text(encoding="utf-8")


def _records_of(
    path: Path, doc: Any
) -> tuple[list[tuple[int | None, dict[str, Any]]], list[ReadProblem]]:
    if isinstance(doc, dict) and isinstance(doc.get("Records"), list):
        items = list(enumerate(doc["Records"], start=1))
    elif isinstance(doc, list):
        items = list(enumerate(doc, start=1))
    elif isinstance(doc, dict):
        items = [(1, doc)]
    else:
        return [], [
            ReadProblem(str(path), 'neither {"Records": [...]} nor a JSON array')
        ]
    good: list[tuple[int | None, dict[str, Any]]] = []
    problems: list[ReadProblem] = []
    for pos, rec in items:
        if isinstance(rec, dict):
            good.append((pos, rec))
        else:
            problems.append(
                ReadProblem(str(path), "record is not a JSON object", record=pos)
            )
    return good, problems


def _read_lines(
    path: Path, text: str
) -> tuple[list[tuple[int | None, dict[str, Any]]], list[ReadProblem]]:
    good: list[tuple[int | None, dict[str, Any]]] = []
    problems: list[ReadProblem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(
                ReadProblem(str(path), f"malformed JSON: {exc}", line=number)
            )
            continue
        if isinstance(rec, dict):
            good.append((None, rec))
        else:
            problems.append(
                ReadProblem(str(path), "line is not a JSON object", line=number)
            )
    return good, problems


def iter_records(
    root: Path | str,
) -> Iterator[tuple[Path, list[ReadProblem], list[dict[str, Any]]]]:
    """Python-side reading, file by file: (path, problems, records)."""
    for path in log_files(root):
        records, problems = read_file(path)
        yield path, problems, [rec for _, rec in records]


def index_directory(
    root: Path | str, index: EventIndex | None = None
) -> tuple[EventIndex, list[ReadProblem]]:
    """Fill a LookupEvents index from a folder, e.g. a lab's delivered trail."""
    index = index if index is not None else EventIndex()
    problems: list[ReadProblem] = []
    for path, file_problems, records in iter_records(root):
        problems.extend(file_problems)
        valid = [r for r in records if all(isinstance(r.get(k), str) for k in _INDEXED)]
        if len(valid) < len(records):
            problems.append(
                ReadProblem(
                    str(path),
                    f"{len(records) - len(valid)} records lack one of {', '.join(_INDEXED)}",
                )
            )
        index.add_records(valid)
    return index, problems
