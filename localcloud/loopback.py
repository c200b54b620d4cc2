"""Start and stop a small threaded HTTP server on loopback (receiver, Lambda stand-ins), and the
request handler they share, and whether something listens at an address."""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that answers in one call and logs nothing: each stand-in's caller
    prints what matters (a timeline, a test's own assertions)."""

    def reply(
        self, status: int, payload: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> None:
        """The status, the headers, and the payload with its length."""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def body(self) -> bytes:
        """The request's body, as long as its Content-Length says (empty without one)."""
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def log_message(self, format: str, *args: Any) -> None:
        """Silent."""


def serve(handler: type[BaseHTTPRequestHandler], bind: tuple[str, int]) -> ThreadingHTTPServer:
    """Serve in a daemon thread; a short poll interval so that stopping takes milliseconds."""
    server = ThreadingHTTPServer(bind, handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def stop(server: ThreadingHTTPServer | None) -> None:
    """Stop serving and close the socket."""
    if server:
        server.shutdown()
        server.server_close()


def listening(host: str, port: int) -> bool:
    """Whether something accepts connections at host:port (a one-second try)."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
