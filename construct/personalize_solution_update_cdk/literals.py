"""The function's own property rules applied before deploy, to the values a template fixes.

Both the construct (at synth) and the cfn-lint rules (on YAML templates) ask the handler's
`properties.parse_properties` what it would refuse, so a message seen before deploy is the one the
function would answer with. Values not known until deploy (a CDK token, an intrinsic function)
are left to the function: a problem at such a value's path, or inside it, is not reported. This
module imports neither aws_cdk nor cfnlint, so both can use it.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType

# The rule set's modules, the package included.
PARSER_MODULES = (
    "solution_rules",
    "solution_rules.properties",
    "solution_rules.limits",
    "solution_rules.partitions",
)


def load_parser(code: Path) -> ModuleType:
    """The handler's properties module, imported from `code` (the function's code directory)
    without leaving its flat module names in sys.modules or its directory on sys.path, and
    without writing bytecode there (the directory is the function's asset)."""
    saved_path, saved_bytecode = list(sys.path), sys.dont_write_bytecode
    saved = {name: sys.modules.pop(name) for name in PARSER_MODULES if name in sys.modules}
    sys.path.insert(0, str(code))
    sys.dont_write_bytecode = True
    try:
        return importlib.import_module("solution_rules.properties")
    finally:
        sys.path[:], sys.dont_write_bytecode = saved_path, saved_bytecode
        for name in PARSER_MODULES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def as_delivered(value: object, is_unresolved: Callable[[object], bool]) -> object:
    """The value as CloudFormation delivers it to the function (every scalar a string: `true`,
    `0.5`), unresolved values left as they are."""
    if is_unresolved(value):
        return value
    if isinstance(value, Mapping):
        return {key: as_delivered(item, is_unresolved) for key, item in value.items()}
    if isinstance(value, list):
        return [as_delivered(item, is_unresolved) for item in value]
    return str(value).lower() if isinstance(value, bool) else str(value)


def unresolved_paths(
    value: object, is_unresolved: Callable[[object], bool], path: str = ""
) -> Iterator[str]:
    """The property paths (in the parser's spelling: `A.B`, `A[0]`) whose values are not known
    until deploy."""
    if is_unresolved(value):
        yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from unresolved_paths(item, is_unresolved, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unresolved_paths(item, is_unresolved, f"{path}[{index}]")


def literal_problems(
    parser: ModuleType, properties: Mapping[str, object], is_unresolved: Callable[[object], bool]
) -> list[str]:
    """What the function would refuse in these ResourceProperties once delivered, in its own
    words, leaving out every problem that names an unresolved value or a part of one."""
    try:
        parser.parse_properties(as_delivered(properties, is_unresolved))
    except parser.InvalidProperties as invalid:
        problems: list[str] = invalid.problems
    else:
        return []
    unknown = tuple(unresolved_paths(properties, is_unresolved))

    def about_unknown(problem: str) -> bool:
        name = problem_name(problem)
        return any(name == path or name.startswith((f"{path}.", f"{path}[")) for path in unknown)

    return [problem for problem in problems if not about_unknown(problem)]


def problem_name(problem: str) -> str:
    """The property a problem names (`Property <name>: ...`, as the parser words each one)."""
    return problem.removeprefix("Property ").split(": ", 1)[0]


def problem_path(problem: str) -> list[str | int]:
    """The property a problem names, as keys and list indexes (`A[0].B` is ["A", 0, "B"])."""
    return [
        int(index) if index else key
        for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", problem_name(problem))
    ]
