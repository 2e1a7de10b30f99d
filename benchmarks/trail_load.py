"""How fast CloudTrail is recorded, rendered and loaded for detections.

Generates a few hundred MB (uncompressed) of realistic CloudTrail records with
the trail package itself (cross-account AssumeRole pairs, role-session calls,
Session Manager and IAM calls, random session tokens), writes them as gzip
delivery files, then measures, in the same run:

- the request-path cost of recording one call (`TrailWriter.record`);
- the writer-thread cost of rendering one call into its records;
- loading the folder into DuckDB (`reader.load_directory`), against a baseline
  of plain `gzip` + `json.loads` over the same files.

Prints medians of the repeats, MB/s of gzip input and the ratios.

    .venv/bin/python benchmarks/trail_load.py            # ~300 MB uncompressed
    .venv/bin/python benchmarks/trail_load.py --mb 50    # quicker
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gatehouse.trail import (
    ApiCall,
    IdentityType,
    Resource,
    SessionContext,
    SessionIssuer,
    TlsDetails,
    TrailWriter,
    UserIdentity,
    records_for_call,
)
from gatehouse.trail.delivery import log_file_key, unique_string, write_log_file
from gatehouse.trail.reader import load_directory

ACCOUNTS = [
    f"{n:012d}" for n in (111111111111, 222222222222, 333333333333, 444444444444)
]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]
START = datetime(2025, 1, 1, tzinfo=UTC)


def _ident(rng: random.Random, prefix: str, n: int = 16) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return prefix + "".join(rng.choice(alphabet) for _ in range(n))


def _token(rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(rng.randint(500, 800))).decode()


def _user(rng: random.Random, account: str) -> UserIdentity:
    name = rng.choice(["alice", "bob", "ci-deployer", "auditor", "ops"])
    return UserIdentity(
        type=IdentityType.IAM_USER,
        principal_id=_ident(rng, "AIDA"),
        arn=f"arn:aws:iam::{account}:user/{name}",
        account_id=account,
        access_key_id=_ident(rng, "AKIA"),
        user_name=name,
    )


def _session(rng: random.Random, account: str, when: datetime) -> UserIdentity:
    role = rng.choice(["app", "audit", "ssm-operator", "ec2-web"])
    session = rng.choice(
        [f"i-{rng.getrandbits(68):017x}", f"botocore-session-{rng.getrandbits(30)}"]
    )
    role_id = _ident(rng, "AROA")
    return UserIdentity(
        type=IdentityType.ASSUMED_ROLE,
        principal_id=f"{role_id}:{session}",
        arn=f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        account_id=account,
        access_key_id=_ident(rng, "ASIA"),
        session_context=SessionContext(
            creation_date=when - timedelta(minutes=rng.randint(1, 50)),
            session_issuer=SessionIssuer(
                "Role", role_id, f"arn:aws:iam::{account}:role/{role}", account, role
            ),
            ec2_role_delivery=rng.choice([None, "1.0", "2.0"]),
        ),
    )


def make_call(rng: random.Random, when: datetime) -> ApiCall:
    account = rng.choice(ACCOUNTS)
    region = rng.choice(REGIONS)
    kind = rng.random()
    common: dict[str, Any] = {
        "aws_region": region,
        "source_ip_address": f"198.51.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "user_agent": rng.choice(
            ["aws-cli/2.15.30 Python/3.11.8", "Boto3/1.34.70 md/Botocore#1.34.70"]
        ),
        "event_time": when,
    }
    if kind < 0.35:
        owner = rng.choice(ACCOUNTS)
        role_arn = f"arn:aws:iam::{owner}:role/audit"
        session = f"run-{rng.getrandbits(32):08x}"
        return ApiCall(
            event_source="sts.amazonaws.com",
            event_name="AssumeRole",
            identity=_user(rng, account),
            recipient_account_id=account,
            request_parameters={
                "RoleArn": role_arn,
                "RoleSessionName": session,
                "ExternalId": f"ext-{rng.getrandbits(40):x}",
                "DurationSeconds": 3600,
            },
            response={
                "Credentials": {
                    "AccessKeyId": _ident(rng, "ASIA"),
                    "SecretAccessKey": base64.b64encode(rng.randbytes(30)).decode(),
                    "SessionToken": _token(rng),
                    "Expiration": when + timedelta(hours=1),
                },
                "AssumedRoleUser": {
                    "AssumedRoleId": f"{_ident(rng, 'AROA')}:{session}",
                    "Arn": f"arn:aws:sts::{owner}:assumed-role/audit/{session}",
                },
            },
            resources=(Resource(role_arn, owner, "AWS::IAM::Role"),),
            owner_account_id=owner,
            tls_details=TlsDetails(f"sts.{region}.amazonaws.com"),
            **common,
        )
    if kind < 0.75:
        return ApiCall(
            event_source="sts.amazonaws.com",
            event_name="GetCallerIdentity",
            identity=_session(rng, account, when),
            recipient_account_id=account,
            tls_details=TlsDetails(f"sts.{region}.amazonaws.com"),
            **common,
        )
    if kind < 0.9:
        target = f"i-{rng.getrandbits(68):017x}"
        session_id = f"alice-{rng.getrandbits(60):015x}"
        return ApiCall(
            event_source="ssm.amazonaws.com",
            event_name="StartSession",
            identity=_session(rng, account, when),
            recipient_account_id=account,
            request_parameters={"Target": target},
            response={
                "SessionId": session_id,
                "TokenValue": _token(rng),
                "StreamUrl": f"wss://ssmmessages.{region}.amazonaws.com/v1/data-channel/{session_id}",
            },
            tls_details=TlsDetails(f"ssm.{region}.amazonaws.com"),
            **common,
        )
    name = f"user-{rng.getrandbits(24):06x}"
    denied = rng.random() < 0.3
    return ApiCall(
        event_source="iam.amazonaws.com",
        event_name="CreateUser",
        identity=_session(rng, account, when),
        recipient_account_id=account,
        request_parameters={
            "UserName": name,
            "Tags": [{"Key": "team", "Value": "blue"}],
        },
        response=None
        if denied
        else {
            "User": {
                "UserName": name,
                "UserId": _ident(rng, "AIDA"),
                "Arn": f"arn:aws:iam::{account}:user/{name}",
                "Path": "/",
                "CreateDate": when,
            }
        },
        error_code="AccessDenied" if denied else None,
        error_message="User is not authorized to perform: iam:CreateUser"
        if denied
        else None,
        tls_details=TlsDetails("iam.amazonaws.com"),
        **common,
    )


def generate(
    root: Path, target_mb: float, per_file: int, seed: int = 7
) -> tuple[int, int, float]:
    """Write delivery files until `target_mb` of uncompressed JSON; returns
    (records, uncompressed bytes, render seconds)."""
    rng = random.Random(seed)
    when = START
    total_records = total_bytes = 0
    render_seconds = 0.0
    while total_bytes < target_mb * 1e6:
        batch: list[dict[str, Any]] = []
        for _ in range(per_file):
            when += timedelta(milliseconds=rng.randint(50, 900))
            call = make_call(rng, when)
            t0 = time.perf_counter()
            batch.extend(records_for_call(call))
            render_seconds += time.perf_counter() - t0
        key = log_file_key(
            account_id=batch[0]["recipientAccountId"],
            region=batch[0]["awsRegion"],
            delivered_at=when,
            unique=unique_string(),
            org_id=None,
        )
        write_log_file(root / key, batch)
        total_records += len(batch)
        total_bytes += len(json.dumps({"Records": batch}, separators=(",", ":")))
    return total_records, total_bytes, render_seconds


def baseline_load(root: Path) -> int:
    count = 0
    for path in sorted(root.rglob("*.json.gz")):
        with gzip.open(path, "rb") as fh:
            count += len(json.loads(fh.read())["Records"])
    return count


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def record_path_cost(samples: int) -> tuple[float, float]:
    """Median and p99 microseconds of building an ApiCall and `record()`-ing it."""
    rng = random.Random(3)
    calls = [make_call(rng, START) for _ in range(64)]
    with tempfile.TemporaryDirectory() as tmp:
        writer = TrailWriter(tmp, start=False)  # measured without delivering
        costs = []
        for i in range(samples):
            proto = calls[i % len(calls)]
            t0 = time.perf_counter_ns()
            writer.record(
                ApiCall(**{f: getattr(proto, f) for f in proto.__dataclass_fields__})
            )
            costs.append((time.perf_counter_ns() - t0) / 1000)
    costs.sort()
    return statistics.median(costs), costs[int(len(costs) * 0.99)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--mb", type=float, default=300, help="uncompressed MB to generate"
    )
    parser.add_argument("--per-file", type=int, default=2000, help="calls per log file")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="keep the generated files here")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory() if args.dir is None else None
    root = args.dir or Path(tmp.name if tmp else ".")
    try:
        t0 = time.perf_counter()
        records, raw_bytes, render_s = generate(root, args.mb, args.per_file)
        gen_s = time.perf_counter() - t0
        files = sorted(root.rglob("*.json.gz"))
        gz_bytes = sum(f.stat().st_size for f in files)
        gz_mb, raw_mb = gz_bytes / 1e6, raw_bytes / 1e6
        print(
            f"generated {records} records in {len(files)} files: {raw_mb:.0f} MB JSON, "
            f"{gz_mb:.1f} MB gzip ({gen_s:.1f} s)"
        )
        print(f"render (writer thread): {render_s / records * 1e6:.1f} us per record")

        median_us, p99_us = record_path_cost(20000)
        print(
            f"record() on the request path: median {median_us:.2f} us, p99 {p99_us:.2f} us"
        )

        base_s, base_n = timed(lambda: baseline_load(root), args.repeats)
        ours_s, report = timed(lambda: load_directory(root)[1], args.repeats)
        assert base_n == report.records == records, (base_n, report.records, records)
        assert not report.problems

        print(
            f"baseline gzip+json.loads: median {base_s:.2f} s  "
            f"{gz_mb / base_s:.1f} MB/s gzip  {raw_mb / base_s:.1f} MB/s JSON"
        )
        print(
            f"DuckDB load_directory:    median {ours_s:.2f} s  "
            f"{gz_mb / ours_s:.1f} MB/s gzip  {raw_mb / ours_s:.1f} MB/s JSON"
        )
        print(
            f"ratio (baseline time / ours): {base_s / ours_s:.2f}x  on {os.cpu_count()} CPUs"
        )
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
