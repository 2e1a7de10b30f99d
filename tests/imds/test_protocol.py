"""Status codes and header rules of IMDS, each as a claim about the wire."""

from __future__ import annotations

import http.client
import socket
import time

import pytest

from gatehouse.imds import (
    LocalCredentialProvider,
    MetadataService,
    Metric,
    ServiceThread,
    TokenFault,
)

from .helpers import Running, make_instance, start

TTL = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN = "X-aws-ec2-metadata-token"


def test_a_token_put_returns_an_opaque_token_and_echoes_its_ttl(imds: Running) -> None:
    status, headers, body = imds.request("PUT", "/latest/api/token", {TTL: "120"})

    assert status == 200
    assert headers["x-aws-ec2-metadata-token-ttl-seconds"] == "120"
    assert headers["content-type"] == "text/plain"
    assert headers["server"] == "EC2ws"
    assert len(body) == 56 and b"i-0abcdef" not in body


@pytest.mark.parametrize(
    "ttl",
    [None, "", "0", "-1", "21601", "1.5", "abc", "9" * 5000, "0x10", " ", "+5"],
)
def test_a_missing_or_invalid_ttl_is_400(imds: Running, ttl: str | None) -> None:
    headers = {} if ttl is None else {TTL: ttl}
    status, _, body = imds.request("PUT", "/latest/api/token", headers)

    assert status == 400
    assert b"400 - Bad Request" in body


@pytest.mark.parametrize("ttl", ["1", "21600", "300"])
def test_ttl_bounds_are_inclusive(imds: Running, ttl: str) -> None:
    assert imds.request("PUT", "/latest/api/token", {TTL: ttl})[0] == 200


def test_header_names_are_case_insensitive(imds: Running) -> None:
    status, _, token = imds.request(
        "PUT", "/latest/api/token", {"x-AWS-ec2-METADATA-token-TTL-seconds": "60"}
    )
    assert status == 200

    status, _, body = imds.request(
        "GET",
        "/latest/meta-data/instance-id",
        {"X-AWS-EC2-METADATA-TOKEN": token.decode()},
    )
    assert (status, body) == (200, b"i-0abcdef1234567890")


def test_a_token_put_through_a_proxy_is_refused_with_403(imds: Running) -> None:
    status, _, body = imds.request(
        "PUT", "/latest/api/token", {TTL: "60", "X-Forwarded-For": "203.0.113.9"}
    )
    assert (status, body) == (403, b"")


@pytest.mark.parametrize("path", ["/2021-03-23/api/token", "/latest/api/token/"])
def test_a_token_put_to_another_path_is_403(imds: Running, path: str) -> None:
    assert imds.request("PUT", path, {TTL: "60"})[0] == 403


def test_an_expired_token_is_401() -> None:
    now = [1000.0]
    for running in start(make_instance(), token_clock=lambda: now[0]):
        token = running.token(ttl=1)
        assert running.get("/latest/meta-data/ami-id", token)[0] == 200

        now[0] += 1.0
        status, headers, body = running.get("/latest/meta-data/ami-id", token)
        assert status == 401
        assert headers["content-type"] == "text/html"
        assert b"<title>401 - Unauthorized</title>" in body


def test_a_token_expires_on_the_real_clock(imds: Running) -> None:
    token = imds.token(ttl=1)
    time.sleep(1.05)
    assert imds.get("/latest/meta-data/ami-id", token)[0] == 401


@pytest.mark.parametrize("token", ["", "garbage", "A" * 56, "A" * 10_000])
def test_an_invalid_token_is_401_even_when_tokens_are_optional(
    imds: Running, token: str
) -> None:
    assert imds.get("/latest/meta-data/ami-id", token)[0] == 401


def test_a_token_from_another_instance_is_rejected(imds: Running) -> None:
    for other in start(make_instance(InstanceId="i-0fedcba9876543210")):
        foreign = other.token()
        assert other.get("/latest/meta-data/ami-id", foreign)[0] == 200
        assert imds.get("/latest/meta-data/ami-id", foreign)[0] == 401


def test_a_token_from_a_restarted_service_of_the_same_instance_is_rejected(
    imds: Running,
) -> None:
    for again in start(make_instance()):
        assert imds.get("/latest/meta-data/ami-id", again.token())[0] == 401


def test_imdsv1_works_only_while_tokens_are_optional(imds: Running) -> None:
    assert imds.get("/latest/meta-data/instance-id")[0] == 200
    assert imds.service.metrics[Metric.NO_TOKEN] == 1

    imds.service.modify_options(HttpTokens="required")

    status, _, body = imds.get("/latest/meta-data/instance-id")
    assert status == 401 and b"401 - Unauthorized" in body
    assert imds.service.metrics[Metric.NO_TOKEN_REJECTED] == 1
    assert imds.get("/latest/meta-data/instance-id", imds.token())[0] == 200


