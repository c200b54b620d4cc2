"""Start and stop a small threaded HTTP server on loopback (receiver, Lambda stand-in)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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
