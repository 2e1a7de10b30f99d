"""A running lab for the tests: uvicorn on a free loopback port, in a thread."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import boto3
import botocore.config
import botocore.credentials
import httpx
import pytest
import uvicorn
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from gatehouse.lab.identity import Caller, CallerKind, InMemoryCredentials, Origin
from gatehouse.lab.server import LabApp

from .proof_routes import PROOF_ROUTES

ACCOUNT = "111122223333"
REGION = "us-east-1"
CREATED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)

ALICE_KEY = Caller(
    access_key_id="AKIAGATEHOUSEALICE01",
    kind=CallerKind.IAM_USER,
    account=ACCOUNT,
    arn=f"arn:aws:iam::{ACCOUNT}:user/alice",
    user_id="AIDAGATEHOUSEALICE01",
    name="alice",
    origin=Origin.ACCESS_KEY,
    secret_access_key="alice-secret-key-0000000000000000000000",
    user_name="alice",
)
ALICE = ALICE_KEY
SESSION_KEY = Caller(
    access_key_id="ASIAGATEHOUSESESSION",
    kind=CallerKind.ASSUMED_ROLE,
    account=ACCOUNT,
    arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/auditor/audit-1",
    user_id="AROAGATEHOUSEAUDITOR:audit-1",
    name="audit-1",
    origin=Origin.ASSUME_ROLE,
    secret_access_key="session-secret-key-000000000000000000000",
    session_token="session-token-for-the-auditor-role",
    issued=CREATED,
    expiration=datetime.now(UTC) + timedelta(hours=1),
)
EXPIRED_KEY = replace(
    SESSION_KEY,
    access_key_id="ASIAGATEHOUSEEXPIRED",
    secret_access_key="expired-secret-key-000000000000000000000",
    session_token="an-expired-session-token",
    expiration=datetime.now(UTC) - timedelta(minutes=1),
)


@dataclass(frozen=True)
class Lab:
    url: str

    def client(self, service: str, credential: Caller = ALICE_KEY, **config: object):
        return boto3.session.Session().client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=credential.access_key_id,
            aws_secret_access_key=credential.secret_access_key,
            aws_session_token=credential.session_token,
            config=botocore.config.Config(retries={"max_attempts": 1}, **config),
        )


@contextlib.contextmanager
def running(app: LabApp) -> Iterator[Lab]:
    """Serve `app` with uvicorn on a free loopback port until the block ends."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose
    # proto says TCP, and without it Nagle plus delayed ACKs add ~40 ms a call.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the lab server did not start within 10 s")
        time.sleep(0.01)
    try:
        yield Lab(url=f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


CREDENTIALS = InMemoryCredentials([ALICE_KEY, SESSION_KEY, EXPIRED_KEY])


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    with running(LabApp(credentials=CREDENTIALS, routes=PROOF_ROUTES)) as served:
        yield served


def signed_post(
    lab: Lab,
    service: str,
    body: bytes | str,
    *,
    credential: Caller = ALICE_KEY,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """A raw POST signed by botocore's own SigV4 signer, for bodies boto3 won't send."""
    request = AWSRequest(
        method="POST",
        url=lab.url + "/",
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            **(headers or {}),
        },
    )
    keys = botocore.credentials.Credentials(
        credential.access_key_id, credential.secret_access_key, credential.session_token
    )
    SigV4Auth(keys, service, REGION).add_auth(request)
    prepared = request.prepare()
    return httpx.post(
        prepared.url, content=prepared.body, headers=dict(prepared.headers), timeout=10
    )


def error_of(response: httpx.Response) -> dict[str, str]:
    """Code, message and type from a query-protocol XML error body."""
    root = ElementTree.fromstring(response.content)
    namespace = root.tag.partition("}")[0] + "}" if root.tag.startswith("{") else ""
    error = root.find(f"{namespace}Error")
    assert error is not None, response.text
    return {child.tag.removeprefix(namespace): child.text or "" for child in error}
