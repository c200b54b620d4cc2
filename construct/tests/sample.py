"""What the construct's tests share: sample values and the synthesized app's shape."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

CUSTOM = "Custom::PersonalizeSolutionUpdate"
SOLUTION = "arn:aws:personalize:us-east-1:123456789012:solution/first"
SHARED_TOKEN = "personalize-solution-update-ServiceToken"  # noqa: S105 - an export name


@dataclass
class Synthesized:
    """The stacks of the test app, as synthesized: `own` declares two resources (and so one
    provider function, with the default options), `configured` a provider with every option set
    and resources naming three known solutions, `chained` resources naming a literal solution,
    another resource's attribute and an Fn::Sub, `shared` one resource that uses the shared
    stack's exported function."""

    own: Template
    configured: Template
    chained: Template
    shared: Template
    outdir: Path


def only(resources: dict[str, Any]) -> tuple[str, Any]:
    """The one (logical id, resource) of a find_resources answer."""
    [(logical_id, resource)] = resources.items()
    return logical_id, resource
