"""Policy evaluation speed: our engine beside PMapper and iam-simulate, one run.

    .venv/bin/python benchmarks/policy_eval.py [--quick] [--profile]

Generates a seeded corpus (benchmarks/corpus.py), then measures, on the requests
every engine can answer (IAM users and roles: PMapper has no role sessions):

- gatehouse: make_request + evaluate against PolicySets compiled beforehand;
- PMapper (PyPI principalmapper, in its own venv under benchmarks/.peers/):
  local_check_authorization_full per request;
- iam-simulate (npm @cloud-copilot/iam-simulate under benchmarks/.peers/node):
  authorize() with policies loaded once per policy set, timed inside Node.

Every engine does the same work per request inside its timing: build the
request from the corpus's JSON, then decide it. Each figure is the median of N
passes in CPU seconds of the engine's own process (time.process_time in Python,
process.cpuUsage in Node), so that other jobs on a shared machine slow the
engines measured at different moments less; decisions are compared with ours.
The warm passes repeat the same requests: ours is shown with and without the
outcome cache, which answers every repeat. The peers are installed here at
benchmark time, never as project dependencies; when one cannot be installed or
run, the table says why and the rest still runs. Aims: at least 10x PMapper,
and no slower than iam-simulate.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import corpus
from gatehouse.policy import (
    Decision,
    PolicyKind,
    PolicySet,
    evaluate,
    make_request,
    parse_policy,
)

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".peers"
PMAPPER_VENV = PEERS / "pmapper-venv"
PMAPPER_SPEC = "principalmapper==1.1.5"
NODE_PREFIX = PEERS / "node"
IAM_SIMULATE_SPEC = "@cloud-copilot/iam-simulate@0.1.173"
IAM_SIMULATE_DIR = NODE_PREFIX / "node_modules" / "@cloud-copilot" / "iam-simulate"
INSTALL_TIMEOUT = 600
RUN_TIMEOUT = 900
SEED = 20250301

PEER_DECISIONS = {
    "Allowed": Decision.ALLOW,
    "ExplicitlyDenied": Decision.EXPLICIT_DENY,
    "ImplicitlyDenied": Decision.IMPLICIT_DENY,
}


@dataclass(frozen=True)
class Settings:
    policy_sets: int
    requests: int
    runs: int


FULL = Settings(policy_sets=300, requests=4000, runs=7)
QUICK = Settings(policy_sets=120, requests=1200, runs=3)


@dataclass
class Row:
    engine: str
    rate: float | None = None
    agreement: str = ""
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


class PeerUnavailableError(Exception):
    """A peer could not be installed or run; the message says why."""


# --- our engine ---------------------------------------------------------------


def compile_set(
    policy_set: dict[str, Any], *, remember_outcomes: bool = True
) -> PolicySet:
    def parse(doc: dict[str, Any], kind: PolicyKind, name: str) -> Any:
        return parse_policy(doc, kind=kind, name=name)

    return PolicySet.of(
        identity=[
            parse(doc, PolicyKind.IDENTITY, f"identity[{i}]")
            for i, doc in enumerate(policy_set["identity"])
        ],
        resource=(
            parse(policy_set["resource_policy"], PolicyKind.RESOURCE, "resource")
            if policy_set["resource_policy"]
            else None
        ),
        boundaries=(
            [parse(policy_set["boundary"], PolicyKind.BOUNDARY, "boundary")]
            if policy_set["boundary"]
            else []
        ),
        scps=[
            [
                parse(doc, PolicyKind.SCP, f"scp[{i}][{j}]")
                for j, doc in enumerate(level)
            ]
            for i, level in enumerate(policy_set["scps"])
        ],
        remember_outcomes=remember_outcomes,
    )


def decide(request: dict[str, Any], policies: PolicySet) -> Decision:
    built = make_request(
        principal=request["principal"],
        action=request["action"],
        resource=request["resource"],
        resource_account=request["resource_account"],
        context=request["context"],
    )
    return evaluate(built, policies).decision


@dataclass
class Ours:
    decisions: list[Decision]
    passes: list[float]
    passes_without_outcomes: list[float]
    costs: dict[str, float]
    hit_rates: dict[str, float]


def measure_ours(
    sets: dict[int, dict[str, Any]], requests: list[dict[str, Any]], runs: int
) -> Ours:
    """Decisions, per-pass seconds (warm), first-evaluation costs, cache hits.

    The warm passes repeat the same requests, so a policy set that remembers
    outcomes answers them all from that cache; the passes without it measure
    requests whose context values are new to the policy set.
    """
    costs = first_evaluation_costs(sets, requests)
    compiled = {i: compile_set(s) for i, s in sets.items()}

    start = time.process_time()
    decisions = [decide(r, compiled[r["set"]]) for r in requests]
    costs["cold pass (caches empty) us/request"] = (
        (time.process_time() - start) / len(requests) * 1e6
    )
    hit_rates = first_pass_hit_rates(compiled, len(requests))
    passes = timed_passes(requests, compiled, runs)

    forgetful = {i: compile_set(s, remember_outcomes=False) for i, s in sets.items()}
    for request in requests:
        decide(request, forgetful[request["set"]])
    without = timed_passes(requests, forgetful, runs)
    return Ours(decisions, passes, without, costs, hit_rates)


def timed_passes(
    requests: list[dict[str, Any]], compiled: dict[int, PolicySet], runs: int
) -> list[float]:
    passes = []
    for _ in range(runs):
        start = time.process_time()
        for request in requests:
            decide(request, compiled[request["set"]])
        passes.append(time.process_time() - start)
    return passes


def first_pass_hit_rates(
    compiled: dict[int, PolicySet], requests: int
) -> dict[str, float]:
    """Per cache, the share of the first pass's requests it answered.

    Each miss adds one entry and no cache reaches its bound on this corpus,
    so hits are the requests minus the entries.
    """
    totals: Counter[str] = Counter()
    for policies in compiled.values():
        totals.update(policies.cache_sizes())
    return {name: 1 - count / requests for name, count in totals.items()}


def first_evaluation_costs(
    sets: dict[int, dict[str, Any]], requests: list[dict[str, Any]]
) -> dict[str, float]:
    """Per policy set: parse + compile, then the first request, in microseconds."""
    first_request: dict[int, dict[str, Any]] = {}
    for request in requests:
        first_request.setdefault(request["set"], request)
    compile_us, first_us = [], []
    for set_id, request in first_request.items():
        start = time.process_time()
        policies = compile_set(sets[set_id])
        compiled = time.process_time()
        decide(request, policies)
        done = time.process_time()
        compile_us.append((compiled - start) * 1e6)
        first_us.append((done - compiled) * 1e6)
    return {
        "parse+compile us/policy set (median)": statistics.median(compile_us),
        "first request after compile us (median)": statistics.median(first_us),
    }


def profile_ours(
    sets: dict[int, dict[str, Any]], requests: list[dict[str, Any]]
) -> str:
    compiled = {i: compile_set(s) for i, s in sets.items()}
    for request in requests:
        decide(request, compiled[request["set"]])
    profiler = cProfile.Profile()
    profiler.enable()
    for request in requests:
        decide(request, compiled[request["set"]])
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(18)
    stats.sort_stats("cumulative").print_stats(14)
    return out.getvalue()


# --- peers ------------------------------------------------------------------


def run_checked(command: list[str], *, timeout: int, what: str) -> str:
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PeerUnavailableError(f"{what}: {error}") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise PeerUnavailableError(
            f"{what} exited {done.returncode}: {' | '.join(tail)}"
        )
    return done.stdout


def ensure_pmapper() -> Path:
    python = PMAPPER_VENV / "bin" / "python"
    if python.exists():
        probe = subprocess.run(
            [str(python), "-c", "import principalmapper"],
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            return python
    base = shutil.which("python3") or sys.executable
    run_checked([base, "-m", "venv", str(PMAPPER_VENV)], timeout=120, what="venv")
    run_checked(
        [str(python), "-m", "pip", "install", "--quiet", PMAPPER_SPEC],
        timeout=INSTALL_TIMEOUT,
        what=f"pip install {PMAPPER_SPEC}",
    )
    return python


def ensure_iam_simulate() -> str:
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None or npm is None:
        raise PeerUnavailableError("node and npm are not on PATH")
    if not (IAM_SIMULATE_DIR / "package.json").exists():
        NODE_PREFIX.mkdir(parents=True, exist_ok=True)
        run_checked(
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(NODE_PREFIX),
                IAM_SIMULATE_SPEC,
            ],
            timeout=INSTALL_TIMEOUT,
            what=f"npm install {IAM_SIMULATE_SPEC}",
        )
    return node


def run_pmapper(files: tuple[Path, Path], runs: int) -> dict[str, Any]:
    python = ensure_pmapper()
    out = run_checked(
        [
            str(python),
            str(HERE / "peers" / "pmapper_driver.py"),
            *map(str, files),
            str(runs),
        ],
        timeout=RUN_TIMEOUT,
        what="PMapper driver",
    )
    result: dict[str, Any] = json.loads(out)
    return result


def run_iam_simulate(files: tuple[Path, Path], runs: int) -> dict[str, Any]:
    node = ensure_iam_simulate()
    out = run_checked(
        [
            node,
            str(HERE / "peers" / "iam_simulate_driver.cjs"),
            str(IAM_SIMULATE_DIR),
            *map(str, files),
            str(runs),
        ],
        timeout=RUN_TIMEOUT,
        what="iam-simulate driver",
    )
    result: dict[str, Any] = json.loads(out)
    return result


# --- orchestration ----------------------------------------------------------


def rate(count: int, passes: list[float]) -> float:
    return count / statistics.median(passes)


def agreement(ours: list[Decision], theirs: list[Decision]) -> tuple[int, Counter[str]]:
    same = 0
    kinds: Counter[str] = Counter()
    for mine, other in zip(ours, theirs, strict=True):
        if mine is other:
            same += 1
        else:
            kinds[f"ours {mine.value} / peer {other.value}"] += 1
    return same, kinds


def describe_disagreements(name: str, kinds: Counter[str], report: Report) -> None:
    for kind, count in kinds.most_common(4):
        report.lines.append(f"  {name} disagreement: {count} x {kind}")


def write_inputs(
    folder: Path, sets: dict[int, dict[str, Any]], requests: list[dict[str, Any]]
) -> tuple[Path, Path]:
    sets_path = folder / "policy_sets.json"
    requests_path = folder / "requests.jsonl"
    sets_path.write_text(json.dumps(list(sets.values())), encoding="utf-8")
    requests_path.write_text(
        "".join(json.dumps(r) + "\n" for r in requests), encoding="utf-8"
    )
    return sets_path, requests_path


def benchmark(settings: Settings, *, profile: bool) -> Report:
    report = Report()
    data = corpus(
        seed=SEED, policy_sets=settings.policy_sets, requests=settings.requests
    )
    sets = {s["id"]: s for s in data["policy_sets"]}
    everything: list[dict[str, Any]] = data["requests"]
    shared = [r for r in everything if sets[r["set"]]["principal_kind"] != "session"]
    report.lines.append(
        f"corpus: seed {SEED}, {len(sets)} policy sets, {len(everything)} requests "
        f"({len(shared)} answerable by every engine); median of {settings.runs} "
        f"passes in CPU seconds; load average {os.getloadavg()[0]:.1f} at the start"
    )

    measured = measure_ours(sets, shared, settings.runs)
    ours = measured.decisions
    our_rate = rate(len(shared), measured.passes)
    fresh_rate = rate(len(shared), measured.passes_without_outcomes)
    report.rows.append(
        Row("gatehouse (compiled PolicySet)", our_rate, "-", "reference")
    )
    report.rows.append(
        Row(
            "gatehouse, outcomes not remembered",
            fresh_rate,
            "same decisions",
            "conditions checked on every request",
        )
    )
    everything_measured = measure_ours(sets, everything, 1)
    report.lines.append(
        f"gatehouse on all {len(everything)} requests (role sessions too): "
        f"{rate(len(everything), everything_measured.passes):,.0f} decisions/s"
    )
    report.lines.append(f"gatehouse decisions: {dict(Counter(d.value for d in ours))}")
    for label, value in measured.costs.items():
        report.lines.append(f"gatehouse {label}: {value:,.0f}")
    report.lines.append(
        "gatehouse repeated evaluation us/request (median pass): "
        f"{1e6 / our_rate:,.1f}; outcomes not remembered: {1e6 / fresh_rate:,.1f}"
    )
    report.lines.append(
        "gatehouse first-pass cache hits: "
        + ", ".join(f"{k} {v:.1%}" for k, v in measured.hit_rates.items())
        + " (later passes repeat the same requests: every cache hits)"
    )

    with tempfile.TemporaryDirectory(prefix="policy-eval-") as folder:
        files = write_inputs(Path(folder), sets, shared)
        add_pmapper(report, files, ours, our_rate, settings.runs)
        add_iam_simulate(report, files, ours, our_rate, settings.runs)

    report.lines.append(f"load average at the end: {os.getloadavg()[0]:.1f}")
    if profile:
        report.lines.append("cProfile of one warm pass (gatehouse), by own time:")
        report.lines.append(profile_ours(sets, shared))
    return report


def add_pmapper(
    report: Report,
    files: tuple[Path, Path],
    ours: list[Decision],
    our_rate: float,
    runs: int,
) -> None:
    try:
        result = run_pmapper(files, runs)
    except PeerUnavailableError as error:
        print(f"peer PMapper unavailable: {error}", file=sys.stderr)
        report.rows.append(Row("PMapper", note=f"unavailable: {error}"))
        return
    theirs = [
        Decision.ALLOW if allowed else Decision.IMPLICIT_DENY
        for allowed in result["decisions"]
    ]
    # PMapper answers allowed or not; compare on that.
    mine = [
        Decision.ALLOW if d is Decision.ALLOW else Decision.IMPLICIT_DENY for d in ours
    ]
    same, kinds = agreement(mine, theirs)
    peer_rate = rate(len(ours), result["runs_seconds"])
    report.rows.append(
        Row(
            f"PMapper {result['version']} local_check_authorization_full",
            peer_rate,
            f"{same}/{len(ours)} ({100 * same / len(ours):.1f} %, allow vs not)",
            f"ours is {our_rate / peer_rate:.1f}x",
        )
    )
    describe_disagreements("PMapper", kinds, report)


def add_iam_simulate(
    report: Report,
    files: tuple[Path, Path],
    ours: list[Decision],
    our_rate: float,
    runs: int,
) -> None:
    try:
        result = run_iam_simulate(files, runs)
    except PeerUnavailableError as error:
        print(f"peer iam-simulate unavailable: {error}", file=sys.stderr)
        report.rows.append(Row("iam-simulate", note=f"unavailable: {error}"))
        return
    theirs = [
        PEER_DECISIONS.get(d, Decision.IMPLICIT_DENY) for d in result["decisions"]
    ]
    same, kinds = agreement(ours, theirs)
    agreed = f"{same}/{len(ours)} ({100 * same / len(ours):.1f} %)"
    name = f"iam-simulate {result['version']}"
    preloaded = rate(len(ours), result["preloaded_seconds"])
    report.rows.append(
        Row(
            f"{name} authorize (policies preloaded)",
            preloaded,
            agreed,
            f"ours is {our_rate / preloaded:.1f}x",
        )
    )
    report.lines.append(
        f"iam-simulate policy loading: {result['load_seconds'] * 1e6 / result['policy_sets']:,.0f}"
        f" us/policy set; node {result['node']}; errors {result['error_count']}"
        + (f" e.g. {result['errors'][0]}" if result["errors"] else "")
    )
    describe_disagreements("iam-simulate", kinds, report)


def render(report: Report, settings: Settings) -> str:
    header = (
        f"{'engine':58} {'decisions/s':>12} {'ours / peer':>12}  agreement with ours"
    )
    lines = [
        f"policy_eval {date.today().isoformat()} on {platform.node() or 'this machine'}: "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        *report.lines[:1],
        "",
        header,
        "-" * len(header),
    ]
    reference = report.rows[0].rate or 0.0
    for row in report.rows:
        figure = f"{row.rate:12,.0f}" if row.rate else f"{'-':>12}"
        ratio = f"{reference / row.rate:11.1f}x" if row.rate else f"{'-':>12}"
        text = row.agreement or row.note
        lines.append(f"{row.engine:58} {figure} {ratio}  {text}")
    lines.append("")
    lines.extend(report.lines[1:])
    lines.extend(aims(report))
    return "\n".join(lines)


def aims(report: Report) -> list[str]:
    by_name: dict[str, float] = {r.engine: r.rate for r in report.rows if r.rate}
    pmapper = next((v for k, v in by_name.items() if k.startswith("PMapper")), None)
    simulate = next((v for k, v in by_name.items() if "preloaded" in k), None)
    out = []
    for row in report.rows[:2]:
        ours = row.rate or 0.0
        if pmapper:
            met = "met" if ours >= 10 * pmapper else "NOT met"
            out.append(
                f"{row.engine}: aim >= 10x PMapper: {met} ({ours / pmapper:.1f}x)"
            )
        if simulate:
            met = "met" if ours >= simulate else "NOT met"
            out.append(
                f"{row.engine}: aim no slower than iam-simulate (preloaded): "
                f"{met} ({ours / simulate:.2f}x)"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller corpus, 3 passes")
    parser.add_argument("--profile", action="store_true", help="cProfile our engine")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL

    report = benchmark(settings, profile=args.profile)

    print(render(report, settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
