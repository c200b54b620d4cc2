"""Property-based tests of the properties parser: it never raises anything but InvalidProperties,
accepts every valid input, every problem names a property that is really in the input, and the
Delete's reading of OnDelete alone agrees with it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solution_rules.properties import (
    TOP_LEVEL,
    InvalidProperties,
    OnDelete,
    label,
    on_delete_of,
    parse_properties,
    schedule_expression,
)

ARN = "arn:aws:personalize:us-east-1:123456789012:solution/fuzz"
EXAMPLES = 600

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["true", "False", "rate(5 days)", "rate(1 day)", "0.5", "1e999", ARN]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
known_keys = st.sampled_from([*TOP_LEVEL, "EventsConfig", "SchedulingExpression"])
keys = st.one_of(known_keys, st.text(max_size=12))
event_entry = st.fixed_dictionaries(
    {},
    optional={
        "EventType": st.one_of(st.text(max_size=20), values),
        "EventValueThreshold": st.one_of(st.floats().map(str), values),
        "Weight": st.one_of(st.floats(0, 1).map(str), values),
    },
)
config = st.fixed_dictionaries(
    {},
    optional={
        "AutoTrainingConfig": st.fixed_dictionaries(
            {},
            optional={
                "SchedulingExpression": st.one_of(
                    values, st.integers(0, 40).map(lambda n: f"rate({n} days)")
                )
            },
        ),
        "EventsConfig": st.fixed_dictionaries(
            {},
            optional={"EventParametersList": st.one_of(st.lists(event_entry, max_size=12), values)},
        ),
    },
)
properties = st.one_of(
    values,
    st.dictionaries(keys, values, max_size=6),
    st.fixed_dictionaries(
        {"SolutionArn": st.one_of(st.just(ARN), values)},
        optional={
            "PerformAutoTraining": st.one_of(st.sampled_from(["true", "FALSE", True]), values),
            "PerformIncrementalUpdate": values,
            "SolutionUpdateConfig": st.one_of(config, values),
            "ServiceTimeout": st.one_of(st.integers(-5, 5000), values),
            "ServiceToken": st.text(max_size=5),
            "OnDelete": st.one_of(
                st.sampled_from([*OnDelete, "retain", "Disable Auto Training"]), values
            ),
        },
    ),
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(properties)
def test_parser_never_raises_anything_else_and_names_real_properties(props):
    try:
        request = parse_properties(props)
    except InvalidProperties as error:
        assert error.problems
        for problem in error.problems:
            named = ["ResourceProperties", "SolutionArn"]  # not a map; SolutionArn missing
            if isinstance(props, dict):
                named += [label(key) for key in props]
            assert any(problem.startswith(f"Property {name}") for name in named), problem
            assert "expected" in problem or "is required" in problem
            assert len(problem) < 400
    else:
        assert isinstance(props, dict)
        assert request.settings.solution_arn == props["SolutionArn"]


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    auto=st.booleans(),
    spelling=st.sampled_from(
        [str, lambda b: str(b).lower(), lambda b: str(b).upper(), lambda b: b]
    ),
    days=st.integers(1, 30),
    singular=st.booleans(),
    weights=st.lists(st.floats(0, 1), max_size=10),
    on_delete=st.sampled_from(OnDelete),
)
def test_every_valid_input_is_accepted_as_asked(auto, spelling, days, singular, weights, on_delete):
    expression = f"rate({days} day)" if singular else f"rate({days} days)"
    props = {
        "SolutionArn": ARN,
        "PerformAutoTraining": spelling(auto),
        "SolutionUpdateConfig": {
            "AutoTrainingConfig": {"SchedulingExpression": expression},
            "EventsConfig": {
                "EventParametersList": [
                    {"EventType": f"e{i}", "Weight": repr(w)} for i, w in enumerate(weights)
                ]
            },
        },
        "OnDelete": str(on_delete),
    }
    request = parse_properties(props)
    assert request.on_delete is on_delete
    settings_ = request.settings
    assert settings_.asked.perform_auto_training is auto
    assert settings_.asked.schedule_days == days
    assert schedule_expression(days) in (f"rate({days} day)", f"rate({days} days)")
    assert [p.weight for p in settings_.asked.event_parameters or ()] == weights


@settings(max_examples=EXAMPLES, deadline=None)
@given(properties)
def test_the_deletes_reading_of_on_delete_agrees_with_the_parser(props):
    """Whatever else is wrong: the same choice when the parser accepts, the parser's own
    OnDelete problem when it refuses that, and nothing else raised."""
    try:
        choice = on_delete_of(props)
    except InvalidProperties as error:
        [problem] = error.problems
        with pytest.raises(InvalidProperties) as parsed:
            parse_properties(props)
        assert problem in parsed.value.problems
        return
    try:
        request = parse_properties(props)
    except InvalidProperties as error:
        assert not any(problem.startswith("Property OnDelete") for problem in error.problems)
    else:
        assert request.on_delete is choice
