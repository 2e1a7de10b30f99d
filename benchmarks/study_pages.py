"""Server-side render time of each study page, over real HTTP on loopback.

Run: .venv/bin/python benchmarks/study_pages.py [--rounds 50]
Target: every page's median under 50 ms with the bundled content and a progress file
holding a few hundred reviews and attempts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from gatehouse.study.answers import Answer
from gatehouse.study.loader import load_content
from gatehouse.study.practice import Study
from gatehouse.study.scheduler import Grade
from gatehouse.study.store import Store
from gatehouse.web.app import create_app

TARGET_MS = 50.0


def _seed_progress(data: Path) -> tuple[str, str]:
    """A few hundred reviews and attempts spread over two weeks."""
    study = Study(load_content().content, Store.in_dir(data))
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=14)
    for n, card in enumerate(study.content.cards * 2):
        grade = Grade.RIGHT if n % 3 else Grade.WRONG
        study.grade(card.id, grade, now=start + dt.timedelta(hours=n), session="bench")
    for n, scenario in enumerate(study.content.scenarios):
        choice = (
            frozenset({scenario.options[0].id}) if scenario.options else frozenset()
        )
        answer = Answer(
            choices=choice,
            order=tuple(s.id for s in scenario.steps),
            matches=tuple((p.id, p.id) for p in scenario.pairs),
        )
        study.answer(scenario.id, answer, now=start + dt.timedelta(hours=n))
    run = study.start_exam(now=start, questions=20)
    study.finish_exam(run, now=start + dt.timedelta(minutes=5))
    first = study.content.scenarios[0].id if study.content.scenarios else ""
    return first, str(run)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=50)
    rounds = parser.parse_args().rounds

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        scenario, run = _seed_progress(data)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(data_dir=data),
                host="127.0.0.1",
                port=port,
                log_level="warning",
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)

        pages = [
            "/",
            "/cards?s=bench",
            "/scenarios",
            f"/scenarios/{scenario}",
            "/exam",
            f"/exam/{run}/result",
            "/progress",
        ]
        slow = 0
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for path in pages:
                timings = []
                for _ in range(rounds):
                    began = time.perf_counter()
                    response = client.get(path)
                    timings.append((time.perf_counter() - began) * 1000)
                    response.raise_for_status()
                median = statistics.median(timings)
                slow += median > TARGET_MS
                print(
                    f"{path:<40} median {median:6.1f} ms   p95 {sorted(timings)[int(rounds * 0.95) - 1]:6.1f} ms"
                )
        server.should_exit = True
        thread.join(timeout=10)
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
