"""Pass rate of our policy engine on the iam-simulate peer suite, per file.

    .venv/bin/python benchmarks/iam_simulate_report.py

Prints a Markdown table (the one in docs/policy-peer-suite.md): for each suite
file, how many cases ask an AWS question, how many our engine answers as the
peer does, how many are known divergences, and how many test the peer tool's own
features; then the totals and the feature cases by kind. Exits 1 when a case
fails that is not a listed divergence, 2 when the suite is missing.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "policy"))

from iam_simulate import (
    Case,
    NotModelledError,
    cases,
    divergences,
    expected,
    missing_reason,
    run,
    suite_root,
)


@dataclass
class FileTally:
    aws: int = 0
    passed: int = 0
    divergent: int = 0
    unexpected: list[str] = field(default_factory=list)
    features: int = 0

    @property
    def rate(self) -> str:
        return f"{100 * self.passed / self.aws:.1f} %" if self.aws else "n/a"


def agrees(case: Case) -> bool:
    try:
        return run(case) is expected(case)
    except NotModelledError:
        return False


def decision_only(case: Case) -> bool:
    """A feature case whose expected answer still holds a plain AWS decision."""
    return "request" in case.data and "response" in case.data.get("expected", {})


def tally(
    all_cases: list[Case],
) -> tuple[dict[str, FileTally], Counter[str], tuple[int, int]]:
    known = divergences()
    files: dict[str, FileTally] = {}
    kinds: Counter[str] = Counter()
    side = [0, 0]
    for case in all_cases:
        entry = files.setdefault(case.file, FileTally())
        if case.feature is not None:
            entry.features += 1
            kinds[case.feature] += 1
            if decision_only(case) and "discovery" not in case.feature:
                side[0] += 1
                side[1] += agrees(case)
            continue

        entry.aws += 1
        if agrees(case):
            entry.passed += 1
        elif case.id in known:
            entry.divergent += 1
        else:
            entry.unexpected.append(case.name)
    return files, kinds, (side[0], side[1])


def render(
    files: dict[str, FileTally], kinds: Counter[str], side: tuple[int, int]
) -> list[str]:
    lines = [
        "| file | AWS cases | agree | known divergences | peer-tool features "
        "| pass rate |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    total = FileTally()
    for name, entry in files.items():
        lines.append(
            f"| {name} | {entry.aws} | {entry.passed} | {entry.divergent} "
            f"| {entry.features} | {entry.rate} |"
        )
        total.aws += entry.aws
        total.passed += entry.passed
        total.divergent += entry.divergent
        total.features += entry.features
        total.unexpected += entry.unexpected
    lines.append(
        f"| **total** | **{total.aws}** | **{total.passed}** "
        f"| **{total.divergent}** | **{total.features}** | **{total.rate}** |"
    )
    lines.append("")
    lines.append(
        f"{total.passed} of {total.aws} AWS-semantics cases agree ({total.rate}); "
        f"{total.divergent} are known divergences; "
        f"{len(total.unexpected)} unexpected failures; "
        f"{total.features} peer-tool feature cases not run:"
    )
    lines.extend(f"- {count} {kind}" for kind, count in kinds.most_common())
    lines.append(
        f"For information: of the {side[0]} feature cases outside discovery mode "
        f"that also state a plain decision, our engine gives that decision in "
        f"{side[1]}."
    )
    for name, entry in files.items():
        lines.extend(
            f"UNEXPECTED FAILURE {name} :: {case}" for case in entry.unexpected
        )
    return lines


def main() -> int:
    root = suite_root()
    if root is None:
        print(missing_reason(), file=sys.stderr)
        return 2

    files, kinds, side = tally(list(cases(root)))

    print("\n".join(render(files, kinds, side)))
    return 1 if any(entry.unexpected for entry in files.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
