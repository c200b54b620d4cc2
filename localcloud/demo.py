"""`make demo`: a whole stack life through the real handler, against the local cloud, as a timeline.

Starts the Personalize emulator and the response bucket on loopback, creates two solutions, then
plays what CloudFormation would send over a stack's life. Each step prints each request, the
Personalize calls the handler made and what they showed, and each answer; then the demo reads the
solutions itself and says what the step proved. Exits 1 if any answer is not what CloudFormation
should get (status, physical id, attributes, number of UpdateSolution calls) or a solution is not
as the answers say. Every line it prints fits in 100 characters; --show-logs adds the function's
own log lines, as they are.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from localcloud.cloudformation import CloudFormation, Exchange, StackResource

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient

    from localcloud.emulator.faults import Call, Controls

WIDTH = 100  # the widest line the demo prints
ARN_PREFIX = "arn:aws:personalize:us-east-1:123456789012:"  # left out of every ARN shown
SHOWN = ("PerformAutoTraining", "SchedulingExpression")  # the attributes the timeline prints
LOG_FILE = Path(tempfile.gettempdir()) / "personalize-solution-update-demo.log"
DATASET_GROUP = f"{ARN_PREFIX}dataset-group/demo"
UPDATE_STATUSES = ("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE", "CREATE FAILED")
GLUE = "\xa0"  # joins the words of one value, so that a line never breaks inside it
LEGEND = (
    "How to read it: -> is a request CloudFormation sends, <- the function's answer. Between them,"
    " each Personalize call the function made, and what it showed:",
    '  - "no update yet": the solution was never updated; DescribeSolution shows no'
    " latestSolutionUpdate.",
    '  - "latest update CREATE IN_PROGRESS": Personalize is applying an update. Each UpdateSolution'
    " call creates an update, so an update's statuses are a creation's, in a CloudFormation Update"
    " too: CREATE PENDING, CREATE IN_PROGRESS, then ACTIVE (in force) or CREATE FAILED.",
    "  - Two reads 1 s apart come before each UpdateSolution: a read can lag behind a change, and"
    " each call can start a billed training run, so the function calls only if both show the"
    " settings differ.",
    "Each step ends with what it proved: its answers, checked, and the solutions as the demo then"
    " reads them.",
)


def say(text: str, indent: int = 0) -> None:
    """Print `text` in lines of at most WIDTH characters, continuation lines indented, never
    breaking inside words joined by GLUE."""
    wrapped = textwrap.fill(text, WIDTH, subsequent_indent=" " * indent, break_on_hyphens=False)
    print(wrapped.replace(GLUE, " "))


def short(value: str) -> str:
    """An ARN of the demo's account and region without its common prefix (`solution/demo`)."""
    return value.removeprefix(ARN_PREFIX)


def flat(properties: Mapping[str, Any]) -> str:
    """Resource properties as `Name=value` pairs, nested maps by their leaves' names; a value's
    words are joined by GLUE."""
    pairs = []
    for key, value in properties.items():
        if isinstance(value, Mapping):
            pairs.append(flat(value))
        else:
            shown = json.dumps(value) if isinstance(value, list) else str(value)
            pairs.append(f"{key}={shown.replace(' ', GLUE)}")
    return " ".join(pair for pair in pairs if pair)


def showed(operation: str, outcome: str) -> str:
    """What a Personalize call showed, in the words LEGEND explains."""
    if operation == "DescribeSolution" and outcome == "ok":
        return "no update yet"
    if operation == "DescribeSolution" and outcome in UPDATE_STATUSES:
        return f"latest update {outcome}"
    if operation == "UpdateSolution" and outcome == "ok":
        return "accepted"
    return outcome


class Trains(NamedTuple):
    """A solution's automatic training as DescribeSolution shows it: on or off, and how often."""

    on: bool
    schedule: str | None = None

    def __str__(self) -> str:
        if not self.on:
            return "automatic training off"
        return (
            f"automatic training on, {self.schedule}" if self.schedule else "automatic training on"
        )


