"""A quick look at our policy engine's cost per request, without the peers.

    .venv/bin/python benchmarks/policy_profile.py [--passes N] [--profile]

Uses the same seeded corpus as policy_eval.py (its requests that every engine
can answer) and prints, in CPU microseconds per request (time.process_time):

- cold: the first pass after compiling, every cache empty;
- warm: the median of N passes over the same requests.

With --profile, a cProfile of one warm pass, by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import corpus
from policy_eval import FULL, SEED, compile_set, decide


def one_pass(requests: list[dict[str, Any]], compiled: dict[int, Any]) -> float:
    start = time.process_time()
    for request in requests:
        decide(request, compiled[request["set"]])
    return time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5, help="warm passes")
    parser.add_argument("--profile", action="store_true", help="cProfile a pass")
    args = parser.parse_args(argv)

    data = corpus(seed=SEED, policy_sets=FULL.policy_sets, requests=FULL.requests)
    sets = {s["id"]: s for s in data["policy_sets"]}
    requests = [
        r for r in data["requests"] if sets[r["set"]]["principal_kind"] != "session"
    ]
    compiled = {i: compile_set(s) for i, s in sets.items()}

    cold = one_pass(requests, compiled)
    warm = [one_pass(requests, compiled) for _ in range(args.passes)]
    per = 1e6 / len(requests)
    print(f"{len(requests)} requests")
    print(f"cold us/request: {cold * per:.1f}")
    print(
        f"warm us/request: median {statistics.median(warm) * per:.1f} "
        f"(min {min(warm) * per:.1f}, max {max(warm) * per:.1f})"
    )

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        one_pass(requests, compiled)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
