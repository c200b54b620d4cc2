"""The function run as Lambda runs it, without Docker: Lambda's own Python runtime client
(awslambdaric) against a stand-in for the Lambda Runtime API.

- `RuntimeAPI` serves the documented Runtime API on 127.0.0.1: `GET /2018-06-01/runtime/invocation/
  next` hands out queued events one at a time (held open until there is one) with the headers Lambda
  sends; `POST .../invocation/<id>/response`, `.../invocation/<id>/error` and `.../init/error` are
  recorded and answered 202.
- `FunctionConfig` reads the function's settings from template.yaml, as deployed: handler, memory,
  timeout, log format and level (Lambda's logging controls), and its environment variables,
  resolved with the template's parameters (defaults, or overrides checked as CloudFormation would).
- `LocalFunction` starts `python -m awslambdaric app.lambda_handler` with the environment Lambda
  sets, keeps it warm between invocations, kills it (and starts a new one next time) when an
  invocation outlives its deadline or the process dies, and kills it on exit: no process survives.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

import yaml  # type: ignore[import-untyped]

from localcloud.cloudformation import FUNCTION_NAME, REGION, SERVICE_TOKEN
from localcloud.lambda_service import LambdaService
from localcloud.loopback import QuietHandler, serve, stop

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
HANDLER_DIR = ROOT / "src" / "handler"
FUNCTION = "SolutionUpdateFunction"
PREFIX = "/2018-06-01/runtime"
# The values Lambda's advanced logging controls accept for ApplicationLogLevel.
LAMBDA_LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
INIT_LIMIT = 10.0  # seconds Lambda gives a new runtime to ask for its first event
KILL_GRACE = 1.0  # seconds past the deadline before the process is killed, as Lambda would
NO_VALUE = object()  # AWS::NoValue: the property is left out


class Template:
    """A SAM template's parameters, conditions and mappings, to resolve the intrinsic functions
    a function's settings use (Ref, Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::FindInMap)."""

    def __init__(self, path: Path, overrides: Mapping[str, str]) -> None:
        self.body: dict[str, Any] = yaml.load(path.read_text(), Loader=_TemplateLoader)  # noqa: S506
        declared: dict[str, Any] = self.body.get("Parameters", {})
        unknown = set(overrides) - set(declared)
        if unknown:
            raise ValueError(f"{path.name} declares no parameter {', '.join(sorted(unknown))}")
        self.parameters: dict[str, str] = {}
        for name, spec in declared.items():
            value = str(overrides.get(name, spec.get("Default", "")))
            allowed = [str(item) for item in spec.get("AllowedValues", [])]
            if allowed and value not in allowed:
                raise ValueError(f"Parameter {name}={value} is not one of {', '.join(allowed)}")
            self.parameters[name] = value

    def resolve(self, value: Any) -> Any:
        """The value with its intrinsic functions evaluated (NO_VALUE for AWS::NoValue)."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: self.resolve(item) for key, item in value.items()}
        ((name, argument),) = value.items()
        if name == "Ref":
            return NO_VALUE if argument == "AWS::NoValue" else self.parameters[argument]
        if name == "Fn::If":
            condition, then, otherwise = argument
            return self.resolve(then if self.condition(condition) else otherwise)
        if name == "Fn::FindInMap":
            mapping, key, item = (str(self.resolve(part)) for part in argument)
            return self.body["Mappings"][mapping][key][item]
        if name in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"):
            return self.test(value)
        if name.startswith("Fn::"):
            raise ValueError(f"{name} is not supported in a function's local settings")
        return {name: self.resolve(argument)}

    def condition(self, name: str) -> bool:
        """The named condition of the Conditions section."""
        return self.test(self.body["Conditions"][name])

    def test(self, expression: Any) -> bool:
        """A condition function's truth value."""
        ((name, argument),) = expression.items()
        if name == "Condition":
            return self.condition(argument)
        if name == "Fn::Equals":
            left, right = (str(self.resolve(side)) for side in argument)
            return left == right
        if name == "Fn::Not":
            return not self.test(argument[0])
        results = [self.test(item) for item in argument]
        return all(results) if name == "Fn::And" else any(results)


