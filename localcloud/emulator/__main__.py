"""The emulator's command line: `python -m localcloud.emulator --port 4566 [--seed EVENT ...]
[--reading NAME]` serves until interrupted (`make emulator`, `sam local invoke`, exploring)."""

from __future__ import annotations

import argparse
import time

import localcloud.emulator
from localcloud.emulator.faults import controls
from localcloud.emulator.model import READINGS
from localcloud.emulator.server import ACCOUNT_ID, EmulatorServer
from localcloud.seed import read_events, seed_solutions


def main() -> None:
    """Serve until interrupted, for `sam local invoke` or manual exploration; `--seed` creates
    the solutions that events name first."""
    parser = argparse.ArgumentParser(
        prog="python -m localcloud.emulator",
        description=str(localcloud.emulator.__doc__).splitlines()[0],
    )
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; sam local invoke's container needs one it can reach",
    )
    parser.add_argument(
        "--seed",
        nargs="+",
        default=[],
        metavar="PATH",
        help="CloudFormation events (events/*.json): create the solutions they name, in the "
        "state each request expects, before serving",
    )
    parser.add_argument(
        "--reading",
        choices=READINGS,
        default="documented-default",
        help="which reading of the docs to play (see Reading)",
    )
    args = parser.parse_args()
    controls.reading = READINGS[args.reading]
    with EmulatorServer(args.port, args.host) as server:
        for arn in seed_solutions(server.url, read_events(args.seed)):
            print(f"Seeded {arn} (ACTIVE)")
        print(f"Personalize emulator on {server.url} (account {ACCOUNT_ID}); Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
