"""Run the benchmarks: `.venv/bin/python -m bench.run [NAME ...] [--runs N]`.

Each prints candidate and baseline medians from the same run and their ratio against
the target. Benchmarks are run on demand, never as timed assertions in tests. The exit
status is 0 when every real target holds; an informational comparison never fails it.
"""

from __future__ import annotations

import argparse
import compileall
import importlib
import os
import sys
from pathlib import Path

BENCHMARKS = ["url", "secret", "health", "resolve", "doctor", "pyz", "probe", "docker", "audit"]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    # An installed wheel has its bytecode compiled at install time; an editable checkout
    # (or PYTHONDONTWRITEBYTECODE=1) would otherwise make every run compile the package.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "foundry_discover", quiet=1)
    missed = 0
    for name in args.names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        for comparison in module.run(runs=args.runs):
            print(comparison.report(), flush=True)
            missed += not (comparison.met or comparison.informational)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