class _TemplateLoader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML with CloudFormation's short forms (!Ref X, !If [...], ...) as their long forms."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    """!Ref becomes {"Ref": ...}; any other !Name becomes {"Fn::Name": ...}."""
    if isinstance(node, yaml.ScalarNode):
        argument: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        argument = loader.construct_sequence(node, deep=True)
    else:
        argument = loader.construct_mapping(node, deep=True)
    if suffix in ("Ref", "Condition"):
        return {suffix: argument}
    if suffix == "GetAtt" and isinstance(argument, str):
        argument = argument.split(".", 1)
    return {f"Fn::{suffix}": argument}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


@dataclass(frozen=True)
class FunctionConfig:
    """What Lambda would be configured with for the template's function."""

    handler: str
    memory_mb: int
    timeout: float
    log_format: str
    log_level: str | None
    environment: dict[str, str]
    name: str = FUNCTION_NAME
    arn: str = SERVICE_TOKEN

    @classmethod
    def from_template(
        cls,
        parameters: Mapping[str, str] | None = None,
        template: Path = TEMPLATE,
        logical_id: str = FUNCTION,
    ) -> FunctionConfig:
        """The function's settings for these parameter overrides. As Lambda does, a JSON log
        format gets LoggingConfig.ApplicationLogLevel as its level, INFO if unset; a Text format
        gets none (Lambda's logging controls need JSON)."""
        resolved = Template(template, parameters or {})
        properties = resolved.body["Resources"][logical_id]["Properties"]

        def setting(value: Any, default: Any) -> Any:
            """A property's value as deployed; only the ones used here are resolved (FunctionName,
            say, needs the stack's id)."""
            return default if value is None else resolved.resolve(value)

        logging_config = properties.get("LoggingConfig", {})
        log_format = str(setting(logging_config.get("LogFormat"), "Text"))
        level = None
        if log_format == "JSON":
            level = str(setting(logging_config.get("ApplicationLogLevel"), "INFO"))
            if level not in LAMBDA_LOG_LEVELS:
                raise ValueError(
                    f"ApplicationLogLevel {level} is not one Lambda accepts "
                    f"({', '.join(LAMBDA_LOG_LEVELS)})"
                )
        variables = setting(properties.get("Environment", {}).get("Variables"), {})
        return cls(
            handler=str(setting(properties["Handler"], None)),
            memory_mb=int(setting(properties.get("MemorySize"), 128)),
            timeout=float(setting(properties.get("Timeout"), 3)),
            log_format=log_format,
            log_level=level,
            environment={k: str(v) for k, v in variables.items() if v is not NO_VALUE},
        )


@dataclass
class Invocation:
    """One event handed to the function, and how it ended: "response" or "error" (posted by the
    runtime client), "timeout" (still running at its deadline), "exited" (the process died)."""

    event: dict[str, Any] = field(repr=False)  # its ResponseURL is a secret
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    deadline_ms: int | None = None
    trace_id: str | None = None
    outcome: str | None = None
    body: Any = None
    done: threading.Event = field(default_factory=threading.Event)

    def finish(self, outcome: str, body: Any) -> None:
        """Record the end, once."""
        if not self.done.is_set():
            self.outcome, self.body = outcome, body
            self.done.set()


def trace_header() -> str:
    """A Lambda-Runtime-Trace-Id value in X-Ray's format (the runtime client needs one)."""
    root = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=0"


