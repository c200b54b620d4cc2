"""The report: one table per section and the goals table, as aligned text (stdout) or Markdown
(docs/bench.md, followed by the method from method.md)."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template

from bench import coldstart, guards, load, shipped
from bench.coldstart import ColdStart, Samples, median_ratio
from bench.goals import CALLS_GOAL, LATENCY_GOAL, Goal, Results
from bench.guards import DeleteTiming, Guard
from bench.load import LoadRun
from bench.polling import DURATIONS, SWEEP_DURATION, SWEEP_INTERVALS, PollingResult

Table = tuple[list[str], list[list[str]]]
METHOD = Path(__file__).with_name("method.md")
COMMAND = "make bench"
DIRECT_COMMAND = "PYTHONPATH=src/handler:. .venv/bin/python -m bench all"


@dataclass(frozen=True)
class RunInfo:
    """When and how long the run was, and what its network guard saw."""

    stamp: str
    wall: float
    connects: int
    refused: int
    stopped: bool


def fmt(value: float | None, digits: int = 2) -> str:
    """A number for the tables; None is n/a."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def ms(seconds: Sequence[float]) -> str:
    """Median, in milliseconds."""
    return f"{statistics.median(seconds) * 1000:.0f} ms"


def spread(seconds: Sequence[float], quartiles: bool) -> str:
    """p25-p75 or min-max, in milliseconds."""
    low, high = (
        (statistics.quantiles(seconds, n=4)[::2]) if quartiles else (min(seconds), max(seconds))
    )
    return f"{low * 1000:.0f}-{high * 1000:.0f} ms"


def shown(value: float, unit: str) -> str:
    """A goal's threshold or measured value in its unit."""
    if unit == "share":
        return f"{value:.1%}"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.2f} {unit}" if unit else f"{value:g}"


def polling_table(result: PollingResult) -> Table:
    """Per duration: latency, calls and billed seconds of each policy, and ours' ratios."""
    keys = ("ours", "fixed5", "sched120")
    names = ("ours", "5s", "2min")
    headers = [
        "update s",
        *(f"latency {n}" for n in names),
        *(f"calls {n}" for n in names),
        "invocations ours",
        *(f"billed {n}" for n in names),
        "calls ours/5s",
        "calls ours/2min",
        "latency ours/5s",
        "latency ours/2min",
    ]
    rows = []
    for duration in DURATIONS:
        cells = [result.cells[(k, duration)] for k in keys]
        ours, five, sched = cells
        rows.append(
            [
                f"{duration:g}",
                *(fmt(c.latency) for c in cells),
                *(f"{c.describes:g}" for c in cells),
                str(ours.invocations),
                *(fmt(c.billed, 1) for c in cells),
                fmt(result.calls_ratio(duration)),
                fmt(result.calls_ratio(duration, "sched120")),
                fmt(ours.latency / five.latency),
                fmt(ours.latency / sched.latency),
            ]
        )
    return headers, rows


def sweep_table(result: PollingResult) -> Table:
    """Per fixed interval: latency, calls, and calls against the 5 s poller."""
    headers = ["interval s", "latency", "calls", "calls / fixed 5 s", "both polling goals"]
    rows = []
    for interval in SWEEP_INTERVALS:
        cell = result.sweep[(f"every{interval:g}", SWEEP_DURATION)]
        share = result.sweep_share(interval)
        both = cell.latency <= LATENCY_GOAL and share <= CALLS_GOAL
        row = [f"{interval:g}", fmt(cell.latency), f"{cell.describes:g}", fmt(share)]
        rows.append([*row, "yes" if both else "no"])
    return headers, rows


def guard_table(rows: Sequence[Guard]) -> Table:
    """UpdateSolution calls per delivery."""
    headers = ["request (through the real handler)", "answer", "UpdateSolution calls", "expected"]
    return headers, [[g.request, g.status, str(g.update_calls), str(g.expected)] for g in rows]


def delete_table(delete: DeleteTiming) -> Table:
    """What Deletes cost."""
    return ["measure", "value"], [
        [f"answered SUCCESS (of {len(delete.walls)})", str(delete.statuses.count("SUCCESS"))],
        ["wall time, median / max", f"{ms(delete.walls)} / {max(delete.walls) * 1000:.0f} ms"],
        ["Personalize calls", str(delete.personalize_calls)],
        ["simulated sleep", f"{delete.simulated_sleep:g} s"],
    ]


def cold_table(cold: ColdStart) -> Table:
    """Every kind side by side, with its ratios to the bare client."""
    kinds = [cold.bare, cold.artifact, cold.uncompiled, cold.cached]

    def measure(name: str, pick: Callable[[Samples], list[float]]) -> list[list[str]]:
        """A measure's medians, and their ratios to the bare client's."""
        return [
            [name, *(ms(pick(k)) for k in kinds)],
            ["  / bare", *(f"{median_ratio(pick(k), pick(cold.bare)):.2f}x" for k in kinds)],
        ]

    headers = [
        "measure",
        "bare boto3 client",
        "import app: artifact, as on Lambda",
        "artifact without bytecode",
        "venv, bytecode cached",
    ]
    return headers, [
        *measure("start to ready, median", lambda k: k.ready),
        ["  p25-p75", *(spread(k.ready, True) for k in kinds)],
        ["  min-max", *(spread(k.ready, False) for k in kinds)],
        *measure("CPU time to ready, median", lambda k: k.cpu),
        *measure("whole process (exit included), median", lambda k: k.process),
        ["modules compiled at each start", *(str(k.compiled) for k in kinds)],
        ["fresh interpreters, interleaved", *(str(len(k.ready)) for k in kinds)],
        ["connection attempts, all kinds", str(cold.connections), "", "", ""],
        [".aws-sam build artifact", "", cold.size, "", ""],
    ]


