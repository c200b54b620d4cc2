"""Test-wide settings and guards: fake credentials and a region (no test can reach a real AWS
account), and a guard that fails any test whose logs or output carry a presigned ResponseURL."""

from __future__ import annotations

import os

import pytest

from localcloud.emulator import READINGS
from localcloud.receiver import SECRET_MARKERS

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_REGION="us-east-1",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_EC2_METADATA_DISABLED="true",
    # Any client without its own stand-in goes to a dead loopback port, never to AWS.
    AWS_ENDPOINT_URL="http://127.0.0.1:9",
    POWERTOOLS_LOG_LEVEL="DEBUG",
)
os.environ.pop("AWS_PROFILE", None)


def pytest_addoption(parser: pytest.Parser) -> None:
    """--emulator-reading: the reading of Personalize's docs the emulator plays in every test
    that does not choose its own (make test-readings runs the fault matrix once per reading)."""
    parser.addoption(
        "--emulator-reading",
        choices=list(READINGS),
        default="documented-default",
        help="the emulator's reading of what the docs leave open (default: %(default)s)",
    )


def pytest_report_header(config: pytest.Config) -> str:
    """Say which reading the emulator plays, so a run's log shows it."""
    return f"emulator reading: {config.getoption('--emulator-reading')}"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print the summary lines test modules left on the config (e.g. the fault matrix's)."""
    for line in getattr(config, "summary_lines", []):
        terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def no_presigned_url_in_logs(caplog, capsys):
    """Fail the test if any captured log record or output carries a presigned parameter."""
    yield
    captured = capsys.readouterr()
    text = "\n".join([caplog.text, captured.out, captured.err])
    leaked = [marker for marker in SECRET_MARKERS if marker in text]
    assert not leaked, f"presigned URL material in logs or output: {leaked}"
