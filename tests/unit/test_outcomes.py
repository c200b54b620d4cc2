"""A Reason is fitted where it is made: the start kept, at most MAX_REASON_BYTES once encoded."""

from __future__ import annotations

import json

import pytest

from outcomes import RequestFailed, failure
from solution_rules.envelope import MAX_REASON_BYTES


@pytest.mark.parametrize("char", ["x", "é", "\u2028", "\x00"])
def test_a_long_reason_keeps_its_start_and_fits(char):
    reason = failure("Solution update failed: " + char * 10_000, "UpdateFailed").reason
    assert len(json.dumps(reason)) <= MAX_REASON_BYTES
    assert reason.startswith("Solution update failed: " + char)
    assert reason.endswith("[truncated]")


def test_a_short_reason_is_kept_whole():
    assert failure("no", "X") == ("no", "X", None)


def test_a_raised_failure_is_fitted_too():
    error = RequestFailed("y" * 5000, "Rejected")
    assert str(error) == error.failure.reason
    assert len(str(error)) < 5000
    assert error.cause == "Rejected"
