"""How much synth time the construct adds: `make construct-synth-time`.

Synthesizes, each in a fresh interpreter (so jsii starts its Node process anew, as `cdk synth`
does), a stack with one Custom::PersonalizeSolutionUpdate given as a plain CustomResource on an
imported service token (the baseline: no function, no asset) and the same with the construct
(its provider function's 32 MB code asset and its on-failure destination's hashed and copied into
cdk.out), alternating, ROUNDS times; prints each one's median wall time and their ratio.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time

ROUNDS = 5
SOLUTION = "arn:aws:personalize:us-east-1:123456789012:solution/timed"


def app(kind: str, outdir: str) -> None:
    """One app of the given kind, synthesized into outdir."""
    import aws_cdk as cdk
    from personalize_solution_update_cdk import PersonalizeSolutionUpdate

    root = cdk.App(outdir=outdir)
    stack = cdk.Stack(root, "Timed")
    if kind == "construct":
        PersonalizeSolutionUpdate(
            stack, "Training", solution_arn=SOLUTION, schedule=cdk.Duration.days(14)
        )
    else:
        cdk.CustomResource(
            stack,
            "Training",
            resource_type="Custom::PersonalizeSolutionUpdate",
            service_token=cdk.Fn.import_value("personalize-solution-update-ServiceToken"),
            properties={
                "SolutionArn": SOLUTION,
                "SolutionUpdateConfig": {
                    "AutoTrainingConfig": {"SchedulingExpression": "rate(14 days)"}
                },
            },
        )
    root.synth()


def timed(kind: str) -> float:
    """Wall seconds of one synth of that kind in a new interpreter."""
    with tempfile.TemporaryDirectory() as outdir:
        started = time.monotonic()
        subprocess.run([sys.executable, __file__, kind, outdir], check=True)  # noqa: S603
        return time.monotonic() - started


def main() -> None:
    """Alternate the two kinds ROUNDS times; print the medians and the ratio."""
    seconds: dict[str, list[float]] = {"baseline": [], "construct": []}
    for _ in range(ROUNDS):
        for kind, runs in seconds.items():
            runs.append(timed(kind))
    medians = {kind: statistics.median(runs) for kind, runs in seconds.items()}
    for kind, runs in seconds.items():
        shown = ", ".join(f"{run:.1f}" for run in runs)
        print(f"{kind:<10} median {medians[kind]:5.1f} s  ({shown})")
    print(f"construct / baseline: {medians['construct'] / medians['baseline']:.2f}x")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        app(sys.argv[1], sys.argv[2])
    else:
        main()
