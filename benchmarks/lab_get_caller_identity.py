"""Requests per second and latency for STS GetCallerIdentity through boto3.

Starts the lab under uvicorn on a loopback port in its own process (a server
thread in the client's process would share the GIL with boto3 and measure that
contention instead), then calls GetCallerIdentity sequentially from one boto3
client. Prints the median of several runs, and the server-side latency of the
same call measured in-process (no HTTP, no boto3).

Run: .venv/bin/python benchmarks/lab_get_caller_identity.py
"""

from __future__ import annotations

import multiprocessing
import socket
import statistics
import time
import uuid

import boto3
import botocore.config
import botocore.credentials
import uvicorn
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from gatehouse.lab.identity import Caller, CallerKind, InMemoryCredentials, Origin
from gatehouse.lab.server import LabApp
from gatehouse.lab.sigv4 import HttpRequest

CALLS = 500
RUNS = 5
KEY = Caller(
    access_key_id="AKIABENCHMARK0000001",
    kind=CallerKind.IAM_USER,
    account="111122223333",
    arn="arn:aws:iam::111122223333:user/bench",
    user_id="AIDABENCHMARK0000001",
    name="bench",
    origin=Origin.ACCESS_KEY,
    secret_access_key="benchmark-secret-key-00000000000000000",
    user_name="bench",
)


def _run_server(sock: socket.socket) -> None:
    app = LabApp(credentials=InMemoryCredentials([KEY]))
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


def serve() -> tuple[multiprocessing.Process, str]:
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose
    # proto says TCP, and without it Nagle plus delayed ACKs add ~40 ms a call.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    process = multiprocessing.get_context("fork").Process(
        target=_run_server, args=(sock,)
    )
    process.start()
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(sock.getsockname(), timeout=1).close()
            return process, url
        except OSError:
            if time.monotonic() > deadline:
                process.terminate()
                raise RuntimeError("the lab did not start within 10 s") from None
            time.sleep(0.05)


def through_boto3(url: str) -> float:
    sts = boto3.session.Session().client(
        "sts",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=KEY.access_key_id,
        aws_secret_access_key=KEY.secret_access_key,
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )
    sts.get_caller_identity()
    start = time.perf_counter()
    for _ in range(CALLS):
        sts.get_caller_identity()
    return CALLS / (time.perf_counter() - start)


def in_process(app: LabApp) -> list[float]:
    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1:1/",
        data=b"Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    keys = botocore.credentials.Credentials(KEY.access_key_id, KEY.secret_access_key)
    SigV4Auth(keys, "sts", "us-east-1").add_auth(request)
    headers = {name.lower(): [value] for name, value in request.headers.items()}
    headers["host"] = ["127.0.0.1:1"]
    wire = HttpRequest("POST", "/", "", headers, request.body)
    timings = []
    for _ in range(CALLS):
        start = time.perf_counter()
        response = app.handle(wire, source_ip="127.0.0.1", request_id=str(uuid.uuid4()))
        timings.append(time.perf_counter() - start)
        assert response.status == 200, response.body
    return timings


def main() -> None:
    timings = sorted(in_process(LabApp(credentials=InMemoryCredentials([KEY]))))
    process, url = serve()
    try:
        rates = [through_boto3(url) for _ in range(RUNS)]
    finally:
        process.terminate()
        process.join(timeout=10)
    p50 = timings[len(timings) // 2] * 1000
    p99 = timings[int(len(timings) * 0.99)] * 1000
    print(
        f"boto3 GetCallerIdentity: median {statistics.median(rates):.0f} req/s "
        f"over {RUNS} runs of {CALLS} sequential calls (runs: "
        + ", ".join(f"{rate:.0f}" for rate in rates)
        + ")"
    )
    print(f"in-process handle(): p50 {p50:.3f} ms, p99 {p99:.3f} ms")


if __name__ == "__main__":
    main()
