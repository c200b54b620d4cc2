"""What the construct's tests share: sample values and the synthesized app's shape."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk.assertions import Template

SOLUTION = "arn:aws:personalize:us-east-1:123456789012:solution/first"
SHARED_TOKEN = "personalize-solution-update-ServiceToken"  # noqa: S105 - an export name


@dataclass
class Synthesized:
    """The two stacks of the test app, as synthesized: `own` declares two resources (and so one
    provider function), `shared` one that uses the shared stack's exported function."""

    own: Template
    shared: Template
    outdir: Path
