"""A stand-in for CloudFormation's response bucket: an HTTP server on loopback that records PUTs.

Each ResponseURL it hands out carries a fake presigned query (signature, credential, token), so
tests can prove none of it leaks. It can answer with chosen statuses, or hang, on demand.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any

from localcloud.loopback import QuietHandler, serve, stop

FAKE_SIGNATURE = "X-Amz-Signature=5ec12e7ab7f0c0ffeef00d"
# What must never appear in a log line or a Reason: the presigned parameters and their values.
SECRET_MARKERS = (
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "AWSAccessKeyId=",
    "5ec12e7ab7f0c0ffeef00d",
    "AKIAFAKEPRESIGNED",
    "FAKETOKENFQoGZXIvYXdzEXAMPLE",
)
# Follows X-Amz-Date, which url_for sets to the receiver's clock: the handler refuses an
# expired URL and counts CloudFormation's deadline from its signing time, as from a real one's.
PRESIGNED_QUERY = (
    "X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAFAKEPRESIGNED%2F20261122%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Expires=7200&X-Amz-SignedHeaders=host"
    "&X-Amz-Security-Token=FAKETOKENFQoGZXIvYXdzEXAMPLE"
    f"&{FAKE_SIGNATURE}"
)


@dataclass
class Received:
    """One PUT as the bucket saw it."""

    at: float
    wall: float
    path: str
    query: str
    content_type: str | None
    body: dict[str, Any]
    raw_size: int


@dataclass
class Receiver:
    """Records every PUT; `script` lists answers for the next PUTs: an HTTP status or "hang:<s>"."""

    received: list[Received] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    attempts: int = 0
    script: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    bind: tuple[str, int] = ("127.0.0.1", 0)
    stopping: threading.Event = field(default_factory=threading.Event)  # cuts hangs short
    clock: Callable[[], float] = time.time  # signs the URLs: the handler's clock, if simulated

    def __enter__(self) -> Receiver:
        receiver = self

        class Handler(QuietHandler):
            def do_PUT(self) -> None:
                raw = self.body()
                with receiver.lock:
                    receiver.attempts += 1
                    answer = receiver.script.pop(0) if receiver.script else "200"
                if answer.startswith("hang:"):
                    receiver.stopping.wait(float(answer.split(":", 1)[1]))
                    return
                status = int(answer)
                if 200 <= status < 300:
                    path, _, query = self.path.partition("?")
                    with receiver.lock:
                        receiver.received.append(
                            Received(
                                time.monotonic(),
                                time.time(),
                                path,
                                query,
                                self.headers.get("Content-Type"),
                                json.loads(raw),
                                len(raw),
                            )
                        )
                self.reply(status)

        self.server = serve(Handler, self.bind)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()  # a PUT still hanging ends now, not after its hang
        stop(self.server)

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    def url_for(self, request_id: str | None = None) -> str:
        """A fresh presigned-looking ResponseURL on this receiver."""
        key = request_id or str(uuid.uuid4())
        signed = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y%m%dT%H%M%SZ")
        url = f"http://127.0.0.1:{self.port}/response/{key}?X-Amz-Date={signed}&{PRESIGNED_QUERY}"
        self.issued.append(url)
        return url

    def leaks(self) -> list[str]:
        """Reasons received that carry a presigned parameter or a ResponseURL handed out."""
        with self.lock:
            reasons = [str(r.body.get("Reason", "")) for r in self.received]
        return [
            reason
            for reason in reasons
            if any(marker in reason for marker in SECRET_MARKERS)
            or any(url in reason for url in self.issued)
        ]

    def responses_for(self, request_id: str) -> list[Received]:
        """Every accepted PUT whose path names this request."""
        with self.lock:
            return [r for r in self.received if r.path.endswith(f"/{request_id}")]


def main() -> None:
    """Serve on a fixed port and print each response, for `sam local invoke` runs."""
    import argparse

    parser = argparse.ArgumentParser(description="CloudFormation response bucket stand-in")
    parser.add_argument("--port", type=int, default=8085)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    receiver = Receiver()
    receiver.bind = (args.host, args.port)
    with receiver:
        print(f"Response bucket on http://{args.host}:{receiver.port}/; Ctrl-C to stop")
        seen = 0
        try:
            while True:
                time.sleep(0.5)
                for response in receiver.received[seen:]:
                    print(json.dumps(response.body, indent=2))
                seen = len(receiver.received)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
