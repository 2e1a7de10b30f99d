"""Decide the benchmark requests with PMapper's local policy simulation.

Runs inside PMapper's own virtual environment (never the project's):

    python pmapper_driver.py POLICY_SETS.json REQUESTS.jsonl RUNS

Builds one PMapper Node per policy set (outside the timing), then calls
`local_check_authorization_full` for every request, RUNS times, timing each pass
inside this process in CPU seconds (time.process_time). Prints JSON:
{"version", "decisions", "runs_seconds"}.
"""

from __future__ import annotations

import collections
import collections.abc
import json
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

# PMapper 1.1.5 imports collections.Mapping and collections.MutableMapping,
# which Python 3.10 removed; alias them before the import.
collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]
collections.MutableMapping = collections.abc.MutableMapping  # type: ignore[attr-defined]

from principalmapper.common import Node, Policy  # noqa: E402
from principalmapper.querying.query_interface import (  # noqa: E402
    local_check_authorization_full,
)


def node_for(policy_set: dict[str, Any]) -> Node:
    account = policy_set["principal_account"]
    policies = [
        Policy(f"arn:aws:iam::{account}:policy/p{i}", f"p{i}", doc)
        for i, doc in enumerate(policy_set["identity"])
    ]
    boundary = policy_set["boundary"]
    arn = policy_set["principal"]
    is_role = ":role/" in arn
    return Node(
        arn,
        "AIDAEXAMPLE" + str(policy_set["id"]),
        policies,
        None,
        {"Version": "2012-10-17", "Statement": []} if is_role else None,
        None,
        0,
        False,
        False,
        Policy(f"arn:aws:iam::{account}:policy/boundary", "boundary", boundary)
        if boundary
        else None,
        False,
        dict(policy_set["principal_tags"]),
    )


def main() -> None:
    sets_path, requests_path, runs_text = sys.argv[1:4]
    sets = {s["id"]: s for s in json.loads(Path(sets_path).read_text("utf-8"))}
    lines = Path(requests_path).read_text("utf-8").splitlines()
    requests = [json.loads(line) for line in lines if line.strip()]
    nodes = {i: node_for(sets[i]) for i in {r["set"] for r in requests}}

    def one_pass() -> list[bool]:
        out = []
        for request in requests:
            policy_set = sets[request["set"]]
            out.append(
                local_check_authorization_full(
                    nodes[request["set"]],
                    request["action"],
                    request["resource"],
                    request["context"],
                    policy_set["resource_policy"],
                    request["resource_account"],
                    policy_set["scps"],
                    None,
                )
            )
        return out

    decisions = one_pass()
    runs = []
    for _ in range(int(runs_text)):
        start = time.process_time()
        one_pass()
        runs.append(time.process_time() - start)
    json.dump(
        {
            "version": metadata.version("principalmapper"),
            "decisions": decisions,
            "runs_seconds": runs,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
