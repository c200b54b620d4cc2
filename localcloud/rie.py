"""The function run as Lambda runs it, without Docker: AWS's Lambda runtime interface emulator
(`aws-lambda-rie`, the static binary SAM CLI's wheel ships for its containers) starting Lambda's
Python runtime client (`python -m awslambdaric <handler>`) in the function's code folder.

The emulator serves the Runtime API on 127.0.0.1 (the deadline header the handler counts from,
set from AWS_LAMBDA_FUNCTION_TIMEOUT), keeps the runtime warm between invocations, kills it at
its deadline ("Task timed out after N.00 seconds") and starts a new one for the next, and
answers 502 when the runtime cannot start or dies. What it lacks, and what stands in here:
- Asynchronous invocation: it runs every invoke synchronously, so the function's hand-off of a
  long wait goes to localcloud.lambda_service, and `play` delivers what was queued there.
- X-Amz-Function-Error: an error the handler raised comes back as a 200 like a response; it is
  told apart by its body, the runtime client's error document.
- JSON platform lines: its START, END and REPORT lines are text whatever the log format, so
  `output` (the function's own lines) leaves them out; `echo` shows them.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from localcloud.function_config import HANDLER_DIR, ROOT, FunctionConfig, lambda_environment
from localcloud.lambda_service import LambdaService
from localcloud.loopback import listening

INVOKE_PATH = "/2015-03-31/functions/function/invocations"
TIMED_OUT = "Task timed out after"  # the emulator's whole answer to an invocation it killed
PLATFORM_LINES = ("START RequestId: ", "END RequestId: ", "REPORT RequestId: ")
ERROR_DOCUMENT = {"errorMessage", "errorType", "stackTrace"}  # what the runtime client posts
STARTUP_LIMIT = 10.0  # seconds for the emulator to listen
STOP_GRACE = 5.0  # seconds for the emulator to kill its runtime and exit on SIGTERM


def emulator_binary() -> Path:
    """The emulator for this machine's architecture, from SAM CLI's venv (made by `make`)."""
    arch = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
    name = f"aws-lambda-rie-{arch[platform.machine().lower()]}"
    found = sorted(ROOT.glob(f".venv/sam/lib/python*/site-packages/samcli/local/rapid/{name}"))
    if not found:
        raise RuntimeError(f"{name} not found in .venv/sam (SAM CLI's venv): run make")
    return found[-1]


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Invocation:
    """One event handed to the function, and how it ended: "response", "error" (the handler
    raised), "timeout" (killed at its deadline) or "exited" (the runtime could not start or
    died). The deadline the runtime was given is no earlier than `deadline_ms` (epoch ms): the
    emulator starts its clock when the request reaches it."""

    event: dict[str, Any] = field(repr=False)  # its ResponseURL is a secret
    deadline_ms: int
    outcome: str
    body: Any


def outcome_of(status: int, text: str) -> tuple[str, Any]:
    """The outcome and body of the emulator's answer to an invocation."""
    if status == 502:
        return "exited", json.loads(text)
    if status != 200:
        raise RuntimeError(f"the runtime interface emulator answered {status}: {text[:200]}")
    if text.startswith(TIMED_OUT):
        return "timeout", {"errorMessage": text}
    body = json.loads(text) if text else None
    error = isinstance(body, dict) and set(body) >= ERROR_DOCUMENT
    return ("error" if error else "response"), body


