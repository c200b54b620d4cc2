"""The one structured JSON logger every module shares (Powertools Logger).

The event is never logged (it carries the presigned ResponseURL); keys for the stack, request and
logical id are appended per invocation by app.lambda_handler.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger

SERVICE_NAME = "personalize-solution-update"

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE_NAME))
