"""`make test-sam-local`: the function as a SAM user runs it, in Lambda's container shape, through
SAM CLI's own `sam local invoke` and `sam local start-lambda` (its runtime interface emulator).

Needs a Docker engine, the built artifact (`sam build`) and the python3.13 arm64 base image
(tools/sam-local/run.sh sees to all three). The Personalize emulator and the response bucket
listen on the Docker bridge's address only, on the ports events/env.json and the events'
ResponseURLs name (4566, 8085), so the events/ files and the env file are used as they are:
- every events/ file through `sam local invoke`, the emulator seeded for it, each answer checked
  as `make invoke` checks it (localcloud.expected), and nothing of the ResponseURL in the output;
- the template's LogLevel: WARN shows no INFO line, DEBUG shows the handler's debug lines;
- a wait longer than one invocation: the Create is invoked asynchronously through
  `sam local start-lambda`, as CloudFormation invokes, and the function hands its wait to it
  through boto3's AWS_ENDPOINT_URL_LAMBDA; the request ends in one SUCCESS.
Prints one line per check; exits 1 if any failed, each failure naming its event and what came
back. Every process it starts is stopped, containers through SAM CLI (run.sh removes leftovers).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from localcloud.emulator import EmulatorServer, Timing, controls
from localcloud.expected import EVENTS, expected_for, problem
from localcloud.receiver import SECRET_MARKERS, Receiver
from localcloud.seed import read_events, seed_solutions

ROOT = EVENTS.parent
SAM = ROOT / ".venv" / "bin" / "sam"
BUILT = ROOT / ".aws-sam" / "build" / "template.yaml"
FUNCTION = "SolutionUpdateFunction"
IN_CONTAINER = "host.docker.internal"  # --add-host maps it to the bridge's address
EMULATOR_PORT, RECEIVER_PORT = 4566, 8085  # what events/env.json and the events name
# Seen here under qemu: 12-18 s per sam local invoke; the bound is for a machine under load.
INVOKE_WITHIN = 300.0
# The long wait: invocations of SHORT_TIMEOUT s, an update that outlasts the first one's waiting
# (its timeout less the 15 s the function keeps for the last call, the hand-off and the answer).
SHORT_TIMEOUT = 45
LONG_UPDATE = 40.0
ANSWER_WITHIN = 420.0  # seconds for the long wait's answer, a few invocations under qemu
SAM_FLAGS = ("--skip-pull-image", "--add-host", f"{IN_CONTAINER}:host-gateway")


def sam(args: list[str], timeout: float) -> tuple[int | None, str]:
    """SAM CLI with these arguments: its exit status (None: stopped after `timeout` seconds)
    and its output, stdout and stderr merged."""
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PATH": f"{SAM.parent}:{os.environ['PATH']}"}
    with tempfile.TemporaryFile(mode="w+") as output:
        process = subprocess.Popen(  # noqa: S603 - the repo's SAM CLI
            [str(SAM), *args], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            status: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(process)
            status = None
        output.seek(0)
        return status, output.read()


def stop(process: subprocess.Popen[Any]) -> None:
    """Ctrl-C, as a user stops SAM CLI (it then removes its containers); killed after 30 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def tail(output: str, lines: int = 15) -> str:
    """The last lines of SAM CLI's output, indented, for a failure message."""
    return "\n".join("    " + line for line in output.splitlines()[-lines:])


def leaked(output: str, event: dict[str, Any]) -> list[str]:
    """What of the presigned ResponseURL the output carries."""
    found = [marker for marker in SECRET_MARKERS if marker in output]
    return found + (["the ResponseURL"] if event["ResponseURL"] in output else [])


def log_levels(output: str, service_only: bool = False) -> set[str]:
    """The levels of the JSON log lines in the output (of the function's own logger only)."""
    levels = set()
    for line in output.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # SAM CLI's and the emulator's own lines
        ours = isinstance(record, dict) and (
            not service_only or record.get("service") == "personalize-solution-update"
        )
        if ours and "level" in record:
            levels.add(str(record["level"]))
    return levels