class LocalFunction:
    """The function under the emulator, on two free 127.0.0.1 ports. `environment` is laid over
    the template's variables (local endpoints). The emulator's output goes to a file, like a log
    stream: what the function wrote before answering is complete when the answer is in. `echo`
    gets it as it comes. The emulator and every runtime it started are gone on exit."""

    def __init__(
        self,
        config: FunctionConfig,
        *,
        task_root: Path = HANDLER_DIR,
        environment: Mapping[str, str] | None = None,
        echo: IO[str] | None = None,
    ) -> None:
        self.config = config
        self.task_root = task_root
        self.overrides = dict(environment or {})
        self.echo = echo
        self.pids: list[int] = []  # each runtime process seen running after an invocation
        self._logs = tempfile.TemporaryDirectory(prefix="local-lambda-")
        self.log_path = Path(self._logs.name) / "output.log"  # the runtime's and the emulator's
        self.emulator_log = Path(self._logs.name) / "emulator.log"  # its own diagnostics
        self.log_path.touch()
        self._lines: list[str] = []
        self._stopped = threading.Event()
        self._echoing: threading.Thread | None = None
        self._emulator: subprocess.Popen[bytes] | None = None
        self._port = 0  # where the emulator takes invocations, once started

    def __enter__(self) -> LocalFunction:
        try:
            self._emulator = self._start()
        except BaseException:
            self._logs.cleanup()
            raise
        if self.echo:
            self._echoing = threading.Thread(target=self._tail, args=(self.echo,), daemon=True)
            self._echoing.start()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._stop()
        finally:
            self._stopped.set()
            if self._echoing:
                self._echoing.join(timeout=5)
            self._lines = self.output  # still readable once the file is gone
            self._logs.cleanup()

    def _start(self) -> subprocess.Popen[bytes]:
        """The emulator, listening, with the runtime command it starts on the first invoke."""
        self._port = free_port()
        command = [
            str(emulator_binary()),
            f"--runtime-interface-emulator-address=127.0.0.1:{self._port}",
            f"--runtime-api-address=127.0.0.1:{free_port()}",
            sys.executable,
            "-m",
            "awslambdaric",
            self.config.handler,
        ]
        env = {**lambda_environment(self.config, self.task_root), **self.overrides}
        with self.log_path.open("ab") as sink, self.emulator_log.open("ab") as diagnostics:
            emulator = subprocess.Popen(  # noqa: S603 - AWS's binary, our interpreter and module
                command,
                cwd=self.task_root,
                env=env,  # the emulator passes its whole environment to the runtime
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=diagnostics,
                start_new_session=True,
            )
        ready_by = time.monotonic() + STARTUP_LIMIT
        while not listening("127.0.0.1", self._port):
            if emulator.poll() is not None or time.monotonic() > ready_by:
                self._end(emulator)
                log = self.emulator_log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the runtime interface emulator did not start:\n{log}")
            time.sleep(0.05)
        return emulator

    def _stop(self) -> None:
        """Stop the emulator (it kills its runtime), then any runtime it left."""
        emulator, self._emulator = self._emulator, None
        if emulator is None:
            return
        left = list(self._runtimes(emulator.pid))
        self._end(emulator)
        for pid in left:  # each is its own process group (the emulator starts them so)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)

    @staticmethod
    def _end(emulator: subprocess.Popen[bytes]) -> None:
        """SIGTERM, as at a shutdown, then SIGKILL if it has not exited within STOP_GRACE."""
        emulator.terminate()
        try:
            emulator.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            emulator.kill()
            emulator.wait()

    @staticmethod
    def _runtimes(pid: int) -> Iterator[int]:
        """The emulator's child processes now: its runtime, when one runs."""
        for children in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                yield from map(int, children.read_text().split())
            except OSError:  # a thread that ended meanwhile
                continue

    @property
    def cold_starts(self) -> int:
        """How many times the emulator has started the runtime (its "INIT START" lines)."""
        if not self.emulator_log.exists():
            return 0
        return self.emulator_log.read_text(errors="replace").count("INIT START")

    @property
    def output(self) -> list[str]:
        """Every line the function has written so far (all its runtimes), without the
        emulator's START, END and REPORT lines."""
        if not self.log_path.exists():
            return self._lines
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if not line.startswith(PLATFORM_LINES)]

    def _tail(self, echo: IO[str]) -> None:
        """Copy the log to echo as it grows, until stopped (then the rest)."""
        with self.log_path.open(errors="replace") as source:
            while True:
                stopped = self._stopped.wait(0.1)
                echo.write(source.read())
                echo.flush()
                if stopped:
                    return

    def invoke(self, event: dict[str, Any]) -> Invocation:
        """Hand one event to the function and wait for its end, as the emulator reports it."""
        assert self._emulator is not None, "not started"
        connection = http.client.HTTPConnection(
            "127.0.0.1", self._port, timeout=self.config.timeout + STARTUP_LIMIT
        )
        deadline_ms = int((time.time() + self.config.timeout) * 1000)
        try:
            connection.request("POST", INVOKE_PATH, json.dumps(event).encode())
            answer = connection.getresponse()
            status, text = answer.status, answer.read().decode()
        finally:
            connection.close()
        self.pids.extend(pid for pid in self._runtimes(self._emulator.pid) if pid not in self.pids)
        outcome, body = outcome_of(status, text)
        return Invocation(event, deadline_ms, outcome, body)

    def play(self, event: dict[str, Any], invoked: LambdaService) -> list[Invocation]:
        """Invoke with the event, then with each asynchronous invocation of itself that it asked
        Lambda for (the hand-off of a long wait), as Lambda would, until none is queued (or
        LambdaService's cap)."""
        first = self.invoke(event)
        return [first, *map(self.invoke, invoked.hand_offs(str(event.get("RequestId"))))]
