"""Bad input and hostile clients do not stop the service."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from gatehouse.imds import ServerLimits

from .helpers import Running, make_instance, start


def exchange(running: Running, raw: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes, return everything the server sends before it closes."""
    with socket.create_connection(
        (running.host, running.port), timeout=timeout
    ) as sock:
        sock.sendall(raw)
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return received
            if not chunk:
                return received
            received += chunk


def still_serving(running: Running) -> bool:
    return running.get("/latest/meta-data/instance-id")[2] == b"i-0abcdef1234567890"


@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET /latest/meta-data/ HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET /latest/meta-data/ HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
        b"GET /latest/meta-data/ HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
        b"\x00\xff\xfe binary \r\n\r\n",
        b"GET /latest/meta-data/ HTTP/1.1\r\nHost: x\r\nBad Name: x\r\n\r\n",
    ],
)
def test_a_malformed_request_gets_400_and_the_service_carries_on(
    imds: Running, raw: bytes
) -> None:
    answer = exchange(imds, raw)

    assert answer.startswith(b"HTTP/1.1 400 ") or answer.startswith(b"HTTP/1.1 505 ")
    assert b"Connection: close" in answer
    assert still_serving(imds)


def test_an_oversized_header_block_is_refused(imds: Running) -> None:
    raw = b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n"
    answer = exchange(imds, raw)

    assert answer.startswith(b"HTTP/1.1 431 ")
    assert still_serving(imds)


def test_a_huge_ttl_string_is_a_plain_400(imds: Running) -> None:
    ttl = "1" * 7000
    status, _, _ = imds.request(
        "PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": ttl}
    )
    assert status == 400


def test_a_large_body_is_refused(imds: Running) -> None:
    raw = b"PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
    answer = exchange(imds, raw + b"a" * 100_000)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert still_serving(imds)


def test_a_slow_client_is_cut_off_after_the_request_timeout(imds: Running) -> None:
    started = time.monotonic()
    with socket.create_connection((imds.host, imds.port), timeout=5) as sock:
        sock.sendall(b"GET /latest/meta-data/ HTTP/1.1\r\n")
        closed_after = None
        for _ in range(40):
            try:
                sock.sendall(b"X-Drip: 1\r\n")
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - started
                break
            sock.settimeout(0.1)
            try:
                if sock.recv(1) == b"":
                    closed_after = time.monotonic() - started
                    break
            except TimeoutError:
                pass
    assert closed_after is not None
    assert 0.9 <= closed_after < 3.0  # request_timeout is 1 s in these tests
    assert still_serving(imds)


def test_many_slow_connections_do_not_starve_the_service() -> None:
    limits = ServerLimits(request_timeout=2.0, max_connections=16)
    for running in start(make_instance(), limits=limits):
        idle = [
            socket.create_connection((running.host, running.port), timeout=5)
            for _ in range(40)
        ]
        try:
            time.sleep(0.2)
            # The slots fill up; extra connections are closed at once.
            refused = 0
            for sock in idle[16:]:
                sock.settimeout(1)
                try:
                    refused += sock.recv(1) == b""
                except ConnectionResetError:
                    refused += 1
            assert refused == len(idle) - 16
        finally:
            for sock in idle:
                sock.close()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                if still_serving(running):
                    break
            except (ConnectionError, OSError):
                time.sleep(0.05)
        assert still_serving(running)


def test_concurrent_clients_are_all_answered() -> None:
    # Generous limits: on a loaded machine 24 client threads may take more than
    # the 1 s request timeout of the other tests to send their requests.
    limits = ServerLimits(request_timeout=15.0, max_connections=64)
    results: list[int] = []
    lock = threading.Lock()

    for running in start(make_instance(), limits=limits):

        def client(served: Running = running) -> None:
            token = served.token()
            status = served.get("/latest/meta-data/ami-id", token)[0]
            with lock:
                results.append(status)

        threads = [threading.Thread(target=client) for _ in range(24)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert results == [200] * 24


def test_a_client_that_disconnects_mid_request_does_not_hurt(imds: Running) -> None:
    for _ in range(5):
        with socket.create_connection((imds.host, imds.port), timeout=5) as sock:
            sock.sendall(b"PUT /latest/api/token HTTP/1.1\r\nHost:")
    assert still_serving(imds)