def load_table(runs: Sequence[LoadRun]) -> Table:
    """Per size: answers, calls by outcome, added latency and wall time."""
    headers = [
        "N",
        "SUCCESS",
        "no answer",
        "extra answers",
        "UpdateSolution accepted",
        "UpdateSolution throttled",
        "DescribeSolution calls",
        "throttled",
        "throttled share",
        "p50 added s",
        "p95 added s",
        "wall s",
    ]
    rows = [
        [
            str(r.size),
            str(r.success),
            str(r.size - r.answered),
            str(r.extra_answers),
            str(r.updates),
            str(r.updates_throttled),
            str(r.describes),
            str(r.describes_throttled),
            f"{r.throttled_share:.1%}",
            fmt(r.latency(0.5)),
            fmt(r.latency(0.95)),
            fmt(r.slowest, 1),
        ]
        for r in runs
    ]
    return headers, rows


def goals_table(goals: Sequence[Goal]) -> Table:
    """Each goal, its target, what was measured, and whether it was met."""
    headers = ["goal", "target", "measured", "met"]
    rows = [
        [
            g.name,
            f"{g.comparison} {shown(g.threshold, g.unit)}",
            shown(g.measured, g.unit),
            "yes" if g.met else "NO",
        ]
        for g in goals
    ]
    return headers, rows


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An aligned plain-text table (first column left, the rest right)."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        """One row, padded to the column widths."""
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
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [headers, align, *rows])


def sections(results: Results) -> list[tuple[str, Table]]:
    """The title and table of every section that ran."""
    found: list[tuple[str, Table]] = []
    if results.polling:
        found += [
            (
                "Polling: added latency (s), DescribeSolution calls, billed seconds "
                "(medians of 3 phases)",
                polling_table(results.polling),
            ),
            (
                f"Sweep: one fixed interval, {SWEEP_DURATION} s update (medians of 3 phases)",
                sweep_table(results.polling),
            ),
        ]
    if results.guards:
        found.append(("UpdateSolution calls per delivery", guard_table(results.guards)))
    if results.delete:
        found.append(("Delete", delete_table(results.delete)))
    if results.cold:
        found.append(("Cold start as Lambda's init pays it", cold_table(results.cold)))
    if results.load:
        found.append(("Many resources at once", load_table(results.load)))
    return found


def method() -> str:
    """method.md with this run's constants filled in."""
    constants = {
        "durations": ", ".join(f"{d:g}" for d in DURATIONS),
        "sweep_duration": f"{SWEEP_DURATION}",
        "function_timeout": f"{shipped.FUNCTION_TIMEOUT}",
        "guard_duration": f"{guards.GUARD_DURATION:g}",
        "delete_runs": f"{guards.DELETE_RUNS}",
        "cold_runs": f"{coldstart.RUNS}",
        "sizes": ", ".join(str(n) for n in load.SIZES),
        "rates": ", ".join(f"{op} {rate:g}/s" for op, rate in load.RATES.items()),
        "update_seconds": f"{load.UPDATE_SECONDS:g}",
        "service_timeout": f"{load.SERVICE_TIMEOUT}",
        "grace": f"{load.GRACE:g}",
    }
    return Template(METHOD.read_text()).substitute(constants)


def render(results: Results, goals: Sequence[Goal], info: RunInfo, markdown: bool) -> str:
    """The report as plain text (stdout) or Markdown (docs/bench.md)."""
    table: Callable[[list[str], list[list[str]]], str] = markdown_table if markdown else text_table
    heading = "## " if markdown else "== "
    parts: list[str] = []
    if markdown:
        parts += [
            "# Benchmark: polling, no-op guards, Delete, cold start, many resources at once",
            "",
            f"Generated {info.stamp} by `{COMMAND}` (that is, `{DIRECT_COMMAND}`) on "
            f"{platform.machine()} with {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, in {info.wall:.0f} s of wall time. It runs only "
            "against the local stand-ins on 127.0.0.1; the method is at the end.",
            "",
            "![bench](bench.png)",
            "",
        ]
    for title, (headers, rows) in [("Goals", goals_table(goals)), *sections(results)]:
        parts += [f"{heading}{title}", "", table(headers, rows), ""]
    if markdown:
        parts += [method(), ""]
    parts.append(
        f"Network: {info.connects} connection attempts from the bench process, to 127.0.0.1 "
        f"only; attempts to other hosts refused: {info.refused}. Stand-ins stopped (their "
        f"ports refuse connections): {'yes' if info.stopped else 'NO'}. "
        f"Wall time {info.wall:.1f} s."
    )
    return "\n".join(parts) + "\n"
