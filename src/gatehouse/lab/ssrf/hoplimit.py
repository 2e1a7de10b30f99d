"""The hop-limit demonstration: a metadata service in one network namespace,
a client on it and a client one router away.

    container 10.214.2.2 ── router ── instance 10.214.1.2 (IMDS 169.254.169.254:80)

Needs root and iproute2; everything lives in namespaces created here and
removed afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMDS = "169.254.169.254"
_INSTANCE = {
    "InstanceId": "i-0feedfacecafe0001",
    "AccountId": "111111111111",
    "ImageId": "ami-0abcdef1234567890",
    "InstanceType": "t3.micro",
    "PrivateIpAddress": "10.214.1.2",
    "Placement": {"AvailabilityZone": "us-east-1a"},
}
# A client that asks for a token and reports whether one arrived.
_PROBE = (
    "import socket,sys\n"
    "s=socket.create_connection(('169.254.169.254',80),timeout=2)\n"
    "s.sendall(b'PUT /latest/api/token HTTP/1.1\\r\\nHost: imds\\r\\n"
    "X-aws-ec2-metadata-token-ttl-seconds: 60\\r\\nContent-Length: 0\\r\\n\\r\\n')\n"
    "try:\n    print('token' if b' 200 ' in s.recv(4096) else 'refused')\n"
    "except TimeoutError:\n    print('no token')\n"
)


def unavailable() -> str | None:
    """Why the demonstration cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 (`ip`) is not installed"
    probe = f"ghssrf{os.getpid()}"
    made = subprocess.run(
        ["ip", "netns", "add", probe], capture_output=True, text=True, check=False
    )
    if made.returncode != 0:
        return f"`ip netns add` failed: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return None


def demonstrate() -> str:
    """Token PUTs at hop limits 1 and 2; a sentence saying what arrived where."""
    tag = f"ghs{os.getpid() % 100000}"
    spaces = (f"{tag}-i", f"{tag}-r", f"{tag}-c")
    try:
        _build(tag, *spaces)
        results = []
        for hops in (1, 2):
            with _serving(spaces[0], hops):
                at_instance = _probe(spaces[0])
                in_container = _probe(spaces[2])
            results.append((hops, at_instance, in_container))
    finally:
        for space in spaces:
            subprocess.run(
                ["ip", "netns", "del", space], capture_output=True, check=False
            )
    (_, one_here, one_there), (_, _, two_there) = results
    return (
        f"hop limit 1: instance gets {_a(one_here)}, container {_none(one_there)}; "
        f"hop limit 2: container gets {_a(two_there)}"
    )


def _a(outcome: str) -> str:
    return "a token" if outcome == "token" else outcome


def _none(outcome: str) -> str:
    return "none" if outcome == "no token" else f"gets {_a(outcome)}"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def _build(tag: str, instance: str, router: str, container: str) -> None:
    for space in (instance, router, container):
        _ip("netns", "add", space)
        _ip("-n", space, "link", "set", "lo", "up")
    for end, far, space, cidr, router_cidr in (
        (f"{tag}i", f"{tag}ri", instance, "10.214.1.2/24", "10.214.1.1/24"),
        (f"{tag}c", f"{tag}rc", container, "10.214.2.2/24", "10.214.2.1/24"),
    ):
        _ip("link", "add", end, "type", "veth", "peer", "name", far)
        _ip("link", "set", end, "netns", space)
        _ip("link", "set", far, "netns", router)
        _ip("-n", space, "addr", "add", cidr, "dev", end)
        _ip("-n", space, "link", "set", end, "up")
        _ip("-n", router, "addr", "add", router_cidr, "dev", far)
        _ip("-n", router, "link", "set", far, "up")
    _ip("-n", instance, "addr", "add", f"{IMDS}/32", "dev", "lo")
    _ip("-n", instance, "route", "add", "default", "via", "10.214.1.1")
    _ip("-n", container, "route", "add", "default", "via", "10.214.2.1")
    _ip("-n", router, "route", "add", f"{IMDS}/32", "via", "10.214.1.2")
    _ip("netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1")


class _serving:  # noqa: N801 (a context manager used like a function)
    def __init__(self, space: str, hops: int) -> None:
        self.space = space
        self.hops = hops
        self.process: subprocess.Popen[str] | None = None
        self.folder = tempfile.TemporaryDirectory()

    def __enter__(self) -> None:
        path = Path(self.folder.name) / "instance.json"
        document = {
            **_INSTANCE,
            "MetadataOptions": {"HttpPutResponseHopLimit": self.hops},
        }
        path.write_text(json.dumps(document))
        command = [
            "ip", "netns", "exec", self.space, sys.executable, "-m", "gatehouse.imds",
            "serve", "--instance-file", str(path), "--bind", IMDS, "--port", "80",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if "listening" in self.process.stdout.readline():
                return
        raise RuntimeError("the metadata service did not start in its namespace")

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.communicate()
        self.folder.cleanup()


def _probe(space: str) -> str:
    done = subprocess.run(
        ["ip", "netns", "exec", space, sys.executable, "-c", _PROBE],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.stdout.strip() or f"error: {done.stderr.strip()[-80:]}"
