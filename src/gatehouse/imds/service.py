"""One instance's metadata service: the rules of IMDS, independent of transport.

`MetadataService.answer` turns a parsed request into a `Reply`; `server.py`
carries it over HTTP/1.1 and applies the hop limit to the token response.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from gatehouse.imds.credentials import (
    DEFAULT_REFRESH_BEFORE,
    Clock,
    CredentialCache,
    CredentialProvider,
    Credentials,
    Delivery,
    LocalCredentialProvider,
    utc_now,
)
from gatehouse.imds.errors import RoleUnavailableError
from gatehouse.imds.instance import Instance
from gatehouse.imds.metrics import MetadataMetrics, Metric
from gatehouse.imds.options import MetadataOptions, OptionsHolder
from gatehouse.imds.replies import Reply, Why, empty, error_page, not_modelled, ok
from gatehouse.imds.tokens import (
    InvalidTokenTtlError,
    TokenCheck,
    TokenIssuer,
    parse_ttl,
)
from gatehouse.imds.tree import (
    MetadataTree,
    NotFound,
    RoleCredentials,
    Text,
    credentials_json,
    role_error_json,
)

logger = logging.getLogger(__name__)

TOKEN_PATH = "/latest/api/token"
TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "x-aws-ec2-metadata-token"
# The token response names the header in this capitalisation (AWS Go SDK v2 reads
# `X-Aws-Ec2-Metadata-Token-Ttl-Seconds`).
TTL_RESPONSE_HEADER = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
ALLOWED_METHODS = ("GET", "HEAD", "PUT")


class TokenFault(Enum):
    """Test-only: make the token endpoint misbehave the ways SDKs must survive."""

    NONE = "none"
    BAD_REQUEST = "400"
    FORBIDDEN = "403"
    NOT_FOUND = "404"
    METHOD_NOT_ALLOWED = "405"
    NO_ANSWER = "no-answer"


@dataclass(frozen=True)
class MetadataRequest:
    """A parsed request; header names are lower case."""

    method: str
    path: str
    headers: Mapping[str, str]


class MetadataService:
    """The metadata service of one instance.

    `options` may be shared with the lab's EC2 state: ModifyInstanceMetadataOptions
    updates it, and the next request sees the change.
    """

    def __init__(
        self,
        instance: Instance,
        provider: CredentialProvider | None = None,
        *,
        options: OptionsHolder | None = None,
        refresh_before: timedelta = DEFAULT_REFRESH_BEFORE,
        clock: Clock = utc_now,
        token_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.instance = instance
        self.options = options or OptionsHolder(
            instance.metadata_options, check=instance.check_options
        )
        self.metrics = MetadataMetrics(instance.instance_id)
        self.tokens = TokenIssuer(instance.instance_id, clock=token_clock)
        self.credentials = CredentialCache(
            provider or LocalCredentialProvider(clock=clock),
            refresh_before=refresh_before,
            clock=clock,
        )
        self.token_fault = TokenFault.NONE
        self._tree = MetadataTree(instance)
        self._clock = clock

    def modify_options(self, **api_fields: object) -> MetadataOptions:
        """ModifyInstanceMetadataOptions: omitted fields keep their current values."""
        updated = self.options.modify(**api_fields)
        logger.info(
            "instance %s metadata options now %s", self.instance.instance_id, updated
        )
        return updated

    async def answer(self, request: MetadataRequest) -> Reply:
        options = self.options.get()

        if not options.endpoint_enabled:
            # Observed: 403, empty text/plain body, Connection: close.
            return empty(403, Why.ENDPOINT_DISABLED, close=True)
        if request.method not in ALLOWED_METHODS:
            return _method_not_allowed()
        if "100-continue" in request.headers.get("expect", "").lower():
            return error_page(417, Why.EXPECT, close=True)
        if request.method == "PUT":
            return self._token(request, options)
        if _is_token_path(request.path):
            return _method_not_allowed()

        delivery, refusal = self._authenticate(request, options)
        if refusal is not None:
            return refusal
        reply = await self._read(request.path, options, delivery)
        if delivery is Delivery.V1 and reply.status == 200:
            self.metrics.count(Metric.NO_TOKEN)
        return reply

    def _token(self, request: MetadataRequest, options: MetadataOptions) -> Reply:
        if request.path != TOKEN_PATH:
            # A PUT to a dated path such as /2021-03-23/api/token is refused with 403
            # (EC2 User Guide); so is any other PUT (observed for a trailing slash).
            return empty(403, Why.VERSIONED_TOKEN_PATH)
        if "x-forwarded-for" in request.headers:
            # AWS: "requests that contain X-Forwarded-For are rejected"; the status
            # is not documented. Gatehouse chooses 403.
            return empty(403, Why.FORWARDED)
        fault = self._simulated_fault()
        if fault is not None:
            return fault
        try:
            ttl = parse_ttl(request.headers.get(TTL_HEADER))
        except InvalidTokenTtlError:
            return error_page(400, Why.BAD_TTL)
        token = self.tokens.issue(ttl)
        return Reply(
            200,
            Why.TOKEN_ISSUED,
            token.encode(),
            extra_headers=((TTL_RESPONSE_HEADER, str(ttl)),),
            hop_limited=True,
        )

    def _simulated_fault(self) -> Reply | None:
        fault = self.token_fault
        if fault is TokenFault.NONE:
            return None
        if fault is TokenFault.NO_ANSWER:
            return Reply(0, Why.SIMULATED, no_answer=True)
        return error_page(int(fault.value), Why.SIMULATED)

    def _authenticate(
        self, request: MetadataRequest, options: MetadataOptions
    ) -> tuple[Delivery, Reply | None]:
        token = request.headers.get(TOKEN_HEADER)
        if token is None:
            if options.tokens_required:
                self.metrics.count(Metric.NO_TOKEN_REJECTED)
                return Delivery.V1, error_page(401, Why.TOKEN_REQUIRED)
            return Delivery.V1, None
        check = self.tokens.check(token.strip())
        if check is TokenCheck.EXPIRED:
            return Delivery.V2, error_page(401, Why.TOKEN_EXPIRED)
        if check is TokenCheck.INVALID:
            return Delivery.V2, error_page(401, Why.TOKEN_INVALID)
        return Delivery.V2, None

    async def _read(
        self, path: str, options: MetadataOptions, delivery: Delivery
    ) -> Reply:
        found = self._tree.resolve(path, options)
        if isinstance(found, Text):
            return ok(found.body)
        if isinstance(found, NotFound):
            if found.note is not None:
                return not_modelled(found.note)
            return error_page(404, Why.NOT_FOUND)
        return await self._role_credentials(found, delivery)

    async def _role_credentials(
        self, item: RoleCredentials, delivery: Delivery
    ) -> Reply:
        role = item.role_name
        credentials: Credentials | None = self.credentials.cached(role, delivery)
        try:
            if credentials is None:
                credentials = await asyncio.to_thread(
                    self.credentials.get, role, delivery
                )
        except RoleUnavailableError as error:
            # Observed: HTTP 200 with a JSON Code/Message and no keys.
            return ok(role_error_json(role, error.code, self._clock()))
        return ok(credentials_json(credentials, account_id=item.account_id))


def _is_token_path(path: str) -> bool:
    return path.rstrip("/").endswith("/api/token")


def _method_not_allowed() -> Reply:
    return error_page(
        405,
        Why.METHOD_NOT_ALLOWED,
        extra_headers=(("Allow", ", ".join(ALLOWED_METHODS)),),
    )
