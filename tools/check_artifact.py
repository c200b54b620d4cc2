"""Prove a `sam build` artifact is complete: import the handler in a clean interpreter from it.

The child runs with -I -S (no site-packages, no PYTHON* variables), so every module the handler
needs must come from the artifact folder. Prints the artifact's top-level packages and size.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import sys
sys.path.insert(0, sys.argv[1])
import app
outside = sorted(
    name for name, module in sys.modules.items()
    if getattr(module, "__file__", None)
    and name.split(".")[0] in {"boto3", "botocore", "crhelper", "aws_lambda_powertools", "app"}
    and not module.__file__.startswith(sys.argv[1])
)
assert not outside, f"imported from outside the artifact: {outside}"
assert callable(app.lambda_handler)
print("import ok")
"""


# Everything the function package may hold at its top level: our modules, the pinned requirements
# and their dependencies. Anything else (tests, localcloud, dev tools) means the build is wrong.
EXPECTED = {
    "app.py", "cfn_resource.py", "lifecycle.py", "logs.py", "properties.py", "reconcile.py",
    "response.py", "solution.py", "waiter.py", "requirements.in", "requirements.txt",
    "aws_lambda_powertools", "boto3", "botocore", "crhelper", "dateutil", "jmespath", "s3transfer",
    "urllib3", "six.py", "typing_extensions.py", "aws_xray_sdk", "wrapt",
    "wrapt-stubs", "telemetry.py", "continuation.py",
}  # fmt: skip


def main() -> int:
    """Import-check the artifact; exit non-zero if anything is missing."""
    artifact = Path(sys.argv[1]).resolve()
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
            [sys.executable, "-I", "-S", "-c", PROBE, str(artifact)],
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
    unexpected, missing = set(top_level) - EXPECTED, EXPECTED - set(top_level)
    if unexpected or missing:
        print(f"unexpected in the package: {sorted(unexpected)}; missing: {sorted(missing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
