"""AssumeRole calls per second and latency: the lab beside moto, in the same run.

Both servers run in their own processes on loopback ports (a server thread in
the client's process would share the GIL with the client). The lab serves a
one-account world: user `bench` and role `BenchRole`, whose trust policy names
the user; moto gets the same role with the same trust policy through its IAM
API first. Each pass makes the same sequential AssumeRole calls through boto3
and through raw HTTP (httpx with keep-alive, each request signed by botocore's
SigV4Auth), alternating lab and moto so that the machine's noise falls on
both. The lab checks the signature, the trust and identity policies, writes the
session to its SQLite state and records CloudTrail; moto checks none of it.

moto is installed at benchmark time into benchmarks/.peers/moto-venv (never a
project dependency). `--profile` adds a cProfile of the lab's request path.

Run: .venv/bin/python benchmarks/lab_sts.py [--calls 300] [--passes 5] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing
import pstats
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import botocore.credentials
import httpx
import uvicorn
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from gatehouse.lab.launch import tune_for_serving
from gatehouse.lab.runtime import LabRuntime
from gatehouse.lab.seed import seed
from gatehouse.lab.server import LabApp
from gatehouse.lab.sigv4 import HttpRequest
from gatehouse.lab.state import LabState
from gatehouse.lab.world import load_world
from gatehouse.trail import EventIndex, TrailWriter

HERE = Path(__file__).resolve().parent
MOTO_VENV = HERE / ".peers" / "moto-venv"
MOTO_SPEC = "moto[server]>=5"
ACCOUNT = "123456789012"  # moto's default account, so both ARNs are the same
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/BenchRole"
ACCESS_KEY = "AKIABENCHMARKUSER001"
SECRET_KEY = "benchmark-secret-key-0000000000000000000"
REGION = "us-east-1"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/bench"},
            "Action": "sts:AssumeRole",
        }
    ],
}
WORLD = {
    "name": "bench",
    "region": REGION,
    "accounts": [
        {
            "id": ACCOUNT,
            "alias": "bench",
            "users": [
                {
                    "name": "bench",
                    "access_keys": [
                        {"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY}
                    ],
                    "inline_policies": {
                        "AssumeBench": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "sts:AssumeRole",
                                    "Resource": ROLE_ARN,
                                }
                            ],
                        }
                    },
                }
            ],
            "roles": [{"name": "BenchRole", "trust_policy": TRUST}],
        }
    ],
}
BODY = (
    "Action=AssumeRole&Version=2011-06-15"
    f"&RoleArn={ROLE_ARN.replace(':', '%3A').replace('/', '%2F')}"
    "&RoleSessionName=bench"
).encode()


# -- servers ------------------------------------------------------------------------


def _lab_runtime(state_dir: Path) -> LabRuntime:
    world_file = state_dir / "world.json"
    if not world_file.exists():
        world_file.write_text(json.dumps(WORLD))
    world = load_world(world_file)
    state = LabState(state_dir / "lab.sqlite3")
    if state.is_empty:
        seed(state, world)
    state.checkpoint_in_background()  # as `gatehouse lab up` does
    trail = TrailWriter(state_dir, interval=5.0, listener=EventIndex())
    trail.start()
    return LabRuntime(state=state, world=world, state_dir=state_dir, trail=trail)


def _serve_lab(sock: socket.socket, state_dir: Path) -> None:
    app = LabApp(runtime=_lab_runtime(state_dir))
    tune_for_serving()  # as `gatehouse lab up` does
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


def _loopback_socket() -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose
    # proto says TCP; without it Nagle and delayed ACKs add ~40 ms a call.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    return sock


def _wait_for(port: int, what: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start within 30 s") from None
            time.sleep(0.05)


def start_lab(state_dir: Path) -> tuple[multiprocessing.Process, str]:
    sock = _loopback_socket()
    port = sock.getsockname()[1]
    process = multiprocessing.get_context("fork").Process(
        target=_serve_lab, args=(sock, state_dir)
    )
    process.start()
    _wait_for(port, "the lab")
    return process, f"http://127.0.0.1:{port}"


def install_moto() -> Path:
    server = MOTO_VENV / "bin" / "moto_server"
    if server.exists():
        return server
    subprocess.run([sys.executable, "-m", "venv", str(MOTO_VENV)], check=True)
    subprocess.run(
        [str(MOTO_VENV / "bin" / "pip"), "install", "--quiet", MOTO_SPEC],
        check=True,
        timeout=900,
    )
    return server


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    server = install_moto()
    with _loopback_socket() as probe:
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for(port, "moto_server")
    url = f"http://127.0.0.1:{port}"
    iam = _client("iam", url)
    iam.create_role(RoleName="BenchRole", AssumeRolePolicyDocument=json.dumps(TRUST))
    return process, url


# -- clients ------------------------------------------------------------------------


def _client(service: str, url: str) -> Any:
    return boto3.session.Session().client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


@dataclass
class Sample:
    rate: float
    latencies: list[float]


def through_boto3(url: str, calls: int) -> Sample:
    sts = _client("sts", url)
    sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="bench")
    latencies = []
    start = time.perf_counter()
    for _ in range(calls):
        began = time.perf_counter()
        sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="bench")
        latencies.append(time.perf_counter() - began)
    return Sample(calls / (time.perf_counter() - start), latencies)


def _signed(url: str) -> tuple[dict[str, str], bytes]:
    request = AWSRequest(
        method="POST",
        url=url + "/",
        data=BODY,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    keys = botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY)
    SigV4Auth(keys, "sts", REGION).add_auth(request)
    return dict(request.headers), BODY


def through_raw_http(url: str, calls: int) -> Sample:
    latencies = []
    with httpx.Client(timeout=30) as http:
        headers, body = _signed(url)
        http.post(url + "/", content=body, headers=headers).raise_for_status()
        start = time.perf_counter()
        for _ in range(calls):
            began = time.perf_counter()
            headers, body = _signed(url)
            response = http.post(url + "/", content=body, headers=headers)
            latencies.append(time.perf_counter() - began)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        return Sample(calls / (time.perf_counter() - start), latencies)


# -- the run ------------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000


def _summary(samples: list[Sample]) -> tuple[float, float, float]:
    latencies = [value for sample in samples for value in sample.latencies]
    return (
        statistics.median(sample.rate for sample in samples),
        _percentile(latencies, 0.50),
        _percentile(latencies, 0.99),
    )


def compare(calls: int, passes: int) -> None:
    state_dir = Path(tempfile.mkdtemp(prefix="gatehouse-bench-"))
    lab_process, lab_url = start_lab(state_dir)
    moto_process, moto_url = start_moto()
    paths: dict[str, Callable[[str, int], Sample]] = {
        "boto3": through_boto3,
        "raw HTTP": through_raw_http,
    }
    results: dict[tuple[str, str], list[Sample]] = {}
    try:
        for _ in range(passes):
            for path, run in paths.items():
                for server, url in (("lab", lab_url), ("moto", moto_url)):
                    results.setdefault((path, server), []).append(run(url, calls))
    finally:
        lab_process.terminate()
        lab_process.join(timeout=10)
        moto_process.terminate()
        moto_process.wait(timeout=10)
        shutil.rmtree(state_dir, ignore_errors=True)

    print(
        f"AssumeRole, {passes} passes of {calls} sequential calls per path and "
        "server (lab and moto alternating)"
    )
    print(f"{'path':9} {'server':6} {'median calls/s':>15} {'p50 ms':>8} {'p99 ms':>8}")
    for path in paths:
        figures = {}
        for server in ("lab", "moto"):
            rate, p50, p99 = _summary(results[(path, server)])
            figures[server] = (rate, p50, p99)
            print(f"{path:9} {server:6} {rate:15.0f} {p50:8.2f} {p99:8.2f}")
        lab, moto = figures["lab"], figures["moto"]
        print(
            f"{path:9} lab/moto: calls/s x{lab[0] / moto[0]:.2f}, "
            f"p50 x{lab[1] / moto[1]:.2f}, p99 x{lab[2] / moto[2]:.2f}"
        )


# -- where the lab's time goes ---------------------------------------------------------

_PHASES = (
    ("protocol decode/encode", "gatehouse/lab/protocol/"),
    ("sigv4", "gatehouse/lab/sigv4.py"),
    ("authorization (policy engine)", "gatehouse/policy/"),
    ("authorization (gathering)", "gatehouse/lab/authz.py"),
    ("CloudTrail record", "gatehouse/trail/"),
    ("state write/read", "gatehouse/lab/state.py"),
    ("handler (sts.py)", "gatehouse/lab/handlers/"),
    ("ids and secrets", "gatehouse/lab/ids.py"),
    ("runtime", "gatehouse/lab/runtime.py"),
)


def profile(calls: int) -> None:
    state_dir = Path(tempfile.mkdtemp(prefix="gatehouse-profile-"))
    runtime = _lab_runtime(state_dir)
    app = LabApp(runtime=runtime)
    requests = []
    for _ in range(calls + 20):
        headers, body = _signed("http://127.0.0.1:1")
        lowered = {name.lower(): [value] for name, value in headers.items()}
        lowered["host"] = ["127.0.0.1:1"]
        requests.append(HttpRequest("POST", "/", "", lowered, body))
    for wire in requests[:20]:
        app.handle(wire, source_ip="127.0.0.1", request_id=str(uuid.uuid4()))

    profiler = cProfile.Profile()
    timings = []
    for wire in requests[20:]:
        began = time.perf_counter()
        profiler.enable()
        response = app.handle(wire, source_ip="127.0.0.1", request_id=str(uuid.uuid4()))
        profiler.disable()
        timings.append(time.perf_counter() - began)
        assert response.status == 200, response.body
    if runtime.trail is not None:
        runtime.trail.close()
    runtime.state.close()
    shutil.rmtree(state_dir, ignore_errors=True)

    stats = pstats.Stats(profiler)
    total = sum(entry[2] for entry in stats.stats.values())  # type: ignore[attr-defined]
    phases = dict.fromkeys(
        [name for name, _ in _PHASES] + ["other (sqlite, json, stdlib)"], 0.0
    )
    for (filename, _, _), entry in stats.stats.items():  # type: ignore[attr-defined]
        tottime = entry[2]
        for name, marker in _PHASES:
            if marker in filename:
                phases[name] += tottime
                break
        else:
            phases["other (sqlite, json, stdlib)"] += tottime
    print(
        f"\nin-process handle() of AssumeRole (no HTTP), {calls} calls: "
        f"p50 {_percentile(timings, 0.5):.2f} ms, p99 {_percentile(timings, 0.99):.2f} ms "
        "(under the profiler)"
    )
    print("self time by part of the request path:")
    for name, seconds in sorted(phases.items(), key=lambda item: -item[1]):
        print(f"  {name:32} {100 * seconds / total:5.1f} %")
    print("\ntop functions by cumulative time:")
    stats.sort_stats("cumulative").print_stats(18)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    arguments = parser.parse_args()
    compare(arguments.calls, arguments.passes)
    if arguments.profile:
        profile(arguments.calls)


if __name__ == "__main__":
    main()
