"""The hop limit on a real routed topology in network namespaces.

    container (10.213.2.2) ── router (ip_forward=1) ── instance (10.213.1.2,
                                                        IMDS on 169.254.169.254:80)

The token response leaves the instance with IP TTL = HttpPutResponseHopLimit; the
router decrements it, so with hop limit 1 the container never receives a token,
and with hop limit 2 it does. All addresses live inside namespaces this module
creates and removes; nothing leaves them. Needs root and iproute2.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import instance_json

pytestmark = pytest.mark.slow

IMDS_ADDRESS = "169.254.169.254"
IMDS_PORT = 80
PROBE = Path(__file__).with_name("netns_probe.py")


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 (`ip`) is not installed"
    name = f"ghprobe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if made.returncode != 0:
        return f"`ip netns add` is unavailable here: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], check=False)
    return None


_REASON = _skip_reason()
if _REASON is not None:
    pytestmark = [pytest.mark.slow, pytest.mark.skip(reason=_REASON)]


@dataclass(frozen=True)
class Topology:
    instance: str
    router: str
    container: str


def ip(*args: str) -> None:
    subprocess.run(
        ["ip", *args], check=True, capture_output=True, text=True, timeout=10
    )


@pytest.fixture(scope="module")
def topology() -> Iterator[Topology]:
    tag = f"gh{os.getpid() % 100000}"
    names = Topology(f"{tag}-instance", f"{tag}-router", f"{tag}-container")
    try:
        _build(names, tag)
        yield names
    finally:
        for namespace in (names.instance, names.router, names.container):
            subprocess.run(
                ["ip", "netns", "del", namespace], capture_output=True, check=False
            )
        for link in (f"{tag}i", f"{tag}c"):
            subprocess.run(
                ["ip", "link", "del", link], capture_output=True, check=False
            )


def _build(names: Topology, tag: str) -> None:
    for namespace in (names.instance, names.router, names.container):
        ip("netns", "add", namespace)
        ip("-n", namespace, "link", "set", "lo", "up")

    ip("link", "add", f"{tag}i", "type", "veth", "peer", "name", f"{tag}ri")
    ip("link", "set", f"{tag}i", "netns", names.instance)
    ip("link", "set", f"{tag}ri", "netns", names.router)
    ip("link", "add", f"{tag}c", "type", "veth", "peer", "name", f"{tag}rc")
    ip("link", "set", f"{tag}c", "netns", names.container)
    ip("link", "set", f"{tag}rc", "netns", names.router)

    _address(names.instance, f"{tag}i", "10.213.1.2/24")
    ip("-n", names.instance, "addr", "add", f"{IMDS_ADDRESS}/32", "dev", "lo")
    ip("-n", names.instance, "route", "add", "default", "via", "10.213.1.1")
    _address(names.router, f"{tag}ri", "10.213.1.1/24")
    _address(names.router, f"{tag}rc", "10.213.2.1/24")
    ip("-n", names.router, "route", "add", f"{IMDS_ADDRESS}/32", "via", "10.213.1.2")
    ip("netns", "exec", names.router, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    _address(names.container, f"{tag}c", "10.213.2.2/24")
    ip("-n", names.container, "route", "add", "default", "via", "10.213.2.1")


def _address(namespace: str, link: str, cidr: str) -> None:
    ip("-n", namespace, "addr", "add", cidr, "dev", link)
    ip("-n", namespace, "link", "set", link, "up")


@pytest.fixture
def serve(topology: Topology, tmp_path: Path) -> Iterator[object]:
    """Start `gatehouse imds serve` inside the instance namespace."""
    started: list[subprocess.Popen[str]] = []

    def run(hop_limit: int, tokens: str = "optional") -> None:
        document = instance_json(
            MetadataOptions={"HttpPutResponseHopLimit": hop_limit, "HttpTokens": tokens}
        )
        path = tmp_path / f"instance-{hop_limit}.json"
        path.write_text(json.dumps(document))
        command = [
            "ip", "netns", "exec", topology.instance,
            sys.executable, "-m", "gatehouse.imds", "serve",
            "--instance-file", str(path), "--bind", IMDS_ADDRESS, "--port", str(IMDS_PORT),
        ]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        started.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening" in line, process.stderr.read() if process.stderr else line

    yield run
    for process in started:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def probe(namespace: str, timeout: float = 2.0) -> dict[str, object]:
    command = [
        "ip", "netns", "exec", namespace, sys.executable, str(PROBE),
        IMDS_ADDRESS, str(IMDS_PORT), "--timeout", str(timeout),
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=30, check=True
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_with_hop_limit_1_a_container_one_hop_away_gets_no_token(
    topology: Topology, serve: object
) -> None:
    serve(hop_limit=1)  # type: ignore[operator]

    from_container = probe(topology.container)
    from_instance = probe(topology.instance)

    assert from_container["timed_out"] is True
    assert from_container["token"] is None
    assert from_instance["token_status"] == 200
    assert from_instance["token_ttls"] == [1]


def test_with_hop_limit_2_the_container_gets_a_token_that_arrives_with_ttl_1(
    topology: Topology, serve: object
) -> None:
    serve(hop_limit=2)  # type: ignore[operator]

    result = probe(topology.container)

    assert result["token_status"] == 200
    assert result["token_ttls"] == [1]  # sent with TTL 2, one router on the way
    assert result["get_status"] == 200
    assert result["get_body"] == "i-0abcdef1234567890"
    assert result["get_ttls"] == [63]  # other responses keep the default TTL 64


def test_the_token_response_leaves_with_ttl_equal_to_the_hop_limit(
    topology: Topology, serve: object
) -> None:
    serve(hop_limit=5)  # type: ignore[operator]

    local = probe(topology.instance)
    remote = probe(topology.container)

    assert local["token_ttls"] == [5] and local["get_ttls"] == [64]
    assert remote["token_ttls"] == [4] and remote["get_ttls"] == [63]


def test_botocore_in_the_container_falls_back_to_imdsv1_only_while_it_is_allowed(
    topology: Topology, serve: object, tmp_path: Path
) -> None:
    serve(hop_limit=1, tokens="optional")  # type: ignore[operator]
    assert _botocore_method(topology.container, tmp_path) == "iam-role"


def test_required_tokens_and_hop_limit_1_leave_a_container_without_credentials(
    topology: Topology, serve: object, tmp_path: Path
) -> None:
    serve(hop_limit=1, tokens="required")  # type: ignore[operator]
    assert _botocore_method(topology.container, tmp_path) == "none"


def _botocore_method(namespace: str, tmp_path: Path) -> str:
    empty = tmp_path / "empty"
    empty.write_text("")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_SERVICE_ENDPOINT": f"http://{IMDS_ADDRESS}:{IMDS_PORT}",
    }
    code = (
        "import botocore.session as s; c = s.Session().get_credentials(); "
        "print(c.method if c else 'none')"
    )
    done = subprocess.run(
        ["ip", "netns", "exec", namespace, sys.executable, "-c", code],
        capture_output=True, text=True, timeout=60, check=True, env=env,
    )  # fmt: skip
    return done.stdout.strip()
