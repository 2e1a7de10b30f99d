"""HTTP/1.1 transport of the metadata service (asyncio streams and h11).

Everything a client sends is bounded: the size of a request head, the size of a
body, the time a whole request may take to arrive (slow clients are cut off),
and the number of simultaneous connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import threading
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus

import h11

from gatehouse.imds.hoplimit import PacketTtl
from gatehouse.imds.options import Toggle
from gatehouse.imds.replies import Reply
from gatehouse.imds.service import MetadataRequest, MetadataService

logger = logging.getLogger(__name__)

SERVER_HEADER = "EC2ws"


@dataclass(frozen=True)
class ServerLimits:
    max_connections: int = 128
    max_header_bytes: int = 8192
    max_body_bytes: int = 1024
    request_timeout: float = 10.0  # a whole request, and keep-alive idle time
    ack_timeout: float = 2.0  # for the token bytes before the TTL goes back up
    no_answer_hold: float = 60.0  # how long a simulated silent PUT keeps its socket


class _MalformedRequestError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        super().__init__(detail)


class MetadataServer:
    """Serves one MetadataService on one or more addresses."""

    def __init__(
        self, service: MetadataService, limits: ServerLimits | None = None
    ) -> None:
        self.service = service
        self.limits = limits or ServerLimits()
        self.addresses: list[tuple[str, int]] = []
        self._servers: list[asyncio.Server] = []
        self._connections: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        server = await asyncio.start_server(
            self._accept, host, port, reuse_address=True
        )
        self._servers.append(server)
        bound = server.sockets[0].getsockname()
        address = (str(bound[0]), int(bound[1]))
        self.addresses.append(address)
        logger.info(
            "metadata service for %s listening on %s:%s",
            self.service.instance.instance_id,
            *address,
        )
        return address

    async def stop(self) -> None:
        self._stopping.set()
        for server in self._servers:
            server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()

    async def _accept(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._connections) >= self.limits.max_connections:
            logger.warning(
                "connection limit %s reached; closing a new connection",
                self.limits.max_connections,
            )
            writer.transport.abort()
            return
        if self._ipv6_refused(writer):
            writer.transport.abort()
            return
        self._connections.add(task)
        try:
            await _Connection(self, reader, writer).serve()
        except (ConnectionError, asyncio.IncompleteReadError) as error:
            logger.debug("connection ended: %s", error)
        except asyncio.CancelledError:
            # Only stop() cancels connections; end quietly instead of letting the
            # streams callback report the cancellation as an error.
            logger.debug("connection closed by shutdown")
        finally:
            self._connections.discard(task)
            writer.close()

    def _ipv6_refused(self, writer: asyncio.StreamWriter) -> bool:
        """IPv6 requests get no HTTP at all unless HttpProtocolIpv6 is enabled."""
        local = writer.get_extra_info("sockname")
        if not local:
            return False
        address = ipaddress.ip_address(str(local[0]).split("%")[0])
        if address.version != 6 or address.ipv4_mapped is not None:
            return False
        return self.service.options.get().http_protocol_ipv6 is not Toggle.ENABLED


class _Connection:
    def __init__(
        self,
        server: MetadataServer,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.service = server.service
        self.limits = server.limits
        self.stopping = server._stopping
        self.reader = reader
        self.writer = writer
        self.http = h11.Connection(
            h11.SERVER, max_incomplete_event_size=self.limits.max_header_bytes
        )
        sock: socket.socket = writer.get_extra_info("socket")
        self.ttl = PacketTtl(sock)

    async def serve(self) -> None:
        while True:
            try:
                request = await self._receive()
            except _MalformedRequestError as error:
                logger.debug("malformed request: %s", error)
                await self._send_raw_error(error.status)
                return
            except TimeoutError:
                logger.debug(
                    "request not complete within %ss; closing",
                    self.limits.request_timeout,
                )
                return
            if request is None:
                return

            reply = await self.service.answer(request)
            logger.debug(
                "%s %s -> %s (%s)",
                request.method,
                request.path,
                reply.status or "no answer",
                reply.why.value,
            )
            if reply.no_answer:
                await self._hold()
                return
            if not await self._send(request, reply):
                return
            if reply.close or self.http.our_state is h11.MUST_CLOSE:
                return
            try:
                self.http.start_next_cycle()
            except h11.LocalProtocolError:
                return

    async def _receive(self) -> MetadataRequest | None:
        deadline = asyncio.get_running_loop().time() + self.limits.request_timeout
        event = await self._next_event(deadline)
        if not isinstance(event, h11.Request):
            return None
        if event.http_version not in (b"1.0", b"1.1"):
            raise _MalformedRequestError(505, f"HTTP/{event.http_version!r}")
        request = MetadataRequest(
            method=event.method.decode("ascii", "replace"),
            path=event.target.decode("latin-1").split("?", 1)[0],
            headers={
                name.decode("latin-1"): value.decode("latin-1")
                for name, value in reversed(event.headers)
            },
        )
        if self.http.they_are_waiting_for_100_continue:
            return request  # answered with 417 and closed, body unread

        received = 0
        while True:
            event = await self._next_event(deadline)
            if isinstance(event, h11.Data):
                received += len(event.data)
                if received > self.limits.max_body_bytes:
                    raise _MalformedRequestError(
                        413, f"body larger than {self.limits.max_body_bytes} bytes"
                    )
            elif isinstance(event, h11.EndOfMessage):
                return request
            else:
                return None

    async def _next_event(self, deadline: float) -> object:
        loop = asyncio.get_running_loop()
        while True:
            try:
                event = self.http.next_event()
            except h11.RemoteProtocolError as error:
                raise _MalformedRequestError(
                    error.error_status_hint, str(error)
                ) from None
            if event is not h11.NEED_DATA:
                return event
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            data = await asyncio.wait_for(self.reader.read(16384), remaining)
            self.http.receive_data(data)

    async def _send(self, request: MetadataRequest, reply: Reply) -> bool:
        if reply.hop_limited:
            self.ttl.set(self.service.options.get().hop_limit)
        else:
            restored = await self.ttl.restore_when_acknowledged(
                self.writer.transport.get_write_buffer_size, self.limits.ack_timeout
            )
            if not restored:
                logger.debug(
                    "token response never acknowledged; closing the connection"
                )
                return False

        headers = [
            ("Content-Type", reply.content_type),
            ("Content-Length", str(len(reply.body))),
            ("Date", formatdate(usegmt=True)),
            ("Server", SERVER_HEADER),
            *reply.extra_headers,
        ]
        if reply.close:
            headers.append(("Connection", "close"))
        phrase = HTTPStatus(reply.status).phrase.encode()
        data = self.http.send(
            h11.Response(status_code=reply.status, headers=headers, reason=phrase)
        )
        if request.method != "HEAD" and reply.body:
            data += self.http.send(h11.Data(data=reply.body)) or b""
        data += self.http.send(h11.EndOfMessage()) or b""
        self.writer.write(data or b"")
        await self.writer.drain()
        return True

    async def _send_raw_error(self, status: int) -> None:
        phrase = HTTPStatus(status).phrase
        head = (
            f"HTTP/1.1 {status} {phrase}\r\nContent-Type: text/plain\r\n"
            f"Content-Length: 0\r\nDate: {formatdate(usegmt=True)}\r\n"
            f"Server: {SERVER_HEADER}\r\nConnection: close\r\n\r\n"
        )
        with contextlib.suppress(ConnectionError):
            self.writer.write(head.encode())
            await self.writer.drain()

    async def _hold(self) -> None:
        """A token PUT that never answers: wait for the client to give up."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.limits.no_answer_hold):
                while not self.stopping.is_set():
                    if not await self.reader.read(1024):
                        return


class ServiceThread:
    """Runs a metadata server on its own event loop in a background thread.

    For synchronous callers (tests, the lab's non-async code):

        with ServiceThread(service) as (host, port):
            ...
    """

    def __init__(
        self,
        service: MetadataService,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        limits: ServerLimits | None = None,
    ) -> None:
        self.service = service
        self.host = host
        self.port = port
        self.limits = limits
        self.address: tuple[str, int] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: MetadataServer | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="imds", daemon=True)

    def start(self) -> tuple[str, int]:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        assert self.address is not None
        return self.address

    def stop(self) -> None:
        if self._loop is None or self._server is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._server.stop(), self._loop)
        future.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> tuple[str, int]:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._server = MetadataServer(self.service, self.limits)
            self.address = loop.run_until_complete(
                self._server.start(self.host, self.port)
            )
        except BaseException as error:
            self._error = error
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()