def trains(personalize: PersonalizeClient, arn: str) -> Trains:
    """The solution's automatic training, as DescribeSolution shows it (the schedule only when
    training is on: it is kept, unused, when training is off)."""
    solution = personalize.describe_solution(solutionArn=arn)["solution"]
    if not solution["performAutoTraining"]:
        return Trains(False)
    config = solution.get("solutionConfig", {}).get("autoTrainingConfig", {})
    return Trains(True, config.get("schedulingExpression"))


@dataclass
class Expect:
    """What CloudFormation should get for one request."""

    status: str
    physical_id: str | None = None
    update_calls: int | None = None
    data: dict[str, str] | None = None
    reason_has: str | None = None


class Timeline:
    """Prints each step's exchanges with the emulator calls made during each, checks them and the
    solutions afterwards (`read`), and says what the step proved."""

    def __init__(
        self, calls: Callable[[], list[Call]], read: Callable[[str], Trains] | None = None
    ) -> None:
        self.started = time.time()
        self.calls = calls
        self.read = read
        self.seen = 0
        self.mismatches: list[str] = []
        self.steps = 0
        self.step_start = 0  # mismatches before the step

    def begin(self) -> None:
        """Count time, and the function's calls, from now."""
        self.started = time.time()
        self.seen = len(self.calls())

    def stamp(self, at: float) -> str:
        return f"{at - self.started:7.2f}s"

    def scene(self, title: str) -> None:
        """Start a step: number and title."""
        self.steps += 1
        self.step_start = len(self.mismatches)
        print()
        say(f"== {self.steps}. {title}", indent=3)

    def show(self, exchange: Exchange, expect: Expect) -> None:
        """One request, the Personalize calls made until its answer, the answer; then check it."""
        event = exchange.event
        props = {
            k: v
            for k, v in event["ResourceProperties"].items()
            if k not in ("ServiceToken", "SolutionArn")
        }
        # The solution asked for, unless it is the resource's id: a Create's, a replacement's.
        arn = event["ResourceProperties"].get("SolutionArn")
        physical_id = event.get("PhysicalResourceId")
        target = f"SolutionArn={short(arn)}" if arn not in (None, physical_id) else None
        answer = exchange.responses[0]
        sent = answer.wall - (answer.at - exchange.started)  # the request's wall-clock time
        request = [event["RequestType"], physical_id and short(physical_id), target, flat(props)]
        say(f"{self.stamp(sent)} -> " + " ".join(part for part in request if part), indent=12)
        calls = [call for call in self.calls()[self.seen :] if call.at <= answer.wall]
        self.seen += len(calls)
        for call in calls:
            say(
                f"{self.stamp(call.at)}    {call.operation}: {showed(call.operation, call.outcome)}"
            )
        body = exchange.response
        data = body.get("Data", {})
        say(
            f"{self.stamp(answer.wall)} <- {body['Status']} id={short(body['PhysicalResourceId'])}"
            + "".join(f" {key}={data[key]}" for key in SHOWN if key in data),
            indent=12,
        )
        if body.get("Reason"):
            say(f"{' ' * 12}Reason: {body['Reason']}", indent=12)
        self.check(body, calls, expect)

    def check(self, body: dict[str, Any], calls: list[Call], expect: Expect) -> None:
        """Compare an answer, and the calls made before it, with what CloudFormation should get;
        an UpdateSolution must be followed by a read showing it ACTIVE before a SUCCESS."""
        updates = sum(c.operation == "UpdateSolution" and c.outcome == "ok" for c in calls)
        reads = [c.outcome for c in calls if c.operation == "DescribeSolution"]
        wrong = []
        if updates and body["Status"] == "SUCCESS" and reads[-1:] != ["ACTIVE"]:
            wrong.append("SUCCESS before a read showed the update ACTIVE")
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
        self.mismatch(*wrong)

    def mismatch(self, *wrong: str) -> None:
        """Print and count what is not as it should be."""
        for item in wrong:
            say(f"           MISMATCH: {item}", indent=21)
        self.mismatches.extend(wrong)

    def play(self, exchanges: list[Exchange], *expected: Expect) -> None:
        """Show and check each exchange of a step against its expectation."""
        for exchange, expect in zip(exchanges, expected, strict=True):
            self.show(exchange, expect)

    def proven(self, claim: str, after: Mapping[str, Trains] | None = None) -> None:
        """End the step: read each solution in `after` and compare its training; then say the
        claim proven if every check of the step held, else not proven."""
        for arn, expected in (after or {}).items():
            assert self.read is not None, "a Timeline that checks solutions needs a reader"
            actual = self.read(arn)
            say(f"{self.stamp(time.time())}    the demo reads {short(arn)}: {actual}")
            if actual != expected:
                self.mismatch(f"{short(arn)}: {actual}, expected {expected}")
        self.seen = len(self.calls())  # the demo's own reads are not the function's calls
        held = len(self.mismatches) == self.step_start
        say(f"   {'proven' if held else 'NOT proven'}: {claim}", indent=11)