class SamLocal:
    """The emulator and the response bucket on the bridge's address, and the checks."""

    def __init__(self, bridge: str) -> None:
        self.bridge = bridge
        self.emulator = EmulatorServer(port=EMULATOR_PORT, host=bridge)
        self.receiver = Receiver(bind=(bridge, RECEIVER_PORT))

    def __enter__(self) -> SamLocal:
        self.emulator.__enter__()
        try:
            self.receiver.__enter__()
        except BaseException:
            self.emulator.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.receiver.__exit__()
        self.emulator.__exit__()

    def fresh(self, event: dict[str, Any] | None) -> int:
        """An empty emulator, seeded with the solutions the event names (none: nothing seeded);
        returns the number of calls so far, so that the request's own can be told apart."""
        controls.reset()
        if event is not None:
            seed_solutions(self.emulator.url, [event])
        return len(controls.calls)

    def outcome(
        self, event: dict[str, Any], before: int
    ) -> tuple[list[dict[str, Any]], Counter[str]]:
        """The answers the bucket received for the event, and the Personalize calls made."""
        answers = [r.body for r in self.receiver.responses_for(str(event["RequestId"]))]
        return answers, Counter(call.operation for call in controls.calls[before:])

    def invoke(self, path: Path, *extra: str) -> tuple[int | None, str]:
        """`sam local invoke` of the event file, with events/env.json, as the README says."""
        args = ["local", "invoke", FUNCTION, "-t", str(BUILT), "-e", str(path)]
        args += ["--env-vars", str(EVENTS / "env.json"), *SAM_FLAGS, *extra]
        return sam(args, INVOKE_WITHIN)

    def check_event(self, path: Path) -> str | None:
        """One events/ file through `sam local invoke`: the answer `make invoke` expects."""
        (event,) = read_events([path])
        before = self.fresh(event)
        status, output = self.invoke(path)
        answers, calls = self.outcome(event, before)
        label = f"{path.relative_to(ROOT)} through sam local invoke"
        wrong = problem(label, event, answers, calls, expected_for(path))
        if wrong is None and leaked(output, event):
            wrong = f"{label}: its output carries {leaked(output, event)}"
        return explain(wrong, status, output)

    def check_log_level(self, level: str, shown: str | None, hidden: set[str]) -> str | None:
        """events/create.json on an empty emulator (the Create fails at once, logging at INFO
        and WARNING) with LogLevel=`level`: `shown` among the handler's levels, `hidden` absent."""
        path = EVENTS / "create.json"
        self.fresh(None)
        status, output = self.invoke(path, "--parameter-overrides", f"LogLevel={level}")
        seen, own = log_levels(output), log_levels(output, service_only=True)
        label = f"{path.relative_to(ROOT)} with LogLevel={level}"
        wrong = None
        if not own:
            wrong = f"{label}: no JSON log line of the handler came back"
        elif hidden & seen:
            wrong = f"{label}: {sorted(hidden & seen)} lines came back, levels seen {sorted(seen)}"
        elif shown and shown not in own:
            wrong = f"{label}: no {shown} line of the handler came back, levels {sorted(own)}"
        return explain(wrong, status, output)

    def check_long_wait(self) -> str | None:
        """events/create.json invoked asynchronously through `sam local start-lambda`, with
        invocations shorter than the update: the function hands its wait on through
        AWS_ENDPOINT_URL_LAMBDA, and the request ends in one SUCCESS."""
        path = EVENTS / "create.json"
        (event,) = read_events([path])
        before = self.fresh(event)
        controls.timing = Timing(update_in_progress=LONG_UPDATE)
        label = f"{path.relative_to(ROOT)} through sam local start-lambda ({SHORT_TIMEOUT} s"
        label += f" invocations, a {LONG_UPDATE:.0f} s update)"
        with short_invocations() as template, start_lambda(self.bridge, template) as lam:
            url, output = lam
            client = boto3.client(
                "lambda",
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",  # noqa: S106 - SAM CLI checks none
                config=Config(retries={"max_attempts": 0}, read_timeout=30),
            )
            queued = client.invoke(
                FunctionName=FUNCTION, InvocationType="Event", Payload=json.dumps(event).encode()
            )
            wait_for(lambda: bool(self.outcome(event, before)[0]), ANSWER_WITHIN)
            time.sleep(5)  # a second answer, were there one, would come now
            answers, calls = self.outcome(event, before)
        text = output()
        invocations = text.count("START RequestId")
        wrong = problem(label, event, answers, calls, expected_for(path))
        if wrong is None and queued["StatusCode"] != 202:
            wrong = f"{label}: the Event invoke got {queued['StatusCode']}, not 202"
        if wrong is None and invocations < 2:
            wrong = f"{label}: answered in {invocations} invocation(s), without a hand-off"
        if wrong is None and leaked(text, event):
            wrong = f"{label}: its output carries {leaked(text, event)}"
        return explain(wrong, "stopped when the answer was in", text)


