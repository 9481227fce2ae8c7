"""``python -m tests.chaos --trials N --seed S [--jobs J] [--backend sqlite|postgres]``."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

from tests.chaos.trial import run_trials


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--jobs", type=int, default=1, help="Trials run side by side (each its own processes)."
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="A server where each trial creates (and drops) its own database.",
    )
    parser.add_argument("--dir", type=Path, default=None, help="Where trials keep their files.")
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    root = args.dir or Path(tempfile.mkdtemp(prefix="rollcall-chaos-"))
    signal.signal(signal.SIGTERM, _interrupt)  # `kill PID` ends a long run with its tally

    def echo(line: str) -> None:
        print(line, flush=True)

    results = run_trials(
        args.trials, args.seed, args.backend, root, args.postgres_url, jobs=args.jobs, echo=echo
    )
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
