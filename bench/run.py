"""Run the benchmarks: `.venv/bin/python -m bench.run [NAME ...] [--runs N]`.

Each prints candidate and baseline medians from the same run and their ratio against
the target. Benchmarks are run on demand, never as timed assertions in tests.
"""

from __future__ import annotations

import argparse
import importlib
import sys

BENCHMARKS = ["url", "secret", "health", "resolve"]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], help="benchmarks to run (default: all)")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    missed = 0
    for name in args.names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        for comparison in module.run(runs=args.runs):
            print(comparison.report(), flush=True)
            missed += not comparison.met
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