def quietly(handler: Any, log: IO[str]) -> Any:
    """The handler, with what it prints (JSON log lines, EMF metrics) sent to `log`."""

    def invoke(event: Any, context: Any) -> Any:
        with contextlib.redirect_stdout(log):
            return handler(event, context)

    return invoke


def environment(emulator_url: str) -> dict[str, str]:
    """What the handler's process needs: boto3 pointed at the emulator (any other AWS client at a
    dead loopback port), the local bucket allowed, fake credentials, the function's region."""
    return {
        "AWS_ENDPOINT_URL_PERSONALIZE": emulator_url,
        "RESPONSE_URL_ALLOWED_HOSTS": "127.0.0.1",
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",  # the local emulator accepts anything
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }


class Stage(NamedTuple):
    """What the steps act on: CloudFormation's stand-in in front of the real handler, a
    Personalize client on the emulator, the timeline, and the emulator's controls."""

    cloudformation: CloudFormation
    personalize: PersonalizeClient
    timeline: Timeline
    controls: Controls


@contextlib.contextmanager
def environ(values: Mapping[str, str]) -> Iterator[None]:
    """The process environment with `values` set, restored on exit."""
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def local_cloud(log: IO[str]) -> Iterator[Stage]:
    """The emulator and the bucket on loopback, the process environment pointed at them and the
    real handler (its output sent to `log`) behind a CloudFormation stand-in; the emulator's
    controls and the environment are restored on exit."""
    from localcloud.emulator import EmulatorServer, Timing, controls
    from localcloud.receiver import Receiver

    with EmulatorServer() as emulator, Receiver() as bucket, environ(environment(emulator.url)):
        import boto3

        import app

        # An update settles 1.5 s after UpdateSolution, before the function's first check (2 s
        # after it); one step makes it take longer (updates_taking). Personalize's take minutes.
        controls.timing = Timing(update_pending=0.5, update_in_progress=1.0, stale_read=0.5)
        personalize = boto3.client("personalize")
        say(f"Personalize emulator {emulator.url}; response bucket 127.0.0.1:{bucket.port}")
        timeline = Timeline(lambda: list(controls.calls), lambda arn: trains(personalize, arn))
        cloudformation = CloudFormation(quietly(app.build(), log), bucket, function_timeout=60.0)
        try:
            yield Stage(cloudformation, personalize, timeline, controls)
        finally:
            controls.reset()


@contextlib.contextmanager
def updates_taking(controls: Controls, seconds: float) -> Iterator[None]:
    """Updates that settle `seconds` after UpdateSolution, then the timing as it was."""
    before = controls.timing
    controls.timing = replace(before, update_in_progress=seconds - before.update_pending)
    try:
        yield
    finally:
        controls.timing = before


