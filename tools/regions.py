"""Write the region list a wheel carries (solution_rules/regions.json): botocore's partitions
data, as the function's locked botocore has it, so the rule set judges regions where no botocore
is installed (a CDK app, a cfn-lint venv). Usage: python tools/regions.py <solution_rules dir>."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import botocore.loaders


def main(target: Path) -> None:
    """Keep each partition's id and region names: all the rule set reads."""
    data = botocore.loaders.create_loader().load_data("partitions")
    kept = {
        "partitions": [
            {"id": partition["id"], "regions": {name: {} for name in partition["regions"]}}
            for partition in data["partitions"]
        ]
    }
    (target / "regions.json").write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
