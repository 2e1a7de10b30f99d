"""HTTP answers of the metadata service, as data, with AWS's bodies and headers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from http import HTTPStatus

TEXT = "text/plain"
HTML = "text/html"

# The error page AWS serves for 400/401/404/405 (observed in public issue
# threads for 404; the same template for the other codes is assumed).
_ERROR_PAGE = """<?xml version="1.0" encoding="iso-8859-1"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title>{status} - {phrase}</title>
 </head>
 <body>
  <h1>{status} - {phrase}</h1>
 </body>
</html>
"""


class Why(Enum):
    """Why a request got the answer it got; tests and logs read this, not text."""

    OK = "ok"
    TOKEN_ISSUED = "token issued"
    ENDPOINT_DISABLED = "HttpEndpoint is disabled"
    METHOD_NOT_ALLOWED = "method not allowed"
    BAD_TTL = "missing or invalid token TTL"
    FORWARDED = "token PUT carried X-Forwarded-For"
    VERSIONED_TOKEN_PATH = "token PUT to a path other than /latest/api/token"
    TOKEN_REQUIRED = "no token and HttpTokens is required"
    TOKEN_INVALID = "invalid token"
    TOKEN_EXPIRED = "expired token"
    NOT_FOUND = "no such metadata item"
    NOT_MODELLED = "not modelled by Gatehouse"
    EXPECT = "Expect: 100-continue is not supported"
    MALFORMED = "malformed request"
    SIMULATED = "simulated token endpoint fault"


@dataclass(frozen=True)
class Reply:
    status: int
    why: Why
    body: bytes = b""
    content_type: str = TEXT
    extra_headers: tuple[tuple[str, str], ...] = ()
    close: bool = False
    hop_limited: bool = False  # sent with IP TTL = HttpPutResponseHopLimit
    no_answer: bool = False  # simulate a PUT that never answers


def ok(body: bytes, why: Why = Why.OK) -> Reply:
    return Reply(200, why, body)


def error_page(status: int, why: Why, **kwargs: object) -> Reply:
    phrase = HTTPStatus(status).phrase
    body = _ERROR_PAGE.format(status=status, phrase=phrase).encode("iso-8859-1")
    return Reply(status, why, body, HTML, **kwargs)  # type: ignore[arg-type]


def empty(status: int, why: Why, *, close: bool = False) -> Reply:
    """AWS's bare form: no body, text/plain (observed on 403)."""
    return Reply(status, why, b"", TEXT, close=close)


def not_modelled(note: str) -> Reply:
    return Reply(404, Why.NOT_MODELLED, note.encode(), TEXT)
