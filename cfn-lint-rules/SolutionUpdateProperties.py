"""cfn-lint rule E9101: what the function would refuse in a Custom::PersonalizeSolutionUpdate's
literal properties, found before deploy (`cfn-lint --append-rules cfn-lint-rules/ <template>`).

The rules and messages are the function's own: its rule set (src/handler/solution_rules) judges
the properties as CloudFormation would deliver them. Values an intrinsic function gives
(Ref, Fn::GetAtt, Fn::Sub, ...) are known only at deploy and left to the function.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src" / "handler"))  # the rule set, from the clone

from solution_rules.literals import literal_problems, problem_path  # noqa: E402

RESOURCE_TYPE = "Custom::PersonalizeSolutionUpdate"


def is_intrinsic(value: object) -> bool:
    """A Ref, Condition or Fn::* (a one-key map): a value CloudFormation resolves at deploy."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    [key] = value
    return key in ("Ref", "Condition") or str(key).startswith("Fn::")


class SolutionUpdateProperties(CloudFormationLintRule):  # type: ignore[misc]
    """Each literal property value the function would refuse, with the function's message."""

    id = "E9101"
    shortdesc = "Custom::PersonalizeSolutionUpdate properties the function would refuse"
    description = (
        "Checks the literal properties of Custom::PersonalizeSolutionUpdate resources with the "
        "function's own parser: a refused value would fail the stack at deploy, then roll back."
    )
    tags = ("resources", "custom", "personalize")

    def match(self, cfn: Any) -> list[RuleMatch]:
        """One match per problem, at the property it names (or the resource's Properties)."""
        return list(self._matches(cfn.get_resources([RESOURCE_TYPE]), list(cfn.regions)))

    def _matches(self, resources: Mapping[str, Any], regions: list[str]) -> Iterator[RuleMatch]:
        for name, resource in resources.items():
            properties = resource.get("Properties", {})
            where = ["Resources", name, "Properties"]
            if is_intrinsic(properties) or not isinstance(properties, Mapping):
                continue
            for region in regions:
                for problem in literal_problems(properties, is_intrinsic, region):
                    if problem.kind != "region" and region != regions[0]:
                        continue  # the same in every region linted: reported once
                    path = problem_path(problem)
                    at = where + path if _has(properties, path) else where
                    yield RuleMatch(at, problem.text)


def _has(value: Any, path: list[str | int]) -> bool:
    """Whether the path leads somewhere in value (a problem may name a missing property)."""
    for step in path:
        in_list = isinstance(step, int) and isinstance(value, list) and step < len(value)
        if not in_list and not (isinstance(value, Mapping) and step in value):
            return False
        value = value[step]
    return True
