"""The attributes the rule set names are the ones the function answers with, and a wrong name is
told what it most likely meant."""

from __future__ import annotations

import pytest

from reconcile import attributes, known_settings
from solution_rules.attributes import ATTRIBUTES, attribute_problem
from tests.unit.test_reconcile import solution

EXPECTED = (
    "expected one of SolutionArn, PerformAutoTraining, SchedulingExpression, "
    "PerformIncrementalUpdate, Status, LastUpdatedDateTime"
)


def test_the_names_are_those_of_the_functions_answer():
    state = solution()
    assert tuple(attributes(state, known_settings(state))) == ATTRIBUTES


@pytest.mark.parametrize("name", ATTRIBUTES)
def test_an_attribute_the_function_answers_with_is_no_problem(name):
    assert attribute_problem(name) is None


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("Schedule", " (did you mean SchedulingExpression?)"),
        ("Arn", " (did you mean SolutionArn?)"),
        ("AutoTraining", " (did you mean PerformAutoTraining?)"),
        ("LastUpdated", " (did you mean LastUpdatedDateTime?)"),
        ("status", " (names are case-sensitive: did you mean Status?)"),
        ("SOLUTIONARN", " (names are case-sensitive: did you mean SolutionArn?)"),
        ("Update", ""),  # in two of them: no guess
        ("Id", ""),
    ],
)
def test_another_name_is_refused_with_what_it_most_likely_meant(name, hint):
    assert attribute_problem(name) == (
        f"{name!r} is not an attribute of Custom::PersonalizeSolutionUpdate{hint}; {EXPECTED}"
    )
