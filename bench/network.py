"""Loopback only: fake AWS credentials for the bench process, and an audit hook that refuses to
contact any host but 127.0.0.1 (the bench and every function process it starts install it)."""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass, field
from typing import Any

from localcloud.loopback import listening

LOOPBACK = "127.0.0.1"
# A region and credentials that sign requests but open nothing; no profile, no metadata service.
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


@dataclass
class NetworkGuard:
    """An audit hook that counts connections and refuses any that is not to loopback."""

    connects: int = 0
    refused: list[str] = field(default_factory=list)

    def install(self) -> None:
        """Install the hook for the rest of the process (audit hooks cannot be removed)."""
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        """Check the host of every connect and name lookup; raise before a packet leaves."""
        if event == "socket.connect":
            address = args[1]
            host = address[0] if isinstance(address, tuple) else str(address)
            self.connects += 1
        elif event == "socket.getaddrinfo":
            raw = args[0]
            if raw is None:
                return
            host = raw.decode() if isinstance(raw, bytes) else str(raw)
        else:
            return
        if host != LOOPBACK:
            self.refused.append(host)
            raise PermissionError(f"bench: refusing to contact {host}; loopback only")


def configure() -> NetworkGuard:
    """Fake credentials and a region before any client exists, and the loopback guard
    installed: what the bench process does first."""
    os.environ.update(FAKE_AWS)
    os.environ.pop("AWS_PROFILE", None)
    guard = NetworkGuard()
    guard.install()
    return guard


def refuses(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:port (any more)."""
    return not listening(LOOPBACK, port)


def dead_port() -> int:
    """A loopback port nothing listens on: an endpoint where any stray call fails at once."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
    return port
