"""A running lab for the tests: uvicorn on a free loopback port, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import boto3
import botocore.config
import pytest
import uvicorn

from gatehouse.lab.identity import Credential, InMemoryCredentials, Principal, PrincipalKind
from gatehouse.lab.server import LabApp

ACCOUNT = "111122223333"
REGION = "us-east-1"
CREATED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)

ALICE = Principal(
    kind=PrincipalKind.IAM_USER,
    account=ACCOUNT,
    arn=f"arn:aws:iam::{ACCOUNT}:user/alice",
    user_id="AIDAGATEHOUSEALICE01",
    name="alice",
    created=CREATED,
)
AUDITOR_SESSION = Principal(
    kind=PrincipalKind.ASSUMED_ROLE,
    account=ACCOUNT,
    arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/auditor/audit-1",
    user_id="AROAGATEHOUSEAUDITOR:audit-1",
    name="audit-1",
    created=CREATED,
)
ALICE_KEY = Credential("AKIAGATEHOUSEALICE01", "alice-secret-key-0000000000000000000000", ALICE)
SESSION_KEY = Credential(
    "ASIAGATEHOUSESESSION",
    "session-secret-key-000000000000000000000",
    AUDITOR_SESSION,
    session_token="session-token-for-the-auditor-role",
    expiration=datetime.now(UTC) + timedelta(hours=1),
)
EXPIRED_KEY = Credential(
    "ASIAGATEHOUSEEXPIRED",
    "expired-secret-key-000000000000000000000",
    AUDITOR_SESSION,
    session_token="an-expired-session-token",
    expiration=datetime.now(UTC) - timedelta(minutes=1),
)


@dataclass(frozen=True)
class Lab:
    url: str

    def client(self, service: str, credential: Credential = ALICE_KEY, **config: object):
        return boto3.session.Session().client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=credential.access_key_id,
            aws_secret_access_key=credential.secret_access_key,
            aws_session_token=credential.session_token,
            config=botocore.config.Config(retries={"max_attempts": 1}, **config),
        )


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    app = LabApp(credentials=InMemoryCredentials([ALICE_KEY, SESSION_KEY, EXPIRED_KEY]))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the lab server did not start within 10 s")
        time.sleep(0.01)
    yield Lab(url=f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
