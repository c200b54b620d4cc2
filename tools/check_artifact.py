"""Prove a `sam build` artifact is complete: import the handler in a clean interpreter from it.

`check_artifact.py ARTIFACT [function|destination]`: the function's package (the default), or
its on-failure destination's. The child runs with -I -S (no site-packages, no PYTHON* variables),
so every module the handler needs must come from the artifact folder or the standard library.
Prints the artifact's top-level packages and size.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

PROBE = """
import importlib, sys
sys.path.insert(0, sys.argv[1])
handler = importlib.import_module(sys.argv[2])
outside = sorted(
    name for name, module in sys.modules.items()
    if getattr(module, "__file__", None)
    and name.split(".")[0] not in sys.stdlib_module_names
    and not module.__file__.startswith(sys.argv[1])
    and name != "__main__"
)
assert not outside, f"imported from outside the artifact: {outside}"
assert callable(handler.lambda_handler)
print("import ok")
"""

SOURCES = Path(__file__).resolve().parent.parent / "src"


class Package(NamedTuple):
    """What one function's artifact is built from: the folder its CodeUri names, the module of
    its handler, and what the build installs beside our sources."""

    source: Path
    module: str
    dependencies: frozenset[str]


PACKAGES = {
    # The pinned requirements and their dependencies.
    "function": Package(
        SOURCES / "handler",
        "app",
        frozenset({
            "aws_lambda_powertools", "boto3", "botocore", "crhelper", "dateutil", "jmespath",
            "s3transfer", "urllib3", "six.py", "typing_extensions.py", "aws_xray_sdk", "wrapt",
            "wrapt-stubs",
        }),
    ),
    # Standard library only: on_failure.py and solution_rules (a symlink the build copies).
    "destination": Package(SOURCES / "destination", "on_failure", frozenset()),
}  # fmt: skip


def expected(package: Package) -> set[str]:
    """The top-level names a complete, clean artifact holds: our sources (whatever CodeUri holds
    but caches) and what the build installs. Anything else (tests, localcloud, dev tools) means
    the build is wrong."""
    ours = {p.name for p in package.source.iterdir() if p.name != "__pycache__"}
    return ours | package.dependencies


def main() -> int:
    """Import-check the artifact; exit non-zero if anything is missing."""
    artifact = Path(sys.argv[1]).resolve()
    package = PACKAGES[sys.argv[2] if len(sys.argv) > 2 else "function"]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_REGION": "us-east-1",  # Lambda sets both region variables
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for tracing in ("true", "false"):  # POWERTOOLS_TRACE_DISABLED: both import paths
        result = subprocess.run(  # noqa: S603 - our own interpreter and probe
            [sys.executable, "-I", "-S", "-c", PROBE, str(artifact), package.module],
            env={**env, "POWERTOOLS_TRACE_DISABLED": tracing},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        if result.stderr.strip() or result.returncode:
            print("the cold start logged an error (see above): the package is not usable")
            return 1
    top_level = sorted(
        p.name
        for p in artifact.iterdir()
        if not p.name.endswith((".dist-info", ".data", "__pycache__"))
    )
    size = sum(f.stat().st_size for f in artifact.rglob("*") if f.is_file())
    print(f"artifact {artifact.name}: {size / 1e6:.1f} MB; top level: {', '.join(top_level)}")
    wanted = expected(package)
    unexpected, missing = set(top_level) - wanted, wanted - set(top_level)
    if unexpected or missing:
        print(f"unexpected in the package: {sorted(unexpected)}; missing: {sorted(missing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
