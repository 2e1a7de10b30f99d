"""Playing a scripted lab (`gatehouse lab run`, the console's Labs page).

A run plays against a lab that is already running (given its state directory),
or against a fresh lab started in a temporary directory for the run alone.
"""

from __future__ import annotations

import configparser
import json
import tempfile
from pathlib import Path
from typing import Any

from gatehouse.lab.launch import LabError, LabPaths, RunningLab, running_pid
from gatehouse.lab.ssrf import RUNS, LabRun, StepResult, Target
from gatehouse.lab.ssrf.scenario import WEB_INSTANCE


def find_run(name: str) -> LabRun:
    run = RUNS.get(name)
    if run is None:
        raise LabError(f"no lab named {name!r}; `gatehouse lab run --list` lists them")
    return run


def play(
    run: LabRun, *, paths: LabPaths | None = None, hop_demo: bool = True
) -> list[StepResult]:
    """Play `run` on the lab at `paths`, or on a fresh lab when `paths` is None."""
    if paths is not None:
        if running_pid(paths) is None:
            raise LabError(f"no lab is running on {paths.root}")
        description = json.loads(paths.description.read_text(encoding="utf-8"))
        return list(run.play(target_of(description), hop_demo=hop_demo))
    with tempfile.TemporaryDirectory(prefix="gatehouse-lab-run-") as folder:
        running = RunningLab(LabPaths(Path(folder)), port=0)
        description = running.start()
        try:
            return list(run.play(target_of(description), hop_demo=hop_demo))
        finally:
            running.stop()


def target_of(description: dict[str, Any]) -> Target:
    """The web instance and the responder's keys of a running lab."""
    credentials = configparser.ConfigParser()
    credentials.read(description["credentials_file"], encoding="utf-8")
    instance = description["instances"].get(WEB_INSTANCE)
    if instance is None or "home" not in credentials:
        raise LabError(
            "this lab has no running web instance or no home profile; "
            "the ssrf-imds lab needs the default world"
        )
    return Target(
        endpoint=description["endpoint"],
        region=description["region"],
        imds=instance["imds"],
        responder_key=credentials["home"]["aws_access_key_id"],
        responder_secret=credentials["home"]["aws_secret_access_key"],
    )
