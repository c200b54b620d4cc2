"""Property-based tests over whole events through the real handler and the emulator: it never
raises, answers exactly once, never calls UpdateSolution on invalid input, and every FAILED Reason
for invalid properties names the offending property."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outcomes import failure
from solution_rules.properties import InvalidProperties, label, parse_properties

EXAMPLES = 150
leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 40),
    st.text(max_size=12),
    st.sampled_from(
        ["true", "TRUE", "false", "rate(2 days)", "rate(31 days)", "rate(1 day)", "0.4"]
    ),
)
value = st.recursive(
    leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
config = st.fixed_dictionaries(
    {},
    optional={
        "AutoTrainingConfig": st.one_of(
            st.fixed_dictionaries({"SchedulingExpression": value}), value
        ),
        "EventsConfig": st.one_of(
            st.fixed_dictionaries(
                {
                    "EventParametersList": st.lists(
                        st.fixed_dictionaries(
                            {"EventType": st.sampled_from(["click", "buy", ""])},
                            optional={"Weight": value, "EventValueThreshold": value},
                        ),
                        max_size=3,
                    )
                }
            ),
            value,
        ),
    },
)
extra = st.dictionaries(
    st.sampled_from(
        [
            "PerformAutoTraining",
            "PerformIncrementalUpdate",
            "SolutionUpdateConfig",
            "ServiceTimeout",
            "Bogus",
        ]
    ),
    st.one_of(value, config),
    max_size=4,
)


@pytest.fixture
def fuzz_solution(world):
    """One solution for all examples of a run (each example runs a second later than the last)."""
    return world.solution("fuzz")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    request_type=st.sampled_from(["Create", "Update", "Delete"]),
    arn_kind=st.sampled_from(["real", "missing", "junk"]),
    props=extra,
)
def test_any_event_gets_exactly_one_sound_answer(
    world, fuzz_solution, request_type, arn_kind, props
):
    world.clock.advance(1)
    emulator = world.emulator
    arn = {
        "real": fuzz_solution,
        "missing": "arn:aws:personalize:us-east-1:123456789012:solution/missing",
        "junk": "not-an-arn",
    }[arn_kind]
    properties = {"SolutionArn": arn, **props}
    cloudformation = world.stand_in(function_timeout=30.0)
    physical = None if request_type == "Create" else arn
    old = properties if request_type == "Update" else None
    event = cloudformation.event(
        request_type, "Fuzz", properties, old_properties=old, physical_id=physical
    )
    sent = event["ResourceProperties"]
    updates_before = emulator.count("UpdateSolution")
    [response] = cloudformation.deliver(event).responses  # the handler must not raise
    body = response.body
    assert response.raw_size <= 4096
    assert body["PhysicalResourceId"]
    if request_type == "Delete":
        assert body["Status"] == "SUCCESS"
        assert emulator.count("UpdateSolution") == updates_before
        return
    try:
        parse_properties(sent)
    except InvalidProperties as error:
        assert body["Status"] == "FAILED"
        assert emulator.count("UpdateSolution") == updates_before
        named = ["SolutionArn", *map(label, sent)]
        # Every problem, in order; a list too long for a Reason is cut where it was made.
        assert body["Reason"] == failure(f"Invalid properties: {error}", "").reason
        for problem in error.problems:
            assert any(problem.startswith(f"Property {name}") for name in named), problem
    else:
        if arn_kind == "missing":
            assert body["Status"] == "FAILED"
            assert "was not found" in body["Reason"]
        else:
            assert body["Status"] == "SUCCESS", body["Reason"]
        assert emulator.count("UpdateSolution", "ok") - updates_before <= 1
