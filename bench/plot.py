"""docs/bench.png: the polling comparison against update duration, the sweep's trade-off, and
the load section's throttling and added latency per size. matplotlib is installed by
`make bench` only, so it is imported when a plot is drawn."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.goals import CALLS_GOAL, LATENCY_GOAL, THROTTLED_GOAL
from bench.load import RATES, LoadRun
from bench.polling import DURATIONS, SWEEP_DURATION, SWEEP_INTERVALS, Cell, PollingResult

STYLES = {
    "ours": ("ours (2 s in the first invocation, then to 30 s)", "tab:blue", "o"),
    "fixed5": ("fixed 5 s (CDK Provider isComplete)", "tab:orange", "s"),
    "sched120": ("2-min schedule (crhelper poll_create)", "tab:green", "^"),
}
PANELS: list[tuple[str, Callable[[Cell], float], str]] = [
    ("Added latency after the update settled", lambda c: c.latency, "seconds"),
    ("DescribeSolution calls per request", lambda c: c.describes, "calls"),
    ("Billed Lambda seconds per request", lambda c: c.billed, "seconds"),
]


def plot(polling: PollingResult, runs: Sequence[LoadRun], path: Path, stamp: str) -> None:
    """Six panels: latency, calls and billed seconds per policy, ours' call ratios, the sweep,
    and the load section."""
    import matplotlib as mpl  # optional: only `make bench` installs it

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # after choosing the headless backend

    fig, axes = plt.subplots(2, 3, figsize=(17, 8.5), layout="constrained")
    for axis, (title, metric, unit) in zip(
        (axes[0][0], axes[0][1], axes[1][0]), PANELS, strict=True
    ):
        for key, (label, color, marker) in STYLES.items():
            values = [metric(polling.cells[(key, d)]) for d in DURATIONS]
            axis.plot(DURATIONS, values, marker=marker, color=color, label=label)
        duration_axis(axis, title, unit)
        axis.set_yscale("symlog", linthresh=1)
        axis.set_ylim(bottom=0)
    goal = axes[0][0].axhline(LATENCY_GOAL, color="grey", linestyle="--", linewidth=1)
    axes[0][0].legend([goal], ["goal: ours' median <= 2 s"], loc="lower right", fontsize=8)
    axes[0][1].legend(loc="upper left", fontsize=8)
    plot_ratios(axes[1][1], polling)
    plot_sweep(axes[0][2], polling)
    plot_load(axes[1][2], runs)
    fig.suptitle(f"make bench, {stamp}: polling on a simulated clock; load in real time")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def duration_axis(axis: Any, title: str, unit: str) -> None:
    """A log-scaled update-duration x axis with one tick per measured duration."""
    axis.set_xscale("log")
    axis.set_xticks(DURATIONS, [f"{d:g}" for d in DURATIONS], rotation=45)
    axis.set_xlabel("update duration (s)")
    axis.set_title(title)
    axis.set_ylabel(unit)
    axis.grid(visible=True, which="major", alpha=0.3)


def plot_ratios(axis: Any, polling: PollingResult) -> None:
    """Ours' DescribeSolution calls over each alternative's, against the one-third goal."""
    for key, label in (("fixed5", "ours / fixed 5 s"), ("sched120", "ours / 2-min schedule")):
        ratios = [polling.calls_ratio(d, key) for d in DURATIONS]
        _, color, marker = STYLES[key]
        axis.plot(DURATIONS, ratios, marker=marker, color=color, label=label)
    axis.axhline(CALLS_GOAL, color="grey", linestyle="--", linewidth=1, label="goal: <= 1/3")
    axis.axhline(1, color="black", linewidth=0.5)
    duration_axis(axis, "DescribeSolution calls: ours / alternative", "ratio")
    axis.set_yscale("log")
    axis.legend(loc="upper left", fontsize=8)


def plot_sweep(axis: Any, polling: PollingResult) -> None:
    """Median latency against the share of the 5 s poller's calls, one point per interval, with
    the region where both polling goals hold shaded."""
    shares = [polling.sweep_share(i) for i in SWEEP_INTERVALS]
    latencies = [polling.sweep[(f"every{i:g}", SWEEP_DURATION)].latency for i in SWEEP_INTERVALS]
    axis.plot(shares, latencies, marker="o", color="tab:purple")
    for interval, share, latency in zip(SWEEP_INTERVALS, shares, latencies, strict=True):
        axis.annotate(
            f"{interval:g} s",
            (share, latency),
            fontsize=8,
            xytext=(4, 4),
            textcoords="offset points",
        )
    axis.fill_between(
        [0, CALLS_GOAL], 0, LATENCY_GOAL, color="tab:green", alpha=0.2, label="both goals"
    )
    axis.set_xlim(left=0)
    axis.set_ylim(bottom=0)
    axis.set_title(f"Fixed intervals, {SWEEP_DURATION} s update: the trade-off")
    axis.set_xlabel("DescribeSolution calls / fixed 5 s poller's")
    axis.set_ylabel("median added latency (s)")
    axis.grid(visible=True, alpha=0.3)
    axis.legend(loc="upper right", fontsize=8)


def plot_load(axis: Any, runs: Sequence[LoadRun]) -> None:
    """Per size: the share of DescribeSolution calls throttled (bars, against its goal) and the
    p50/p95 added latency (lines, right axis), with one legend for both."""
    sizes = [str(r.size) for r in runs]
    shares = [r.throttled_share * 100 for r in runs]
    axis.bar(sizes, shares, color="tab:red", alpha=0.5, label="DescribeSolution calls throttled")
    axis.axhline(THROTTLED_GOAL * 100, color="grey", linestyle="--", linewidth=1, label="goal")
    axis.set_ylabel("calls throttled (%)")
    axis.set_ylim(0, 100)
    axis.set_xlabel("resources started together (N)")
    axis.set_title(f"Many resources at once, {RATES['DescribeSolution']:g} DescribeSolution/s")
    latency = axis.twinx()
    highest = 0.0
    for quantile, style in ((0.5, "-"), (0.95, "--")):
        values = [r.latency(quantile) or 0.0 for r in runs]
        highest = max(highest, *values)
        label = f"added latency p{quantile * 100:.0f} (right)"
        latency.plot(sizes, values, style, marker="o", color="black", label=label)
    latency.set_ylabel("added latency (s)")
    latency.set_ylim(0, max(1.0, highest) * 1.6)  # room above the lines for the legend
    handles = [*axis.get_legend_handles_labels()[0], *latency.get_legend_handles_labels()[0]]
    latency.legend(handles=handles, loc="upper left", fontsize=8)
