"""The environment the function ships in: a venv holding src/handler/requirements.txt alone (what
`sam build` packages), and the variables Lambda and the template set, with every AWS endpoint on
loopback. The cold start and the load sections start their processes from here."""

from __future__ import annotations

from pathlib import Path

from bench.cloud import BenchError
from bench.network import FAKE_AWS, LOOPBACK
from localcloud.function_config import FunctionConfig, lambda_environment

ROOT = Path(__file__).resolve().parent.parent
TASK_ROOT = ROOT / "src" / "handler"  # Lambda's LAMBDA_TASK_ROOT and working directory
REQUIREMENTS = TASK_ROOT / "requirements.txt"
VENV = ROOT / ".bench" / "venv"
STAMP = VENV / ".installed"  # touched by `make bench-venv` once the install finished
# The function as template.yaml configures it (timeout, environment, log controls), read from the
# template as the local runtime reads it, so the bench runs in the environment that ships.
FUNCTION = FunctionConfig.from_template()
FUNCTION_TIMEOUT = FUNCTION.timeout


def python() -> Path:
    """The shipped venv's interpreter; refuses a venv older than requirements.txt (make's rule)."""
    interpreter = VENV / "bin" / "python"
    if not STAMP.exists() or STAMP.stat().st_mtime < REQUIREMENTS.stat().st_mtime:
        raise BenchError(f"{VENV} is missing or older than {REQUIREMENTS.name}: make bench-venv")
    return interpreter


def environment(endpoint_port: int, **extra: str) -> dict[str, str]:
    """The function's environment as Lambda sets it, nothing else inherited: fake credentials, a
    region, and AWS_ENDPOINT_URL (and the Runtime API nothing here uses) on a loopback port, so any
    call without its own endpoint stays here."""
    dead_end = f"{LOOPBACK}:{endpoint_port}"
    return {
        **lambda_environment(FUNCTION, TASK_ROOT),
        "AWS_LAMBDA_RUNTIME_API": dead_end,
        **FAKE_AWS,
        "AWS_ENDPOINT_URL": f"http://{LOOPBACK}:{endpoint_port}",
        "PYTHONPATH": str(TASK_ROOT),
        **extra,
    }
