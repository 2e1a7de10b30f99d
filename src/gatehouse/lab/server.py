"""The lab's HTTP edge: an ASGI app that authenticates, decodes and dispatches.

Each request runs as phases: read the body (bounded), find the service,
authenticate (SigV4), decode and validate (the protocol layer), dispatch through
the route table, encode. Every failure is an `AwsError`, written in the shape of
the caller's protocol; nothing below this module writes HTTP.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from gatehouse.lab import errors, models, sigv4
from gatehouse.lab.errors import AwsError
from gatehouse.lab.identity import CredentialLookup, unauthenticated_caller
from gatehouse.lab.models import LabService, Protocol
from gatehouse.lab.protocol import codec
from gatehouse.lab.protocol.wire import WireResponse
from gatehouse.lab.request import Handler, LabRequest
from gatehouse.lab.routes import RouteTable, default_routes

if TYPE_CHECKING:
    from gatehouse.lab.runtime import LabRuntime

logger = logging.getLogger(__name__)

# Gatehouse choice: the largest request body the lab reads (1 MiB); the largest
# legitimate lab request (an IAM policy document) is far smaller.
MAX_BODY_BYTES = 1024 * 1024

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class _BodyTooLargeError(Exception):
    pass


class LabApp:
    """The ASGI application for every lab service on one port."""

    def __init__(
        self,
        *,
        credentials: CredentialLookup | None = None,
        runtime: LabRuntime | None = None,
        routes: RouteTable | None = None,
        clock: Callable[[], datetime] | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        if credentials is None:
            if runtime is None:
                raise ValueError("LabApp needs a runtime or a credential lookup")
            credentials = runtime.lookup
        self.credentials = credentials
        self.runtime = runtime
        self.routes = default_routes() if routes is None else routes
        self.clock = clock or (runtime.clock if runtime else lambda: datetime.now(UTC))
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request_id = str(uuid.uuid4())
        headers = _headers(scope)
        try:
            body = await _read_body(receive, headers, self.max_body_bytes)
        except _BodyTooLargeError:
            body = None
        request = sigv4.HttpRequest(
            method=scope["method"],
            path=scope.get("raw_path", b"/").decode("latin-1") or scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=body or b"",
        )
        client = scope.get("client") or ("", 0)
        if body is None:
            response = self._error(
                _service_for(request),
                errors.REQUEST_TOO_LARGE.error(limit=self.max_body_bytes),
                request_id,
            )
        else:
            response = self.handle(request, source_ip=client[0], request_id=request_id)
        await _respond(send, response)

    def handle(
        self, request: sigv4.HttpRequest, *, source_ip: str, request_id: str
    ) -> WireResponse:
        """One request, start to finish, as a response; never raises."""
        service = _service_for(request)
        try:
            if isinstance(service, str):
                raise errors.SERVICE_NOT_MODELLED.error(service=service)
            return self._dispatch(service, request, source_ip, request_id)
        except AwsError as error:
            logger.debug("request %s answered %s", request_id, error.code)
            return self._error(service, error, request_id)
        except Exception:
            logger.exception("request %s failed inside the lab", request_id)
            return self._error(service, errors.INTERNAL_FAILURE.error(), request_id)

    def _dispatch(
        self,
        service: LabService,
        request: sigv4.HttpRequest,
        source_ip: str,
        request_id: str,
    ) -> WireResponse:
        now = self.clock()
        try:
            authenticated = sigv4.verify(request, self.credentials, now)
        except sigv4.SigV4Error as problem:
            if not (
                problem.problem is errors.AuthProblem.MISSING
                and _allows_unsigned(service, request)
            ):
                raise errors.auth_error(
                    problem.problem, service.protocol, **problem.fields
                ) from None
            authenticated = None

        call = codec.decode(service, request)
        if authenticated is None:
            caller = unauthenticated_caller()
            region = self.runtime.world.region if self.runtime else "us-east-1"
        else:
            caller, region = authenticated.caller, authenticated.scope.region
        lab_request = LabRequest(
            service=service.name,
            operation=call.operation,
            params=call.params,
            caller=caller,
            region=region,
            source_ip=source_ip,
            request_id=request_id,
            received_at=now,
            user_agent=request.header("user-agent") or "",
            host=request.header("host") or "",
        )
        if self.runtime is not None:
            self.runtime.admit(lab_request)
        route = self.routes.get((service.name, call.operation))
        if route is None:
            raise errors.NOT_MODELLED.error(
                service=service.name, operation=call.operation
            )

        output = self._run(route.handler, lab_request)
        logger.debug(
            "request %s %s:%s answered", request_id, service.name, call.operation
        )
        return codec.encode_result(service, call.operation, output, request_id)

    def _run(self, handler: Handler, request: LabRequest) -> dict[str, Any]:
        """Call the handler; hand the outcome, answer or AWS error, to CloudTrail."""
        runtime = self.runtime
        try:
            # Only protocol tests run without a runtime, with handlers that
            # never touch it.
            output = handler(runtime, request)  # type: ignore[arg-type]
        except AwsError as error:
            if runtime is not None:
                runtime.record(request, None, error)
            raise
        if runtime is not None:
            runtime.record(request, output, None)
        return output

    def _error(
        self, service: LabService | str, error: AwsError, request_id: str
    ) -> WireResponse:
        if isinstance(service, str):
            return codec.encode_error(Protocol.QUERY, "", error, request_id)
        return codec.encode_error(
            service.protocol, service.xml_namespace, error, request_id
        )


def _service_for(request: sigv4.HttpRequest) -> LabService | str:
    """The service a request is for: a lab service, or the name of one it lacks.

    The signing scope names it (`Credential=AKID/date/region/sts/aws4_request`);
    an unsigned request is placed by its X-Amz-Target prefix (JSON) or its
    Version parameter (query, ec2), and otherwise treated as STS.
    """
    scope = sigv4.scope_of(request)
    if scope is not None:
        if scope.service in models.API_VERSIONS:
            return models.service(scope.service)
        return scope.service
    target = request.header("x-amz-target")
    if target:
        found = models.service_for_target_prefix(target.rpartition(".")[0])
        if found is not None:
            return found
    version = _version_parameter(request)
    found = models.service_for_version(version) if version else None
    return found or models.service("sts")


def _allows_unsigned(service: LabService, request: sigv4.HttpRequest) -> bool:
    """Whether the request is for an operation AWS takes without credentials.

    botocore's model marks them `"auth": ["smithy.api#noAuth"]` (STS
    AssumeRoleWithWebIdentity and AssumeRoleWithSAML); every other operation
    still needs a signature.
    """
    if service.protocol is not Protocol.QUERY:
        return False
    try:
        pairs = codec.form_pairs(request)
    except AwsError:
        return False
    action = next((value for name, value in pairs if name == "Action"), None)
    if action is None or action not in service.operations:
        return False
    operation = service.operation(action)
    schemes = getattr(operation, "auth", None) or ()
    return "smithy.api#noAuth" in schemes or operation.auth_type == "none"


def _version_parameter(request: sigv4.HttpRequest) -> str | None:
    text = request.query
    if request.body:
        text += "&" + request.body.decode("utf-8", errors="replace")
    for name, value in parse_qsl(text, keep_blank_values=True):
        if name == "Version":
            return value
    return None


def _headers(scope: Scope) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in scope.get("headers", []):
        headers.setdefault(name.decode("latin-1").lower(), []).append(
            value.decode("latin-1")
        )
    return headers


async def _read_body(
    receive: Receive, headers: dict[str, list[str]], limit: int
) -> bytes:
    declared = headers.get("content-length", ["0"])[0]
    if declared.isdigit() and int(declared) > limit:
        raise _BodyTooLargeError
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLargeError
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _respond(send: Send, response: WireResponse) -> None:
    headers = [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in response.headers
    ]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send(
        {"type": "http.response.start", "status": response.status, "headers": headers}
    )
    await send({"type": "http.response.body", "body": response.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
