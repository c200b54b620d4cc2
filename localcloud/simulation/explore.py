"""Generate histories with Hypothesis, play each, check every promise; on a violation, shrink to a
minimal history and keep it as a file that `replay` plays again. Histories are shared out among
worker processes, each generating from its own seed derived from the run's, so a seed names the
same histories however fast the machine is.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import time
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

from localcloud.simulation.history import History, dumps, histories, loads
from localcloud.simulation.promises import PROMISES, Violation, check
from localcloud.simulation.world import environment, play

WORKERS = 2  # the machine's cores: histories are independent


@dataclass
class Report:
    """What a run did: histories played, promises checked, the violations of the minimal failing
    history (if any) and that history, the digest of every history played, the wall time."""

    histories: int = 0
    checks: int = 0
    violations: list[Violation] = field(default_factory=list)
    minimal: History | None = None
    digest: str = ""
    seconds: float = 0.0


class Broken(AssertionError):
    """A history broke a promise."""


def worker_seed(random_seed: int, worker: int) -> int:
    """The seed of one worker's share of a run."""
    return random_seed * 7919 + worker


def explore_share(count: int, random_seed: int, shrink: bool = True) -> Report:
    """Play `count` histories generated from `random_seed`, in this process; on a violation,
    shrink it to a minimal history unless told not to (then the first one found is kept)."""
    environment()
    report = Report()
    digest = hashlib.sha256()

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.generate, Phase.shrink) if shrink else (Phase.generate,),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @seed(random_seed)
    @given(histories())
    def one(history: History) -> None:
        """Play one history and check it."""
        digest.update(dumps(history).encode())
        report.histories += 1
        report.checks += len(PROMISES)
        violations = check(play(history))
        if violations:
            report.violations, report.minimal = violations, history  # the last is the minimal
            raise Broken(violations[0].detail)

    with contextlib.suppress(Broken):
        one()
    report.digest = digest.hexdigest()
    return report


def _share(arguments: tuple[int, int, bool]) -> Report:
    """explore_share for a pool."""
    return explore_share(*arguments)


def explore(count: int, random_seed: int, workers: int = WORKERS, shrink: bool = True) -> Report:
    """Play `count` generated histories from `random_seed` (the same seed, the same histories),
    shared among `workers` processes."""
    started = time.monotonic()
    shares = [
        (
            count // workers + (1 if worker < count % workers else 0),
            worker_seed(random_seed, worker),
            shrink,
        )
        for worker in range(workers)
    ]
    if workers == 1:
        reports = [explore_share(*shares[0])]
    else:
        # spawn, not fork: the caller (pytest) may have threads, and a fork copies their locks
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            reports = pool.map(_share, shares)
    total = Report(seconds=time.monotonic() - started)
    digest = hashlib.sha256()
    for report in reports:
        total.histories += report.histories
        total.checks += report.checks
        digest.update(report.digest.encode())
        if report.minimal is not None and total.minimal is None:
            total.violations, total.minimal = report.violations, report.minimal
    total.digest = digest.hexdigest()[:16]
    return total


def replay(path: Path) -> list[Violation]:
    """Play the history kept in `path` again; its violations (none once fixed)."""
    environment()
    return check(play(loads(path.read_text())))
