"""The IP TTL of one connection's packets: how IMDS enforces the hop limit.

EC2 sends the response to `PUT /latest/api/token` in IP packets whose TTL is
HttpPutResponseHopLimit (default 1). Each router on the way decrements it, so a
client more hops away than the limit never receives a token (EC2 User Guide,
"How Instance Metadata Service Version 2 works").

TCP may retransmit the token bytes later, and Linux stamps each transmission
with the socket's TTL at that moment. The TTL therefore goes back to the default
only once every byte sent under the hop limit has been acknowledged; a client
that never acknowledged them is out of reach and its connection is closed.
"""

from __future__ import annotations

import asyncio
import fcntl
import socket
import struct
import termios
import time
from collections.abc import Callable

_POLL_SECONDS = 0.005


class PacketTtl:
    """Sets the TTL (IPv4) or unicast hop limit (IPv6) of a TCP socket."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._ipv6 = sock.family == socket.AF_INET6
        self.default = self._read()
        self.current = self.default

    def _read(self) -> int:
        if self._ipv6:
            value = self._sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS)
        else:
            value = self._sock.getsockopt(socket.IPPROTO_IP, socket.IP_TTL)
        return value if value > 0 else 64

    def set(self, ttl: int) -> None:
        if ttl == self.current:
            return
        if self._ipv6:
            self._sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
            # IPv4-mapped peers on a dual-stack socket use the IPv4 setting.
            self._sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
        else:
            self._sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
        self.current = ttl

    def unacknowledged_bytes(self) -> int:
        """Bytes in the kernel send queue: not yet sent, or sent and not acked."""
        raw = fcntl.ioctl(self._sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
        return int(struct.unpack("i", raw)[0])

    async def restore_when_acknowledged(
        self, pending: Callable[[], int], timeout: float
    ) -> bool:
        """Back to the default TTL once everything sent so far is acknowledged.

        `pending` reports bytes still buffered in user space. Returns False when
        the peer has not acknowledged within `timeout` seconds.
        """
        if self.current == self.default:
            return True
        deadline = time.monotonic() + timeout
        while pending() or self.unacknowledged_bytes():
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(_POLL_SECONDS)
        self.set(self.default)
        return True
