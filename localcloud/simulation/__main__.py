"""`make simulate`: python -m localcloud.simulation [--histories N] [--seed S] [--replay FILE].

Prints the histories run, the promises checked, the violations and the digest of the histories
generated (the same seed prints the same digest). On a violation it writes the minimal history to
a file, prints it and the command that replays it, and exits 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from localcloud.simulation.explore import WORKERS, explore, replay
from localcloud.simulation.history import dumps

KEPT = Path("build/simulation")


def main() -> None:
    """Run or replay, and report."""
    parser = argparse.ArgumentParser(
        prog="python -m localcloud.simulation", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--histories", type=int, default=2000, help="how many to generate")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis's seed")
    parser.add_argument("--replay", type=Path, help="play this kept history again, alone")
    parser.add_argument("--workers", type=int, default=WORKERS, help="processes to share them")
    args = parser.parse_args()
    if args.replay:
        violations = replay(args.replay)
        for violation in violations:
            print(f"violation: {violation.promise}: {violation.detail}")
        print(f"replayed {args.replay}: {len(violations)} violation(s)")
        sys.exit(1 if violations else 0)
    report = explore(args.histories, args.seed, args.workers)
    rate = report.histories / report.seconds if report.seconds else 0.0
    print(
        f"histories: {report.histories}, promises checked: {report.checks}, "
        f"violations: {len(report.violations)}, digest: {report.digest} "
        f"({report.seconds:.1f} s, {rate:.0f} histories/s)"
    )
    if report.minimal is None:
        return
    KEPT.mkdir(parents=True, exist_ok=True)
    kept = KEPT / f"history-{args.seed}-{report.digest}.json"
    kept.write_text(dumps(report.minimal) + "\n")
    for violation in report.violations:
        print(f"violation: {violation.promise}: {violation.detail}")
    print(f"minimal history: {dumps(report.minimal)}")
    print(f"replay: make simulate REPLAY={kept}")
    sys.exit(1)


if __name__ == "__main__":
    main()
