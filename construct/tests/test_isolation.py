"""What an app's process sees of the construct: nothing of the function's modules, its
sys.path as it was, and no warning from jsii about the Node.js it runs on. The app runs in a
fresh interpreter (isolated_app.py), as `cdk synth` runs one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

APP = Path(__file__).with_name("isolated_app.py")
# What the construct may add to sys.modules: its own package and the CDK's.
OWN = {"personalize_solution_update_cdk", "aws_cdk", "jsii", "constructs"}


@dataclass
class Run:
    """The app's run: the modules it gained, whether sys.path changed, and what it printed."""

    new_modules: list[str]
    path_changed: bool
    output: str


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The app run once, with jsii's switches that silence its Node.js warnings removed."""
    outdir = tmp_path_factory.mktemp("isolated")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JSII_SILENCE")}
    done = subprocess.run(  # noqa: S603 - this interpreter, a file of this folder
        [sys.executable, str(APP), str(outdir)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    changes = json.loads((outdir / "isolation.json").read_text())
    return Run(changes["new_modules"], changes["path_changed"], output)


def test_the_construct_imports_only_its_own_the_cdks_and_standard_modules(run: Run) -> None:
    """No botocore, urllib3, dateutil, crhelper, Powertools, nor the function's flat properties,
    budget or solution_rules, though all were importable."""
    foreign = [
        name for name in run.new_modules if name.split(".")[0] not in OWN | sys.stdlib_module_names
    ]
    assert foreign == []
    assert "personalize_solution_update_cdk.solution_rules.properties" in run.new_modules


def test_the_construct_leaves_sys_path_as_it_was(run: Run) -> None:
    assert run.path_changed is False


def test_synth_prints_no_warning_about_the_node_version(run: Run) -> None:
    """jsii prints a framed banner (`!!`) for a Node.js past or near its end of life, or one it
    was not tested with; make puts Node 22 first on PATH."""
    assert "!!" not in run.output
    assert "end-of-life" not in run.output
