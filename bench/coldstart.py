"""Cold start in the environment that ships: `import app` against a bare `import boto3;
boto3.client('personalize')`, each in a fresh interpreter of the shipped venv, interleaved."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

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
    """The handler's and the bare client's samples, and what the imports tried to reach.
    `compiled`: the handler again, its own modules compiled at each start, as on Lambda, whose
    read-only task root keeps Python from caching their bytecode."""

    app: Samples
    bare: Samples
    compiled: Samples
    connections: int
    artifact: str

    @property
    def ratio(self) -> float:
        """Median time to ready of `import app` over the bare client's."""
        return statistics.median(self.app.ready) / statistics.median(self.bare.ready)

    @property
    def compiled_ratio(self) -> float:
        """Median time to ready of `import app` compiled at each start over the bare client's."""
        return statistics.median(self.compiled.ready) / statistics.median(self.bare.ready)

    @property
    def process_ratio(self) -> float:
        """The same for the whole process, exit included."""
        return statistics.median(self.app.process) / statistics.median(self.bare.process)


def run(code: str, env: dict[str, str], root: Path = shipped.TASK_ROOT) -> tuple[float, float, str]:
    """Run code in a fresh shipped interpreter in a task root: when it started and when it had
    exited (monotonic seconds), and the last line it printed."""
    started = time.clock_gettime(time.CLOCK_MONOTONIC)
    result = subprocess.run(  # noqa: S603 - fixed code, the shipped venv's interpreter, no shell
        [str(shipped.python()), "-c", code],
        env=env,
        cwd=root,
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
    """One untimed warm-up of each kind, then `runs` timed rounds of the three kinds, rotating
    which goes first. The compiled kind runs from a copy of the handler's sources alone, with
    bytecode caching off."""
    env = shipped.environment(dead_port())
    connections = sum(int(run(COUNTED.format(probe=p), env)[2]) for p in (APP, BARE))
    kinds = {
        "app": (APP, env, shipped.TASK_ROOT),
        "bare": (BARE, env, shipped.TASK_ROOT),
    }
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as copy:
        for source in shipped.TASK_ROOT.glob("*.py"):
            shutil.copy2(source, copy)
        uncached = {**env, "PYTHONPATH": copy, "PYTHONDONTWRITEBYTECODE": "1"}
        kinds["compiled"] = (APP, uncached, Path(copy))
        samples = {kind: Samples([], []) for kind in kinds}
        order = list(kinds)
        for index in range(runs):
            first = index % len(order)
            for kind in order[first:] + order[:first]:
                probe, environment, root = kinds[kind]
                started, finished, ready = run(TIMED.format(probe=probe), environment, root)
                samples[kind].ready.append(float(ready) - started)
                samples[kind].process.append(finished - started)
    return ColdStart(
        samples["app"], samples["bare"], samples["compiled"], connections, artifact_size()
    )
