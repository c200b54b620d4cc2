"""The lint rules' wheel as a user gets it: `make lint-rules` builds it, and it is installed with
the cfn-lint this repository pins (from PyPI, with uv) into a fresh Python 3.10 venv outside the
repository (cfn-lint's floor, and no botocore), then run from a directory of its own as
`cfn-lint <template> -a cfn_lint_personalize_solution_update.rules`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.unit.test_cfn_lint_rules import BAD_YAML, FIXTURES

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "lint-rules" / "pyproject.toml").read_text())["project"]
WHEEL = (
    ROOT / "dist" / f"cfn_lint_personalize_solution_update-{PROJECT['version']}-py3-none-any.whl"
)
[CFN_LINT] = re.findall(r"^cfn-lint==(\S+)", (ROOT / "requirements-dev.txt").read_text(), re.M)
RULES = "cfn_lint_personalize_solution_update.rules"
# The user's environment: no PYTHONPATH (nothing of the repository), pyenv's 3.10 for uv to find.
USER_ENV = {
    **{name: value for name, value in os.environ.items() if name != "PYTHONPATH"},
    "PYENV_VERSION": "3.10",
    "UV_PYTHON_DOWNLOADS": "never",
}


def run(
    *command: str | Path, cwd: Path, timeout: float, env: dict[str, str] = USER_ENV
) -> subprocess.CompletedProcess[str]:
    """A command to its end, its output captured (the tests read it)."""
    return subprocess.run(  # noqa: S603 - fixed commands
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def wheel() -> Path:
    """The wheel, as `make lint-rules` builds it (or left it, when nothing changed since)."""
    built = run(
        "make", "--no-print-directory", "lint-rules", cwd=ROOT, timeout=180, env={**os.environ}
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return WHEEL


TEMPLATES = ("good.yaml", "good.json", "bad.yaml")


@pytest.fixture(scope="module")
def user(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory outside the repository holding a venv with the wheel and the pinned cfn-lint,
    and the templates."""
    if shutil.which("python3.10", path=USER_ENV["PATH"]) is None:
        pytest.fail("python3.10 (pyenv) is needed: the wheel is tested on cfn-lint's floor")
    home = tmp_path_factory.mktemp("user")
    uv = ROOT / ".venv" / "bin" / "uv"
    made = run(uv, "venv", "--quiet", "--python", "python3.10", home / "venv", cwd=home, timeout=60)
    assert made.returncode == 0, made.stderr
    installed = run(
        uv, "pip", "install", "--quiet", "--python", home / "venv" / "bin" / "python",
        f"cfn-lint=={CFN_LINT}", wheel, cwd=home, timeout=180,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    for name in TEMPLATES:
        shutil.copy(FIXTURES / name, home / name)
    return home


@pytest.fixture(scope="module")
def printed(user: Path) -> dict[str, list[tuple[str, int, str]]]:
    """What the installed cfn-lint prints with the rules for us-east-1, run once on every template
    (its start is most of its time), read per template: cfn-lint prints `<rule> <message>` over
    `<template>:<line>:<column>` for each match."""
    command = (*TEMPLATES, "-a", RULES, "--regions", "us-east-1")
    linted = run(user / "venv" / "bin" / "cfn-lint", *command, cwd=user, timeout=120)
    assert linted.returncode == 2, linted.stderr  # errors found (bad.yaml's)
    found: dict[str, list[tuple[str, int, str]]] = {name: [] for name in TEMPLATES}
    for block in linted.stdout.strip().split("\n\n"):
        said, where = block.split("\n")
        rule, message = said.split(" ", 1)
        template, line, _ = where.split(":")
        found[template].append((rule, int(line), message))
    return found


@pytest.mark.timeout(300)
def test_the_wheel_holds_the_rules_and_needs_cfn_lint_alone(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(
            f"cfn_lint_personalize_solution_update-{PROJECT['version']}.dist-info/METADATA"
        ).decode()
    assert {
        "cfn_lint_personalize_solution_update/rules/__init__.py",
        "cfn_lint_personalize_solution_update/solution_rules/literals.py",
        "cfn_lint_personalize_solution_update/solution_rules/regions.json",
    } <= names
    assert re.findall(r"^Requires-Dist: (.*)$", metadata, re.M) == [f"cfn-lint>={CFN_LINT},<2"]


@pytest.mark.timeout(300)
def test_it_is_installed_on_python_3_10_without_botocore(user):
    python = user / "venv" / "bin" / "python"
    probe = "import sys, importlib.util as u; print(sys.version_info[:2], u.find_spec('botocore'))"
    assert run(python, "-c", probe, cwd=user, timeout=30).stdout.strip() == "(3, 10) None"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("template", ["good.yaml", "good.json"])
def test_installed_it_finds_nothing_in_a_good_template(printed, template):
    assert printed[template] == []


@pytest.mark.timeout(300)
def test_installed_it_reports_each_mistake_with_the_functions_message_and_its_line(printed):
    """The region us-east-7 is refused from the region list the wheel carries (no botocore)."""
    assert printed["bad.yaml"] == BAD_YAML