@dataclass
class RuntimeAPI:
    """The Lambda Runtime API on 127.0.0.1 for one function; `timeout` sets each deadline."""

    timeout: float
    function_arn: str = SERVICE_TOKEN
    invocations: list[Invocation] = field(default_factory=list)
    init_errors: list[Any] = field(default_factory=list)
    pending: collections.deque[Invocation] = field(default_factory=collections.deque)
    generation: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)
    stopping: bool = False
    server: ThreadingHTTPServer | None = None

    def __enter__(self) -> RuntimeAPI:
        api = self

        class Handler(QuietHandler):
            """The documented endpoints; anything else is refused as Lambda would."""

            def do_GET(self) -> None:
                """`next`: the next event, held open until there is one."""
                if self.path != f"{PREFIX}/invocation/next":
                    self.answer(404, {"errorType": "NotFound", "errorMessage": self.path})
                    return
                invocation = api.take()
                if invocation is None:
                    return  # stopping, or this runtime was retired: no event for it
                self.answer(
                    200,
                    invocation.event,
                    {
                        "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                        "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                        "Lambda-Runtime-Invoked-Function-Arn": api.function_arn,
                        "Lambda-Runtime-Trace-Id": str(invocation.trace_id),
                    },
                )

            def do_POST(self) -> None:
                """An invocation's response or error (once each), or the init error."""
                raw = self.body()
                body = json.loads(raw) if raw else None
                if self.path == f"{PREFIX}/init/error":
                    api.init_errors.append(body)
                    self.answer(202, {"status": "OK"})
                    return
                parts = self.path.removeprefix(f"{PREFIX}/invocation/").split("/")
                found = [i for i in api.invocations if i.request_id == parts[0]]
                if len(parts) != 2 or parts[1] not in ("response", "error") or not found:
                    self.answer(400, {"errorType": "InvalidRequestID", "errorMessage": self.path})
                    return
                if found[0].done.is_set():
                    self.answer(400, {"errorType": "InvalidStateTransition", "errorMessage": ""})
                    return
                found[0].finish(parts[1], body)
                self.answer(202, {"status": "OK"})

            def answer(
                self, status: int, body: Any, headers: Mapping[str, str] | None = None
            ) -> None:
                """A JSON answer, with Lambda's headers if given."""
                json_type = {"Content-Type": "application/json"}
                self.reply(status, json.dumps(body).encode(), {**json_type, **(headers or {})})

        self.server = serve(Handler, ("127.0.0.1", 0))
        return self

    def __exit__(self, *exc: object) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()  # a `next` held open ends now
        stop(self.server)

    @property
    def address(self) -> str:
        """host:port, what AWS_LAMBDA_RUNTIME_API takes."""
        assert self.server is not None
        return f"127.0.0.1:{self.server.server_address[1]}"

    def submit(self, event: dict[str, Any]) -> Invocation:
        """Queue an event for the next `next`."""
        invocation = Invocation(event)
        with self.changed:
            self.invocations.append(invocation)
            self.pending.append(invocation)
            self.changed.notify_all()
        return invocation

    def take(self) -> Invocation | None:
        """The next event, its deadline set from now; None once stopping or retired."""
        with self.changed:
            generation = self.generation
            while not self.pending and not self.stopping and generation == self.generation:
                self.changed.wait(0.5)
            if self.stopping or generation != self.generation:
                return None
            invocation = self.pending.popleft()
            invocation.deadline_ms = int((time.time() + self.timeout) * 1000)
            invocation.trace_id = trace_header()
            return invocation

    def retire(self) -> None:
        """The runtime process is gone: a `next` it left open must not take the next event."""
        with self.changed:
            self.generation += 1
            self.changed.notify_all()


