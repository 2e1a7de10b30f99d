"""An instance, its metadata service on loopback, and small HTTP helpers."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gatehouse.imds import (
    Instance,
    LocalCredentialProvider,
    MetadataService,
    ServerLimits,
    ServiceThread,
)

ROLE = "web-server-role"


def instance_json(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "InstanceId": "i-0abcdef1234567890",
        "AccountId": "111122223333",
        "ImageId": "ami-0123456789abcdef0",
        "InstanceType": "t3.micro",
        "PrivateIpAddress": "10.0.1.25",
        "MacAddress": "0e:49:61:0f:c3:11",
        "LaunchTime": "2025-01-02T03:04:05Z",
        "Placement": {
            "AvailabilityZone": "eu-west-1a",
            "AvailabilityZoneId": "euw1-az1",
        },
        "IamInstanceProfile": {
            "Arn": "arn:aws:iam::111122223333:instance-profile/web-server",
            "Id": "AIPAEXAMPLEPROFILE01",
        },
        "RoleName": ROLE,
        "Tags": [
            {"Key": "Name", "Value": "web-1"},
            {"Key": "team", "Value": "payments"},
        ],
    }
    document.update(overrides)
    return document


def make_instance(**overrides: Any) -> Instance:
    return Instance.from_json(instance_json(**overrides))


TEST_LIMITS = ServerLimits(request_timeout=1.0, max_connections=32, ack_timeout=1.0)


@dataclass
class Running:
    """A metadata service listening on 127.0.0.1, and what it was built with."""

    service: MetadataService
    provider: LocalCredentialProvider
    host: str
    port: int
    connections: list[http.client.HTTPConnection] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on a fresh connection; header names lower-cased."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=5)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            body = response.read()
            headers_out = {k.lower(): v for k, v in response.getheaders()}
            return response.status, headers_out, body
        finally:
            connection.close()

    def token(self, ttl: int = 21600) -> str:
        status, _, body = self.request(
            "PUT",
            "/latest/api/token",
            {"X-aws-ec2-metadata-token-ttl-seconds": str(ttl)},
        )
        assert status == 200
        return body.decode()

    def get(
        self, path: str, token: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {} if token is None else {"X-aws-ec2-metadata-token": token}
        return self.request("GET", path, headers)


def start(
    instance: Instance, *, limits: ServerLimits = TEST_LIMITS, **kwargs: Any
) -> Iterator[Running]:
    provider = LocalCredentialProvider()
    service = MetadataService(instance, provider, **kwargs)
    with ServiceThread(service, "127.0.0.1", 0, limits=limits) as (host, port):
        yield Running(service, provider, host, port)


def utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
