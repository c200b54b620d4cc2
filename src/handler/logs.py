"""The one structured JSON logger every module shares (Powertools Logger).

The event is never logged (it carries the presigned ResponseURL); keys for the stack, request and
logical id are appended per request by the dispatcher, and Lambda's context keys by app.build.
"""

from __future__ import annotations

import logging
import os
import sys

from aws_lambda_powertools import Logger

SERVICE_NAME = "personalize-solution-update"


# Lambda's log-level filtering reads each JSON line's "level" and files one it does not know
# under INFO: Python's WARNING and CRITICAL would be dropped when LogLevel is WARN or ERROR.
LAMBDA_LEVEL_NAMES = {"WARNING": "WARN", "CRITICAL": "FATAL"}


class CurrentStdout(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to sys.stdout as it is now, not as it was at import (a captured stream may close),
    with the level names Lambda's log-level filtering knows."""

    def emit(self, record: logging.LogRecord) -> None:
        """Emit to the current sys.stdout, renaming the level for Lambda."""
        self.stream = sys.stdout
        name = LAMBDA_LEVEL_NAMES.get(record.levelname)
        if name:
            record = logging.makeLogRecord({**record.__dict__, "levelname": name})
        super().emit(record)


# At DEBUG, botocore logs each request's headers, the role's session token and signature among
# them; Lambda's log level can be DEBUG, so the SDK's loggers never go below WARNING.
SDK_LOG_LEVEL = "WARNING"
for _name in ("boto3", "botocore", "s3transfer", "urllib3"):
    logging.getLogger(_name).setLevel(SDK_LOG_LEVEL)

logger = Logger(
    service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE_NAME), logger_handler=CurrentStdout()
)
