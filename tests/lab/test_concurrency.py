"""The hammer: many clients at once, good and hostile, and nothing is lost.

Eight threads drive the lab through boto3 at the same time (role chains across
accounts, GetSessionToken, calls the trust policy refuses) while two more send
it garbage (malformed form bodies, oversized bodies, unknown actions, broken
signatures). Afterwards every credential the lab issued works, the state holds
exactly one session per successful call, and CloudTrail holds exactly the
records those calls make: one per call, two for a cross-account AssumeRole.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import botocore.credentials
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError

from .conftest import error_of
from .world_lab import HOME, REGION, VENDOR, WorldLab, world_lab

AUDIT_ROLE = f"arn:aws:iam::{HOME}:role/AuditRole"
VENDOR_ROLE = f"arn:aws:iam::{VENDOR}:role/VendorRole"
EXTERNAL_ID = "7f3c9e21-customer-111111111111"
WORKERS = 8
ROUNDS = 3
HOSTILE_ROUNDS = 6
# Every future gets this long; a hung server fails the test instead of CI.
DEADLINE = 120


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorldLab]:
    with world_lab(Path(tmp_path_factory.mktemp("hammer-lab"))) as served:
        yield served


class Tally:
    """What the workers did, counted under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[tuple[str, str, str]] = Counter()
        self.credentials: list[dict[str, Any]] = []
        self.errors: list[dict[str, str]] = []

    def call(self, account: str, name: str, outcome: str) -> None:
        with self._lock:
            self.calls[(account, name, outcome)] += 1

    def issued(self, credentials: dict[str, Any]) -> None:
        with self._lock:
            self.credentials.append(credentials)

    def hostile(self, error: dict[str, str]) -> None:
        with self._lock:
            self.errors.append(error)


def sessions_in_state(lab: WorldLab) -> int:
    return sum(
        1
        for account in (HOME, VENDOR)
        for doc in lab.runtime.state.credentials(account)
        if doc["type"] == "session"
    )


def record_counts(lab: WorldLab) -> Counter[tuple[str, str, str]]:
    counts: Counter[tuple[str, str, str]] = Counter()
    for account in (HOME, VENDOR):
        for record in lab.records(account):
            outcome = record.get("errorCode") or "ok"
            counts[(account, record["eventName"], outcome)] += 1
    return counts


