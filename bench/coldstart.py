"""Cold start in the environment that ships: `import app` against a bare `import boto3;
boto3.client('personalize')`, each in a fresh interpreter of the shipped venv, interleaved."""

from __future__ import annotations

import statistics
import subprocess
import time
from dataclasses import dataclass

from bench import shipped
from bench.cloud import BenchError
from bench.network import dead_port

RUNS = 31  # per kind; fresh interpreters vary by about ±20% here, so well over 15
APP = "import app"
BARE = "import boto3; boto3.client('personalize')"
# Prints the moment the import is done on CLOCK_MONOTONIC, which is system-wide on Linux: the
# parent reads the same clock before starting the process.
TIMED = "{probe}; import time; print(time.clock_gettime(time.CLOCK_MONOTONIC))"
# Untimed warm-up: counts connection attempts (expected none) and fills the .pyc caches.
COUNTED = (
    "import sys\n"
    "hits = []\n"
    "sys.addaudithook(lambda e, a: hits.append(e) "
    "if e in ('socket.connect', 'socket.getaddrinfo') else None)\n"
    "{probe}\n"
    "print(len(hits))\n"
)
ARTIFACT = shipped.ROOT / ".aws-sam" / "build" / "SolutionUpdateFunction"


@dataclass(frozen=True)
class Samples:
    """Seconds per fresh interpreter: from its start until the import is done (what Lambda's
    init covers), and until the process has exited (interpreter teardown included)."""

    ready: list[float]
    process: list[float]


@dataclass(frozen=True)
class ColdStart:
    """The handler's and the bare client's samples, and what the imports tried to reach."""

    app: Samples
    bare: Samples
    connections: int
    artifact: str

    @property
    def ratio(self) -> float:
        """Median time to ready of `import app` over the bare client's."""
        return statistics.median(self.app.ready) / statistics.median(self.bare.ready)

    @property
    def process_ratio(self) -> float:
        """The same for the whole process, exit included."""
        return statistics.median(self.app.process) / statistics.median(self.bare.process)


def run(code: str, env: dict[str, str]) -> tuple[float, float, str]:
    """Run code in a fresh shipped interpreter in the task root: when it started and when it
    had exited (monotonic seconds), and the last line it printed."""
    started = time.clock_gettime(time.CLOCK_MONOTONIC)
    result = subprocess.run(  # noqa: S603 - fixed code, the shipped venv's interpreter, no shell
        [str(shipped.python()), "-c", code],
        env=env,
        cwd=shipped.TASK_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    finished = time.clock_gettime(time.CLOCK_MONOTONIC)
    if result.returncode:
        raise BenchError(f"cold start probe failed: {result.stderr.strip()[-500:]}")
    return started, finished, result.stdout.split()[-1]


def artifact_size() -> str:
    """The size of the sam build artifact, or how to get one."""
    if not ARTIFACT.is_dir():
        return "run make build first"
    total = sum(p.stat().st_size for p in ARTIFACT.rglob("*") if p.is_file() and not p.is_symlink())
    return f"{total / 1e6:.1f} MB"


def measure_cold_start(runs: int = RUNS) -> ColdStart:
    """One untimed warm-up of each kind, then `runs` timed pairs, alternating which goes first."""
    env = shipped.environment(dead_port())
    connections = sum(int(run(COUNTED.format(probe=p), env)[2]) for p in (APP, BARE))
    samples: dict[str, Samples] = {p: Samples([], []) for p in (APP, BARE)}
    for index in range(runs):
        for probe in (APP, BARE) if index % 2 == 0 else (BARE, APP):
            started, finished, ready = run(TIMED.format(probe=probe), env)
            samples[probe].ready.append(float(ready) - started)
            samples[probe].process.append(finished - started)
    return ColdStart(samples[APP], samples[BARE], connections, artifact_size())
