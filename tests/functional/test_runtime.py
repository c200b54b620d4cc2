"""The function as Lambda runs it: Lambda's own Python runtime client (awslambdaric) started by
AWS's runtime interface emulator, with the environment Lambda sets from template.yaml.

Deadlines come from the runtime's Lambda-Runtime-Deadline-Ms header; log lines are JSON at the
level the template's LogLevel gives Lambda's logging controls; the presigned ResponseURL appears
nowhere in the function's output; a long wait hands off through the Lambda Invoke stand-in and
answers once; and every file in events/ gets the answer the README promises, through the code
behind `make invoke`.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from budget import ANSWER_RESERVE, HAND_OFF_CALL
from localcloud.emulator import Timing, controls
from localcloud.expected import EXPECTED, expected_for, problem
from localcloud.function_config import HANDLER_DIR, FunctionConfig, lambda_environment
from localcloud.invoke import LocalCloud, Result, run
from localcloud.receiver import SECRET_MARKERS
from localcloud.rie import LocalFunction
from localcloud.seed import seed_solutions
from solution_rules.limits import PERSONALIZE_CALL, start_lead

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
SERVICE = "personalize-solution-update"
# The function spends its remaining time on Personalize less what it keeps: the answer, the
# hand-off call and the last Personalize call it may start; a start also needs its two reads and
# the confirm delay before UpdateSolution (start_lead, 15 s). Just above that floor (1.5 s for
# the runtime's start, rounded up to Lambda's whole seconds), the first invocation waits until
# 17 s: an update that takes as long from UpdateSolution (about 1 s in) settles in the second,
# at its second check (2 s later).
KEPT = ANSWER_RESERVE + HAND_OFF_CALL.worst_case() + PERSONALIZE_CALL.worst_case()
SHORT_INVOCATION = math.ceil(KEPT + start_lead() + 1.5)
LONGER_THAN_ONE_SHORT_INVOCATION = SHORT_INVOCATION - KEPT


def read(name: str) -> dict:
    """An event file of events/."""
    return json.loads((EVENTS / name).read_text())


def make_invoke(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`make invoke`'s command with these arguments, as a user runs it, bounded in time."""
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "localcloud.invoke", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def log_lines(result: Result) -> list[dict]:
    """The function's output, each line parsed: all of it must be JSON, as LogFormat JSON says."""
    parsed = []
    for number, line in enumerate(result.output, start=1):
        try:
            parsed.append(json.loads(line))
        except ValueError:
            # Not the line itself: it could carry what assert_clean looks for.
            pytest.fail(f"line {number} of the function's output is not JSON")
    return parsed


def levels(result: Result, service_only: bool = False) -> set[str]:
    """The levels of the log lines (of the function's own logger only, if asked)."""
    return {
        line["level"]
        for line in log_lines(result)
        if "level" in line and (not service_only or line.get("service") == SERVICE)
    }


def assert_clean(result: Result) -> None:
    """No presigned parameter, and not the ResponseURL itself, in anything the function wrote."""
    text = "\n".join(result.output)
    assert result.output, "the function wrote nothing; the check would be empty"
    leaked = [marker for marker in SECRET_MARKERS if marker in text]
    assert not leaked, f"the function's output carries presigned URL material: {leaked}"
    assert result.event["ResponseURL"] not in text


def assert_stopped(pids: list[int]) -> None:
    """Every runtime process started is gone (killed and reaped)."""
    assert pids
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.fixture(autouse=True)
def fresh_emulator():
    """Each local cloud starts from an empty emulator with its default timing."""
    controls.reset()
    yield
    controls.reset()


