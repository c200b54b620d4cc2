"""`make release` (tools/release.py) on a throwaway git checkout: what it refuses, what a dry run
prints, and that a real run tags only after every step worked. `sam` and the artifact check are
fakes on PATH that record their arguments and succeed or fail as told: no AWS, no network."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import release

ROOT = Path(__file__).resolve().parents[2]
FAKE_SAM = """#!/bin/sh
echo "sam $*" >> "$RELEASE_CALLS"
[ "$1" != "$FAIL_SAM_STEP" ]
"""
FAKE_CHECK = """import os, sys
with open(os.environ["RELEASE_CALLS"], "a") as calls:
    calls.write("check " + " ".join(sys.argv[1:]) + "\\n")
"""


def git(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run git in the checkout and fail the test if it fails."""
    command = ["git", "-C", str(checkout), *args]
    return subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A committed copy of the files a release reads, with fake sam and artifact check."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("template.yaml", "CHANGELOG.md", "LICENSE", "README.md"):
        shutil.copy(ROOT / name, repo / name)
    (repo / "tools").mkdir()
    (repo / "tools/check_artifact.py").write_text(FAKE_CHECK)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sam").write_text(FAKE_SAM)
    (bin_dir / "sam").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("RELEASE_CALLS", str(tmp_path / "calls.txt"))
    monkeypatch.setenv("FAIL_SAM_STEP", "")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # no repository above it counts
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Release Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "release@test.invalid")
    git(repo, "init", "--quiet")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "--message", "snapshot")
    return repo


def version_of(checkout: Path) -> str:
    """The checkout's CHANGELOG's latest release."""
    return release.latest_release((checkout / "CHANGELOG.md").read_text())


def calls(checkout: Path) -> list[str]:
    """What the fake sam and artifact check were called with, in order."""
    recorded = checkout.parent / "calls.txt"
    return recorded.read_text().splitlines() if recorded.exists() else []


def tags(checkout: Path) -> list[str]:
    """The checkout's git tags."""
    return git(checkout, "tag", "--list").stdout.split()


def set_template_version(checkout: Path, version: str) -> None:
    """Rewrite the template's SemanticVersion line, as a person editing it would."""
    template = checkout / "template.yaml"
    current = release.template_metadata(template)["SemanticVersion"]
    text = template.read_text()
    assert text.count(f"SemanticVersion: {current}\n") == 1
    template.write_text(
        text.replace(f"SemanticVersion: {current}\n", f"SemanticVersion: {version}\n")
    )


def test_dry_run_checks_and_prints_every_step_but_runs_none(checkout, capsys):
    version = version_of(checkout)
    assert release.main(["--dry-run", "--root", str(checkout)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        f"releasing {version} (dry run: nothing is run)",
        "would run: sam build --template template.yaml",
        f"would run: {sys.executable} tools/check_artifact.py {release.ARTIFACT}",
        f"would run: {sys.executable} tools/check_artifact.py {release.DESTINATION_ARTIFACT}"
        " destination",
        f"would run: sam package --resolve-s3 --output-template-file {release.PACKAGED}",
        f"would run: sam publish --template {release.PACKAGED} --semantic-version {version}"
        " --fail-on-same-version",
        f"would run: git tag --annotate v{version} --message 'Release {version}'",
    ]
    assert calls(checkout) == []
    assert tags(checkout) == []


def test_a_release_runs_the_steps_in_order_then_tags(checkout, capsys):
    version = version_of(checkout)
    assert release.main(["--root", str(checkout)]) == 0
    assert calls(checkout) == [
        "sam build --template template.yaml",
        f"check {release.ARTIFACT}",
        f"check {release.DESTINATION_ARTIFACT} destination",
        f"sam package --resolve-s3 --output-template-file {release.PACKAGED}",
        f"sam publish --template {release.PACKAGED} --semantic-version {version}"
        " --fail-on-same-version",
    ]
    assert tags(checkout) == [f"v{version}"]
    assert git(checkout, "cat-file", "-t", f"v{version}").stdout.strip() == "tag"  # annotated


def test_a_second_release_of_the_same_version_is_refused_before_any_step(checkout, capsys):
    assert release.main(["--root", str(checkout)]) == 0
    before = calls(checkout)
    assert release.main(["--dry-run", "--root", str(checkout)]) == 1
    assert release.main(["--root", str(checkout)]) == 1
    assert calls(checkout) == before
    assert "already tagged" in capsys.readouterr().err


@pytest.mark.parametrize("failing", ["build", "package", "publish"])
def test_a_failed_step_stops_the_release_and_leaves_no_tag(checkout, monkeypatch, capsys, failing):
    monkeypatch.setenv("FAIL_SAM_STEP", failing)
    assert release.main(["--root", str(checkout)]) == 1
    assert calls(checkout)[-1].startswith(f"sam {failing}")
    assert tags(checkout) == []
    assert f"this step failed: sam {failing}" in capsys.readouterr().err


def test_a_template_version_other_than_the_changelogs_is_refused(checkout, capsys):
    version = version_of(checkout)
    set_template_version(checkout, "99.0.0")
    assert release.main(["--dry-run", "--root", str(checkout)]) == 1
    refusal = capsys.readouterr()
    assert "99.0.0" in refusal.err
    assert version in refusal.err
    assert "would run" not in refusal.out


def test_the_version_comes_from_the_changelogs_latest_release(checkout, capsys):
    changelog = checkout / "CHANGELOG.md"
    changelog.write_text(
        changelog.read_text().replace("\n## [", "\n## [7.1.0] - 2027-01-02\n\n## [", 1)
    )
    set_template_version(checkout, "7.1.0")
    git(checkout, "commit", "--quiet", "--all", "--message", "7.1.0")
    assert release.main(["--dry-run", "--root", str(checkout)]) == 0
    assert "--semantic-version 7.1.0" in capsys.readouterr().out


def test_metadata_the_repository_would_reject_is_refused(checkout, capsys):
    template = checkout / "template.yaml"
    author = release.template_metadata(template)["Author"]
    template.write_text(template.read_text().replace(f"Author: {author}", "Author: Some Author"))
    assert release.main(["--dry-run", "--root", str(checkout)]) == 1
    assert "Author 'Some Author' does not match" in capsys.readouterr().err


@pytest.mark.parametrize("change", ["edited", "untracked"])
def test_uncommitted_changes_are_refused_before_any_step(checkout, capsys, change):
    touched = checkout / ("README.md" if change == "edited" else "tools/stray.py")
    touched.write_text("not committed\n")
    assert release.main(["--root", str(checkout)]) == 1
    refusal = capsys.readouterr()
    assert "uncommitted changes" in refusal.err
    assert touched.name in refusal.err
    assert calls(checkout) == []
    assert tags(checkout) == []


def test_a_folder_outside_git_is_refused(checkout, capsys):
    shutil.rmtree(checkout / ".git")
    assert release.main(["--dry-run", "--root", str(checkout)]) == 1
    assert "git cannot read the tags" in capsys.readouterr().err
