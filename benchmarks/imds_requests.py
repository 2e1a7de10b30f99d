"""Throughput of one metadata service: token PUT + role-credentials GET pairs.

Starts the service in a subprocess (`gatehouse imds serve`) so client and server
do not share a GIL, then drives it from several client threads over keep-alive
connections with a minimal raw-socket client (http.client costs more
than the server does). Prints pairs per second and requests per second.

    .venv/bin/python benchmarks/imds_requests.py [--seconds 5] [--clients 4]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

EXAMPLE = Path(__file__).parents[1] / "examples" / "imds" / "instance.json"
ROLE = json.loads(EXAMPLE.read_text())["RoleName"]


def client(host: str, port: int, until: float, counts: list[int]) -> None:
    """One keep-alive connection: PUT a token, GET the role's credentials, repeat."""
    put = (
        b"PUT /latest/api/token HTTP/1.1\r\nHost: imds\r\n"
        b"X-aws-ec2-metadata-token-ttl-seconds: 21600\r\n\r\n"
    )
    pairs = 0
    with socket.create_connection((host, port), timeout=5) as sock:
        while time.monotonic() < until:
            status, token = exchange(sock, put)
            get = (
                f"GET /latest/meta-data/iam/security-credentials/{ROLE} HTTP/1.1\r\n"
                f"Host: imds\r\nX-aws-ec2-metadata-token: {token.decode()}\r\n\r\n"
            ).encode()
            status, _ = exchange(sock, get)
            assert status == 200
            pairs += 1
    counts.append(pairs)


def exchange(sock: socket.socket, request: bytes) -> tuple[int, bytes]:
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in lines
        if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return int(lines[0].split()[1]), body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    server = subprocess.Popen(
        [sys.executable, "-m", "gatehouse.imds", "serve", "--instance-file", str(EXAMPLE),
         "--port", "0"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        host, port = json.loads(server.stdout.readline())["listening"].rsplit(":", 1)
        until = time.monotonic() + args.seconds
        counts: list[int] = []
        threads = [
            threading.Thread(target=client, args=(host, int(port), until, counts))
            for _ in range(args.clients)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.communicate(timeout=10)

    pairs = sum(counts)
    print(
        json.dumps(
            {
                "clients": args.clients,
                "seconds": round(elapsed, 2),
                "token_and_credentials_pairs_per_second": round(pairs / elapsed),
                "requests_per_second": round(2 * pairs / elapsed),
            }
        )
    )


if __name__ == "__main__":
    main()
