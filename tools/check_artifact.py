"""Prove a `sam build` artifact is complete: import the handler in a clean interpreter from it,
and find in it the bytecode Lambda's python3.13 uses for every module.

`check_artifact.py ARTIFACT [function|destination] [--no-bytecode]`: the function's package (the
default), or its on-failure destination's. The child runs with -I -S (no site-packages, no
PYTHON* variables), so every module the handler needs must come from the artifact folder or the
standard library, and with -B, so it writes nothing there. Lambda's task root is read-only and
the deployment zip dates every file 1980-01-01, so Python there uses only hash-based bytecode
and compiles every module without it at each cold start: the child counts the artifact's modules
it had to compile (Python's `compile` audit event), which must be none, and every .py file must
have unchecked-hash bytecode of its current source (Python there trusts it without reading the
source: this is where its hash is checked). `--no-bytecode` leaves both checks out, for an
artifact that ships none. Prints the artifact's top-level packages and size.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

PROBE = """
import importlib, sys
compiled = []
sys.addaudithook(
    lambda event, args: compiled.append(args[1])
    if event == "compile" and str(args[1]).startswith(sys.argv[1]) else None
)
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
print(f"import ok, {len(compiled)} of its modules compiled at import")
assert not (sys.argv[3] and compiled), f"compiled, no bytecode to use: {compiled[:10]}"
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
# A .pyc header's flags word for unchecked-hash bytecode (PEP 552): hash-based, source unchecked.
UNCHECKED_HASH = (0b01).to_bytes(4, "little")


def expected(package: Package) -> set[str]:
    """The top-level names a complete, clean artifact holds: our sources (whatever CodeUri holds
    but caches) and what the build installs. Anything else (tests, localcloud, dev tools) means
    the build is wrong."""
    ours = {p.name for p in package.source.iterdir() if p.name != "__pycache__"}
    return ours | package.dependencies


def has_bytecode(source: Path) -> bool:
    """Whether `source` has unchecked-hash bytecode of its current text for this interpreter's
    version: PEP 552's header of magic number, flags and the source's hash."""
    header = importlib.util.MAGIC_NUMBER + UNCHECKED_HASH
    header += importlib.util.source_hash(source.read_bytes())
    try:
        with Path(importlib.util.cache_from_source(str(source))).open("rb") as cached:
            return cached.read(len(header)) == header
    except FileNotFoundError:
        return False


def without_bytecode(artifact: Path) -> list[str]:
    """The artifact's .py files without it (run this with the runtime's version, python3.13)."""
    sources = sorted(artifact.rglob("*.py"))
    return [str(source.relative_to(artifact)) for source in sources if not has_bytecode(source)]


def main() -> int:
    """Import-check the artifact; exit non-zero if anything is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("artifact", type=Path)
    parser.add_argument("package", nargs="?", choices=sorted(PACKAGES), default="function")
    parser.add_argument("--no-bytecode", action="store_true", help="the artifact ships none")
    args = parser.parse_args()
    artifact, package = args.artifact.resolve(), PACKAGES[args.package]
    arguments = [str(artifact), package.module, "" if args.no_bytecode else "required"]
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
            [sys.executable, "-I", "-S", "-B", "-c", PROBE, *arguments],
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
    lacking = [] if args.no_bytecode else without_bytecode(artifact)
    if lacking:
        print(f"{len(lacking)} modules lack unchecked-hash {sys.implementation.cache_tag} bytecode "
              f"of their source: {', '.join(lacking[:10])}")  # fmt: skip
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
