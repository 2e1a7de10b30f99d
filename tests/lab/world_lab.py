"""A lab on the default world, served on loopback, for black-box tests."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.config

from gatehouse.lab.runtime import LabRuntime
from gatehouse.lab.seed import seed
from gatehouse.lab.server import LabApp
from gatehouse.lab.state import LabState
from gatehouse.lab.world import load_world
from gatehouse.trail import EventIndex, TrailWriter

from .conftest import running

HOME, VENDOR, OUTSIDER = "111111111111", "222222222222", "333333333333"
REGION = "us-east-1"


@dataclass
class WorldLab:
    url: str
    runtime: LabRuntime
    index: EventIndex
    trail: TrailWriter

    def keys(self, account: str, user: str) -> tuple[str, str]:
        for doc in self.runtime.state.credentials(account):
            if doc.get("user") == user and doc["type"] == "access-key":
                return doc["access_key_id"], doc["secret_access_key"]
        raise KeyError((account, user))

    def client(
        self,
        service: str,
        *,
        account: str = HOME,
        user: str = "admin",
        credentials: dict[str, Any] | None = None,
        **config: Any,
    ) -> Any:
        if credentials is None:
            key, secret = self.keys(account, user)
            credentials = {"AccessKeyId": key, "SecretAccessKey": secret}
        return boto3.session.Session().client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials.get("SessionToken"),
            config=botocore.config.Config(retries={"max_attempts": 1}, **config),
        )

    def records(
        self, account: str = HOME, region: str = REGION
    ) -> list[dict[str, Any]]:
        """The CloudTrail records delivered to `account` so far, oldest first."""
        self.trail.flush()
        return [
            json.loads(e.cloudtrail_event) for e in self.index.events(account, region)
        ]


@contextlib.contextmanager
def world_lab(state_dir: Path) -> Iterator[WorldLab]:
    world = load_world()
    state = LabState(state_dir / "lab.sqlite3")
    seed(state, world)
    index = EventIndex()
    trail = TrailWriter(state_dir, interval=3600, listener=index)
    trail.start()
    runtime = LabRuntime(
        state=state, world=world, state_dir=state_dir, trail=trail, events=index
    )
    try:
        with running(LabApp(runtime=runtime)) as served:
            yield WorldLab(served.url, runtime, index, trail)
    finally:
        trail.close()
        state.close()
