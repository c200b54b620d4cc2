"""The simulation's verdict: generated histories keep every promise; each minimal history it found
stays a regression; the same seed plays the same histories; and it has teeth (a false SUCCESS
and a needless UpdateSolution planted in the function are found, and so are an on-failure
destination that answers a death SUCCESS and one that names the solution where the function's
watchdog did not)."""

from __future__ import annotations

from pathlib import Path

import pytest

import dispatcher
import lifecycle
import on_failure
from localcloud.simulation.explore import explore, replay
from localcloud.simulation.history import dumps
from outcomes import Failure
from solution_rules.envelope import SUCCESS, Ids
from solution_rules.properties import Settings

SEED = 2026
HISTORIES = 2000
REGRESSIONS = sorted((Path(__file__).parent / "regressions").glob("*.json"))


def test_generated_histories_keep_every_promise():
    report = explore(HISTORIES, SEED)
    assert report.histories >= HISTORIES
    assert report.minimal is None, (
        f"{report.violations}\nminimal history: {dumps(report.minimal)}\n"
        f"replay: python -m localcloud.simulation --histories {HISTORIES} --seed {SEED}"
    )


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_a_history_it_found_keeps_every_promise_now(path):
    assert replay(path) == []


def test_the_same_seed_plays_the_same_histories():
    first, again, other = (explore(30, seed, workers=1) for seed in (5, 5, 6))
    assert first.digest == again.digest != other.digest
    assert first.violations == other.violations == []


def test_a_planted_false_success_is_found(monkeypatch):
    """Every request taken for a no-op: SUCCESS while the settings asked are not in force."""
    monkeypatch.setattr(lifecycle, "differences", lambda asked, known: [])
    report = explore(300, 1, workers=1, shrink=False)
    assert {v.promise for v in report.violations} & {"success-in-force", "delete-training-off"}


def test_a_planted_needless_update_is_found(monkeypatch):
    """Nothing a read shows taken as proof: an update even where the settings are proven."""
    monkeypatch.setattr(lifecycle, "known_settings", lambda state: Settings())
    report = explore(300, 1, workers=1, shrink=False)
    assert "no-needless-update" in {v.promise for v in report.violations}


def test_a_planted_success_for_a_death_is_found(monkeypatch):
    """The destination answers every request it is sent SUCCESS."""

    def succeeding(event, ids: Ids, death, home) -> on_failure.Answer:
        return on_failure.Answer(SUCCESS, "", ids.failure_id)

    monkeypatch.setattr(on_failure, "answer_for", succeeding)
    report = explore(300, 1, workers=1, shrink=False)
    assert "death-answered" in {v.promise for v in report.violations}


def test_a_planted_watchdog_answer_a_death_contradicts_is_found(monkeypatch):
    """The function's watchdog answers with an id of its own, not the request's failure id: when
    the call that hung then reaches Lambda's timeout, the destination's answer (the failure id,
    as the function's rules say) contradicts it."""
    real = dispatcher.failure

    def planted(reason: str, cause: str, physical_id: str | None = None) -> Failure:
        return real(reason, cause, "planted-id" if cause == "OutOfTime" else physical_id)

    monkeypatch.setattr(dispatcher, "failure", planted)
    report = explore(300, 1, workers=1, shrink=False)
    assert "death-changes-no-answer" in {v.promise for v in report.violations}
