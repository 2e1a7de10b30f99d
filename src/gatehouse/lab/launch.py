"""Start and stop the whole lab: endpoint, metadata services, CloudTrail, files.

`RunningLab.start` opens (or seeds) the state, starts CloudTrail delivery, serves
the endpoint on loopback, starts one metadata service per instance, and writes
`lab.json` and the AWS config and credentials files into the state directory.
`stop` undoes it in reverse, flushing CloudTrail, so nothing is lost.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from gatehouse.imds.server import ServiceThread
from gatehouse.imds.service import MetadataService
from gatehouse.lab.instances import InstanceCredentials, metadata_instance
from gatehouse.lab.profiles import write_profiles
from gatehouse.lab.runtime import LabRuntime
from gatehouse.lab.seed import seed
from gatehouse.lab.server import LabApp
from gatehouse.lab.state import Kind, LabState
from gatehouse.lab.world import World, load_world
from gatehouse.trail import EventIndex, TrailWriter, index_directory

logger = logging.getLogger(__name__)

DEFAULT_PORT = 4566
DELIVERY_INTERVAL = 5.0


@dataclass(frozen=True)
class LabPaths:
    """Where a lab keeps its files; all under one state directory."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "lab.sqlite3"

    @property
    def description(self) -> Path:
        return self.root / "lab.json"

    @property
    def config_file(self) -> Path:
        return self.root / "aws" / "config"

    @property
    def credentials_file(self) -> Path:
        return self.root / "aws" / "credentials"

    @property
    def log_file(self) -> Path:
        return self.root / "lab.log"

    @property
    def cloudtrail(self) -> Path:
        return self.root / "cloudtrail"


def tune_for_serving() -> None:
    """Keep garbage collection out of request latency in a lab server process.

    Everything loaded at start-up (botocore's models, the compiled policies) is
    moved out of the collector's view, and young-generation collections run far
    less often; a request allocates little that lives on.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


class LabError(Exception):
    """The lab cannot start, stop or reset; the message says why."""


def open_state(paths: LabPaths, world: World) -> LabState:
    """The state file, seeded from `world` when it is new."""
    paths.root.mkdir(parents=True, exist_ok=True)
    state = LabState(paths.database)
    if state.is_empty:
        seed(state, world)
    return state


def reset(paths: LabPaths, world: World) -> None:
    """Return the lab to the world's initial state (the lab must be stopped)."""
    if running_pid(paths) is not None:
        raise LabError("the lab is running; stop it first with `gatehouse lab down`")
    for path in (
        paths.database,
        Path(f"{paths.database}-wal"),
        Path(f"{paths.database}-shm"),
    ):
        path.unlink(missing_ok=True)
    shutil.rmtree(paths.cloudtrail, ignore_errors=True)
    paths.description.unlink(missing_ok=True)
    open_state(paths, world).close()


class RunningLab:
    """The lab's servers for one process."""

    def __init__(
        self,
        paths: LabPaths,
        *,
        world_path: Path | None = None,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        delivery_interval: float = DELIVERY_INTERVAL,
    ) -> None:
        self.paths = paths
        self.world = load_world(world_path)
        self.host = host
        self.port = port
        self.delivery_interval = delivery_interval
        self.runtime: LabRuntime | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._metadata: dict[str, ServiceThread] = {}
        self._instances: dict[str, dict[str, str]] = {}
        self._description: dict[str, Any] = {}
        self._described = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> dict[str, Any]:
        state = open_state(self.paths, self.world)
        state.checkpoint_in_background()
        events = EventIndex()
        index_directory(self.paths.root / "cloudtrail", events)
        trail = TrailWriter(
            self.paths.root, interval=self.delivery_interval, listener=events
        )
        self.runtime = LabRuntime(
            state=state,
            world=self.world,
            state_dir=self.paths.root,
            trail=trail,
            events=events,
        )
        self.runtime.instance_host = self
        self._serve_endpoint()
        instances = self._start_metadata_services()
        write_profiles(
            state,
            self.world,
            endpoint=self.endpoint,
            config_file=self.paths.config_file,
            credentials_file=self.paths.credentials_file,
        )
        description = self._describe(instances)
        with self._described:
            self._description = description
            _write_json(self.paths.description, description)
        logger.info("lab up on %s with %d instances", self.endpoint, len(instances))
        return description

    def stop(self) -> None:
        for service in list(self._metadata.values()):
            service.stop()
        self._metadata.clear()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        if self.runtime is not None:
            if self.runtime.trail is not None:
                self.runtime.trail.close()
            self.runtime.state.close()
        self.paths.description.unlink(missing_ok=True)
        logger.info("lab down")

    def _serve_endpoint(self) -> None:
        assert self.runtime is not None
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose
        # protocol says TCP; without it every call waits ~40 ms (Nagle).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as error:
            sock.close()
            raise LabError(
                f"cannot listen on {self.host}:{self.port}: {error}"
            ) from None
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            LabApp(runtime=self.runtime), log_level="warning", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._socket = sock
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise LabError("the lab endpoint did not start within 15 s")
            time.sleep(0.02)

    def _start_metadata_services(self) -> dict[str, dict[str, str]]:
        runtime = self.runtime
        assert runtime is not None
        for account in runtime.state.accounts():
            for entity in runtime.state.entities(account.name, Kind.INSTANCE):
                if entity.doc.get("state", "running") == "running":
                    self._start_one(account.name, entity.name)
        return self._instances

    def _start_one(self, account: str, instance_id: str) -> None:
        runtime = self.runtime
        assert runtime is not None
        entity = runtime.state.get(account, Kind.INSTANCE, instance_id)
        if entity is None or instance_id in self._metadata:
            return
        instance = metadata_instance(runtime, entity)
        provider = InstanceCredentials(runtime, account, instance_id)
        service = MetadataService(instance, provider)
        thread = ServiceThread(service, self.host, 0)
        host, port = thread.start()
        self._metadata[instance_id] = thread
        runtime.metadata_services[instance_id] = service
        self._instances[instance_id] = {
            "account": account,
            "imds": f"http://{host}:{port}",
        }

    # -- InstanceHost: EC2 launches and stops instances while the lab runs ------

    def instance_started(self, account: str, instance_id: str) -> None:
        self._start_one(account, instance_id)
        self._rewrite_description()

    def instance_stopped(self, instance_id: str) -> None:
        thread = self._metadata.pop(instance_id, None)
        if thread is not None:
            thread.stop()
        self._instances.pop(instance_id, None)
        self._rewrite_description()

    def _rewrite_description(self) -> None:
        with self._described:
            if not self._description:
                return
            self._description["instances"] = dict(self._instances)
            _write_json(self.paths.description, self._description)

    def _describe(self, instances: dict[str, dict[str, str]]) -> dict[str, Any]:
        runtime = self.runtime
        assert runtime is not None
        accounts = [
            {"id": a.name, "alias": a.doc["alias"]} for a in runtime.state.accounts()
        ]
        return {
            "endpoint": self.endpoint,
            "region": self.world.region,
            "world": self.world.name,
            "pid": os.getpid(),
            "state_dir": str(self.paths.root),
            "config_file": str(self.paths.config_file),
            "credentials_file": str(self.paths.credentials_file),
            "cloudtrail": str(self.paths.cloudtrail),
            "accounts": accounts,
            "instances": dict(instances),
        }


def running_pid(paths: LabPaths) -> int | None:
    """The pid of a lab serving this state directory, if one is alive."""
    try:
        description = json.loads(paths.description.read_text(encoding="utf-8"))
        pid = int(description["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _write_json(path: Path, document: dict[str, Any]) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2)
            out.write("\n")
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