def sts_client(
    session: boto3.session.Session, lab: WorldLab, keys: dict[str, Any]
) -> Any:
    """An STS client from this worker's own session (sessions are not shared
    between threads; clients from one session reuse its loaded models)."""
    return session.client(
        "sts",
        endpoint_url=lab.url,
        region_name=REGION,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys.get("SessionToken"),
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


def long_term(lab: WorldLab, account: str, user: str) -> dict[str, str]:
    key, secret = lab.keys(account, user)
    return {"AccessKeyId": key, "SecretAccessKey": secret}


def good_worker(lab: WorldLab, tally: Tally, worker: int) -> None:
    session = boto3.session.Session()
    vendor_sts = sts_client(session, lab, long_term(lab, VENDOR, "admin"))
    alice_sts = sts_client(session, lab, long_term(lab, HOME, "alice"))
    for round_ in range(ROUNDS):
        service = vendor_sts.assume_role(
            RoleArn=VENDOR_ROLE, RoleSessionName=f"svc-{worker}-{round_}"
        )["Credentials"]
        tally.call(VENDOR, "AssumeRole", "ok")
        tally.issued(service)

        chained = sts_client(session, lab, service)
        audit = chained.assume_role(
            RoleArn=AUDIT_ROLE,
            RoleSessionName=f"audit-{worker}-{round_}",
            ExternalId=EXTERNAL_ID,
        )["Credentials"]
        # Cross-account: one record in the vendor's trail, one in the home's.
        tally.call(VENDOR, "AssumeRole", "ok")
        tally.call(HOME, "AssumeRole", "ok")
        tally.issued(audit)

        with pytest.raises(ClientError) as refused:
            chained.assume_role(RoleArn=AUDIT_ROLE, RoleSessionName=f"x-{worker}")
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
        tally.call(VENDOR, "AssumeRole", "AccessDenied")

        token = alice_sts.get_session_token(DurationSeconds=900)["Credentials"]
        tally.call(HOME, "GetSessionToken", "ok")
        tally.issued(token)


def hostile_worker(lab: WorldLab, tally: Tally, worker: int) -> None:
    key, secret = lab.keys(HOME, "admin")
    signer = botocore.credentials.Credentials(key, secret)

    def signed(body: bytes, *, tamper: bool = False) -> httpx.Response:
        request = AWSRequest(
            method="POST",
            url=lab.url + "/",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        SigV4Auth(signer, "sts", REGION).add_auth(request)
        prepared = request.prepare()
        headers = dict(prepared.headers)
        if tamper:
            headers["Authorization"] = headers["Authorization"][:-4] + "beef"
        return httpx.post(prepared.url, content=body, headers=headers, timeout=30)

    attacks: list[tuple[Callable[[], httpx.Response], int, str]] = [
        (
            lambda: signed(b"Action=GetCallerIdentity&Version=2011-06-15&novalue"),
            404,
            "MalformedQueryString",
        ),
        (
            lambda: signed(b"Action=DropAllTables&Version=2011-06-15"),
            400,
            "InvalidAction",
        ),
        (
            lambda: signed(b"Action=GetCallerIdentity&Version=2011-06-15", tamper=True),
            403,
            "SignatureDoesNotMatch",
        ),
        (
            lambda: signed(b"Action=AssumeRole&" + b"A" * (1024 * 1024 + 10)),
            413,
            "RequestEntityTooLarge",
        ),
        (
            lambda: httpx.post(
                lab.url + "/",
                content=b"\xff\xfe\x00garbage",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                timeout=30,
            ),
            403,
            "MissingAuthenticationToken",
        ),
    ]
    for round_ in range(HOSTILE_ROUNDS):
        send, status, code = attacks[(worker + round_) % len(attacks)]
        response = send()
        assert response.status_code == status, response.text
        error = error_of(response)
        assert error["Code"] == code, error
        tally.hostile(error)


def test_concurrent_clients_lose_nothing_and_get_aws_shaped_errors(
    lab: WorldLab,
) -> None:
    sessions_before = sessions_in_state(lab)
    records_before = record_counts(lab)
    tally = Tally()

    with ThreadPoolExecutor(max_workers=WORKERS + 2) as pool:
        futures = [pool.submit(good_worker, lab, tally, w) for w in range(WORKERS)]
        futures += [pool.submit(hostile_worker, lab, tally, w) for w in range(2)]
        for future in futures:
            future.result(timeout=DEADLINE)

    issued = len(tally.credentials)
    assert issued == WORKERS * ROUNDS * 3
    assert sessions_in_state(lab) - sessions_before == issued
    assert len({c["AccessKeyId"] for c in tally.credentials}) == issued

    records_after = record_counts(lab)
    made = Counter(
        {key: records_after[key] - records_before[key] for key in records_after}
    )
    assert +made == tally.calls
    assert len(tally.errors) == 2 * HOSTILE_ROUNDS

    # Every issued credential works: a GetCallerIdentity signed with it (by
    # botocore's signer, over one keep-alive connection) names its session.
    with httpx.Client(timeout=30) as http:
        for credentials in tally.credentials:
            response = http.send(http.build_request(**_signed_whoami(lab, credentials)))
            assert response.status_code == 200, response.text
            assert "<Arn>arn:aws:" in response.text


def _signed_whoami(lab: WorldLab, credentials: dict[str, Any]) -> dict[str, Any]:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    request = AWSRequest(
        method="POST",
        url=lab.url + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    keys = botocore.credentials.Credentials(
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )
    SigV4Auth(keys, "sts", REGION).add_auth(request)
    prepared = request.prepare()
    return {
        "method": "POST",
        "url": prepared.url,
        "content": body,
        "headers": dict(prepared.headers),
    }
