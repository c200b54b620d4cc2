"""The property rules applied before deploy, to the values a template or a CDK app fixes.

The construct (at synth) and the cfn-lint rules (on templates) ask `literal_problems` what the
function would refuse, so a message seen before deploy is the one the function would answer
with. Values not known until deploy (a CDK token, an intrinsic function) are left to the
function: a problem with such a value, or inside it, is not reported; a wrong property name is,
whatever its value. A map holding `Fn::Transform` (AWS::Include) may gain properties at deploy,
so a required one missing from it is not reported either.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Union

from .properties import InvalidProperties, Problem, parse_properties

TRANSFORM = "Fn::Transform"
Step = Union[str, int]  # a key or a list index (Union: the rule set imports on Python 3.9)


def as_delivered(value: object, is_unresolved: Callable[[object], bool]) -> object:
    """The value as CloudFormation delivers it to the function (every scalar a string: `true`,
    `0.5`), unresolved values left as they are and `Fn::Transform` keys taken out."""
    if is_unresolved(value):
        return value
    if isinstance(value, Mapping):
        return {
            key: as_delivered(item, is_unresolved)
            for key, item in value.items()
            if key != TRANSFORM
        }
    if isinstance(value, list):
        return [as_delivered(item, is_unresolved) for item in value]
    return str(value).lower() if isinstance(value, bool) else str(value)


def _paths(value: object, is_open: Callable[[object], bool], path: str = "") -> Iterator[str]:
    """The property paths (in the parser's spelling: `A.B`, `A[0]`) of the values `is_open`
    picks, not looking inside those."""
    if is_open(value):
        yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _paths(item, is_open, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, is_open, f"{path}[{index}]")


def _within(name: str, path: str) -> bool:
    """Whether the property `name` is `path` or inside it."""
    return name == path or name.startswith((f"{path}.", f"{path}["))


def _parent(name: str) -> str:
    """The property holding `name` (`A` for `A.B`, "" at the top level)."""
    return re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", name) if re.search(r"[.\[]", name) else ""


def literal_problems(
    properties: Mapping[str, object],
    is_unresolved: Callable[[object], bool],
    home: str | None = None,
) -> list[Problem]:
    """What the function would refuse in these ResourceProperties once delivered, in its own
    words, leaving out what depends on values known only at deploy. `home`: the region the
    function runs in, where known (a SolutionArn of another one is refused)."""
    if is_unresolved(properties):
        return []
    try:
        parse_properties(as_delivered(properties, is_unresolved), home)
    except InvalidProperties as invalid:
        found = invalid.found
    else:
        return []
    unknown = tuple(_paths(properties, is_unresolved))
    transformed = tuple(
        _paths(properties, lambda value: isinstance(value, Mapping) and TRANSFORM in value)
    )

    def undecided(problem: Problem) -> bool:
        if problem.kind == "name":  # wrong whatever its value; unknown only inside a value
            return any(_within(problem.name, path) and problem.name != path for path in unknown)
        if problem.kind == "missing" and _parent(problem.name) in transformed:
            return True
        return any(_within(problem.name, path) for path in unknown)

    return [problem for problem in found if not undecided(problem)]


def problem_path(problem: Problem) -> list[Step]:
    """The property a problem names, as keys and list indexes (`A[0].B` is ["A", 0, "B"])."""
    return [
        int(index) if index else key
        for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", problem.name)
    ]
