"""A CDK app, run by test_isolation.py in a fresh interpreter: with the CDK loaded (and a first
synth made, so jsii's own lazily loaded modules are in) it imports the construct and synthesizes
a stack with it, then writes to <outdir>/isolation.json the modules that appeared and whether
sys.path changed. Usage: python isolated_app.py <outdir>.

The function's code, with its boto3, botocore, crhelper and flat modules (properties, budget,
...), is extracted from the package's function.zip and put at the end of sys.path first, as an app
with those installed would have them: whatever the construct imported of them would then show."""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from pathlib import Path

import aws_cdk as cdk

SOLUTION = "arn:aws:personalize:us-east-1:123456789012:solution/isolated"


def main(outdir: Path) -> None:
    """Synthesize the baseline, then the construct's stack; write what changed."""
    cdk.App(outdir=str(outdir / "baseline")).synth()
    spec = importlib.util.find_spec("personalize_solution_update_cdk")  # locates, imports nothing
    assert spec is not None
    assert spec.submodule_search_locations is not None
    code = outdir / "function"
    with zipfile.ZipFile(Path(spec.submodule_search_locations[0], "function.zip")) as archive:
        archive.extractall(code)
    sys.path.append(str(code))
    modules, path = set(sys.modules), list(sys.path)

    from personalize_solution_update_cdk import PersonalizeSolutionUpdate

    app = cdk.App(outdir=str(outdir / "construct"))
    stack = cdk.Stack(app, "Isolated")  # no region of its own: the ARN's is looked up
    PersonalizeSolutionUpdate(
        stack, "Training", solution_arn=SOLUTION, schedule=cdk.Duration.days(7)
    )
    app.synth()
    changes = {"new_modules": sorted(set(sys.modules) - modules), "path_changed": sys.path != path}
    (outdir / "isolation.json").write_text(json.dumps(changes))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
