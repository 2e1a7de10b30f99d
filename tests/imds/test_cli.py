"""`gatehouse imds serve` as a process, and its errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from gatehouse.cli import cli

EXAMPLE = Path(__file__).parents[2] / "examples" / "imds" / "instance.json"


def test_serve_answers_until_terminated_then_prints_its_metrics() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "gatehouse", "imds", "serve",
         "--instance-file", str(EXAMPLE), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        listening = json.loads(process.stdout.readline())["listening"]
        assert listening.startswith("127.0.0.1:")

        request = urllib.request.Request(
            f"http://{listening}/latest/meta-data/instance-id"
        )
        try:
            urllib.request.urlopen(request, timeout=5)
        except urllib.error.HTTPError as error:
            assert error.code == 401  # the example requires tokens
            error.close()
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    metrics = json.loads(out.strip().splitlines()[-1])["metrics"]["Metrics"]
    assert metrics == {"MetadataNoToken": 0, "MetadataNoTokenRejected": 1}


def test_a_bad_instance_file_is_reported_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"InstanceId": "nope"}))

    result = CliRunner().invoke(cli, ["imds", "serve", "--instance-file", str(path)])

    assert result.exit_code == 2
    assert "$.InstanceId: 'nope' is not i- and 8 or 17 hex digits" in result.output
    assert "$.AccountId: is required" in result.output
