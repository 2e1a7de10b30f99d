"""Helpers for the study tests: content copies to mutate, a live console."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
import yaml

from gatehouse.web.app import create_app

FIXTURE_CONTENT = Path(__file__).parent.parent / "fixtures" / "content"

Documents = dict[str, Any]


def rewrite(root: Path, relative: str, change: Callable[[Documents], None]) -> None:
    """Load one YAML file of a content copy, change it in place, write it back."""
    path = root / relative
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_console(
    data_dir: Path, content_dir: Path = FIXTURE_CONTENT
) -> Iterator[str]:
    """The console as `gatehouse serve` runs it, on a free loopback port, in a thread."""
    app = create_app(data_dir=data_dir, content_dir=content_dir)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console did not start within 10 seconds")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        assert not thread.is_alive(), "the console did not stop within 10 seconds"
