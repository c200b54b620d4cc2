"""The check both local paths (make invoke, make test-sam-local) apply to what came back: it
fails naming the event and what came back, and passes the answer the README's table promises."""

from __future__ import annotations

import json
from collections import Counter

from localcloud.expected import EVENTS, expected_for, problem

CREATE = json.loads((EVENTS / "create.json").read_text())
RIGHT = {
    "Status": "SUCCESS",
    "PhysicalResourceId": "arn:aws:personalize:us-east-1:123456789012:solution/demo",
    "Data": {"SchedulingExpression": "rate(5 days)"},
}
ONE_UPDATE = Counter({"DescribeSolution": 3, "UpdateSolution": 1})


def check(answers, calls=ONE_UPDATE, path=EVENTS / "create.json"):
    return problem("events/create.json via X", CREATE, answers, calls, expected_for(path))


def test_the_promised_answer_passes():
    assert check([RIGHT]) is None


def test_no_answer_or_two_fail_for_any_event():
    assert "exactly one answer, got 0" in check([])
    assert "exactly one answer, got 2" in check([RIGHT, RIGHT], path=EVENTS.parent / "mine.json")
    assert check([RIGHT], Counter(), path=EVENTS.parent / "mine.json") is None  # no expectation


def test_a_wrong_answer_names_the_event_and_what_came_back():
    failed = {**RIGHT, "Status": "FAILED", "Reason": "Solution not found"}
    wrong = check([failed])
    assert wrong.startswith("events/create.json via X: expected SUCCESS with id ")
    assert "came back: 1 answer(s) [FAILED arn:" in wrong
    assert "(Solution not found)" in wrong
    assert "DescribeSolution x3, UpdateSolution x1" in wrong


def test_calls_and_schedule_are_checked():
    assert "expected 1 UpdateSolution call(s)" in check([RIGHT], Counter({"UpdateSolution": 2}))
    stale = {**RIGHT, "Data": {"SchedulingExpression": "rate(7 days)"}}
    assert "expected Data.SchedulingExpression rate(5 days)" in check([stale])