def test_the_function_gets_lambdas_environment_and_the_templates_not_this_process(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("AWS_PROFILE", "someone")
    config = FunctionConfig.from_template()
    assert (config.handler, config.memory_mb, config.timeout) == ("app.lambda_handler", 256, 900)
    env = lambda_environment(config, HANDLER_DIR)
    assert env["LAMBDA_TASK_ROOT"] == str(HANDLER_DIR)
    assert env["_HANDLER"] == "app.lambda_handler"
    assert env["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "900"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert (env["AWS_LAMBDA_LOG_FORMAT"], env["AWS_LAMBDA_LOG_LEVEL"]) == ("JSON", "INFO")
    assert env["POWERTOOLS_TRACE_DISABLED"] == "true"  # the template's !If, EnableTracing false
    assert env.get("POWERTOOLS_LOG_LEVEL") != "DEBUG"
    assert "AWS_PROFILE" not in env


def test_parameter_overrides_are_checked_as_cloudformation_checks_them():
    with pytest.raises(ValueError, match="declares no parameter Nope"):
        FunctionConfig.from_template({"Nope": "1"})
    with pytest.raises(ValueError, match="EnableTracing=maybe is not one of"):
        FunctionConfig.from_template({"EnableTracing": "maybe"})
    traced = FunctionConfig.from_template({"EnableTracing": "true"})
    assert traced.environment["POWERTOOLS_TRACE_DISABLED"] == "false"


def test_every_event_file_has_an_expected_answer():
    files = {path.name for path in EVENTS.glob("*.json") if path.name != "env.json"}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_event_file_gets_its_answer_through_make_invoke(name):
    event = read(name)
    result = run(event)
    assert_clean(result)
    wrong = problem(name, event, result.answers, result.calls, expected_for(EVENTS / name))
    assert wrong is None, wrong
    assert [i.outcome for i in result.invocations] == ["response"]
    assert "DEBUG" not in levels(result), "the template's default LogLevel is INFO"
    assert "INFO" in levels(result, service_only=True)


def test_the_deadline_the_handler_sees_is_the_runtime_header():
    """The template says 900 s, but the function runs with 10 s: the handler must count from the
    header the emulator sets from that, and answer FAILED before it."""
    event = read("create.json")
    with LocalCloud(timeout=10) as cloud:
        seed_solutions(cloud.emulator.url, [event])
        result = cloud.deliver(event)
        answered_at = cloud.receiver.received[0].wall
    assert_clean(result)
    (invocation,) = result.invocations
    assert answered_at < invocation.deadline_ms / 1000
    (answer,) = result.answers
    assert answer["Status"] == "FAILED"
    seconds_left = re.search(r"had (\d+) s left", answer["Reason"])
    assert seconds_left, answer["Reason"]
    assert int(seconds_left.group(1)) <= 10
    assert result.calls["UpdateSolution"] == 0


@pytest.mark.parametrize(
    ("log_level", "shown", "hidden"),
    [
        ("DEBUG", {"DEBUG", "INFO", "WARN"}, set()),
        ("INFO", {"INFO", "WARN"}, {"DEBUG"}),
        ("WARN", {"WARN"}, {"DEBUG", "INFO"}),
    ],
)
def test_log_lines_are_json_at_the_level_lambda_logging_controls_set(log_level, shown, hidden):
    """A Create on a missing solution fails at once, logging at INFO and WARNING; the template's
    LogLevel reaches the function as Lambda's AWS_LAMBDA_LOG_LEVEL."""
    with LocalCloud(parameters={"LogLevel": log_level}) as cloud:
        assert cloud.config.log_level == log_level, (
            "LogLevel does not reach Lambda's logging controls (LoggingConfig.ApplicationLogLevel)"
        )
        result = cloud.deliver(read("create.json"))
    assert_clean(result)
    assert result.answers[0]["Status"] == "FAILED"
    seen = levels(result)
    # Lambda files a line whose level it does not know (e.g. Python's WARNING) under INFO
    assert seen <= {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}, seen
    assert shown <= seen, f"LogLevel={log_level}: expected {shown} among {seen}"
    assert not hidden & seen, f"LogLevel={log_level}: {hidden & seen} should be hidden"
    if log_level == "DEBUG":
        assert "DEBUG" in levels(result, service_only=True), "no DEBUG line from the handler"


def test_a_long_wait_hands_off_through_lambda_and_answers_once():
    """At DEBUG, the most verbose level, across invocations: the hand-off payload carries the
    ResponseURL, yet it appears nowhere in the output."""
    event = read("create.json")
    with LocalCloud(timeout=SHORT_INVOCATION, parameters={"LogLevel": "DEBUG"}) as cloud:
        controls.timing = Timing(update_in_progress=LONGER_THAN_ONE_SHORT_INVOCATION)
        seed_solutions(cloud.emulator.url, [event])
        result = cloud.deliver(event)
        assert cloud.invoked.invoked == len(result.invocations) - 1
        assert cloud.invoked.queued == []
        pids = cloud.function.pids
    assert_clean(result)
    assert_stopped(pids)
    assert len(result.invocations) >= 2
    assert [i.outcome for i in result.invocations] == ["response"] * len(result.invocations)
    (answer,) = result.answers
    assert answer["Status"] == "SUCCESS", answer
    assert answer["Data"]["SchedulingExpression"] == "rate(5 days)"
    assert result.calls["UpdateSolution"] == 1
    assert len(pids) == 1, "the hand-off should reach the warm runtime, not a new process"


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-9"])
def test_make_invoke_answers_a_solution_outside_the_function_region(region):
    """Nothing is seeded outside the function's region (the emulator cannot serve us-east-9):
    make invoke shows the handler's one answer, not a seeding traceback. What the answer says
    is the malformed-inputs suite's (solution-in-another-region, region-that-does-not-exist)."""
    event = read("create.json")
    arn = event["ResourceProperties"]["SolutionArn"].replace(":us-east-1:", f":{region}:")
    event["ResourceProperties"]["SolutionArn"] = arn
    (answer,) = run(event).answers
    assert answer["Status"] == "FAILED"


INCREMENTAL = {"PerformIncrementalUpdate": "true"}
EVENTS_CONFIG = {
    "SolutionUpdateConfig": {
        "EventsConfig": {"EventParametersList": [{"EventType": "click", "Weight": "0.5"}]}
    }
}


@pytest.mark.parametrize(
    ("recipe", "asked", "says"),
    [
        (None, INCREMENTAL, "performIncrementalUpdate is supported only for solutions that use"),
        ("aws-semantic-similarity", EVENTS_CONFIG, "eventsConfig is supported only for"),
    ],
    ids=["incremental-on-the-default-recipe", "events-on-semantic-similarity"],
)
def test_make_invoke_refuses_what_the_seeded_solutions_recipe_does_not_support(
    tmp_path, recipe, asked, says
):
    """make invoke seeds aws-user-personalization-v2 unless --recipe says otherwise; a setting
    the recipe does not support gets the handler's FAILED carrying Personalize's message (what
    each recipe supports: test_emulator_fidelity.py)."""
    event = read("create.json")
    event["ResourceProperties"] = {**event["ResourceProperties"], **asked}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    done = make_invoke(str(path), *(["--recipe", recipe] if recipe else []))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Status              FAILED" in done.stdout, done.stdout
    assert "Personalize rejected the request (InvalidInputException" in done.stdout
    assert says in done.stdout, done.stdout


def test_make_invoke_exits_non_zero_when_no_answer_comes(tmp_path):
    """A task root without the handler: the runtime reports its init error and exits, no answer
    reaches the bucket, and the command says so and fails."""
    done = make_invoke(str(EVENTS / "create.json"), "--task-root", str(tmp_path))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "0 answer(s)" in done.stdout
    assert "Runtime.ImportModuleError" in done.stdout
    assert "exactly one answer" in done.stderr


def test_an_invocation_past_its_timeout_is_killed_and_the_next_gets_a_new_runtime(tmp_path):
    """What the emulator reports, as make invoke shows it: a handler still running at its
    timeout is killed ("timeout"), the next invocation starts a new runtime, and a handler that
    raises comes back as the runtime client's error document ("error"), not as a response."""
    (tmp_path / "app.py").write_text(
        "import time\n"
        "def lambda_handler(event, context):\n"
        "    time.sleep(event.get('sleep', 0))\n"
        "    if event.get('raise'):\n"
        "        raise ValueError('raised on purpose')\n"
        "    return {'left_ms': context.get_remaining_time_in_millis()}\n"
    )
    config = replace(FunctionConfig.from_template(), timeout=1)
    with LocalFunction(config, task_root=tmp_path) as function:
        slow = function.invoke({"sleep": 5})
        raised = function.invoke({"raise": True})
        answered = function.invoke({})
        cold_starts, pids = function.cold_starts, list(function.pids)
    assert (slow.outcome, slow.body) == (
        "timeout",
        {"errorMessage": "Task timed out after 1.00 seconds"},
    )
    assert (raised.outcome, raised.body["errorType"]) == ("error", "ValueError")
    assert answered.outcome == "response"
    assert 0 < answered.body["left_ms"] <= 1000
    assert cold_starts == 2, "the killed runtime should be replaced by one new runtime"
    assert_stopped(pids)
