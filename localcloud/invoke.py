"""`make invoke EVENT=events/<file>.json`: one CloudFormation request through the function as Lambda
runs it, without Docker, and the answer CloudFormation would get.

Starts, all on 127.0.0.1: the Personalize emulator; the response bucket stand-in; the Lambda Invoke
stand-in (for the hand-off of a long wait); and the function under AWS's runtime interface emulator
and Lambda's Python runtime client, with the settings template.yaml gives it. The emulator is
seeded with the solutions the event names, in the state that request expects, each with a recipe
(--recipe). An ARN that names no solution the emulator could hold (not a solution ARN, another
region than the function's, another account) is not seeded: the output says why, under the
function's answer to it. The event's ResponseURL is replaced by a presigned-looking URL on the
local bucket (never printed). Prints the function's log (stderr) and the answer (stdout), then
stops everything. Exits 1 unless exactly one answer arrived (for a file of events/, the answer
docs/local-development.md lists), and 2 for a file that is not a CloudFormation request.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from localcloud.cloudformation import REGION
from localcloud.emulator import EmulatorServer, controls
from localcloud.expected import expected_for, problem
from localcloud.function_config import HANDLER_DIR, FunctionConfig
from localcloud.lambda_service import LambdaService
from localcloud.receiver import Receiver
from localcloud.rie import Invocation, LocalFunction
from localcloud.seed import DEFAULT_RECIPE, seed_solutions, solutions_named, why_not_seeded

REQUIRED = ("RequestType", "RequestId")  # what every request carries, and what invoke reads


@dataclass
class Result:
    """What one request came to: the answers the bucket received, the invocations it took, the
    Personalize calls answered (by operation), the function's output, the seconds from delivery
    to the end of the last invocation, and why the ARNs not seeded were not."""

    event: dict[str, Any] = field(repr=False)  # its ResponseURL is a secret
    answers: list[dict[str, Any]]
    invocations: list[Invocation]
    calls: Counter[str]
    output: list[str] = field(repr=False)
    seconds: float
    unseeded: dict[str, str] = field(default_factory=dict)


class LocalCloud:
    """The Personalize emulator, the response bucket, the Lambda Invoke stand-in and the function
    under AWS's runtime interface emulator, on 127.0.0.1; stopped (function first) on exit.
    `parameters` override the template's (LogLevel=DEBUG, ...); `timeout` the function's (whole
    seconds, as Lambda's); `config` replaces template.yaml's function (another template's, e.g.
    a CDK synth's)."""

    def __init__(
        self,
        *,
        parameters: Mapping[str, str] | None = None,
        config: FunctionConfig | None = None,
        task_root: Path = HANDLER_DIR,
        timeout: int | None = None,
        echo: IO[str] | None = None,
    ) -> None:
        self.config = config or FunctionConfig.from_template(parameters)
        if timeout is not None:
            self.config = replace(self.config, timeout=timeout)
        self.task_root, self.echo = task_root, echo
        self._stack = ExitStack()

    def __enter__(self) -> LocalCloud:
        with ExitStack() as stack:
            self.emulator = stack.enter_context(EmulatorServer())
            self.receiver = stack.enter_context(Receiver())
            self.invoked = stack.enter_context(LambdaService())
            self.function = stack.enter_context(
                LocalFunction(
                    self.config,
                    task_root=self.task_root,
                    echo=self.echo,
                    environment={
                        "AWS_ENDPOINT_URL_PERSONALIZE": self.emulator.url,
                        "AWS_ENDPOINT_URL_LAMBDA": self.invoked.url,
                        "RESPONSE_URL_ALLOWED_HOSTS": "127.0.0.1",
                    },
                )
            )
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def deliver(self, event: Mapping[str, Any]) -> Result:
        """Deliver the event, its ResponseURL pointed at the local bucket, and collect what came
        of it (the hand-offs included)."""
        request_id = str(event["RequestId"])
        delivered = {**event, "ResponseURL": self.receiver.url_for(request_id)}
        before, shown = len(controls.calls), len(self.function.output)
        started = time.monotonic()
        invocations = self.function.play(delivered, self.invoked)
        seconds = time.monotonic() - started
        answers = [received.body for received in self.receiver.responses_for(request_id)]
        calls = Counter(call.operation for call in controls.calls[before:])
        output = self.function.output[shown:]
        return Result(delivered, answers, invocations, calls, output, seconds)


def run(event: Mapping[str, Any], recipe: str = DEFAULT_RECIPE, **options: Any) -> Result:
    """Deliver the event in a fresh local cloud, seeded with the solutions it names, each with
    `recipe` (so what the recipe does not support is refused as Personalize would); the result
    says why an ARN it names was not seeded."""
    unseeded = {
        arn: reason
        for arn in solutions_named(event)
        if (reason := why_not_seeded(arn, REGION)) is not None
    }
    with LocalCloud(**options) as cloud:
        seed_solutions(cloud.emulator.url, [event], region=REGION, recipe=recipe)
        return replace(cloud.deliver(event), unseeded=unseeded)


def read_event(path: Path) -> dict[str, Any]:
    """The CloudFormation request in the file. ValueError, with a one-line message, if it holds
    none: unreadable, not JSON, or not a map with the fields every request carries (REQUIRED)."""
    try:
        event = json.loads(path.read_text())
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise ValueError(f"{path} is not a CloudFormation request: not JSON ({error})") from None
    if not isinstance(event, dict) or any(key not in event for key in REQUIRED):
        raise ValueError(
            f"{path} is not a CloudFormation request: a JSON object with {' and '.join(REQUIRED)},"
            " as events/create.json is"
        )
    return event


def describe(result: Result) -> str:
    """The answer as CloudFormation would show it, and what it took."""
    event = result.event
    count = len(result.invocations)
    lines = [
        f"{event['RequestType']} {event.get('LogicalResourceId')}: {len(result.answers)} answer(s) "
        f"in {result.seconds:.1f} s, {count} invocation{'s' if count != 1 else ''}"
    ]
    for answer in result.answers:
        lines.append(f"  Status              {answer['Status']}")
        if answer.get("Reason"):
            lines.append(f"  Reason              {answer['Reason']}")
        lines.append(f"  PhysicalResourceId  {answer['PhysicalResourceId']}")
        data = answer.get("Data") or {}
        lines.append("  Data" + ("" if data else "                (none)"))
        lines.extend(f"    {key:<26}{value}" for key, value in data.items())
    for invocation in result.invocations:
        if invocation.outcome != "response":
            lines.append(f"  invocation {invocation.outcome}: {json.dumps(invocation.body)}")
    calls = ", ".join(f"{name} x{count}" for name, count in sorted(result.calls.items()))
    lines.append(f"  Personalize calls   {calls or '(none)'}")
    for arn, reason in result.unseeded.items():
        lines.append(f"  Not seeded          {arn}")
        lines.extend(
            textwrap.wrap(reason, 100, initial_indent=" " * 22, subsequent_indent=" " * 22)
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: one event file, optional parameter overrides and artifact directory."""
    parser = argparse.ArgumentParser(
        prog="python -m localcloud.invoke",
        description=__doc__,
        formatter_class=functools.partial(argparse.RawDescriptionHelpFormatter, width=100),
    )
    parser.add_argument(
        "event", type=Path, help="a CloudFormation request, e.g. events/create.json"
    )
    parser.add_argument(
        "--parameter-overrides",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="template parameters, as sam deploy takes them (e.g. LogLevel=DEBUG)",
    )
    parser.add_argument(
        "--task-root",
        type=Path,
        default=HANDLER_DIR,
        help="the function's code: src/handler, or a sam build artifact directory",
    )
    parser.add_argument("--timeout", type=int, help="seconds per invocation (template's)")
    parser.add_argument(
        "--recipe",
        default=DEFAULT_RECIPE,
        help="the seeded solutions' recipe (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        event = read_event(args.event)
    except ValueError as refused:
        parser.exit(2, f"{parser.prog}: {refused}\n")
    try:
        result = run(
            event,
            parameters=dict(item.split("=", 1) for item in args.parameter_overrides),
            task_root=args.task_root.resolve(),
            timeout=args.timeout,
            echo=sys.stderr,
            recipe=args.recipe,
        )
    except ValueError as refused:  # a parameter CloudFormation would refuse, a bad override,
        # or a seeded state the recipe cannot have
        parser.error(str(refused))
    print(describe(result))
    wrong = problem(str(args.event), event, result.answers, result.calls, expected_for(args.event))
    if wrong:
        print(wrong, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
