"""The one structured JSON logger every module shares (Powertools Logger).

The event is never logged (it carries the presigned ResponseURL); keys for the stack, request and
logical id are appended per invocation by app.lambda_handler.
"""

from __future__ import annotations

import logging
import os
import sys

from aws_lambda_powertools import Logger

SERVICE_NAME = "personalize-solution-update"


class CurrentStdout(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to sys.stdout as it is now, not as it was at import (a captured stream may close)."""

    def emit(self, record: logging.LogRecord) -> None:
        """Emit to the current sys.stdout."""
        self.stream = sys.stdout
        super().emit(record)


logger = Logger(
    service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE_NAME), logger_handler=CurrentStdout()
)
