"""Cold start as Lambda's init pays it: `import app` from the build artifact (what `sam build`
packages and `sam deploy` zips), against a bare `import boto3; boto3.client('personalize')`, each
in a fresh interpreter of the shipped venv, interleaved.

Lambda's task root is read-only and the deployment zip stores every file as of 1980-01-01, so
Python there uses only the hash-based bytecode an artifact ships, and compiles every other module
it imports at each start. The artifact runs from a copy set up that way (the zip's mtimes, no
bytecode written). Two more kinds run in the same rounds, to show what that bytecode saves and
what is left: the same copy without its bytecode, and the handler's sources in the venv with
every module's bytecode cached.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import shipped
from bench.cloud import BenchError
from bench.network import dead_port

RUNS = 31  # per kind; fresh interpreters vary by about ±20% here, so well over 15
APP = "import app"
BARE = "import boto3; boto3.client('personalize')"
ARTIFACT = shipped.ROOT / ".aws-sam" / "build" / "SolutionUpdateFunction"
ZIPPED_MTIME = 315532800  # 1980-01-01 00:00 UTC: the date sam's zip gives every file
# Prints the moment the import is done on CLOCK_MONOTONIC, which is system-wide on Linux (the
# parent reads the same clock before starting the process), and the CPU time the process had used
# by then, which other work on the machine inflates far less than the wall time.
TIMED = "{probe}; import time; print(time.clock_gettime(time.CLOCK_MONOTONIC), time.process_time())"
# Untimed, after a warm-up: counts connection attempts (expected none), the .py files compiled
# (the modules without usable bytecode) and the modules loaded from the venv's site-packages
# (none for the artifact, which must hold all it imports).
COUNTED = (
    "import sys, sysconfig\n"
    "hits, compiled = [], []\n"
    "def audit(event, args):\n"
    "    if event in ('socket.connect', 'socket.getaddrinfo'):\n"
    "        hits.append(event)\n"
    "    elif event == 'compile' and str(args[1]).endswith('.py'):\n"
    "        compiled.append(args[1])\n"
    "sys.addaudithook(audit)\n"
    "{probe}\n"
    "venv = sysconfig.get_paths()['purelib']\n"
    "found = [m for m in list(sys.modules.values()) if (getattr(m, '__file__', None) or '')"
    ".startswith(venv)]\n"
    "print(len(hits), len(compiled), len(found))\n"
)


@dataclass(frozen=True)
class Kind:
    """One way of starting: what the interpreter runs, in which directory, with which
    variables, and whether it may load modules from the venv's site-packages."""

    probe: str
    root: Path
    env: dict[str, str]
    from_venv: bool = True


@dataclass(frozen=True)
class Samples:
    """Seconds per fresh interpreter: from its start until the import is done (what Lambda's
    init covers), the CPU time it used in that while, and until the process has exited
    (interpreter teardown included); and the modules it compiled on the way (those without
    bytecode it could use)."""

    ready: list[float]
    cpu: list[float]
    process: list[float]
    compiled: int


@dataclass(frozen=True)
class ColdStart:
    """The bare client's samples and the handler's, three ways: `artifact`, as Lambda's init
    runs it; `uncompiled`, the same without its bytecode; `cached`, its sources in the venv with
    every module's bytecode cached. What the imports tried to reach; the artifact's size."""

    bare: Samples
    artifact: Samples
    uncompiled: Samples
    cached: Samples
    connections: int
    size: str

    def ratio(self, kind: Samples) -> float:
        """Median time to ready of `kind` over the bare client's."""
        return median_ratio(kind.ready, self.bare.ready)


def median_ratio(samples: Sequence[float], baseline: Sequence[float]) -> float:
    """The median of `samples` over the median of `baseline`."""
    return statistics.median(samples) / statistics.median(baseline)


