"""One invocation of the function in its own process, as the load section starts them:
`python -m bench.invoke READY_FD TIMEOUT`, run by the shipped venv's interpreter.

Importing `app` is the cold start. Then it writes one byte to READY_FD (the load section waits
until every process is ready, so that all requests start together), reads the event from stdin,
and calls `app.lambda_handler` with a context whose remaining time counts down from TIMEOUT
seconds, as Lambda's does. Only loopback can be reached.
"""

from __future__ import annotations

import json
import os
import sys

import app
from bench.network import NetworkGuard
from localcloud.cloudformation import LambdaContext


def main(ready_fd: int, timeout: float) -> None:
    """Signal ready, wait for the event, invoke the handler once."""
    NetworkGuard().install()
    os.write(ready_fd, b"r")
    os.close(ready_fd)
    event = json.load(sys.stdin)
    app.lambda_handler(event, LambdaContext(timeout))


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]))
