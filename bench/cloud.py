"""The local cloud every section runs against: localcloud's Personalize emulator, response bucket
and Lambda Invoke stand-in on loopback, on the clock the section chooses (simulated or real)."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3

from localcloud.emulator import Call, Controls, EmulatorServer, Timing, controls
from localcloud.lambda_service import LambdaService
from localcloud.receiver import Receiver

DATASET_GROUP = "arn:aws:personalize:us-east-1:123456789012:dataset-group/bench"
PENDING_SHARE = 0.02  # of an update's duration spent CREATE PENDING; the rest is IN_PROGRESS
STALE_READ = 1.0  # seconds DescribeSolution keeps showing the solution as it was
# What each measured request asks for: a change from a new solution's defaults (7 days).
FIVE_DAYS: dict[str, Any] = {
    "PerformAutoTraining": True,
    "SolutionUpdateConfig": {"AutoTrainingConfig": {"SchedulingExpression": "rate(5 days)"}},
}


class BenchError(Exception):
    """A run did not behave as the measurement assumes (no update made, no answer, ...)."""


def progress(message: str) -> None:
    """A progress line on stderr (stdout holds the report)."""
    print(message, file=sys.stderr, flush=True)


@dataclass
class LocalCloud:
    """The running stand-ins, a Personalize client for set-up and the clock's sleep."""

    controls: Controls
    receiver: Receiver
    lambda_service: LambdaService
    personalize: Any
    endpoints: dict[str, str]  # boto3's standard endpoint variables, pointing at the stand-ins
    ports: tuple[int, ...]
    sleep: Callable[[float], None]

    def set_update_duration(self, seconds: float) -> None:
        """Make every later update settle `seconds` after its UpdateSolution call."""
        pending = PENDING_SHARE * seconds
        self.controls.timing = Timing(
            solution_pending=0.01,
            solution_in_progress=0.01,
            update_pending=pending,
            update_in_progress=seconds - pending,
            stale_read=STALE_READ,
        )

    def make_solution(self) -> str:
        """A fresh ACTIVE solution with the documented defaults (auto-training every 7 days)."""
        name = f"bench-{uuid.uuid4().hex[:12]}"
        created = self.personalize.create_solution(name=name, datasetGroupArn=DATASET_GROUP)
        timing = self.controls.timing
        self.sleep(timing.solution_pending + timing.solution_in_progress)
        return str(created["solutionArn"])

    def settled_at(self, arn: str) -> float:
        """When the solution's latest update settled, on the emulator's clock: its
        lastUpdatedDateTime once ACTIVE or CREATE FAILED (read after the run is over)."""
        update = self.personalize.describe_solution(solutionArn=arn)["solution"].get(
            "latestSolutionUpdate"
        )
        if not update or update["status"] not in ("ACTIVE", "CREATE FAILED"):
            raise BenchError(f"{arn}: no settled update ({update and update['status']})")
        return float(update["lastUpdatedDateTime"].timestamp())

    def calls_since(self, mark: int) -> list[Call]:
        """The emulator's calls after the first `mark` (mark: len(controls.calls) before)."""
        with self.controls.lock:
            return list(self.controls.calls[mark:])


@contextmanager
def local_cloud(clock: Callable[[], float], sleep: Callable[[float], None]) -> Iterator[LocalCloud]:
    """Start the stand-ins on loopback with the emulator on `clock`, point boto3's endpoint
    variables at them (for this process), and stop and reset everything after."""
    controls.reset()
    controls.clock = clock
    try:
        with (
            EmulatorServer() as emulator,
            Receiver(clock=clock) as receiver,
            LambdaService() as lam,
        ):
            endpoints = {
                "AWS_ENDPOINT_URL_PERSONALIZE": emulator.url,
                "AWS_ENDPOINT_URL_LAMBDA": lam.url,
                "RESPONSE_URL_ALLOWED_HOSTS": "127.0.0.1",
            }
            os.environ.update(endpoints)
            ports = tuple(int(url.rsplit(":", 1)[1]) for url in (emulator.url, lam.url))
            yield LocalCloud(
                controls,
                receiver,
                lam,
                boto3.client("personalize"),
                endpoints,
                (*ports, receiver.port),
                sleep,
            )
    finally:
        controls.reset()