def run(code: str, kind: Kind) -> tuple[float, float, str]:
    """Run code in a fresh shipped interpreter the way `kind` starts: when it started and when
    it had exited (monotonic seconds), and the last line it printed."""
    started = time.clock_gettime(time.CLOCK_MONOTONIC)
    result = subprocess.run(  # noqa: S603 - fixed code, the shipped venv's interpreter, no shell
        [str(shipped.python()), "-c", code],
        env=kind.env,
        cwd=kind.root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    finished = time.clock_gettime(time.CLOCK_MONOTONIC)
    if result.returncode:
        raise BenchError(f"cold start probe failed: {result.stderr.strip()[-500:]}")
    return started, finished, result.stdout.strip().splitlines()[-1]


def artifact() -> Path:
    """The build artifact, refused unless it holds the handler's files as they are now."""
    for source in shipped.TASK_ROOT.rglob("*"):
        built = ARTIFACT / source.relative_to(shipped.TASK_ROOT)
        if (
            source.is_file()
            and "__pycache__" not in source.parts
            and (not built.is_file() or built.read_bytes() != source.read_bytes())
        ):
            raise BenchError(f"{ARTIFACT} lacks the current {source.name}: make build")
    return ARTIFACT


def artifact_size(root: Path) -> str:
    """The artifact's size, and its bytecode's share of it."""
    files = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    total = sum(p.stat().st_size for p in files)
    bytecode = sum(p.stat().st_size for p in files if p.suffix == ".pyc")
    return f"{total / 1e6:.1f} MB, bytecode {bytecode / 1e6:.1f} MB"


def as_unzipped(source: Path, target: Path, *, bytecode: bool) -> Path:
    """A copy of the artifact as Lambda's task root holds it, every file dated as sam's zip
    dates it; without its __pycache__ folders unless `bytecode`."""
    caches = None if bytecode else shutil.ignore_patterns("__pycache__")
    shutil.copytree(source, target, ignore=caches)
    for path in [target, *target.rglob("*")]:
        os.utime(path, (ZIPPED_MTIME, ZIPPED_MTIME))
    return target


def task_root(root: Path, env: dict[str, str]) -> Kind:
    """`import app` from a copy of the artifact: its own task root and import path, and no
    bytecode written (Lambda's task root is read-only)."""
    extra = {"PYTHONPATH": str(root), "LAMBDA_TASK_ROOT": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    return Kind(APP, root, {**env, **extra}, from_venv=False)


def counted(kinds: dict[str, Kind]) -> tuple[int, dict[str, int]]:
    """One untimed warm-up of each kind (it fills the venv's bytecode caches), then one counted
    start: the connection attempts of all, and the modules each compiled. Refuses an artifact
    that loads anything from the venv."""
    connections, compiled = 0, {}
    for name, kind in kinds.items():
        run(TIMED.format(probe=kind.probe), kind)
        hits, modules, found = map(int, run(COUNTED.format(probe=kind.probe), kind)[2].split())
        if found and not kind.from_venv:
            raise BenchError(f"{name}: {found} modules came from the venv, not the artifact")
        connections += hits
        compiled[name] = modules
    return connections, compiled


def measure_cold_start(runs: int = RUNS) -> ColdStart:
    """The counted starts, then `runs` timed rounds of the four kinds, rotating which goes
    first."""
    env = shipped.environment(dead_port())
    built = artifact()
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch:
        kinds = {
            "bare": Kind(BARE, shipped.TASK_ROOT, env),
            "artifact": task_root(as_unzipped(built, Path(scratch, "a"), bytecode=True), env),
            "uncompiled": task_root(as_unzipped(built, Path(scratch, "u"), bytecode=False), env),
            "cached": Kind(APP, shipped.TASK_ROOT, env),
        }
        connections, compiled = counted(kinds)
        samples = {name: Samples([], [], [], compiled[name]) for name in kinds}
        order = list(kinds)
        for index in range(runs):
            first = index % len(order)
            for name in order[first:] + order[:first]:
                started, finished, line = run(TIMED.format(probe=kinds[name].probe), kinds[name])
                done, cpu = map(float, line.split())
                samples[name].ready.append(done - started)
                samples[name].cpu.append(cpu)
                samples[name].process.append(finished - started)
    return ColdStart(
        samples["bare"],
        samples["artifact"],
        samples["uncompiled"],
        samples["cached"],
        connections,
        artifact_size(built),
    )
