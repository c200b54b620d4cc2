"""The rules, each a CloudFormationLintRule of this module, which is what `cfn-lint -a
cfn_lint_personalize_solution_update.rules` loads. Their ids, E9901 to E9904, are in a range no
published cfn-lint rule package uses (the package's README says which were checked).

Each problem is reported with the function's own message, at the template's line it is about:
the function's rule set (solution_rules) judges the properties as CloudFormation would deliver
them, once per region linted (`--regions`), since a SolutionArn must be in the region the
function serves. Values an intrinsic function gives are known only at deploy and left to the
function, but for a parameter's stated values, and for a wrong property name, which is wrong
whatever its value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch  # type: ignore[import-untyped]

from ..solution_rules.attributes import RESOURCE_TYPE, attribute_problem
from ..solution_rules.literals import literal_problems, problem_path
from ..solution_rules.properties import Problem
from ..template import (
    attribute_references,
    existing,
    is_intrinsic,
    parameter_sites,
    parameter_values,
    replaced,
    solution_updates,
    stated_properties,
    within,
)

TAGS = ("resources", "custom", "personalize")


def judged(properties: Mapping[str, Any], regions: Sequence[str]) -> Iterator[Problem]:
    """What the function would refuse in these properties, linted for each region: a SolutionArn's
    region problem once per region it applies to, every other problem once."""
    for index, region in enumerate(regions):
        for problem in literal_problems(properties, is_intrinsic, region):
            if problem.kind == "region" or index == 0:
                yield problem


def property_matches(cfn: Any, wanted: Callable[[Problem], bool]) -> list[RuleMatch]:
    """One match per wanted problem of each resource's stated properties, at the property it names
    (or, for one that is missing, at what holds it)."""
    matches = []
    for where, properties in stated_properties(cfn.template):
        for problem in judged(properties, cfn.regions):
            if wanted(problem):
                at = existing(properties, problem_path(problem))
                matches.append(RuleMatch([*where, *at], problem.text))
    return matches


class SolutionUpdateProperties(CloudFormationLintRule):  # type: ignore[misc]
    """Each stated property value, or property name, the function would refuse."""

    id = "E9901"
    shortdesc = f"{RESOURCE_TYPE} properties the function would refuse"
    description = (
        f"Checks the properties of {RESOURCE_TYPE} resources with the function's own rules: an "
        "unknown or misspelt name (whatever its value), a missing SolutionArn, and each literal "
        "value it would refuse. A refused request fails the stack at deploy, then rolls it back."
    )
    tags = TAGS

    def match(self, cfn: Any) -> list[RuleMatch]:
        """Every problem at once, each at its property."""
        return property_matches(cfn, lambda problem: problem.kind != "region")


class SolutionUpdateRegion(CloudFormationLintRule):  # type: ignore[misc]
    """A stated SolutionArn in another region than the one linted."""

    id = "E9902"
    shortdesc = f"{RESOURCE_TYPE} SolutionArn outside the region deployed to"
    description = (
        "Checks that a stated SolutionArn is in each region linted (--regions): the function "
        "calls only its own region's Personalize, and refuses a solution of another."
    )
    tags = TAGS

    def match(self, cfn: Any) -> list[RuleMatch]:
        """One match per region the SolutionArn is not in, naming both regions."""
        return property_matches(cfn, lambda problem: problem.kind == "region")


class SolutionUpdateAttributes(CloudFormationLintRule):  # type: ignore[misc]
    """An attribute the resource does not answer with, asked by Fn::GetAtt or Fn::Sub."""

    id = "E9903"
    shortdesc = f"Fn::GetAtt of an attribute {RESOURCE_TYPE} does not have"
    description = (
        f"Checks each Fn::GetAtt and Fn::Sub ${{Resource.Attribute}} of a {RESOURCE_TYPE} "
        "against the attributes the function answers with. CloudFormation accepts any name for a "
        "custom resource, then fails the stack when the attribute is resolved."
    )
    tags = (*TAGS, "functions", "getatt")

    def match(self, cfn: Any) -> list[RuleMatch]:
        """One match per reference, at the function that makes it."""
        ours = solution_updates(cfn.template)
        matches = []
        for section in ("Resources", "Outputs"):
            for reference in attribute_references(cfn.template.get(section), [section]):
                problem = attribute_problem(reference.attribute)
                if reference.resource in ours and problem:
                    matches.append(RuleMatch(reference.at, f"{reference.written}: {problem}"))
        return matches


class SolutionUpdateParameterValues(CloudFormationLintRule):  # type: ignore[misc]
    """A value a parameter may take (its Default, an AllowedValues entry) that the function would
    refuse in the property it reaches through Ref."""

    id = "E9904"
    shortdesc = f"Parameter values a {RESOURCE_TYPE} would refuse"
    description = (
        "Checks the Default and AllowedValues of each String or Number parameter that a "
        f"{RESOURCE_TYPE} property takes whole through Ref (or as one branch of its Fn::If) with "
        "the function's own rules, as that property's value."
    )
    tags = (*TAGS, "parameters")

    def match(self, cfn: Any) -> list[RuleMatch]:
        """One match per refused value, at the Ref, naming the parameter and the value."""
        matches = []
        for where, properties in stated_properties(cfn.template):
            for site in parameter_sites(properties):
                for stated in parameter_values(cfn.template, site.name):
                    trial = replaced(properties, site.property, stated.value)
                    for problem in judged(trial, cfn.regions):
                        if problem.kind != "name" and within(problem, site.property):
                            message = (
                                f"{stated.describe(site.name)} would be refused: {problem.text}"
                            )
                            matches.append(RuleMatch([*where, *site.at], message))
        return matches
