"""The simulation's verdict: generated histories keep every promise; each minimal history it found
stays a regression; the same seed plays the same histories; and it has teeth (a false SUCCESS
and a needless UpdateSolution planted in the function are found)."""

from __future__ import annotations

from pathlib import Path

import pytest

import lifecycle
from localcloud.simulation.explore import explore, replay
from localcloud.simulation.history import dumps
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
    first, again, other = (explore(30, seed, workers=1).digest for seed in (5, 5, 6))
    assert first == again != other


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
