"""`make demo`: a whole stack life through the real handler, against the local cloud, as a timeline.

Starts the Personalize emulator and the response bucket on loopback, creates a solution, then
plays what CloudFormation would send for a stack's life and prints each request, the Personalize
states the handler saw, and each response. Exits 1 if any answer is not what CloudFormation
should get (status, physical id, attributes, number of UpdateSolution calls).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ARN_PREFIX = "arn:aws:personalize:us-east-1:123456789012:solution/"
SHOWN = ("PerformAutoTraining", "SchedulingExpression")  # the attributes the timeline prints
LOG_FILE = Path(tempfile.gettempdir()) / "personalize-solution-update-demo.log"
DATASET_GROUP = "arn:aws:personalize:us-east-1:123456789012:dataset-group/demo"


@dataclass
class Expect:
    """What CloudFormation should get for one request."""

    status: str
    physical_id: str | None = None
    update_calls: int | None = None
    data: dict[str, str] | None = None
    reason_has: str | None = None


class Timeline:
    """Prints exchanges with the emulator calls made during each, and checks expectations."""

    def __init__(self, calls: Callable[[], list[Any]]) -> None:
        self.started = time.time()
        self.calls = calls
        self.seen = 0
        self.mismatches: list[str] = []

    def stamp(self, at: float) -> str:
        return f"{at - self.started:7.2f}s"

    def scene(self, title: str) -> None:
        print(f"\n== {title}")

    def show(self, exchange: Any, expect: Expect) -> None:
        event = exchange.event
        props = {
            k: v
            for k, v in event["ResourceProperties"].items()
            if k not in ("ServiceToken", "SolutionArn")
        }
        # The solution asked for, unless it is the resource's id: a Create's, a replacement's.
        arn = event["ResourceProperties"].get("SolutionArn")
        physical_id = event.get("PhysicalResourceId")
        target = f"SolutionArn={arn}" if arn != physical_id else None
        answer = exchange.responses[0]
        sent = answer.wall - (answer.at - exchange.started)  # the request's wall-clock time
        request = [event["RequestType"], physical_id, target, str(props)]
        print(f"{self.stamp(sent)} -> " + " ".join(part for part in request if part))
        calls = [call for call in self.calls()[self.seen :] if call.at <= answer.wall]
        self.seen += len(calls)
        updates = 0
        for call in calls:
            updates += call.operation == "UpdateSolution" and call.outcome == "ok"
            print(f"{self.stamp(call.at)}    personalize {call.operation}: {call.outcome}")
        body = exchange.response
        print(
            f"{self.stamp(answer.wall)} <- {body['Status']} "
            f"id={body['PhysicalResourceId']}"
            + (f" reason={body['Reason']!r}" if body.get("Reason") else "")
            + "".join(f" {key}={body['Data'][key]}" for key in SHOWN if key in body.get("Data", {}))
        )
        self.check(body, updates, expect)

    def check(self, body: dict[str, Any], updates: int, expect: Expect) -> None:
        wrong = []
        if body["Status"] != expect.status:
            wrong.append(f"status {body['Status']} != {expect.status}")
        if expect.physical_id and body["PhysicalResourceId"] != expect.physical_id:
            wrong.append(f"id {body['PhysicalResourceId']} != {expect.physical_id}")
        if expect.update_calls is not None and updates != expect.update_calls:
            wrong.append(f"{updates} UpdateSolution calls, expected {expect.update_calls}")
        for key, value in (expect.data or {}).items():
            if body.get("Data", {}).get(key) != value:
                wrong.append(f"Data.{key} {body.get('Data', {}).get(key)!r} != {value!r}")
        if expect.reason_has and expect.reason_has not in body.get("Reason", ""):
            wrong.append(f"reason lacks {expect.reason_has!r}")
        for item in wrong:
            print(f"           MISMATCH: {item}")
        self.mismatches.extend(wrong)


def quietly(handler: Any, log: IO[str]) -> Any:
    """The handler, with what it prints (JSON log lines, EMF metrics) sent to `log`."""

    def invoke(event: Any, context: Any) -> Any:
        with contextlib.redirect_stdout(log):
            return handler(event, context)

    return invoke


def main() -> int:
    """Run the demo; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--show-logs",
        action="store_true",
        help="print the function's own log lines and metrics in the timeline, not in a file",
    )
    show_logs = parser.parse_args().show_logs
    from localcloud.emulator import EmulatorServer, Timing, controls
    from localcloud.receiver import Receiver

    with EmulatorServer() as emulator, Receiver() as bucket, contextlib.ExitStack() as stack:
        os.environ.update(
            AWS_ENDPOINT_URL_PERSONALIZE=emulator.url,
            RESPONSE_URL_ALLOWED_HOSTS="127.0.0.1",
            AWS_ACCESS_KEY_ID="demo",
            AWS_SECRET_ACCESS_KEY="demo",  # noqa: S106 - the local emulator accepts anything
            AWS_REGION="us-east-1",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_EC2_METADATA_DISABLED="true",
            AWS_ENDPOINT_URL="http://127.0.0.1:9",  # any other client: a dead loopback port
            POWERTOOLS_LOG_LEVEL="INFO",
        )
        import boto3

        import app
        from localcloud.cloudformation import CloudFormation, StackResource
        from localcloud.seed import DEFAULT_RECIPE, RECIPE_ARN

        controls.timing = Timing(update_pending=0.5, update_in_progress=2.0, stale_read=0.5)
        personalize = boto3.client("personalize")
        arns = []
        for name in ("demo", "demo-v2"):
            arns.append(
                personalize.create_solution(
                    name=name,
                    datasetGroupArn=DATASET_GROUP,
                    recipeArn=RECIPE_ARN.format(partition="aws", name=DEFAULT_RECIPE),
                )["solutionArn"]
            )
        time.sleep(controls.timing.solution_pending + controls.timing.solution_in_progress)
        first, second = arns
        timeline = Timeline(lambda: list(controls.calls))
        print(f"Personalize emulator {emulator.url}; response bucket 127.0.0.1:{bucket.port}")
        print(
            f"Solutions {first} and {second} are ACTIVE ({DEFAULT_RECIPE}, auto-training on, "
            "every 7 days)"
        )
        timeline.seen = len(controls.calls)
        log = sys.stdout if show_logs else stack.enter_context(LOG_FILE.open("w"))
        cloudformation = CloudFormation(quietly(app.build(), log), bucket, function_timeout=60.0)
        resource = StackResource(cloudformation, "AutoTraining")

        def play(exchanges: list[Any], *expected: Expect) -> None:
            for exchange, expect in zip(exchanges, expected, strict=True):
                timeline.show(exchange, expect)

        five_days = {
            "SolutionArn": first,
            "PerformAutoTraining": True,
            "SolutionUpdateConfig": {
                "AutoTrainingConfig": {"SchedulingExpression": "rate(5 days)"}
            },
        }
        timeline.scene("Create: train every 5 days")
        play(
            resource.create(five_days),
            Expect("SUCCESS", first, 1, {"SchedulingExpression": "rate(5 days)"}),
        )

        timeline.scene("Update that changes nothing (TRUE, ServiceTimeout): no UpdateSolution")
        same = {**five_days, "PerformAutoTraining": "TRUE", "ServiceTimeout": 900}
        play(resource.update(same), Expect("SUCCESS", first, 0))

        timeline.scene("Update to every day")
        daily = {
            **five_days,
            "SolutionUpdateConfig": {"AutoTrainingConfig": {"SchedulingExpression": "rate(1 day)"}},
        }
        play(
            resource.update(daily),
            Expect("SUCCESS", first, 1, {"SchedulingExpression": "rate(1 day)"}),
        )

        timeline.scene(
            "Update that Personalize fails, then CloudFormation's rollback Update, which "
            "re-applies the old settings (after a failed update nothing proves them in force)"
        )
        controls.fail_next_update(
            "Insufficient data: fewer than 1000 interactions in the last 2 days"
        )
        off = {**daily, "PerformAutoTraining": False}
        play(
            resource.update(off),
            Expect("FAILED", first, 1, reason_has="Insufficient data"),
            Expect(
                "SUCCESS",
                first,
                1,
                {"SchedulingExpression": "rate(1 day)", "PerformAutoTraining": "true"},
            ),
        )

        timeline.scene(
            "Replacement: point the resource at another solution, then Delete of the old id"
        )
        moved = {**five_days, "SolutionArn": second}
        play(resource.update(moved), Expect("SUCCESS", second, 1), Expect("SUCCESS", first, 0))

        timeline.scene("A second resource with a bad schedule: FAILED, then the rollback Delete")
        broken = StackResource(cloudformation, "BrokenSchedule")
        bad = {
            "SolutionArn": second,
            "SolutionUpdateConfig": {
                "AutoTrainingConfig": {"SchedulingExpression": "rate(45 days)"}
            },
        }
        play(
            broken.create(bad),
            Expect("FAILED", update_calls=0, reason_has="SchedulingExpression"),
            Expect("SUCCESS", update_calls=0),
        )

        timeline.scene("Stack deletion: Delete leaves the solution's settings as they are")
        play(resource.delete(), Expect("SUCCESS", second, 0))

    print()
    if not show_logs:
        print(f"The function's log lines and metrics: {LOG_FILE} (or run with --show-logs)")
    if timeline.mismatches:
        print(f"DEMO FAILED: {len(timeline.mismatches)} answer(s) not what CloudFormation needs")
        return 1
    print("Demo OK: every answer is what CloudFormation should get.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
