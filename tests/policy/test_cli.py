"""The `gatehouse policy` commands, driven as a user would drive them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from gatehouse.cli import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policy"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_eval_prints_the_decision_and_why() -> None:
    code, out, _ = run("policy", "eval", str(EXAMPLES / "vendor-assume-role.json"))
    assert code == 0
    assert out.startswith("Allow: both the identity-based policy")


def test_eval_json_reports_the_decision_and_the_deciding_statements() -> None:
    code, out, _ = run(
        "policy", "eval", "--json", str(EXAMPLES / "vendor-assume-role.json")
    )
    result = json.loads(out)
    assert code == 0
    assert result["decision"] == "Allow"
    assert [s["sid"] for s in result["deciding_statements"]] == [
        None,
        "VendorWithExternalId",
    ]


def test_eval_without_the_external_id_is_an_implicit_deny() -> None:
    document = json.loads((EXAMPLES / "vendor-assume-role.json").read_text())
    del document["request"]["context"]["sts:ExternalId"]
    code, out, _ = run("policy", "eval", "--json", "-", stdin=json.dumps(document))
    assert code == 0
    result = json.loads(out)
    assert result["decision"] == "ImplicitDeny"
    assert result["unmet_conditions"][0]["conditions"][0]["context_values"] is None


def test_jsonl_answers_each_line_and_reports_bad_lines_without_stopping() -> None:
    good = (EXAMPLES / "vendor-assume-role.json").read_text().replace("\n", " ")
    lines = "\n".join(
        [good, "{not json", good, '{"request": {"action": "s3:GetObject"}}']
    )
    code, out, _ = run("policy", "eval", "--jsonl", "-", stdin=lines)
    results = [json.loads(line) for line in out.splitlines()]
    assert code == 2
    assert [r.get("decision") for r in results] == ["Allow", None, "Allow", None]
    assert results[1]["line"] == 2 and "invalid JSON" in results[1]["error"]
    assert "missing 'principal'" in results[3]["error"]


def test_a_malformed_request_is_one_line_and_exit_status_2() -> None:
    code, _, err = run(
        "policy",
        "eval",
        "-",
        stdin='{"request": {"principal": "bob", "action": "s3:GetObject"}}',
    )
    assert code == 2
    assert (
        err.strip()
        == "error: $.request.principal: cannot tell what kind of principal 'bob' is"
    )


def test_a_policy_error_inside_a_request_names_its_location() -> None:
    document = json.loads((EXAMPLES / "vendor-assume-role.json").read_text())
    document["identity_policies"][0]["Statement"][0]["Effect"] = "Permit"
    code, _, err = run("policy", "eval", "-", stdin=json.dumps(document))
    assert code == 2
    assert "$.identity_policies[0].Statement[0].Effect" in err


def test_lint_reports_locations_and_exits_non_zero() -> None:
    code, out, _ = run(
        "policy", "lint", "--kind", "trust", str(EXAMPLES / "trust-extid-weak.json")
    )
    assert code == 1
    assert "$.Statement[0].Principal.AWS: error: wildcards are not allowed" in out
    assert "$.Statement[0].Condition.StringEqualsIfExist: error" in out


def test_lint_of_a_clean_policy_exits_zero() -> None:
    clean = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        }
    )
    code, out, _ = run("policy", "lint", "-", stdin=clean)
    assert (code, out) == (0, "")


def test_the_installed_command_runs() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "gatehouse",
            "policy",
            "eval",
            "--json",
            str(EXAMPLES / "vendor-assume-role.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["decision"] == "Allow"