def lambda_environment(
    config: FunctionConfig, runtime_api: str, task_root: Path, timeout: float
) -> dict[str, str]:
    """The variables Lambda sets for the function, then the template's own. Nothing else from
    this process leaks in; any AWS client without a local stand-in gets a dead loopback port."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "LAMBDA_TASK_ROOT": str(task_root),
        "_HANDLER": config.handler,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(timeout)),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}",
        "AWS_LAMBDA_LOG_FORMAT": config.log_format,
        **({"AWS_LAMBDA_LOG_LEVEL": config.log_level} if config.log_level else {}),
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "ASIAFAKELOCALLAMBDA0",
        "AWS_SECRET_ACCESS_KEY": "fake-secret-for-the-local-lambda",
        "AWS_SESSION_TOKEN": "fake-session-token-for-the-local-lambda",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        **config.environment,
    }


class LocalFunction:
    """The function's runtime process against a RuntimeAPI. `environment` is laid over the
    template's variables (local endpoints). Its output goes to a file, like a log stream: what
    it wrote before answering is complete when the answer is in. `echo` gets it as it comes."""

    def __init__(
        self,
        config: FunctionConfig,
        *,
        task_root: Path = HANDLER_DIR,
        environment: Mapping[str, str] | None = None,
        timeout: float | None = None,
        echo: IO[str] | None = None,
    ) -> None:
        self.config = config
        self.task_root = task_root
        self.timeout = config.timeout if timeout is None else timeout
        self.overrides = dict(environment or {})
        self.echo = echo
        self.api = RuntimeAPI(self.timeout, config.arn)
        self.pids: list[int] = []
        self.exit_codes: list[int] = []
        self._process: subprocess.Popen[bytes] | None = None
        self._logs = tempfile.TemporaryDirectory(prefix="local-lambda-")
        self.log_path = Path(self._logs.name) / "output.log"
        self.log_path.touch()
        self._lines: list[str] = []
        self._stopped = threading.Event()
        self._echoing: threading.Thread | None = None

    def __enter__(self) -> LocalFunction:
        self.api.__enter__()
        if self.echo:
            self._echoing = threading.Thread(target=self._tail, args=(self.echo,), daemon=True)
            self._echoing.start()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.kill()
        finally:
            self._stopped.set()
            if self._echoing:
                self._echoing.join(timeout=5)
            self.api.__exit__(*exc)
            self._lines = self.output  # still readable once the file is gone
            self._logs.cleanup()

    @property
    def output(self) -> list[str]:
        """Every line the function has written so far (all its processes)."""
        if not self.log_path.exists():
            return self._lines
        return self.log_path.read_text(errors="replace").splitlines()

    def _tail(self, echo: IO[str]) -> None:
        """Copy the output to echo as it grows, until stopped (then the rest)."""
        with self.log_path.open(errors="replace") as source:
            while True:
                stopped = self._stopped.wait(0.1)
                echo.write(source.read())
                echo.flush()
                if stopped:
                    return

    def _start(self) -> subprocess.Popen[bytes]:
        """A new runtime process (a cold start), writing to the output file."""
        env = lambda_environment(self.config, self.api.address, self.task_root, self.timeout)
        with self.log_path.open("ab") as sink:  # appends: each process after the last
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "awslambdaric", self.config.handler],
                cwd=self.task_root,
                env={**env, **self.overrides},
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed whole, children included
            )
        self.pids.append(process.pid)
        return process

    def kill(self) -> None:
        """Kill the runtime process group, if running, and retire its open `next`."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        self.exit_codes.append(process.wait())
        self.api.retire()

    def invoke(self, event: dict[str, Any]) -> Invocation:
        """Hand one event to the function and wait for its end: its response or error, its
        deadline passing (the process is killed, as Lambda does), or the process dying."""
        if self._process is None or self._process.poll() is not None:
            self.kill()
            self._process = self._start()
        invocation = self.api.submit(event)
        handed_out_by = time.monotonic() + INIT_LIMIT
        while not invocation.done.wait(0.05):
            if self._process.poll() is not None:
                errors = self.api.init_errors
                code = self._process.returncode
                invocation.finish(
                    "exited",
                    errors[-1]
                    if errors
                    else {"errorType": "Runtime.ExitError", "errorMessage": f"exit {code}"},
                )
            elif invocation.deadline_ms is None and time.monotonic() > handed_out_by:
                invocation.finish("timeout", {"errorMessage": "the runtime never asked for it"})
            elif invocation.deadline_ms and time.time() * 1000 > invocation.deadline_ms + (
                KILL_GRACE * 1000
            ):
                invocation.finish(
                    "timeout", {"errorMessage": f"Task timed out after {self.timeout:.2f} seconds"}
                )
        if invocation.outcome in ("timeout", "exited"):
            self.kill()
        return invocation

    def play(self, event: dict[str, Any], invoked: LambdaService) -> list[Invocation]:
        """Invoke with the event, then with each asynchronous invocation of itself that it asked
        Lambda for (the hand-off of a long wait), as Lambda would, until none is queued (or
        LambdaService's cap)."""
        first = self.invoke(event)
        return [first, *map(self.invoke, invoked.hand_offs(str(event.get("RequestId"))))]
