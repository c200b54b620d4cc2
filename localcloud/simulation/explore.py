"""Generate histories with Hypothesis, play each, check every promise; on a violation, shrink to a
minimal history and keep it as a file that `replay` plays again.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

from localcloud.simulation.history import History, dumps, histories, loads
from localcloud.simulation.promises import PROMISES, Violation, check
from localcloud.simulation.world import environment, play


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


def explore(count: int, random_seed: int) -> Report:
    """Play `count` generated histories from `random_seed` (the same seed, the same histories)."""
    environment()
    report = Report()
    digest = hashlib.sha256()
    started = time.monotonic()

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.generate, Phase.shrink),
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
    report.digest = digest.hexdigest()[:16]
    report.seconds = time.monotonic() - started
    return report


def replay(path: Path) -> list[Violation]:
    """Play the history kept in `path` again; its violations (none once fixed)."""
    environment()
    return check(play(loads(path.read_text())))
