"""The local cloud on a simulated clock, as one test acts in it: Personalize (a boto3 client and the
emulator's controls), the response bucket, the Lambda stand-in, and the CloudFormation stand-in
delivering to the real handler on the same clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from localcloud.cloudformation import CloudFormation
from localcloud.emulator import Controls
from localcloud.harness import handler_on_clock
from localcloud.lambda_service import LambdaService
from localcloud.receiver import Receiver
from localcloud.simclock import SimulatedClock
from tests.presets import DATASET_GROUP


@dataclass
class World:
    """The stand-ins a test acts through, all on one simulated clock."""

    personalize: Any
    emulator: Controls
    clock: SimulatedClock
    receiver: Receiver
    lambda_service: LambdaService

    def solution(self, name: str | None = None, **settings: Any) -> str:
        """A new solution, already ACTIVE; its ARN."""
        arn: str = self.personalize.create_solution(
            name=name or f"s{uuid.uuid4().hex[:10]}", datasetGroupArn=DATASET_GROUP, **settings
        )["solutionArn"]
        timing = self.emulator.timing
        self.clock.advance(timing.solution_pending + timing.solution_in_progress)
        return arn

    def settle(self) -> None:
        """Let an update just made finish and become visible."""
        timing = self.emulator.timing
        self.clock.advance(
            timing.update_pending + timing.update_in_progress + timing.stale_read + 0.05
        )

    def outside(self, arn: str, **request: Any) -> None:
        """An update made outside the stack (the console, another tool), then settled."""
        self.personalize.update_solution(solutionArn=arn, **request)
        self.settle()

    def handler(self, **options: Any) -> Any:
        """The real handler on this clock, as a new execution environment builds it."""
        return handler_on_clock(self.clock, **options)

    def stand_in(self, function_timeout: float = 60.0, **options: Any) -> CloudFormation:
        """The CloudFormation stand-in delivering to the real handler (built with `options`),
        invocations of `function_timeout` seconds, hand-offs played as Lambda would."""
        return CloudFormation(
            self.handler(**options),
            self.receiver,
            function_timeout=function_timeout,
            lambda_service=self.lambda_service,
        )