def create_solutions(personalize: PersonalizeClient, names: tuple[str, ...]) -> list[str]:
    """Create the solutions with Personalize's defaults (automatic training on, every 7 days),
    as a stack's AWS::Personalize::Solution would be; returns their ARNs once ACTIVE."""
    from localcloud.seed import DEFAULT_RECIPE, RECIPE_ARN, wait_active

    recipe = RECIPE_ARN.format(partition="aws", name=DEFAULT_RECIPE)
    arns = [
        personalize.create_solution(name=name, datasetGroupArn=DATASET_GROUP, recipeArn=recipe)[
            "solutionArn"
        ]
        for name in names
    ]
    for arn in arns:
        wait_active(personalize, arn)
    return arns


def schedule(expression: str) -> dict[str, Any]:
    """Properties that turn automatic training on, on this schedule."""
    return {
        "PerformAutoTraining": True,
        "SolutionUpdateConfig": {"AutoTrainingConfig": {"SchedulingExpression": expression}},
    }


def updates_in_place(stage: Stage, resource: StackResource, solution: str) -> None:
    """Steps 1-4: a Create, an Update that changes nothing, one that does, and one that
    Personalize fails, with CloudFormation's rollback."""
    timeline = stage.timeline
    five_days = {"SolutionArn": solution, **schedule("rate(5 days)")}
    timeline.scene("Create: train every 5 days")
    timeline.play(
        resource.create(five_days),
        Expect("SUCCESS", solution, 1, {"SchedulingExpression": "rate(5 days)"}),
    )
    timeline.proven(
        "one UpdateSolution; SUCCESS once it was ACTIVE, with the solution's ARN as id",
        {solution: Trains(True, "rate(5 days)")},
    )

    timeline.scene('Update that changes nothing ("TRUE" for true, a ServiceTimeout added)')
    same = {**five_days, "PerformAutoTraining": "TRUE", "ServiceTimeout": 900}
    timeline.play(resource.update(same), Expect("SUCCESS", solution, 0))
    timeline.proven(
        "settings already in force: SUCCESS with no UpdateSolution, so no training run",
        {solution: Trains(True, "rate(5 days)")},
    )

    timeline.scene("Update: train every day (an update that takes longer, seen in progress)")
    daily = {"SolutionArn": solution, **schedule("rate(1 day)")}
    with updates_taking(stage.controls, 2.5):
        timeline.play(
            resource.update(daily),
            Expect("SUCCESS", solution, 1, {"SchedulingExpression": "rate(1 day)"}),
        )
    timeline.proven(
        "changed in place: the same id, so CloudFormation replaces nothing; one UpdateSolution",
        {solution: Trains(True, "rate(1 day)")},
    )

    timeline.scene(
        "Update (training off) that Personalize fails, then CloudFormation's rollback Update"
    )
    stage.controls.fail_next_update(
        "Insufficient data: fewer than 1000 interactions in the last 2 days"
    )
    timeline.play(
        resource.update({**daily, "PerformAutoTraining": False}),
        Expect("FAILED", solution, 1, reason_has="Insufficient data"),
        Expect("SUCCESS", solution, 1, {"SchedulingExpression": "rate(1 day)"}),
    )
    timeline.proven(
        "FAILED with Personalize's reason; the rollback applied the old settings again (after a"
        " failed update no read proves them in force)",
        {solution: Trains(True, "rate(1 day)")},
    )


