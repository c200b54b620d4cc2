"""cfn-lint rule E9101: what the function would refuse in a Custom::PersonalizeSolutionUpdate's
literal properties, found before deploy (`cfn-lint --append-rules cfn-lint-rules/ <template>`).

The rules and messages are the function's own: its properties parser (src/handler/solution_rules/properties.py)
judges the properties as CloudFormation would deliver them. Values an intrinsic function gives
(Ref, Fn::GetAtt, Fn::Sub, ...) are known only at deploy and left to the function.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
HANDLER = ROOT / "src" / "handler"
LITERALS = ROOT / "construct" / "personalize_solution_update_cdk" / "literals.py"
RESOURCE_TYPE = "Custom::PersonalizeSolutionUpdate"


def _import_literals() -> ModuleType:
    """The construct's literals module, by file: its package needs aws_cdk, this does not."""
    spec = importlib.util.spec_from_file_location("personalize_solution_update_literals", LITERALS)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {LITERALS}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


literals = _import_literals()
PARSER = literals.load_parser(HANDLER)


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
        return list(self._matches(cfn.get_resources([RESOURCE_TYPE])))

    def _matches(self, resources: Mapping[str, Any]) -> Iterator[RuleMatch]:
        for name, resource in resources.items():
            properties = resource.get("Properties", {})
            where = ["Resources", name, "Properties"]
            if is_intrinsic(properties) or not isinstance(properties, Mapping):
                continue
            for problem in literals.literal_problems(PARSER, properties, is_intrinsic):
                path = literals.problem_path(problem)
                yield RuleMatch(where + path if _has(properties, path) else where, problem)


def _has(value: Any, path: list[str | int]) -> bool:
    """Whether the path leads somewhere in value (a problem may name a missing property)."""
    for step in path:
        in_list = isinstance(step, int) and isinstance(value, list) and step < len(value)
        if not in_list and not (isinstance(value, Mapping) and step in value):
            return False
        value = value[step]
    return True
