"""crhelper runs each request's operation, in the shape it documents: the function registered for
the request type returns the physical id (and fills `Data`), and raising means FAILED.

This is the one module that touches crhelper's internals, each time for a known flaw of 2.0.12:
- its sender (`_send`: HTTPS only, retried forever, status never checked) is replaced: we keep what
  it would have sent, and the dispatcher answers;
- its constructor builds lambda, events and logs clients for a poller we never use (about 35 ms of
  cold start) unless AWS_SAM_LOCAL is set: it is set while the runner is constructed;
- it sets the levels of the root logger and the SDK's loggers on every request: it is given the
  root level already in force (the one Lambda's log controls set) and logs.SDK_LOG_LEVEL;
- its logger prints the event at DEBUG (the presigned ResponseURL) and every raised failure with a
  traceback: it is pinned to CRITICAL, and the dispatcher logs each outcome once;
- `sleep_on_delete=0`: it would sleep (billed) 120 s before answering a Delete.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from crhelper import CfnResource

from logs import SDK_LOG_LEVEL

Operation = Callable[[], tuple[str, Mapping[str, str]]]

logging.getLogger("crhelper").setLevel(logging.CRITICAL)  # it logs the event (and URL) at DEBUG
_CONSTRUCTING = threading.Lock()  # the environment is process-wide


class Sent(NamedTuple):
    """What crhelper would have sent CloudFormation."""

    status: str
    reason: str
    physical_id: str
    data: dict[str, str]


class _Runner(CfnResource):
    """A CfnResource for one invocation, whose sender only records the first answer."""

    def __init__(self) -> None:
        with _CONSTRUCTING:
            before = os.environ.get("AWS_SAM_LOCAL")
            os.environ["AWS_SAM_LOCAL"] = before or "true"  # no poller clients
            try:
                level = logging.getLevelName(logging.getLogger().level)
                super().__init__(log_level=level, boto_level=SDK_LOG_LEVEL, sleep_on_delete=0)
            finally:
                if before is None:
                    del os.environ["AWS_SAM_LOCAL"]
        self.sent: list[Sent] = []

    def _send(self, status: str | None = None, reason: str = "", send_response: Any = None) -> None:
        """crhelper's one exit (its answer, its exception path and its timer all call it): keep
        the first call's answer instead of sending it."""
        if not self.sent:
            self.sent.append(
                Sent(
                    status=status or str(self.Status),
                    reason=reason or str(self.Reason),
                    physical_id=str(self.PhysicalResourceId or ""),
                    data={str(key): str(value) for key, value in self.Data.items()},
                )
            )


def run(envelope: Mapping[str, str], context: Any, operation: Operation) -> Sent:
    """Let crhelper dispatch `envelope` (RequestType, StackId, RequestId, LogicalResourceId, an
    empty ResponseURL, and the PhysicalResourceId to answer with if the operation raises) to
    `operation`; return what it would have sent. Every path of crhelper 2.0.12 ends in `_send`."""
    runner = _Runner()

    def registered(event: Any, lambda_context: Any) -> str:
        """The function crhelper calls for every request type: the operation, its Data set."""
        physical_id, data = operation()
        runner.Data.update(data)
        return physical_id

    runner.create(registered)
    runner.update(registered)
    runner.delete(registered)
    runner(dict(envelope), context)
    sent = runner.sent[0]  # crhelper's own failure paths may leave the id empty: never answer so
    return sent if sent.physical_id else sent._replace(physical_id=envelope["PhysicalResourceId"])