def replacement_and_bad_input(stage: Stage, resource: StackResource, old: str, new: str) -> None:
    """Steps 5-6: the resource moves to another solution; a second resource is refused."""
    timeline = stage.timeline
    timeline.scene("Replacement by another solution, then the old id's Delete (OnDelete: Retain)")
    timeline.play(
        resource.update({"SolutionArn": new, **schedule("rate(5 days)")}),
        Expect("SUCCESS", new, 1),
        Expect("SUCCESS", old, 0),
    )
    timeline.proven(
        "the answer's new id makes it a replacement; the old id's Delete made no Personalize call,"
        f" so {short(old)} trains as before",
        {new: Trains(True, "rate(5 days)"), old: Trains(True, "rate(1 day)")},
    )

    timeline.scene("A second resource with a bad schedule, then CloudFormation's rollback Delete")
    broken = StackResource(stage.cloudformation, "BrokenSchedule")
    bad = {
        "SolutionArn": new,
        "SolutionUpdateConfig": {"AutoTrainingConfig": {"SchedulingExpression": "rate(45 days)"}},
    }
    timeline.play(
        broken.create(bad),
        Expect("FAILED", update_calls=0, reason_has="SchedulingExpression"),
        Expect("SUCCESS", update_calls=0),
    )
    timeline.proven(
        "refused at once, naming the property, with no Personalize call; the rollback Delete of"
        " the id it answered touched nothing",
        {new: Trains(True, "rate(5 days)")},
    )


def delete_turning_training_off(stage: Stage, resource: StackResource, now: Trains) -> None:
    """Steps 7-8: OnDelete: DisableAutoTraining added by an Update, then the stack's deletion;
    `now` is the solution's training before them."""
    timeline = stage.timeline
    solution, properties = resource.physical_id, resource.properties
    assert solution is not None, "the resource must exist"
    assert properties is not None, "the resource must exist"
    timeline.scene("Update: add OnDelete: DisableAutoTraining")
    timeline.play(
        resource.update({**properties, "OnDelete": "DisableAutoTraining"}),
        Expect("SUCCESS", solution, 0),
    )
    timeline.proven(
        "OnDelete is no setting of the solution: SUCCESS with no UpdateSolution", {solution: now}
    )

    timeline.scene("Stack deletion: the Delete turns automatic training off (OnDelete)")
    timeline.play(resource.delete(), Expect("SUCCESS", solution, 1))
    timeline.proven(
        "one UpdateSolution (performAutoTraining false); SUCCESS once it was ACTIVE; now"
        f" {short(solution)} no longer trains",
        {solution: Trains(False)},
    )


def main() -> int:
    """Run the demo; return the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m localcloud.demo",
        description=__doc__,
        formatter_class=functools.partial(argparse.RawDescriptionHelpFormatter, width=100),
    )
    parser.add_argument(
        "--show-logs",
        action="store_true",
        help="print the function's own log lines and metrics in the timeline, not in a file",
    )
    show_logs = parser.parse_args().show_logs
    from localcloud.seed import DEFAULT_RECIPE

    with contextlib.ExitStack() as stack:
        log = sys.stdout if show_logs else stack.enter_context(LOG_FILE.open("w"))
        stage = stack.enter_context(local_cloud(log))
        first, second = create_solutions(stage.personalize, ("demo", "demo-v2"))
        say(
            f"Solutions {short(first)} and {short(second)} are ACTIVE ({DEFAULT_RECIPE}; automatic"
            " training on, every 7 days: Personalize's defaults)."
        )
        say(f"ARNs are shown without their prefix {ARN_PREFIX}")
        for paragraph in LEGEND:
            say(paragraph, indent=4 if paragraph.startswith(" ") else 0)
        stage.timeline.begin()
        resource = StackResource(stage.cloudformation, "AutoTraining")
        updates_in_place(stage, resource, first)
        replacement_and_bad_input(stage, resource, first, second)
        delete_turning_training_off(stage, resource, Trains(True, "rate(5 days)"))

    print()
    if not show_logs:
        say(f"Function log lines and metrics: {LOG_FILE} (or --show-logs)")
    if stage.timeline.mismatches:
        say(f"DEMO FAILED: {len(stage.timeline.mismatches)} check(s) did not hold (MISMATCH above)")
        return 1
    say("Demo OK: every step proven.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
