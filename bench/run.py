"""`make bench`: the shipped handler's polling, no-op guards, cold start and Delete, measured.

Everything runs on loopback. This script starts the Personalize emulator (moto's server) and the
response bucket stand-in, and stops both at the end. An audit hook refuses any connection that
is not to 127.0.0.1. Personalize time is simulated: one SimulatedClock drives both the emulator
and the handler's waiter, so a 600 s update takes only as long as its HTTP calls. The policy code
is the same code that runs in Lambda.

It prints the tables and writes docs/bench.md (the tables, the command and the date) and
docs/bench.png.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localcloud.cloudformation import CloudFormation, Exchange
    from localcloud.emulator import Call, Controls
    from localcloud.lambda_service import LambdaService
    from localcloud.receiver import Receiver
    from localcloud.simclock import SimulatedClock
    from waiter import PollPolicy

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
ARTIFACT = ROOT / ".aws-sam" / "build" / "SolutionUpdateFunction"
COMMAND = "make bench"
DIRECT_COMMAND = "PYTHONPATH=src/handler:. .venv/bin/python -m bench.run"

DURATIONS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3000)  # UpdateSolution to ACTIVE, seconds
SWEEP_DURATION = 360  # the sweep's update length: a multiple of every interval, so phases stratify
SWEEP_INTERVALS = (1, 2, 3, 4, 5, 8, 10, 15, 20, 30)  # seconds
PHASES = (1 / 6, 1 / 2, 5 / 6)  # midpoints of three equal strata of a poll interval
PENDING_SHARE = 0.02  # of an update's duration spent CREATE PENDING; the rest is IN_PROGRESS
STALE_READ = 1.0  # seconds DescribeSolution keeps showing the solution as it was
FUNCTION_TIMEOUT = 900.0  # the function's timeout (template.yaml)
SHORT_INVOCATION = 0.1  # billed seconds of one short isComplete / scheduled poll invocation
COLD_START_RUNS = 31  # fresh interpreters vary by ±20% here: 15 left the median ratio noisy
DELETE_RUNS = 5
GUARD_DURATION = 5.0

LATENCY_GOAL = 2.0
CALLS_GOAL = 1 / 3
IMPORT_GOAL = 1.25
DELETE_WALL_LIMIT = 1.0

DATASET_GROUP = "arn:aws:personalize:us-east-1:123456789012:dataset-group/bench"
FIVE: dict[str, Any] = {
    "PerformAutoTraining": True,
    "SolutionUpdateConfig": {"AutoTrainingConfig": {"SchedulingExpression": "rate(5 days)"}},
}
FIVE_SPELLED: dict[str, Any] = {
    "PerformAutoTraining": "TRUE",
    "SolutionUpdateConfig": {"AutoTrainingConfig": {"SchedulingExpression": "rate(5 days)"}},
}
THREE: dict[str, Any] = {
    "SolutionUpdateConfig": {"AutoTrainingConfig": {"SchedulingExpression": "rate(3 days)"}}
}
LOOPBACK = frozenset({"127.0.0.1"})
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}

APP_PROBE = "import time; t = time.perf_counter(); import app; print(time.perf_counter() - t)"
BARE_PROBE = (
    "import time; t = time.perf_counter(); import boto3; boto3.client('personalize'); "
    "print(time.perf_counter() - t)"
)
# Untimed warm-up prefix: counts connection attempts (expected none) and fills the .pyc caches.
NETWORK_PROBE = (
    "import sys\n"
    "hits = []\n"
    "sys.addaudithook(lambda e, a: hits.append(e) if e.startswith('socket.') and "
    "e in ('socket.connect', 'socket.getaddrinfo') else None)\n"
    "{probe}\n"
    "print(len(hits))\n"
)


class BenchError(Exception):
    """A run did not behave as the measurement assumes (no update made, a FAILED answer, ...)."""


# --- network guard -------------------------------------------------------------------------------


@dataclass
class NetworkGuard:
    """An audit hook that counts connections and refuses any that is not to loopback."""

    connects: int = 0
    refused: list[str] = field(default_factory=list)

    def install(self) -> None:
        """Install the hook for the rest of the process (audit hooks cannot be removed)."""
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "socket.connect":
            address = args[1]
            host = address[0] if isinstance(address, tuple) else str(address)
            self.connects += 1
        elif event == "socket.getaddrinfo":
            raw = args[0]
            if raw is None:
                return
            host = raw.decode() if isinstance(raw, bytes) else str(raw)
        else:
            return
        if host not in LOOPBACK:
            self.refused.append(host)
            raise PermissionError(f"bench: refusing to contact {host}; loopback only")


# --- the local cloud -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """A polling policy run through the real SolutionUpdater. `poll` paces every wait (as
    SolutionUpdater's policy and patient both); None means the shipped PROMPT and PATIENT."""

    key: str
    label: str
    poll: PollPolicy | None
    confirm_delay: float | None
    in_one_invocation: bool  # True: the function waits (billed); False: short checks, 0.1 s each

    def steady_interval(self, duration: float) -> float:
        """The interval the policy settles into at this duration: the scale of its phase
        offsets. Ours polls at PROMPT's 2 s in the first invocation, at PATIENT's cap after."""
        from budget import PATIENT, PROMPT

        if self.poll is not None:
            return self.poll.cap
        return PROMPT.cap if duration < FUNCTION_TIMEOUT else PATIENT.cap


def fixed(seconds: float) -> PollPolicy:
    """One check every `seconds`."""
    from waiter import PollPolicy

    return PollPolicy(first=seconds, factor=1, cap=seconds)


def policies() -> tuple[Policy, ...]:
    """Ours (the shipped defaults) and the two alternatives, modelled with the same code."""
    return (
        Policy("ours", "ours", None, None, in_one_invocation=True),
        Policy("fixed5", "fixed 5 s", fixed(5), 0.0, in_one_invocation=False),
        Policy("sched120", "2-min schedule", fixed(120), 0.0, in_one_invocation=False),
    )


def sweep_policies() -> tuple[Policy, ...]:
    """The shipped handler (confirming read included) with one fixed interval each, and the
    fixed-5-s alternative as the baseline at the sweep's duration."""
    return (
        *(
            Policy(f"every{i:g}", f"every {i:g} s", fixed(i), None, in_one_invocation=True)
            for i in SWEEP_INTERVALS
        ),
        policies()[1],
    )


@dataclass
class LocalCloud:
    """The running emulator and bucket, the shared simulated clock and a client for set-up."""

    clock: SimulatedClock
    controls: Controls
    receiver: Receiver
    lambda_service: LambdaService
    personalize: Any
    ports: tuple[int, ...]

    def make_solution(self) -> str:
        """A fresh ACTIVE solution with the documented defaults (auto-training every 7 days)."""
        name = f"bench-{uuid.uuid4().hex[:12]}"
        created = self.personalize.create_solution(name=name, datasetGroupArn=DATASET_GROUP)
        arn = str(created["solutionArn"])
        timing = self.controls.timing
        self.clock.advance(timing.solution_pending + timing.solution_in_progress)
        return arn

    def set_update_duration(self, seconds: float) -> tuple[float, float]:
        """Make the next update settle `seconds` after UpdateSolution; returns its two phases."""
        from localcloud.emulator import Timing

        pending = PENDING_SHARE * seconds
        in_progress = seconds - pending
        self.controls.timing = Timing(
            solution_pending=0.01,
            solution_in_progress=0.01,
            update_pending=pending,
            update_in_progress=in_progress,
            stale_read=STALE_READ,
        )
        return pending, in_progress

    def cloudformation(self, policy: Policy) -> CloudFormation:
        """The real handler (app.build) with a SolutionUpdater on the simulated clock."""
        from localcloud.cloudformation import CloudFormation
        from localcloud.harness import handler_on_clock

        options: dict[str, Any] = {}
        if policy.poll is not None:
            options["prompt"] = options["patient"] = policy.poll
        if policy.confirm_delay is not None:
            options["confirm_delay"] = policy.confirm_delay
        handler = handler_on_clock(self.clock, **options)
        return CloudFormation(
            handler,
            self.receiver,
            stack_name="bench",
            function_timeout=FUNCTION_TIMEOUT,
            lambda_service=self.lambda_service,
        )

    def calls_during(self, action: Callable[[], Exchange]) -> tuple[Exchange, list[Call]]:
        """Run one delivery and return the emulator calls it made."""
        mark = len(self.controls.calls)
        exchange = action()
        return exchange, list(self.controls.calls[mark:])


@contextlib.contextmanager
def local_cloud() -> Iterator[LocalCloud]:
    """Start the emulator and the bucket on loopback, point boto3 at them, stop both after."""
    import boto3

    from localcloud.emulator import EmulatorServer, controls
    from localcloud.lambda_service import LambdaService
    from localcloud.receiver import Receiver
    from localcloud.simclock import SimulatedClock

    controls.reset()
    clock = SimulatedClock()
    controls.clock = clock.now
    try:
        with (
            EmulatorServer() as emulator,
            Receiver() as receiver,
            LambdaService() as lambda_service,
        ):
            os.environ["AWS_ENDPOINT_URL_PERSONALIZE"] = emulator.url
            os.environ["AWS_ENDPOINT_URL_LAMBDA"] = lambda_service.url
            os.environ["RESPONSE_URL_ALLOWED_HOSTS"] = "127.0.0.1"
            ports = tuple(int(url.rsplit(":", 1)[1]) for url in (emulator.url, lambda_service.url))
            yield LocalCloud(
                clock,
                controls,
                receiver,
                lambda_service,
                boto3.client("personalize"),
                (*ports, receiver.port),
            )
    finally:
        controls.reset()


def refuses(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:port any more."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


# --- 1. polling ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One Create through the handler with one policy, one duration and one phase."""

    policy: str
    duration: float
    phase: float
    latency: float
    describes: int
    billed: float
    invocations: int


def measure_update(
    cloud: LocalCloud, cloudformation: CloudFormation, policy: Policy, duration: float, phase: float
) -> Run:
    """A Create on a fresh solution; the update settles `duration + phase * interval` after it
    starts. Latency and calls come from the emulator's call log, on the simulated clock."""
    actual = duration + phase * policy.steady_interval(duration)
    pending, in_progress = cloud.set_update_duration(actual)
    arn = cloud.make_solution()
    event = cloudformation.event("Create", "AutoTraining", {"SolutionArn": arn, **FIVE})
    started = cloud.clock.now()
    exchange, calls = cloud.calls_during(lambda: cloudformation.deliver(event))
    answered = cloud.clock.now()
    status = exchange.response["Status"]
    updates = [c for c in calls if c.operation == "UpdateSolution" and c.outcome == "ok"]
    describes = [c for c in calls if c.operation == "DescribeSolution"]
    if not updates:
        raise BenchError(f"{policy.key} {duration} s: no UpdateSolution call ({status})")
    settled = updates[0].at + pending + in_progress  # the emulator's own arithmetic
    active = [c.at for c in describes if c.outcome == "ACTIVE"]
    seen = active[-1] if active else answered
    if status != "SUCCESS":
        raise BenchError(f"{policy.key} {duration} s answered {status}: {exchange.response}")
    elapsed = answered - started  # ours: the invocations of a chain run back to back
    billed = elapsed if policy.in_one_invocation else len(describes) * SHORT_INVOCATION
    return Run(
        policy.key, duration, phase, seen - settled, len(describes), billed, exchange.invocations
    )


@dataclass(frozen=True)
class Cell:
    """The median over phases for one policy and duration."""

    latency: float
    describes: float
    billed: float
    invocations: int  # the most any phase needed

    @property
    def fits(self) -> bool:
        """Whether every phase was answered by the invocation that started the update."""
        return self.invocations == 1


def summarise(runs: Sequence[Run]) -> dict[tuple[str, float], Cell]:
    """Medians per (policy, duration), and the most invocations any phase needed."""
    keys = sorted({(r.policy, r.duration) for r in runs})
    cells = {}
    for key in keys:
        group = [r for r in runs if (r.policy, r.duration) == key]
        cells[key] = Cell(
            statistics.median(r.latency for r in group),
            statistics.median(r.describes for r in group),
            statistics.median(r.billed for r in group),
            max(r.invocations for r in group),
        )
    return cells


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is 0."""
    return numerator / denominator if denominator else None


# --- 2. guards -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guard:
    """UpdateSolution calls one delivery made, against what it should make."""

    request: str
    status: str
    update_calls: int
    expected: int
    is_guard: bool  # the "0 extra calls" rows; the others are context


def last_status(exchange: Exchange) -> str:
    """The Status of the latest answer for this RequestId (a duplicate delivery shares it)."""
    if not exchange.responses:
        raise BenchError(f"no answer to {exchange.event['RequestType']}")
    return str(exchange.responses[-1].body["Status"])


def update_calls(calls: Sequence[Call]) -> int:
    """Accepted UpdateSolution calls (each may start a training run)."""
    return sum(1 for c in calls if c.operation == "UpdateSolution" and c.outcome == "ok")


def measure_guards(cloud: LocalCloud, cloudformation: CloudFormation) -> list[Guard]:
    """Create, its duplicate delivery, a no-op Update, and a failed Update with its rollback."""
    from localcloud.cloudformation import StackResource

    cloud.set_update_duration(GUARD_DURATION)
    arn = cloud.make_solution()
    seen: list[tuple[Exchange, list[Call]]] = []
    mark = len(cloud.controls.calls)

    def record(exchange: Exchange) -> None:
        nonlocal mark
        seen.append((exchange, list(cloud.controls.calls[mark:])))
        mark = len(cloud.controls.calls)

    cloudformation.on_exchange = record
    try:
        resource = StackResource(cloudformation, "AutoTraining")
        resource.create({"SolutionArn": arn, **FIVE})
        cloudformation.deliver(dict(seen[0][0].event))
        resource.update({"SolutionArn": arn, **FIVE_SPELLED})
        cloud.controls.fail_next_update("bench: rejected schedule")
        resource.update({"SolutionArn": arn, **THREE})
    finally:
        cloudformation.on_exchange = None
    labels = (
        ("Create (rate(5 days))", 1, False),
        ("same Create delivered again", 0, True),
        ('no-op Update (PerformAutoTraining "TRUE")', 0, True),
        ("Update to rate(3 days), which fails", 1, False),
        ("rollback Update to the current settings", 0, True),
    )
    if len(seen) != len(labels):
        raise BenchError(f"expected {len(labels)} exchanges, saw {len(seen)}")
    return [
        Guard(label, last_status(exchange), update_calls(calls), expected, is_guard)
        for (label, expected, is_guard), (exchange, calls) in zip(labels, seen, strict=True)
    ]


# --- 3. cold start -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColdStart:
    """Import times of the handler module and of bare boto3 + a client, in fresh interpreters."""

    app: list[float]
    bare: list[float]
    connections: int
    artifact: str

    @property
    def ratio(self) -> float:
        """Median handler import over median bare boto3 + client."""
        return statistics.median(self.app) / statistics.median(self.bare)


def probe_env() -> dict[str, str]:
    """A small, fixed environment: fake credentials, a region, no metadata service or profile."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT / "src" / "handler"),
        **FAKE_AWS,
    }


def run_probe(code: str) -> list[str]:
    """Run code in a fresh interpreter (this venv's python) and return its stdout lines."""
    result = subprocess.run(  # noqa: S603 - fixed code, our own interpreter, no shell
        [sys.executable, "-c", code],
        env=probe_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode:
        raise BenchError(f"probe failed: {result.stderr.strip()[-500:]}")
    return result.stdout.split()


def measure_cold_start() -> ColdStart:
    """One untimed warm-up of each kind (it also counts connection attempts), then interleaved
    timed runs, alternating which kind goes first."""
    connections = 0
    for probe in (APP_PROBE, BARE_PROBE):
        connections += int(run_probe(NETWORK_PROBE.format(probe=probe))[-1])
    app_times: list[float] = []
    bare_times: list[float] = []
    for index in range(COLD_START_RUNS):
        order = [(APP_PROBE, app_times), (BARE_PROBE, bare_times)]
        for probe, sink in order if index % 2 == 0 else order[::-1]:
            sink.append(float(run_probe(probe)[-1]))
    return ColdStart(app_times, bare_times, connections, artifact_size())


def artifact_size() -> str:
    """The size of the sam build artifact, or how to get one."""
    if not ARTIFACT.is_dir():
        return "run make build first"
    total = sum(p.stat().st_size for p in ARTIFACT.rglob("*") if p.is_file() and not p.is_symlink())
    return f"{total / 1e6:.1f} MB"


# --- 4. Delete -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeleteTiming:
    """Wall time of Deletes through the real handler, and what they touched."""

    walls: list[float]
    statuses: list[str]
    personalize_calls: int
    simulated_sleep: float


def measure_delete(cloud: LocalCloud, cloudformation: CloudFormation) -> DeleteTiming:
    """Deliver Deletes of an existing solution's resource; time each answer in wall seconds."""
    arn = cloud.make_solution()
    walls, statuses, calls = [], [], 0
    slept = cloud.clock.slept
    for _ in range(DELETE_RUNS):
        event = cloudformation.event(
            "Delete", "AutoTraining", {"SolutionArn": arn, **FIVE}, physical_id=arn
        )
        started = time.perf_counter()
        exchange, made = cloud.calls_during(partial(cloudformation.deliver, event))
        walls.append(time.perf_counter() - started)
        statuses.append(exchange.response["Status"])
        calls += len(made)
    return DeleteTiming(walls, statuses, calls, cloud.clock.slept - slept)


# --- report --------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 2) -> str:
    """A number for the tables; None is n/a."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def polling_table(
    cells: Mapping[tuple[str, float], Cell],
) -> tuple[list[str], list[list[str]]]:
    """Per duration: latency, calls, billed seconds per policy, and ours' ratios."""
    headers = [
        "update s",
        "latency ours",
        "latency 5s",
        "latency 2min",
        "calls ours",
        "calls 5s",
        "calls 2min",
        "invocations ours",
        "billed ours",
        "billed 5s",
        "billed 2min",
        "calls ours/5s",
        "calls ours/2min",
        "latency ours/5s",
        "latency ours/2min",
    ]
    rows = []
    for duration in DURATIONS:
        ours, five, sched = (cells[(k, duration)] for k in ("ours", "fixed5", "sched120"))
        rows.append(
            [
                f"{duration:g}",
                fmt(ours.latency),
                fmt(five.latency),
                fmt(sched.latency),
                f"{ours.describes:g}",
                f"{five.describes:g}",
                f"{sched.describes:g}",
                str(ours.invocations),
                fmt(ours.billed, 1),
                fmt(five.billed, 1),
                fmt(sched.billed, 1),
                fmt(ratio(ours.describes, five.describes)),
                fmt(ratio(ours.describes, sched.describes)),
                fmt(ratio(ours.latency, five.latency)),
                fmt(ratio(ours.latency, sched.latency)),
            ]
        )
    return headers, rows


def sweep_table(sweep: Mapping[tuple[str, float], Cell]) -> tuple[list[str], list[list[str]]]:
    """Per fixed interval at SWEEP_DURATION: latency, calls, and calls against the 5-s poller."""
    five = sweep[("fixed5", SWEEP_DURATION)]
    headers = ["interval s", "latency", "calls", "calls / fixed 5 s", "both goals"]
    rows = []
    for interval in SWEEP_INTERVALS:
        cell = sweep[(f"every{interval:g}", SWEEP_DURATION)]
        share = cell.describes / five.describes
        both = cell.latency <= LATENCY_GOAL and share <= CALLS_GOAL
        rows.append(
            [
                f"{interval:g}",
                fmt(cell.latency),
                f"{cell.describes:g}",
                fmt(share),
                "yes" if both else "no",
            ]
        )
    return headers, rows


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An aligned plain-text table (first column left, the rest right)."""
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.ljust(width) if index == 0 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub Markdown table (numbers right-aligned)."""
    align = ["---", *["---:"] * (len(headers) - 1)]
    lines = [headers, align, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


@dataclass(frozen=True)
class Verdict:
    """One goal, MET or NOT MET, with the numbers behind it."""

    goal: str
    met: bool
    evidence: str


def verdicts(
    cells: Mapping[tuple[str, float], Cell],
    guards: Sequence[Guard],
    cold: ColdStart,
    delete: DeleteTiming,
) -> list[Verdict]:
    """The goals the brief set, judged on this run's numbers."""
    fitting = [d for d in DURATIONS if cells[("ours", d)].fits]
    worst = max(fitting, key=lambda d: cells[("ours", d)].latency)
    latency_met = all(cells[("ours", d)].latency <= LATENCY_GOAL for d in fitting)
    call_ratios = {
        d: cells[("ours", d)].describes / cells[("fixed5", d)].describes for d in DURATIONS
    }
    over = [d for d, r in call_ratios.items() if r > CALLS_GOAL]
    guard_rows = [g for g in guards if g.is_guard]
    walls_max = max(delete.walls)
    return [
        Verdict(
            f"median added latency <= {LATENCY_GOAL:g} s (updates settling within one invocation)",
            latency_met,
            f"worst median {cells[('ours', worst)].latency:.2f} s at {worst} s; "
            f"{len(fitting)}/{len(DURATIONS)} durations settle within the first invocation",
        ),
        Verdict(
            "ours makes <= 1/3 of the fixed-5-s policy's DescribeSolution calls, every duration",
            not over,
            "ours/5s calls "
            + ", ".join(f"{d} s: {call_ratios[d]:.2f}" for d in DURATIONS)
            + (f"; above 1/3 at {len(over)}/{len(DURATIONS)} durations" if over else ""),
        ),
        Verdict(
            f"handler import <= {IMPORT_GOAL:g}x bare boto3 + client",
            cold.ratio <= IMPORT_GOAL,
            f"median {statistics.median(cold.app) * 1000:.0f} ms vs "
            f"{statistics.median(cold.bare) * 1000:.0f} ms = {cold.ratio:.2f}x",
        ),
        Verdict(
            "no billed sleep on Delete",
            walls_max < DELETE_WALL_LIMIT
            and delete.simulated_sleep == 0
            and all(s == "SUCCESS" for s in delete.statuses),
            f"max wall {walls_max * 1000:.0f} ms over {len(delete.walls)} Deletes, "
            f"simulated sleep {delete.simulated_sleep:g} s, "
            f"{delete.personalize_calls} Personalize calls (crhelper's default: 120 s sleep)",
        ),
        Verdict(
            "0 extra UpdateSolution calls on no-op, rollback and duplicate deliveries",
            all(g.update_calls == 0 and g.status == "SUCCESS" for g in guard_rows),
            ", ".join(f"{g.request}: {g.update_calls}" for g in guard_rows),
        ),
    ]


def conflict_note(
    cells: Mapping[tuple[str, float], Cell], sweep: Mapping[tuple[str, float], Cell]
) -> str:
    """Why the 2 s latency goal and the one-third-of-calls goal cannot both hold, from this
    run's numbers, and which one the shipped policy keeps where."""
    shortest, five_short = DURATIONS[0], cells[("fixed5", DURATIONS[0])]
    five = sweep[("fixed5", SWEEP_DURATION)]
    rows = [(i, sweep[(f"every{i:g}", SWEEP_DURATION)]) for i in SWEEP_INTERVALS]
    prompt = [(i, c) for i, c in rows if c.latency <= LATENCY_GOAL]
    frugal = [(i, c) for i, c in rows if c.describes / five.describes <= CALLS_GOAL]
    both = [i for i, c in prompt if (i, c) in frugal]
    parts = [
        "Why the 2 s latency goal and the one-third-of-calls goal cannot both hold. Short "
        "updates: any correct handler reads the solution before UpdateSolution (to skip "
        "no-ops) and at least once after it (to see it settle), 2 calls at the very least. At "
        f"{shortest} s the fixed-5-s poller makes {five_short.describes:g}, so a third of it is "
        f"{five_short.describes * CALLS_GOAL:.1f}.",
    ]
    if prompt:
        i, c = prompt[-1]
        parts.append(
            f"Longer updates, from the sweep at {SWEEP_DURATION} s: the longest interval with "
            f"a median latency of at most {LATENCY_GOAL:g} s is {i:g} s, at "
            f"{c.describes / five.describes:.2f}x the 5-s poller's calls."
        )
    if frugal:
        i, c = frugal[0]
        parts.append(
            f"The shortest interval at a third of its calls or fewer is {i:g} s, at a median "
            f"latency of {c.latency:.2f} s."
        )
    parts.append(
        f"Intervals that meet both: {', '.join(f'{i:g} s' for i in both) or 'none'}. Only a "
        "poller that knew in advance when the update will settle could do better."
    )
    long_ratios = [
        f"{d} s: {cells[('ours', d)].describes / cells[('fixed5', d)].describes:.2f}x"
        for d in DURATIONS
        if not cells[("ours", d)].fits
    ]
    parts.append(
        "What ships: the latency bound wins where it is promised, in the invocation that called "
        "UpdateSolution (issues 2 and 4 state it as a requirement; the call share is a goal), "
        "with a check every 2 s and none sooner. Waits that carry no promise (a busy solution, "
        "a wait carried into a new invocation) back off to one check per 30 s. That is where "
        "ours' calls fall towards the 5-s poller's: "
        + (", ".join(long_ratios) or "no duration here needed a second invocation")
        + "."
    )
    return " ".join(parts)


NOTES = [
    "Latency: simulated seconds from the moment the update settled (its UpdateSolution call plus "
    "pending plus in-progress) to the handler's last DescribeSolution that saw ACTIVE. "
    "Calls: DescribeSolution calls between the request's start and its answer, including the "
    "reads before UpdateSolution (ours: 2, the read plus the confirming read 1 s later; "
    "alternatives: 1, with confirm_delay=0).",
    "Each (policy, duration) runs 3 times on a fresh solution. Each run lengthens the update by "
    "1/6, 1/2 and 5/6 of the policy's steady poll interval (ours 2 s, or 30 s for updates longer "
    "than the first invocation; fixed 5 s; schedule 120 s). These are the midpoints of three "
    "equal phase strata. Medians are reported. A start-time offset would change nothing here: "
    "both the update and every poller's grid start at the UpdateSolution call. What varies in "
    "practice is where the settle time falls between two polls. Not so for ours beyond the first "
    "invocation (1800 s, 3000 s): each later invocation restarts its checks at the hand-off, so "
    "the three phases do not stratify that grid and those latencies are indicative only. Side "
    "effect: the 2-min schedule's updates are 20-100 s longer than nominal, which adds about half"
    " a call to its count on average.",
    "Billed seconds, ours: the function waits, so this is the simulated seconds from the "
    "request's start to its answer (it includes the 1 s confirm read). An update longer than "
    "one invocation (900 s) is carried by the function invoking itself (played by the local "
    "Lambda stand-in); the invocations run back to back, so their sum is the same span. "
    "Ours polls every 2 s in the invocation that called UpdateSolution and backs off "
    "(2 s x1.5 to 30 s) in each later one.",
    "Billed seconds, fixed 5 s: this models the CDK Provider framework's isComplete polling as "
    "PollPolicy(first=5, factor=1, cap=5) in the same SolutionUpdater, with confirm_delay=0. "
    "The waiting happens in Step Functions, and each isComplete check is a short Lambda "
    "invocation, counted as 0.1 s per DescribeSolution call. State-machine transitions are "
    "not counted. Like ours, the model's first check comes one interval after UpdateSolution; "
    "the real framework also checks once at once, so the model is a call cheaper than it.",
    "Billed seconds, 2-min schedule: this models crhelper's poll_create with rate(2 minutes) as "
    "PollPolicy(first=120, factor=1, cap=120), with confirm_delay=0. Each scheduled invocation "
    "is short, counted as 0.1 s per DescribeSolution call.",
    f"Sweep: the shipped handler (confirming read included) with one fixed interval for the "
    f"whole wait, on a {SWEEP_DURATION} s update, against the fixed-5-s poller's calls at "
    f"{SWEEP_DURATION} s in this run. It maps the trade-off between the two goals.",
    "Emulator timing: update CREATE PENDING for 2% of its duration, IN_PROGRESS for the rest, "
    "and a 1 s stale-read window. Network I/O is real (loopback), but it does not advance the "
    "simulated clock.",
]


def plot(
    cells: Mapping[tuple[str, float], Cell],
    sweep: Mapping[tuple[str, float], Cell],
    path: Path,
    stamp: str,
) -> None:
    """Four panels against update duration (latency, calls, billed seconds, ours' call ratio)
    and the fixed-interval sweep's latency against its call share."""
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    styles = {
        "ours": ("ours (2 s in the first invocation, then to 30 s)", "tab:blue", "o"),
        "fixed5": ("fixed 5 s (CDK Provider isComplete)", "tab:orange", "s"),
        "sched120": ("2-min schedule (crhelper poll_create)", "tab:green", "^"),
    }
    x = list(DURATIONS)
    fig, axes = plt.subplots(2, 3, figsize=(17, 8.5), layout="constrained")
    panels: list[tuple[Any, str, Callable[[Cell], float], str]] = [
        (axes[0][0], "Added latency after the update settled", lambda c: c.latency, "seconds"),
        (axes[0][1], "DescribeSolution calls per request", lambda c: c.describes, "calls"),
        (axes[1][0], "Billed Lambda seconds per request", lambda c: c.billed, "seconds"),
    ]
    for axis, title, metric, unit in panels:
        for key, (label, color, marker) in styles.items():
            axis.plot(x, [metric(cells[(key, d)]) for d in x], marker=marker, color=color)
            axis.lines[-1].set_label(label)
        axis.set_xscale("log")
        axis.set_yscale("symlog", linthresh=1)
        axis.set_ylim(bottom=0)
        axis.set_title(title)
        axis.set_ylabel(unit)
        axis.set_xlabel("update duration (s)")
        axis.set_xticks(x, [f"{d:g}" for d in x], rotation=45)
        axis.grid(visible=True, which="major", alpha=0.3)
    latency_axis = axes[0][0]
    goal = latency_axis.axhline(LATENCY_GOAL, color="grey", linestyle="--", linewidth=1)
    latency_axis.legend(
        [goal],
        ["goal: ours' median <= 2 s"],
        loc="center right",
        bbox_to_anchor=(1, 0.7),
        fontsize=8,
    )
    axes[0][1].legend(loc="upper left", fontsize=8)
    ratios_axis = axes[1][1]
    for key, label in (("fixed5", "ours / fixed 5 s"), ("sched120", "ours / 2-min schedule")):
        color, marker = styles[key][1], styles[key][2]
        ratios_axis.plot(
            x,
            [cells[("ours", d)].describes / cells[(key, d)].describes for d in x],
            marker=marker,
            color=color,
            label=label,
        )
    ratios_axis.axhline(
        CALLS_GOAL, color="grey", linestyle="--", linewidth=1, label="goal: <= 1/3 of fixed 5 s"
    )
    ratios_axis.axhline(1, color="black", linewidth=0.5)
    ratios_axis.set_xscale("log")
    ratios_axis.set_yscale("log")
    ratios_axis.set_xticks(x, [f"{d:g}" for d in x], rotation=45)
    ratios_axis.set_title("DescribeSolution calls: ours / alternative")
    ratios_axis.set_xlabel("update duration (s)")
    ratios_axis.set_ylabel("ratio")
    ratios_axis.grid(visible=True, which="major", alpha=0.3)
    ratios_axis.legend(loc="upper left", fontsize=8)
    plot_sweep(axes[0][2], sweep)
    axes[1][2].set_axis_off()
    fig.suptitle(f"make bench, {stamp}: medians of 3 phases per point, simulated clock, emulator")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_sweep(axis: Any, sweep: Mapping[tuple[str, float], Cell]) -> None:
    """Median latency against the share of the 5-s poller's calls, one point per interval, with
    the region where both goals hold shaded."""
    five = sweep[("fixed5", SWEEP_DURATION)]
    points = [(i, sweep[(f"every{i:g}", SWEEP_DURATION)]) for i in SWEEP_INTERVALS]
    shares = [c.describes / five.describes for _, c in points]
    axis.plot(shares, [c.latency for _, c in points], marker="o", color="tab:purple")
    for (interval, cell), share in zip(points, shares, strict=True):
        axis.annotate(
            f"{interval:g} s",
            (share, cell.latency),
            fontsize=8,
            xytext=(4, 4),
            textcoords="offset points",
        )
    axis.fill_between(
        [0, CALLS_GOAL],
        0,
        LATENCY_GOAL,
        color="tab:green",
        alpha=0.2,
        label="both goals: <= 2 s and <= 1/3 of the calls",
    )
    axis.set_xlim(left=0)
    axis.set_ylim(bottom=0)
    axis.set_title(f"Fixed intervals, {SWEEP_DURATION} s update: the trade-off")
    axis.set_xlabel("DescribeSolution calls / fixed-5-s poller's")
    axis.set_ylabel("median added latency (s)")
    axis.grid(visible=True, alpha=0.3)
    axis.legend(loc="upper right", fontsize=8)


def guard_table(guards: Sequence[Guard]) -> tuple[list[str], list[list[str]]]:
    """UpdateSolution calls per delivery."""
    headers = ["request (through the real handler)", "answer", "UpdateSolution calls", "expected"]
    rows = [[g.request, g.status, str(g.update_calls), str(g.expected)] for g in guards]
    return headers, rows


def other_table(cold: ColdStart, delete: DeleteTiming) -> tuple[list[str], list[list[str]]]:
    """Cold start and Delete."""
    app_ms = statistics.median(cold.app) * 1000
    bare_ms = statistics.median(cold.bare) * 1000
    headers = ["measure", "value"]
    rows = [
        [f"import app, fresh interpreter (median of {len(cold.app)})", f"{app_ms:.0f} ms"],
        [
            f"import boto3; boto3.client('personalize') (median of {len(cold.bare)})",
            f"{bare_ms:.0f} ms",
        ],
        [
            "  spread, min-max: import app / bare",
            f"{min(cold.app) * 1000:.0f}-{max(cold.app) * 1000:.0f} / "
            f"{min(cold.bare) * 1000:.0f}-{max(cold.bare) * 1000:.0f} ms",
        ],
        ["ratio handler / bare (medians)", f"{cold.ratio:.2f}x"],
        ["connection attempts during the imports", str(cold.connections)],
        [".aws-sam/build/SolutionUpdateFunction size", cold.artifact],
        [
            f"Delete answered, wall time (median / max of {len(delete.walls)})",
            f"{statistics.median(delete.walls) * 1000:.0f} / {max(delete.walls) * 1000:.0f} ms",
        ],
        [
            "Delete: Personalize calls / simulated sleep",
            f"{delete.personalize_calls} / {delete.simulated_sleep:g} s",
        ],
    ]
    return headers, rows


@dataclass(frozen=True)
class Report:
    """Everything one run measured."""

    cells: dict[tuple[str, float], Cell]
    sweep: dict[tuple[str, float], Cell]
    guards: list[Guard]
    cold: ColdStart
    delete: DeleteTiming
    network: NetworkGuard
    stopped: bool


def render(report: Report, stamp: str, wall: float, markdown: bool) -> str:
    """The report as plain text (stdout) or Markdown (docs/bench.md)."""
    table = markdown_table if markdown else text_table
    judged = verdicts(report.cells, report.guards, report.cold, report.delete)
    heading = "## " if markdown else "== "
    parts: list[str] = []
    if markdown:
        parts += [
            "# Benchmark: polling, no-op guards, cold start and Delete",
            "",
            f"Generated {stamp} by `{COMMAND}` (that is, `{DIRECT_COMMAND}`) on "
            f"{platform.machine()} with {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, in {wall:.0f} s of wall time. It runs only against "
            "the local emulator on 127.0.0.1. To regenerate this file and `bench.png`, run "
            f"`{COMMAND}`.",
            "",
            "![bench](bench.png)",
            "",
        ]
    parts += [
        f"{heading}1. Polling: added latency (s), DescribeSolution calls, billed seconds "
        "(medians of 3 phases)",
        "",
        table(*polling_table(report.cells)),
        "",
    ]
    bullet = "- " if markdown else "  * "
    parts += [bullet + note for note in NOTES]
    parts += [
        "",
        f"{heading}1b. Sweep: one fixed interval, {SWEEP_DURATION} s update (medians of 3 phases)",
        "",
        table(*sweep_table(report.sweep)),
        "",
        f"{heading}2. UpdateSolution calls (each can start a training run)",
        "",
        table(*guard_table(report.guards)),
        "",
        f"{heading}3-4. Cold start and Delete",
        "",
        table(*other_table(report.cold, report.delete)),
        "",
        f"{heading}Goals",
        "",
    ]
    for verdict in verdicts_lines(judged, markdown):
        parts.append(verdict)
    parts += ["", conflict_note(report.cells, report.sweep), ""]
    parts.append(
        f"Network: {report.network.connects} connection attempts in this process, to "
        f"127.0.0.1 only; attempts to other hosts refused: {len(report.network.refused)}. "
        f"Emulator, receiver and Lambda stand-in stopped (their ports refuse connections): "
        f"{'yes' if report.stopped else 'NO'}. Wall time {wall:.1f} s."
    )
    return "\n".join(parts) + "\n"


def verdicts_lines(judged: Sequence[Verdict], markdown: bool) -> list[str]:
    """One line per goal."""
    bullet = "- " if markdown else "  "
    return [f"{bullet}{'MET' if v.met else 'NOT MET'}: {v.goal} ({v.evidence})" for v in judged]


# --- main ----------------------------------------------------------------------------------------


def configure() -> NetworkGuard:
    """Fake credentials and a region before any client exists; quiet logs; loopback only."""
    os.environ.update(FAKE_AWS)
    os.environ.pop("AWS_PROFILE", None)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # EMF lines would bury the tables
    guard = NetworkGuard()
    guard.install()
    return guard


def progress(message: str) -> None:
    """A progress line on stderr (stdout holds the report)."""
    print(message, file=sys.stderr, flush=True)


def main() -> int:
    """Run every measurement in one process and write docs/bench.md and docs/bench.png."""
    began = time.perf_counter()
    network = configure()
    runs: list[Run] = []
    with local_cloud() as cloud:
        for policy in policies():
            cloudformation = cloud.cloudformation(policy)
            progress(f"polling: {policy.label} ...")
            for duration in DURATIONS:
                for phase in PHASES:
                    runs.append(measure_update(cloud, cloudformation, policy, duration, phase))
        progress(f"sweep: {len(SWEEP_INTERVALS)} fixed intervals at {SWEEP_DURATION} s ...")
        swept = [
            measure_update(cloud, cloud.cloudformation(policy), policy, SWEEP_DURATION, phase)
            for policy in sweep_policies()
            for phase in PHASES
        ]
        ours = cloud.cloudformation(policies()[0])
        progress("no-op guards and Delete ...")
        guards = measure_guards(cloud, ours)
        delete = measure_delete(cloud, ours)
        ports = cloud.ports
    stopped = all(refuses(port) for port in ports)
    progress(f"cold start: {COLD_START_RUNS} interleaved runs of each import ...")
    cold = measure_cold_start()
    cells, sweep = summarise(runs), summarise(swept)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    DOCS.mkdir(exist_ok=True)
    plot(cells, sweep, DOCS / "bench.png", stamp)
    wall = time.perf_counter() - began
    report = Report(cells, sweep, guards, cold, delete, network, stopped)
    (DOCS / "bench.md").write_text(render(report, stamp, wall, markdown=True))
    print(render(report, stamp, wall, markdown=False), end="")
    print(f"Wrote {DOCS / 'bench.md'} and {DOCS / 'bench.png'}")
    return 0 if stopped and not network.refused else 1


if __name__ == "__main__":
    sys.exit(main())
