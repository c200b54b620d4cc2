"""Test-wide settings: fake credentials and a region, so no test can reach a real AWS account."""

from __future__ import annotations

import os

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_REGION="us-east-1",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_EC2_METADATA_DISABLED="true",
    POWERTOOLS_LOG_LEVEL="DEBUG",
)
os.environ.pop("AWS_PROFILE", None)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print the summary lines test modules left on the config (e.g. the fault matrix's)."""
    for line in getattr(config, "summary_lines", []):
        terminalreporter.write_line(line)
