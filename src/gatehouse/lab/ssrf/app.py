"""A deliberately vulnerable web app "on the instance", for the SSRF lab.

`GET /fetch?url=U` fetches U with GET and no headers of the caller's choosing
and returns the answer, as most server-side request forgery bugs do.
`GET /proxy?url=U&method=M&header=Name:Value` is the worse bug: the attacker
also chooses the method and headers.

It is fenced: it binds to 127.0.0.1, follows no redirects, and fetches only
the lab addresses it was given (the instance's metadata service and the lab
endpoint); anything else is refused with 403 and a sentence saying why.
"""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)

_TIMEOUT = 10.0
_MAX_BODY = 1024 * 1024


class VulnerableApp:
    """The app's server in a background thread; `url` is where it listens."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.allowed = frozenset(_origin(url) for url in allowed)
        app = self

        class Handler(_Handler):
            owner = app

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="ssrf-app", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> VulnerableApp:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _origin(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return (parts.hostname or "", parts.port or 80)


class _Handler(BaseHTTPRequestHandler):
    owner: VulnerableApp
    server_version = "VulnerableApp/1.0"

    def do_GET(self) -> None:
        route = urlsplit(self.path)
        query = parse_qs(route.query)
        target = (query.get("url") or [""])[0]
        if route.path == "/fetch":
            self._forward(target, "GET", {})
        elif route.path == "/proxy":
            method = (query.get("method") or ["GET"])[0].upper()
            headers = dict(h.split(":", 1) for h in query.get("header", []) if ":" in h)
            self._forward(
                target, method, {k.strip(): v.strip() for k, v in headers.items()}
            )
        else:
            self._answer(404, "not found: try /fetch?url=... or /proxy?url=...\n")

    def _forward(self, target: str, method: str, headers: dict[str, str]) -> None:
        parts = urlsplit(target)
        if parts.scheme != "http" or _origin(target) not in self.owner.allowed:
            self._answer(
                403,
                f"refused: {target or '(no url)'} is not a lab address; this app "
                "fetches only the instance's metadata service and the lab endpoint\n",
            )
            return
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        connection = http.client.HTTPConnection(
            parts.hostname or "", parts.port or 80, timeout=_TIMEOUT
        )
        try:
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            body = response.read(_MAX_BODY)
            self._answer(response.status, body.decode("utf-8", "replace"))
        except OSError as error:
            self._answer(502, f"the fetch failed: {error}\n")
        finally:
            connection.close()

    def _answer(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("vulnerable app: " + format, *args)
