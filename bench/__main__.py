"""`python -m bench [all|polling|cold|load]`: run the benchmark's sections and print their tables;
`all` (what `make bench` runs) also rewrites docs/bench.md and docs/bench.png.

Run from the repository root with PYTHONPATH=src/handler:. (the Makefile sets it). Exits 1 if
anything tried to leave loopback or a stand-in was left running.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import time
from dataclasses import replace

from bench.cloud import local_cloud, progress
from bench.coldstart import RUNS, measure_cold_start
from bench.goals import Results, judge
from bench.guards import measure_delete, measure_guards
from bench.load import SIZES, measure_load
from bench.network import configure, refuses
from bench.plot import plot
from bench.polling import OURS, cloudformation, measure_polling
from bench.report import RunInfo, render
from bench.shipped import ROOT
from localcloud.simclock import SimulatedClock

DOCS = ROOT / "docs"


def simulated(results: Results) -> tuple[Results, tuple[int, ...]]:
    """Polling, sweep, guards and Delete on one simulated clock; the stand-ins' ports. The
    handler runs in this process: its logs and EMF lines, on stdout, are discarded."""
    clock = SimulatedClock()
    with (
        open(os.devnull, "w") as discard,
        contextlib.redirect_stdout(discard),
        local_cloud(clock.now, clock.sleep) as cloud,
    ):
        progress("polling: 3 policies and a sweep of fixed intervals ...")
        polled = measure_polling(cloud, clock)
        progress("no-op guards and Delete ...")
        stand_in = cloudformation(cloud, clock, OURS)
        guards = measure_guards(cloud, stand_in)
        delete = measure_delete(cloud, stand_in, clock)
    return replace(results, polling=polled, guards=guards, delete=delete), cloud.ports


def loaded(results: Results) -> tuple[Results, tuple[int, ...]]:
    """The load section, in real time; the stand-ins' ports."""
    progress(f"load: N = {', '.join(map(str, SIZES))} function processes at once ...")
    with local_cloud(time.time, time.sleep) as cloud:
        runs = measure_load(cloud)
    return replace(results, load=runs), cloud.ports


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections (cold start first, while the machine is quiet) and report."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "section", nargs="?", default="all", choices=("all", "polling", "cold", "load")
    )
    section = parser.parse_args(argv).section
    began = time.perf_counter()
    network = configure()
    results = Results()
    ports: tuple[int, ...] = ()
    if section in ("all", "cold"):
        progress(f"cold start: {RUNS} interleaved fresh interpreters of each kind ...")
        results = replace(results, cold=measure_cold_start())
    if section in ("all", "polling"):
        results, ports = simulated(results)
    if section in ("all", "load"):
        results, load_ports = loaded(results)
        ports += load_ports
    stopped = all(refuses(port) for port in ports)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    goals = judge(results)
    if section == "all" and results.polling and results.load:
        plot(results.polling, results.load, DOCS / "bench.png", stamp)
    info = RunInfo(
        stamp, time.perf_counter() - began, network.connects, len(network.refused), stopped
    )
    if section == "all":
        (DOCS / "bench.md").write_text(render(results, goals, info, markdown=True))
    print(render(results, goals, info, markdown=False), end="")
    if section == "all":
        print(f"Wrote {DOCS / 'bench.md'} and {DOCS / 'bench.png'}")
    return 0 if stopped and not network.refused else 1


if __name__ == "__main__":
    sys.exit(main())
