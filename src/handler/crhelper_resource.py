"""crhelper's CfnResource, used for what it does well (dispatching the request type to the
function registered with its decorator, taking the physical id it returns and the `Data` it sets,
and turning a raise into FAILED), with each known flaw of crhelper 2.0.12 neutralised here:

- its sender (`_send`: HTTPS only, retried forever, status never checked) is replaced: we keep what
  it would have sent, and the dispatcher answers;
- it keeps only the text of what an operation raised: the decorators keep the exception too, so
  the answer can tell a failure (and its cause) from a hand-off or a bug;
- its constructor builds lambda, events and logs clients for a poller we never use (about 35 ms of
  cold start) unless AWS_SAM_LOCAL is set: it is set while the resource is constructed;
- it sets the levels of the root logger and the SDK's loggers on every request: it is given the
  root level already in force (the one Lambda's log controls set) and logs.SDK_LOG_LEVEL;
- its logger prints the event at DEBUG and every raised failure with a traceback: it is pinned to
  CRITICAL (the event it gets holds no ResponseURL anyway), and the dispatcher logs each outcome;
- `sleep_on_delete=0`: it would sleep (billed) 120 s before answering a Delete.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from crhelper import CfnResource

from logs import SDK_LOG_LEVEL
from solution_rules.records import NamedTuple

# (event, context) -> the physical id: what crhelper's decorators take (its stubs' type).
Operation = Callable[[Any, Any], bool | str | None]

logging.getLogger("crhelper").setLevel(logging.CRITICAL)  # it logs the event at DEBUG
_CONSTRUCTING = threading.Lock()  # the environment is process-wide


class Sent(NamedTuple):
    """What crhelper would have sent CloudFormation, and what the operation raised, if anything."""

    status: str
    reason: str
    physical_id: str
    data: dict[str, str]
    raised: Exception | None


class QuietResource(CfnResource):
    """A CfnResource for one invocation: register create, update and delete with its decorators,
    call it with the event, then read `sent`."""

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
        self.sent: Sent | None = None
        self._raised: Exception | None = None

    def _keeping(self, operation: Operation) -> Operation:
        """`operation`, keeping what it raises before crhelper turns it into FAILED."""

        @functools.wraps(operation)
        def kept(event: Any, context: Any) -> bool | str | None:
            try:
                return operation(event, context)
            except Exception as error:
                self._raised = error
                raise

        return kept

    def create(self, func: Operation) -> Operation:
        """crhelper's decorator, the exception kept."""
        return super().create(self._keeping(func))

    def update(self, func: Operation) -> Operation:
        """crhelper's decorator, the exception kept."""
        return super().update(self._keeping(func))

    def delete(self, func: Operation) -> Operation:
        """crhelper's decorator, the exception kept."""
        return super().delete(self._keeping(func))

    def _send(self, status: str | None = None, reason: str = "", send_response: Any = None) -> None:
        """crhelper's one exit (its answer, its exception path and its timer all call it): keep
        the first call's answer instead of sending it."""
        if self.sent is None:
            self.sent = Sent(
                status=status or str(self.Status),
                reason=reason or str(self.Reason),
                physical_id=str(self.PhysicalResourceId),
                data={str(key): str(value) for key, value in self.Data.items()},
                raised=self._raised,
            )
