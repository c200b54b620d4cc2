"""The environment the function ships in: a venv holding src/handler/requirements.txt alone (what
`sam build` packages), and the variables Lambda and the template set, with every AWS endpoint on
loopback. The cold start and the load sections start their processes from here."""

from __future__ import annotations

from pathlib import Path

from bench.cloud import BenchError
from bench.network import FAKE_AWS, LOOPBACK

ROOT = Path(__file__).resolve().parent.parent
TASK_ROOT = ROOT / "src" / "handler"  # Lambda's LAMBDA_TASK_ROOT and working directory
REQUIREMENTS = TASK_ROOT / "requirements.txt"
VENV = ROOT / ".bench" / "venv"
STAMP = VENV / ".installed"  # touched by `make bench-venv` once the install finished
FUNCTION_TIMEOUT = 900  # seconds (template.yaml)
# template.yaml's Environment with its default parameters, and what Lambda sets itself.
FUNCTION_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "personalize-solution-update",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "RESPONSE_URL_ALLOWED_HOSTS": "",
    "AWS_LAMBDA_FUNCTION_NAME": "psu-bench",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "LAMBDA_TASK_ROOT": str(TASK_ROOT),
    "TZ": ":UTC",
    "LANG": "en_US.UTF-8",
}


def python() -> Path:
    """The shipped venv's interpreter; refuses a venv older than requirements.txt (make's rule)."""
    interpreter = VENV / "bin" / "python"
    if not STAMP.exists() or STAMP.stat().st_mtime < REQUIREMENTS.stat().st_mtime:
        raise BenchError(f"{VENV} is missing or older than {REQUIREMENTS.name}: make bench-venv")
    return interpreter


def environment(endpoint_port: int, **extra: str) -> dict[str, str]:
    """The function's environment, nothing inherited: fake credentials, a region, and
    AWS_ENDPOINT_URL on a loopback port, so any call without its own endpoint stays here."""
    return {
        **FAKE_AWS,
        **FUNCTION_ENVIRONMENT,
        "AWS_ENDPOINT_URL": f"http://{LOOPBACK}:{endpoint_port}",
        "PYTHONPATH": str(TASK_ROOT),
        **extra,
    }
