"""The simulation's clock and turns: processes run one at a time, in virtual time order, the same
way every run; a deadline ends a process as Lambda ends an invocation; a woken process runs at
once; nothing outlives a history."""

from __future__ import annotations

import threading

from localcloud.simulation.scheduler import Scheduler

START = 1_000.0


def test_processes_take_turns_in_virtual_time_order():
    scheduler = Scheduler(START)
    seen: list[tuple[str, float]] = []

    def worker(name: str, pause: float) -> None:
        for _ in range(3):
            seen.append((name, scheduler.now()))
            scheduler.sleep(pause)

    scheduler.spawn(START, lambda: worker("slow", 2.0), "slow")
    scheduler.spawn(START, lambda: worker("fast", 0.5), "fast")
    scheduler.run(until=START + 10)
    assert seen == [
        ("slow", START), ("fast", START), ("fast", START + 0.5),
        ("fast", START + 1.0), ("slow", START + 2.0), ("slow", START + 4.0),
    ]  # fmt: skip
    assert scheduler.errors == []


def test_a_deadline_ends_a_process_mid_pause_and_its_guards_do_not_catch_it():
    scheduler = Scheduler(START)
    reached: list[float] = []

    def invocation() -> None:
        try:
            scheduler.sleep(60.0)
        except Exception:  # noqa: BLE001 - what the handler's guards catch
            reached.append(-1.0)
        reached.append(scheduler.now())

    scheduler.spawn(START, invocation, "invocation", deadline=START + 15)
    scheduler.run(until=START + 100)
    assert (reached, scheduler.now(), scheduler.errors) == ([], START + 15, [])


def test_a_woken_process_runs_at_once_and_a_timer_can_be_called_off():
    scheduler = Scheduler(START)
    woke: list[float] = []
    fired: list[float] = []

    def waiter() -> None:
        scheduler.sleep(3600.0)
        woke.append(scheduler.now())

    waiting = scheduler.spawn(START, waiter, "waiter")

    def other() -> None:
        scheduler.sleep(5.0)
        scheduler.wake(waiting)
        scheduler.timer(1.0, lambda: fired.append(scheduler.now())).cancel()

    scheduler.spawn(START, other, "other")
    scheduler.run(until=START + 7200)
    assert (woke, fired) == ([START + 5.0], [])


def test_closing_ends_every_thread_still_waiting():
    before = threading.active_count()
    scheduler = Scheduler(START)
    scheduler.spawn(START, lambda: scheduler.sleep(10_000.0), "sleeper")
    scheduler.run(until=START + 1)
    assert threading.active_count() == before + 1
    scheduler.close()
    for thread in threading.enumerate():
        if thread.name == "sleeper":
            thread.join(timeout=5)
    assert threading.active_count() == before
