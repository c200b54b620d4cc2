"""What botocore's model of Personalize allows, and what a recorded response says beyond it: the
emulator tests check every response they receive against it."""

from __future__ import annotations

# "CREATE PENDING > CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED" for a solution, its versions
# and its updates; a solution also has "DELETE PENDING > DELETE IN_PROGRESS".
DOCUMENTED_STATUSES = {"CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE", "CREATE FAILED"}
SOLUTION_STATUSES = DOCUMENTED_STATUSES | {"DELETE PENDING", "DELETE IN_PROGRESS"}
GENERIC_ERRORS = {"ThrottlingException", "InternalFailure", "ServiceUnavailable"}


def shape_problems(value, shape, path="") -> list[str]:
    """Everything in value that the botocore shape does not allow."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__} is not a structure"]
        problems = [
            f"{path}.{key}: not in {shape.name}" for key in value if key not in shape.members
        ]
        for key, item in value.items():
            if key in shape.members:
                problems += shape_problems(item, shape.members[key], f"{path}.{key}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        problems = []
        if "max" in shape.metadata and len(value) > shape.metadata["max"]:
            problems.append(f"{path}: longer than {shape.metadata['max']}")
        for index, item in enumerate(value):
            problems += shape_problems(item, shape.member, f"{path}[{index}]")
        return problems
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: not a map"]
        problems = []
        for key, item in value.items():
            problems += shape_problems(item, shape.value, f"{path}[{key}]")
        return problems
    expected = {
        "string": str,
        "boolean": bool,
        "timestamp": (int, float),
        "double": (int, float),
        "float": (int, float),
        "integer": int,
        "long": int,
    }[kind]
    if isinstance(value, bool) and kind != "boolean":
        return [f"{path}: boolean where {kind} belongs"]
    if not isinstance(value, expected):
        return [f"{path}: {type(value).__name__} is not a {kind}"]
    if kind == "string" and "enum" in shape.metadata and value not in shape.metadata["enum"]:
        return [f"{path}: {value!r} not in enum"]
    return []


def undocumented(recorded) -> list[str]:
    """What the recorded responses say that botocore's model does not allow: errors outside the
    operation's declared ones, bodies outside its output shape, statuses the docs do not list."""
    problems = []
    for operation, status, body in recorded:
        name = operation.name
        if status >= 300:
            allowed = {shape.name for shape in operation.error_shapes} | GENERIC_ERRORS
            if body.get("__type") not in allowed or not isinstance(body.get("message"), str):
                problems.append(f"{name}: undeclared error {body}")
        elif operation.output_shape is None:
            problems += [f"{name}: body {body} where none is modelled"] if body else []
        else:
            problems += shape_problems(body, operation.output_shape, name)
            problems += [
                f"{name}: undocumented status {status!r}" for status in undocumented_statuses(body)
            ]
    return problems


def undocumented_statuses(body: dict) -> list[str]:
    """The status strings of a response body that are not among the documented states."""
    solutions = [body.get("solution", {}), *body.get("solutions", [])]
    found = [(s.get("status"), SOLUTION_STATUSES) for s in solutions]
    for solution in solutions:
        for part in ("latestSolutionVersion", "latestSolutionUpdate"):
            found.append((solution.get(part, {}).get("status"), DOCUMENTED_STATUSES))
    return [status for status, allowed in found if status is not None and status not in allowed]
