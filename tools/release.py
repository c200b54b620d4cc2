"""Publish the CHANGELOG's latest release to the AWS Serverless Application Repository.

It refuses, before anything is built or uploaded, when the template's
`AWS::ServerlessRepo::Application` metadata breaks a rule the repository enforces, when its
SemanticVersion is not the CHANGELOG's latest release, when the git tag `v<version>` already
exists (that version was published before, and a published version cannot be replaced), or when
the checkout has uncommitted changes (the tag would name a commit other than what was built).
Then it runs `sam build`, the artifact check, `sam package` and `sam publish` (these need AWS
credentials) and tags `v<version>`. `--dry-run` runs the checks and prints the commands instead.

    python tools/release.py [--dry-run]
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cfnlint.decode import decode  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
METADATA_KEY = "AWS::ServerlessRepo::Application"
PACKAGED = ".aws-sam/packaged.yaml"
ARTIFACT = ".aws-sam/build/SolutionUpdateFunction"
DESTINATION_ARTIFACT = ".aws-sam/build/OnFailureFunction"  # the on-failure destination's

# A released version's heading in a Keep a Changelog file: "## [1.2.3] - 2026-11-22".
RELEASE_HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\] - \d{4}-\d{2}-\d{2}$", re.MULTILINE)

# semver.org 2.0.0, "Is there a suggested regular expression (RegEx) to check a SemVer string?";
# the repository asks for a semantic version (SAM's Metadata section page; serverlessrepo API,
# CreateApplication: "The semantic version of the application: https://semver.org/").
SEMVER = (
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)


@dataclass(frozen=True)
class TextRule:
    """What the repository accepts in one text value: its length and, if any, its pattern."""

    max_length: int | None  # None: no documented limit
    pattern: str | None = None  # matched against the whole value
    required: bool = False


# The repository's field rules. Source: the AWS SAM developer guide, "AWS SAM template Metadata
# section properties", and the serverlessrepo API model (botocore's serverlessrepo/2017-09-08,
# CreateApplicationRequest), which state the same limits. Every value is at least 1 character.
FIELD_RULES: dict[str, TextRule] = {
    # Name: "Minimum length=1. Maximum length=140. Pattern: [a-zA-Z0-9\-]+"
    "Name": TextRule(max_length=140, pattern=r"[a-zA-Z0-9\-]+", required=True),
    # Description: "Minimum length=1. Maximum length=256."
    "Description": TextRule(max_length=256, required=True),
    # Author: "Minimum length=1. Maximum length=127.
    # Pattern: ^[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?$"
    "Author": TextRule(
        max_length=127, pattern=r"[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?", required=True
    ),
    # SemanticVersion: optional for the repository, but a release publishes one (see SEMVER).
    "SemanticVersion": TextRule(max_length=None, pattern=SEMVER, required=True),
}
# Labels: "Minimum length=1. Maximum length=127. Maximum number of labels: 10.
# Pattern: ^[a-zA-Z0-9+\-_:\/@]+$"
LABEL_RULE = TextRule(max_length=127, pattern=r"[a-zA-Z0-9+\-_:/@]+")
MAX_LABELS = 10
# LicenseUrl, ReadmeUrl: a local file (`sam package` uploads it) or an S3 link; "Maximum size 5 MB".
LOCAL_FILE_FIELDS = ("LicenseUrl", "ReadmeUrl")
MAX_FILE_BYTES = 5_000_000  # the stricter reading of 5 MB
URL_FIELDS = ("HomePageUrl", "SourceCodeUrl")
# Placeholders, not homes: RFC 2606's reserved example domains (section 3), and an "example" owner
# on a code host (https://github.com/example/...). Leave a field out rather than point there.
EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")
PLACEHOLDER_OWNER = "example"
# Every property in the Metadata section page's table; any other key is a typo SAM would ignore.
KNOWN_FIELDS = frozenset(
    {*FIELD_RULES, "Labels", "SpdxLicenseId", "LicenseBody", "ReadmeBody"}
    | {*LOCAL_FILE_FIELDS, *URL_FIELDS}
)


class ReleaseError(Exception):
    """A reason not to publish, worded for the person running the release."""


def text_problems(field: str, value: object, rule: TextRule) -> list[str]:
    """Say how one value breaks its rule (type, length, pattern); empty when it follows it."""
    if not isinstance(value, str):
        return [f"{field} must be a plain string (no intrinsic functions), not {value!r}"]
    problems = []
    if not value:
        problems.append(f"{field} must not be empty")
    if rule.max_length is not None and len(value) > rule.max_length:
        problems.append(f"{field} must be at most {rule.max_length} characters, not {len(value)}")
    if rule.pattern and not re.fullmatch(rule.pattern, value):
        problems.append(f"{field} {value!r} does not match {rule.pattern}")
    return problems


def metadata_problems(metadata: Mapping[str, object], base: Path) -> list[str]:
    """Every way the metadata breaks the repository's rules; empty when `sam publish` can send it.

    `base` is the template's folder, against which local LicenseUrl and ReadmeUrl files resolve.
    """
    problems = [
        f"{field} is not a repository property" for field in metadata if field not in KNOWN_FIELDS
    ]
    for field, rule in FIELD_RULES.items():
        if field in metadata:
            problems += text_problems(field, metadata[field], rule)
        elif rule.required:
            problems.append(f"{field} is required")
    labels = metadata.get("Labels", [])
    if not isinstance(labels, list) or len(labels) > MAX_LABELS:
        problems.append(f"Labels must be a list of at most {MAX_LABELS}, not {labels!r}")
    else:
        for label in labels:
            problems += text_problems("Label", label, LABEL_RULE)
    for field in LOCAL_FILE_FIELDS:
        problems += local_file_problems(field, metadata.get(field), base)
    problems += [
        f"{field} {metadata[field]!r} is a placeholder: leave the field out"
        for field in URL_FIELDS
        if field in metadata and is_placeholder(str(metadata[field]))
    ]
    return problems


def is_placeholder(url: str) -> bool:
    """Whether a URL points at an example domain or an example owner (see EXAMPLE_DOMAINS)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    owner = parts.path.strip("/").split("/")[0]
    example_host = any(host == domain or host.endswith(f".{domain}") for domain in EXAMPLE_DOMAINS)
    return example_host or owner == PLACEHOLDER_OWNER