def test_metrics_count_only_successful_v1_accesses_and_rejected_v1_calls(
    imds: Running,
) -> None:
    imds.get("/latest/meta-data/ami-id")
    imds.request("HEAD", "/latest/meta-data/ami-id")
    imds.get("/latest/meta-data/no-such-item")  # 404: not a successful access
    imds.get("/latest/meta-data/ami-id", imds.token())  # v2: not counted
    imds.service.modify_options(HttpTokens="required")
    imds.get("/latest/meta-data/ami-id")
    imds.get("/latest/meta-data/no-such-item")

    sample = imds.service.metrics.sample().to_json()
    assert sample["Metrics"] == {"MetadataNoToken": 2, "MetadataNoTokenRejected": 2}
    assert sample["Dimensions"] == [
        {"Name": "InstanceId", "Value": "i-0abcdef1234567890"}
    ]


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/latest/api/token"), ("GET", "/latest/meta-data/"), ("POST", "/")],
)
def test_a_disabled_endpoint_answers_403_bare_and_closes(
    imds: Running, method: str, path: str
) -> None:
    imds.service.modify_options(HttpEndpoint="disabled")

    status, headers, body = imds.request(method, path, {TTL: "60"})

    assert (status, body) == (403, b"")
    assert headers["content-type"] == "text/plain"
    assert headers["server"] == "EC2ws"
    assert headers["connection"] == "close"


def test_a_disabled_endpoint_refuses_even_valid_tokens(imds: Running) -> None:
    token = imds.token()
    imds.service.modify_options(HttpEndpoint="disabled")
    assert imds.get("/latest/meta-data/ami-id", token)[0] == 403


def test_unknown_items_are_404(imds: Running) -> None:
    status, headers, body = imds.get("/latest/meta-data/no-such-item", imds.token())
    assert status == 404
    assert b"<title>404 - Not Found</title>" in body
    assert headers["content-type"] == "text/html"
    assert imds.get("/nonsense/meta-data/", imds.token())[0] == 404


@pytest.mark.parametrize("method", ["POST", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_other_methods_are_405(imds: Running, method: str) -> None:
    status, headers, _ = imds.request(method, "/latest/meta-data/")
    assert status == 405
    assert headers["allow"] == "GET, HEAD, PUT"


def test_get_on_the_token_path_is_405(imds: Running) -> None:
    assert imds.get("/latest/api/token")[0] == 405


def test_head_returns_headers_without_a_body(imds: Running) -> None:
    status, headers, body = imds.request("HEAD", "/latest/meta-data/instance-id")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(len("i-0abcdef1234567890"))


def test_expect_100_continue_is_417(imds: Running) -> None:
    status, _, _ = imds.request(
        "PUT",
        "/latest/api/token",
        {TTL: "60", "Expect": "100-continue", "Content-Length": "5"},
    )
    assert status == 417


def test_keep_alive_serves_token_then_metadata_on_one_connection(imds: Running) -> None:
    with socket.create_connection((imds.host, imds.port), timeout=5) as sock:
        sock.sendall(
            f"PUT /latest/api/token HTTP/1.1\r\nHost: x\r\n{TTL}: 60\r\n\r\n".encode()
        )
        head, token = _read_response(sock)
        assert head.startswith(b"HTTP/1.1 200 OK")
        request = f"GET /latest/meta-data/ami-id HTTP/1.1\r\nHost: x\r\n{TOKEN}: {token.decode()}\r\n\r\n"
        sock.sendall(request.encode())
        head, body = _read_response(sock)
        assert head.startswith(b"HTTP/1.1 200 OK") and body == b"ami-0123456789abcdef0"


def test_options_changes_apply_to_the_next_request(imds: Running) -> None:
    assert imds.get("/latest/meta-data/tags/instance")[0] == 404

    imds.service.modify_options(InstanceMetadataTags="enabled")

    status, _, body = imds.get("/latest/meta-data/tags/instance")
    assert (status, body) == (200, b"Name\nteam")


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        (TokenFault.BAD_REQUEST, 400),
        (TokenFault.FORBIDDEN, 403),
        (TokenFault.NOT_FOUND, 404),
        (TokenFault.METHOD_NOT_ALLOWED, 405),
    ],
)
def test_simulated_token_faults_answer_their_status(
    imds: Running, fault: TokenFault, status: int
) -> None:
    imds.service.token_fault = fault
    assert imds.request("PUT", "/latest/api/token", {TTL: "60"})[0] == status


def _read_response(sock: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, rest = data.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    while len(rest) < length:
        rest += sock.recv(4096)
    return head, rest


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_ipv6_gets_no_http_until_http_protocol_ipv6_is_enabled() -> None:
    service = MetadataService(make_instance(), LocalCredentialProvider())
    with ServiceThread(service, "::1", 0) as (host, port):
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(b"GET /latest/meta-data/ami-id HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                answer = sock.recv(1024)
            except ConnectionResetError:
                answer = b""
        assert answer == b""

        service.modify_options(HttpProtocolIpv6="enabled")
        connection = http.client.HTTPConnection(host, port, timeout=5)
        connection.request("GET", "/latest/meta-data/ami-id")
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"ami-0123456789abcdef0")
        connection.close()
