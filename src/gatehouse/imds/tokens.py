"""IMDSv2 session tokens: opaque, bound to one instance's service, with a TTL.

A token is a random nonce and an expiry, authenticated with a key that only this
service holds and that covers the instance id, so a token from any other
instance's service fails the check (AWS: "rejected if used outside the instance
that issued it").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
import time
from collections.abc import Callable
from enum import Enum

from gatehouse.imds.errors import ImdsError

# PUT /latest/api/token: X-aws-ec2-metadata-token-ttl-seconds from 1 to 21600
# (six hours); anything else is 400 "Missing or Invalid Parameters".
MIN_TOKEN_TTL = 1
MAX_TOKEN_TTL = 21600

_VERSION = 1
_PAYLOAD = struct.Struct(">BQ16s")  # version, expiry in ms (monotonic), nonce
_MAC_BYTES = 17  # 25 + 17 bytes: 56 base64 characters, as long as AWS tokens
_TOKEN_CHARS = (_PAYLOAD.size + _MAC_BYTES) // 3 * 4


class InvalidTokenTtlError(ImdsError):
    """The TTL header is missing or not an integer from 1 to 21600."""

    def __init__(self, raw: str | None) -> None:
        self.raw = raw
        shown = "missing" if raw is None else repr(raw[:32])
        super().__init__(
            f"X-aws-ec2-metadata-token-ttl-seconds is {shown}; "
            f"expected an integer from {MIN_TOKEN_TTL} to {MAX_TOKEN_TTL}"
        )


class TokenCheck(Enum):
    VALID = "valid"
    INVALID = "invalid"
    EXPIRED = "expired"


def parse_ttl(raw: str | None) -> int:
    """The token TTL in seconds from the request header, or InvalidTokenTtlError."""
    if raw is None:
        raise InvalidTokenTtlError(raw)
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_TOKEN_TTL)):
        raise InvalidTokenTtlError(raw)
    ttl = int(text)
    if not MIN_TOKEN_TTL <= ttl <= MAX_TOKEN_TTL:
        raise InvalidTokenTtlError(raw)
    return ttl


class TokenIssuer:
    """Issues and checks the tokens of one instance's metadata service."""

    def __init__(
        self, instance_id: str, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._instance = instance_id.encode()
        self._key = secrets.token_bytes(32)
        self._clock = clock

    def issue(self, ttl_seconds: int) -> str:
        expires_ms = int((self._clock() + ttl_seconds) * 1000)
        payload = _PAYLOAD.pack(_VERSION, expires_ms, secrets.token_bytes(16))
        return base64.urlsafe_b64encode(payload + self._mac(payload)).decode("ascii")

    def check(self, token: str) -> TokenCheck:
        if len(token) != _TOKEN_CHARS:
            return TokenCheck.INVALID
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            return TokenCheck.INVALID
        payload, mac = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
        if len(payload) != _PAYLOAD.size or not hmac.compare_digest(
            mac, self._mac(payload)
        ):
            return TokenCheck.INVALID
        version, expires_ms, _ = _PAYLOAD.unpack(payload)
        if version != _VERSION:
            return TokenCheck.INVALID
        if self._clock() * 1000 >= expires_ms:
            return TokenCheck.EXPIRED
        return TokenCheck.VALID

    def _mac(self, payload: bytes) -> bytes:
        digest = hmac.new(self._key, self._instance + b"\0" + payload, hashlib.sha256)
        return digest.digest()[:_MAC_BYTES]
