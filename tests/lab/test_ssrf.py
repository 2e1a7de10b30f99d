"""The SSRF lab end to end, and the vulnerable app's fence."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from gatehouse.lab.ssrf.app import VulnerableApp


def gatehouse(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gatehouse", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_every_step_of_the_ssrf_lab_goes_as_the_lesson_expects() -> None:
    done = gatehouse("lab", "run", "ssrf-imds", "--json", "--no-hop-demo")

    assert done.returncode == 0, done.stderr + done.stdout
    steps = json.loads(done.stdout)
    assert [s["observed"] for s in steps] == [s["expected"] for s in steps]
    titles = [s["title"] for s in steps]
    assert "The same SSRF attack now gets 401" in titles
    assert steps[-1]["observed"] == "skipped: not requested (--no-hop-demo)"


def test_lab_run_lists_the_labs() -> None:
    done = gatehouse("lab", "run", "--list")
    assert done.returncode == 0
    assert done.stdout.startswith("ssrf-imds: ")


@pytest.fixture
def upstream() -> Iterator[str]:
    app = VulnerableApp([])  # a stand-in upstream: another fenced app
    with app:
        yield app.url


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_vulnerable_app_refuses_destinations_that_are_not_lab_addresses(
    upstream: str,
) -> None:
    with VulnerableApp([upstream]) as app:
        allowed = _get(f"{app.url}/fetch?" + urlencode({"url": upstream + "/x"}))
        outside = _get(f"{app.url}/fetch?" + urlencode({"url": "http://10.0.0.1/"}))
        other_port = _get(
            f"{app.url}/fetch?" + urlencode({"url": "http://127.0.0.1:9/"})
        )
        proxied = _get(
            f"{app.url}/proxy?"
            + urlencode(
                {"url": "http://169.254.169.254/latest/api/token", "method": "PUT"}
            )
        )

    assert allowed[0] == 404  # reached the lab address, which has no /x
    for status, body in (outside, other_port, proxied):
        assert status == 403
        assert "is not a lab address" in body


def test_the_app_binds_to_loopback() -> None:
    with VulnerableApp([]) as app:
        assert app.url.startswith("http://127.0.0.1:")


def test_the_hop_limit_demonstration_runs_when_namespaces_are_available(
    tmp_path: Path,
) -> None:
    from gatehouse.lab.ssrf import hoplimit

    reason = hoplimit.unavailable()
    if reason is not None:
        pytest.skip(reason)
    assert hoplimit.demonstrate() == (
        "hop limit 1: instance gets a token, container none; "
        "hop limit 2: container gets a token"
    )
