"""What the rules read in a template as cfn-lint decoded (and, for Fn::ForEach, transformed) it:
the resources of the type, values only known at deploy, the values a parameter may take, and the
references to a resource's attributes. Plain functions of the decoded template, so they are
tested without cfn-lint's runner.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from .solution_rules.attributes import RESOURCE_TYPE
from .solution_rules.literals import Step, as_delivered, problem_path
from .solution_rules.properties import Problem

# A parameter of these types gives Ref a string, the value a template states; the others give a
# list, or (AWS-specific and SSM types) a value the template does not state.
SCALAR_PARAMETER_TYPES = ("String", "Number")
# ${Name} or ${Resource.Attribute} in a Fn::Sub string; ${!Literal} is no reference.
SUB_REFERENCE = re.compile(r"\$\{([^!}][^}]*)\}")


def is_intrinsic(value: object) -> bool:
    """A Ref, Condition or Fn::* (a one-key map): a value CloudFormation resolves at deploy."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    [key] = value
    return key in ("Ref", "Condition") or str(key).startswith("Fn::")


def solution_updates(template: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The Custom::PersonalizeSolutionUpdate resources, by logical id."""
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return {}
    return {
        name: resource
        for name, resource in resources.items()
        if isinstance(resource, Mapping) and resource.get("Type") == RESOURCE_TYPE
    }


def stated_properties(
    template: Mapping[str, Any],
) -> Iterator[tuple[list[Step], Mapping[str, Any]]]:
    """The path to each resource's Properties, and those properties as the rule set judges them
    (none stated: an empty map); not those that are a whole intrinsic function or not a map,
    since nothing in them is known before deploy."""
    for name, resource in solution_updates(template).items():
        properties = resource.get("Properties", {})
        if isinstance(properties, Mapping) and not is_intrinsic(properties):
            yield ["Resources", name, "Properties"], properties


def existing(value: Any, path: list[Step]) -> list[Step]:
    """The longest start of `path` that leads somewhere in `value` (a problem may name a property
    that is missing, or one whose name the rule set shows quoted)."""
    found: list[Step] = []
    for step in path:
        in_list = isinstance(step, int) and isinstance(value, list) and step < len(value)
        in_map = isinstance(step, str) and isinstance(value, Mapping) and step in value
        if not (in_list or in_map):
            break
        value = value[step]
        found.append(step)
    return found


def within(problem: Problem, path: list[Step]) -> bool:
    """Whether a problem is about the property at `path` or something inside it."""
    return problem_path(problem)[: len(path)] == path


class ParameterSite(NamedTuple):
    """A Ref to a parameter that gives a property its whole value: the property's path in the
    parser's steps, the Ref's path in the properties (inside Fn::If branches where it is one)."""

    name: str
    property: list[Step]
    at: list[Step]


def parameter_sites(properties: Mapping[str, Any]) -> Iterator[ParameterSite]:
    """Each Ref in the properties whose target's value becomes a property's value, at any depth:
    the property itself, or one branch of an Fn::If that is the property (the other branch, or
    AWS::NoValue, is then what the condition picks instead). Other intrinsics make a value of their
    own and are not followed."""
    yield from _sites(properties, [], [], in_branch=False)


def _sites(
    value: object, prop: list[Step], at: list[Step], in_branch: bool
) -> Iterator[ParameterSite]:
    """parameter_sites below `value`, the property at `prop`, found at `at` (`in_branch`: value is
    a branch of the property's Fn::If, so only a Ref or another Fn::If is followed)."""
    if isinstance(value, Mapping) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
        yield ParameterSite(value["Ref"], prop, at)
    elif isinstance(value, Mapping) and set(value) == {"Fn::If"}:
        branches = value["Fn::If"]
        if isinstance(branches, list) and len(branches) == 3:
            for index in (1, 2):
                yield from _sites(branches[index], prop, [*at, "Fn::If", index], in_branch=True)
    elif in_branch or is_intrinsic(value):
        return
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _sites(item, [*prop, key], [*at, key], in_branch=False)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _sites(item, [*prop, index], [*at, index], in_branch=False)


class ParameterValue(NamedTuple):
    """A value the template says a parameter may take: its Default or an AllowedValues entry."""

    source: str  # "Default" or "AllowedValues"
    value: object

    def given(self) -> object:
        """The value as Ref gives it to the function (a string: `true`, `2`)."""
        return as_delivered(self.value, is_intrinsic)

    def describe(self, parameter: str) -> str:
        """`Parameter P's Default 'x'`, as a message names it."""
        entry = "Default" if self.source == "Default" else "AllowedValues entry"
        return f"Parameter {parameter}'s {entry} {self.given()!r}"


def parameter_values(template: Mapping[str, Any], name: str) -> list[ParameterValue]:
    """The values a String or Number parameter of the template may take that the template states
    (its Default first, then each AllowedValues entry not already named); none for a pseudo
    parameter, a resource or another type."""
    parameters = template.get("Parameters")
    parameter = parameters.get(name) if isinstance(parameters, Mapping) else None
    if not isinstance(parameter, Mapping) or parameter.get("Type") not in SCALAR_PARAMETER_TYPES:
        return []
    stated = []
    if "Default" in parameter:
        stated.append(ParameterValue("Default", parameter["Default"]))
    allowed = parameter.get("AllowedValues")
    for value in allowed if isinstance(allowed, list) else []:
        if all(seen.given() != as_delivered(value, is_intrinsic) for seen in stated):
            stated.append(ParameterValue("AllowedValues", value))
    return stated


def replaced(value: Any, path: list[Step], new: object) -> Any:
    """A copy of `value` with what is at `path` (which is there) replaced by `new`; the rest is
    shared, not copied."""
    if not path:
        return new
    step, rest = path[0], path[1:]
    if isinstance(step, int):
        return [
            replaced(item, rest, new) if index == step else item for index, item in enumerate(value)
        ]
    return {**value, step: replaced(value[step], rest, new)}


class AttributeReference(NamedTuple):
    """A reference to a resource's attribute: how the template wrote it (for the message), the
    resource's logical id and the attribute's name, and the path to the function that makes it
    (its key, where the template spelt it out; else what holds it)."""

    written: str
    resource: str
    attribute: str
    at: list[Step]


def attribute_references(value: object, path: list[Step]) -> Iterator[AttributeReference]:
    """Every Fn::GetAtt (list or dotted-string form) and every ${Resource.Attribute} of a Fn::Sub
    string (not one its variable map defines) in `value`, at any depth."""
    if isinstance(value, Mapping) and len(value) == 1 and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        if isinstance(target, str):
            target = target.split(".", 1)
        if (
            isinstance(target, list)
            and len(target) == 2
            and all(isinstance(part, str) for part in target)
        ):
            resource, attribute = target
            yield AttributeReference(
                f"Fn::GetAtt {resource}.{attribute}", resource, attribute, [*path, "Fn::GetAtt"]
            )
            return
    if isinstance(value, Mapping) and len(value) == 1 and "Fn::Sub" in value:
        yield from _sub_references(value["Fn::Sub"], [*path, "Fn::Sub"])
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from attribute_references(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from attribute_references(item, [*path, index])


def _sub_references(sub: object, path: list[Step]) -> Iterator[AttributeReference]:
    """The ${Resource.Attribute} references of one Fn::Sub (its string, or [string, variables])."""
    text, variables = (sub[0], sub[1]) if isinstance(sub, list) and len(sub) == 2 else (sub, {})
    if not isinstance(text, str):
        return
    defined = variables if isinstance(variables, Mapping) else {}
    for match in SUB_REFERENCE.finditer(text):
        reference = match.group(1).strip()
        if "." in reference and reference not in defined:
            resource, attribute = reference.split(".", 1)
            yield AttributeReference(f"Fn::Sub ${{{reference}}}", resource, attribute, path)