def local_file_problems(field: str, value: object, base: Path) -> list[str]:
    """Check a LicenseUrl/ReadmeUrl that names a local file: it must exist and be at most 5 MB."""
    if value is None or (isinstance(value, str) and value.startswith(("s3://", "https://"))):
        return []
    path = base / str(value)
    if not path.is_file():
        return [f"{field} names {value!r}, which is not a file next to the template"]
    if path.stat().st_size > MAX_FILE_BYTES:
        return [f"{field} {value!r} is larger than the repository's 5 MB"]
    return []


def latest_release(changelog: str) -> str:
    """The version of the first released heading (`## [X.Y.Z] - YYYY-MM-DD`) in a changelog."""
    found = RELEASE_HEADING.search(changelog)
    if found is None:
        raise ReleaseError(
            "CHANGELOG.md has no released version (a '## [X.Y.Z] - YYYY-MM-DD' heading)"
        )
    version = found["version"]
    if not re.fullmatch(SEMVER, version):
        raise ReleaseError(f"CHANGELOG.md's latest release {version!r} is not a semantic version")
    return version


def template_metadata(template: Path) -> dict[str, object]:
    """The template's AWS::ServerlessRepo::Application metadata, read as CloudFormation reads it."""
    decoded, errors = decode(str(template))
    if errors:
        raise ReleaseError(f"{template.name} cannot be read: {errors[0]}")
    metadata = decoded.get("Metadata", {}).get(METADATA_KEY)
    if not isinstance(metadata, dict):
        raise ReleaseError(f"{template.name} has no {METADATA_KEY} metadata")
    return metadata


def tag_exists(root: Path, tag: str) -> bool:
    """Whether the git repository at `root` has the tag (`git rev-parse` fails on a non-repo)."""
    found = subprocess.run(  # noqa: S603 - git with fixed arguments
        ["git", "-C", str(root), "rev-parse", "-q", "--verify", f"refs/tags/{tag}"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode not in (0, 1):
        raise ReleaseError(f"git cannot read the tags in {root}: {found.stderr.strip()}")
    return found.returncode == 0


def uncommitted_changes(root: Path) -> list[str]:
    """Changed or untracked files git does not ignore (`sam build` would package them unseen)."""
    status = subprocess.run(  # noqa: S603 - git with fixed arguments
        ["git", "-C", str(root), "status", "--porcelain"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if status.returncode:
        raise ReleaseError(f"git cannot read the status of {root}: {status.stderr.strip()}")
    return [line[3:] for line in status.stdout.splitlines()]


def checked_version(root: Path) -> str:
    """Run every check and return the version to publish, or raise ReleaseError saying why not."""
    version = latest_release((root / "CHANGELOG.md").read_text(encoding="utf-8"))
    metadata = template_metadata(root / "template.yaml")
    problems = metadata_problems(metadata, root)
    if problems:
        raise ReleaseError("the SAR metadata in template.yaml is not valid: " + "; ".join(problems))
    if metadata["SemanticVersion"] != version:
        raise ReleaseError(
            f"template.yaml's SemanticVersion is {metadata['SemanticVersion']}, but CHANGELOG.md's "
            f"latest release is {version}: set one to the other"
        )
    if tag_exists(root, f"v{version}"):
        raise ReleaseError(f"v{version} is already tagged: it was released; cut a new version")
    changed = uncommitted_changes(root)
    if changed:
        raise ReleaseError(
            "the checkout has uncommitted changes, so the tag would not name what was published: "
            "commit or stash " + ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "")
        )
    return version


def commands(version: str) -> list[list[str]]:
    """The release steps in order; the tag comes last, so it only exists once publishing worked."""
    return [
        ["sam", "build", "--template", "template.yaml"],
        [sys.executable, "tools/check_artifact.py", ARTIFACT],
        [sys.executable, "tools/check_artifact.py", DESTINATION_ARTIFACT, "destination"],
        ["sam", "package", "--resolve-s3", "--output-template-file", PACKAGED],
        # --fail-on-same-version: the repository itself refuses a version it already holds,
        # which covers a release published from another clone (no local tag).
        ["sam", "publish", "--template", PACKAGED, "--semantic-version", version,
         "--fail-on-same-version"],
        ["git", "tag", "--annotate", f"v{version}", "--message", f"Release {version}"],
    ]  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Check, then publish and tag (or, with --dry-run, print what would run); 1 on refusal."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dry-run", action="store_true", help="check, print the steps, run none")
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the checkout to release (this one)"
    )
    args = parser.parse_args(argv)
    try:
        version = checked_version(args.root)
    except ReleaseError as refusal:
        print(f"release refused: {refusal}", file=sys.stderr)
        return 1
    print(f"releasing {version}" + (" (dry run: nothing is run)" if args.dry_run else ""))
    for command in commands(version):
        print(("would run: " if args.dry_run else "+ ") + shlex.join(command), flush=True)
        if not args.dry_run and subprocess.run(command, cwd=args.root, check=False).returncode:  # noqa: S603
            print(f"release stopped, this step failed: {shlex.join(command)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
