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
import ipaddress
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
from typing import IO, Any

import boto3
from botocore.config import Config

from localcloud.emulator import EmulatorServer, Timing, controls
from localcloud.expected import EVENTS, expected_for, problem
from localcloud.loopback import listening
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
# The long wait: invocations of SHORT_TIMEOUT s and an update of LONG_UPDATE s. The first
# invocation spends its cold start (10-40 s here: the imports under qemu) and keeps 15 s (the last
# call, the hand-off, the answer), so it waits at most 75 s and must hand off; the next, in the
# warm container, has 75 s for what is left of the update.
SHORT_TIMEOUT = 90
LONG_UPDATE = 90.0
# Seconds for start-lambda to listen, its EAGER container start first: 13 s seen here from a fresh
# Docker state; the rest is room for a loaded machine (the 180 s once seen was a probe of the
# wrong host, when the bridge's address came back empty).
LISTEN_WITHIN = 120.0
ANSWER_WITHIN = 420.0  # seconds for the long wait's answer, a few invocations under qemu
SAM_FLAGS = ("--skip-pull-image", "--add-host", f"{IN_CONTAINER}:host-gateway")
# SAM CLI's words when it posted the event before the container's runtime interface emulator
# listened: Docker's port proxy accepts connections at once, and SAM CLI retries for 0.7 s only,
# less than the emulator may take to start under qemu on a loaded machine. The event never
# reached the function (no START line), so the invoke is tried again, at most ATTEMPTS times.
NO_RESPONSE = "No response from invoke container"
ATTEMPTS = 6


def sam(args: list[str], timeout: float) -> tuple[int | str | None, str]:
    """SAM CLI with these arguments: its exit status (None: stopped after `timeout` seconds;
    NO_RESPONSE: stopped once it said so) and its output, stdout and stderr merged."""
    with tempfile.TemporaryFile(mode="w+") as output:
        process = launch(args, output)
        give_up = time.monotonic() + timeout
        status: int | str | None = None
        while (status := process.poll()) is None:
            output.seek(0)
            if NO_RESPONSE in output.read():
                # It then waits out the function's Timeout (900 s) before it exits.
                stop(process)
                status = NO_RESPONSE
                break
            if time.monotonic() > give_up:
                stop(process)
                break
            time.sleep(0.5)
        output.seek(0)
        return status, output.read()


def launch(args: list[str], output: IO[str]) -> subprocess.Popen[bytes]:
    """Start SAM CLI with these arguments, its stdout and stderr into `output`."""
    return subprocess.Popen(  # noqa: S603 - the repo's SAM CLI
        [str(SAM), *args], cwd=ROOT, env=sam_environment(), stdout=output, stderr=subprocess.STDOUT
    )


def sam_environment() -> dict[str, str]:
    """This environment for SAM CLI, with fake credentials and a region: it passes credentials on
    to the function, and without any it would look for them beyond this machine (the instance
    metadata service)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return env | {
        "SAM_CLI_TELEMETRY": "0",
        "PATH": f"{SAM.parent}:{os.environ['PATH']}",
        "AWS_ACCESS_KEY_ID": "ASIAFAKELOCALSAMCLI0",
        "AWS_SECRET_ACCESS_KEY": "fake-secret-for-sam-local",
        "AWS_SESSION_TOKEN": "fake-session-token-for-sam-local",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


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
        """An empty emulator, seeded with the solutions the event names (none: nothing seeded),
        and an empty bucket (the checks reuse request ids); returns the number of calls so far,
        so that the request's own can be told apart."""
        with self.receiver.lock:
            self.receiver.received.clear()
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

    def invoke(self, path: Path, *extra: str) -> tuple[int | str | None, str]:
        """`sam local invoke` of the event file, with events/env.json, as the README says; tried
        again while SAM CLI lost the race to the container's emulator before the function ran."""
        args = ["local", "invoke", FUNCTION, "-t", str(BUILT), "-e", str(path)]
        args += ["--env-vars", str(EVENTS / "env.json"), *SAM_FLAGS, *extra]
        status, output = sam(args, INVOKE_WITHIN)
        for _ in range(ATTEMPTS - 1):
            if status != NO_RESPONSE or "START RequestId" in output:
                break
            print(f"     ({path.name}: {NO_RESPONSE}, before the function ran: again)", flush=True)
            status, output = sam(args, INVOKE_WITHIN)
        return status, output

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
            url, transcript = lam
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
        text = "".join(transcript)
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
def start_lambda(bridge: str, template: Path) -> Iterator[tuple[str, list[str]]]:
    """`sam local start-lambda` on the bridge's address, the function's AWS_ENDPOINT_URL_LAMBDA
    pointing back at it; yields its URL and a list that holds its output once it is stopped,
    on exit."""
    with socket.socket() as probe:  # a free port on the bridge
        probe.bind((bridge, 0))
        port = probe.getsockname()[1]
    environment = json.loads((EVENTS / "env.json").read_text())
    environment[FUNCTION]["AWS_ENDPOINT_URL_LAMBDA"] = f"http://{IN_CONTAINER}:{port}"
    with (
        tempfile.NamedTemporaryFile("w", suffix=".json") as env_file,
        tempfile.TemporaryFile("w+") as output,
    ):
        json.dump(environment, env_file)
        env_file.flush()
        args = ["local", "start-lambda", "-t", str(template), "--host", bridge, "--port", str(port)]
        # EAGER: the container starts with the server, so its emulator listens before the
        # first invoke (no race, see NO_RESPONSE); the hand-off then reaches that warm container.
        args += ["--env-vars", env_file.name, "--warm-containers", "EAGER", *SAM_FLAGS]
        process = launch(args, output)

        def read() -> str:
            output.seek(0)
            return output.read()

        try:
            started = time.monotonic()
            if not wait_for(
                lambda: listening(bridge, port) or process.poll() is not None, LISTEN_WITHIN
            ):
                raise RuntimeError(
                    f"sam local start-lambda did not listen within {LISTEN_WITHIN:.0f} s:\n"
                    f"{tail(read())}"
                )
            took = time.monotonic() - started
            print(f"     start-lambda listened after {took:.0f} s", flush=True)
            if process.poll() is not None:
                raise RuntimeError(f"sam local start-lambda ended:\n{tail(read())}")
            time.sleep(5)  # for the warm container's emulator to listen (see NO_RESPONSE)
            transcript: list[str] = []
            yield f"http://{bridge}:{port}", transcript
        finally:
            stop(process)
        transcript.append(read())


def bridge_address(text: str) -> str:
    """The Docker bridge's address, refused unless it is a private, non-loopback address of this
    machine: an empty host would listen on every interface, and loopback is out of the
    containers' reach."""
    if not text:
        raise argparse.ArgumentTypeError(
            "empty: the Docker bridge's interface has no IPv4 address (is dockerd running?); "
            "an empty host would listen on every interface"
        )
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an IP address") from None
    if address.is_unspecified or address.is_loopback or not address.is_private:
        raise argparse.ArgumentTypeError(
            f"{text} is not a private address the containers can reach (loopback, unspecified "
            "and public addresses are refused: the tests listen on the bridge only)"
        )
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    with socket.socket(family) as probe:
        try:
            probe.bind((text, 0))
        except OSError as error:
            raise argparse.ArgumentTypeError(
                f"{text} is not an address of this machine ({error.strerror})"
            ) from None
    return text


def main() -> None:
    """Run every check, one line each; exit 1 if any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bridge", required=True, type=bridge_address, help="the Docker bridge's own IPv4 address"
    )
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