def explain(wrong: str | None, status: int | str | None, output: str) -> str | None:
    """A failure with how SAM CLI ended (its exit status, None: stopped at its time bound) and
    the end of its output."""
    if wrong is None:
        return None
    ended = "stopped at its time bound" if status is None else status
    if isinstance(ended, int):
        ended = f"exit {ended}"
    return f"{wrong}\n  SAM CLI: {ended}; its last lines:\n{tail(output)}"


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll the condition every half second for at most `seconds`."""
    give_up = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > give_up:
            return False
        time.sleep(0.5)
    return True


@contextmanager
def short_invocations() -> Iterator[Path]:
    """The built template with the function's Timeout at SHORT_TIMEOUT s, beside the original
    (its CodeUri is relative); removed afterwards."""
    text = BUILT.read_text()
    if text.count("Timeout: 900\n") != 1:
        raise RuntimeError(f"{BUILT} does not set the function's Timeout: 900 once")
    short = BUILT.with_name("template-short-invocations.yaml")
    short.write_text(text.replace("Timeout: 900\n", f"Timeout: {SHORT_TIMEOUT}\n"))
    try:
        yield short
    finally:
        short.unlink()


@contextmanager
def start_lambda(bridge: str, template: Path) -> Iterator[tuple[str, Callable[[], str]]]:
    """`sam local start-lambda` on the bridge's address, the function's AWS_ENDPOINT_URL_LAMBDA
    pointing back at it; yields its URL and a reader of its output. Stopped on exit."""
    with socket.socket() as probe:  # a free port on the bridge
        probe.bind((bridge, 0))
        port = probe.getsockname()[1]
    environment = json.loads((EVENTS / "env.json").read_text())
    environment[FUNCTION]["AWS_ENDPOINT_URL_LAMBDA"] = f"http://{IN_CONTAINER}:{port}"
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PATH": f"{SAM.parent}:{os.environ['PATH']}"}
    with (
        tempfile.NamedTemporaryFile("w", suffix=".json") as env_file,
        tempfile.TemporaryFile("w+") as output,
    ):
        json.dump(environment, env_file)
        env_file.flush()
        args = ["local", "start-lambda", "-t", str(template), "--host", bridge, "--port", str(port)]
        args += ["--env-vars", env_file.name, *SAM_FLAGS]
        process = subprocess.Popen(  # noqa: S603 - the repo's SAM CLI
            [str(SAM), *args], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )

        def read() -> str:
            output.seek(0)
            return output.read()

        try:
            if not wait_for(lambda: listening(bridge, port) or process.poll() is not None, 60):
                raise RuntimeError(
                    f"sam local start-lambda did not listen within 60 s:\n{tail(read())}"
                )
            if process.poll() is not None:
                raise RuntimeError(f"sam local start-lambda ended:\n{tail(read())}")
            yield f"http://{bridge}:{port}", read
        finally:
            stop(process)


def listening(host: str, port: int) -> bool:
    """Whether something accepts connections there."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def main() -> None:
    """Run every check, one line each; exit 1 if any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bridge", required=True, help="the Docker bridge's address (gateway)")
    args = parser.parse_args()
    files = sorted(p for p in EVENTS.glob("*.json") if p.name != "env.json")
    failures = []
    with SamLocal(args.bridge) as local:
        checks: list[tuple[str, Callable[[], str | None]]] = [
            (f"sam local invoke {p.relative_to(ROOT)}", partial(local.check_event, p))
            for p in files
        ]
        checks += [
            ("LogLevel=WARN", lambda: local.check_log_level("WARN", None, {"INFO", "DEBUG"})),
            ("LogLevel=DEBUG", lambda: local.check_log_level("DEBUG", "DEBUG", set())),
            ("long wait via start-lambda", local.check_long_wait),
        ]
        for name, check in checks:
            started = time.monotonic()
            wrong = check()
            took = time.monotonic() - started
            print(f"{'FAIL' if wrong else 'ok  '} {name} ({took:.0f} s)", flush=True)
            if wrong:
                failures.append(wrong)
    for wrong in failures:
        print(f"\nFAILED: {wrong}", file=sys.stderr)
    print(f"sam-local: {len(checks) - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
