"""Timing shared by the benchmarks: interleaved runs, medians, and a ratio to a baseline.

A ratio against a baseline measured in the same run cancels most of the noise of a busy
machine; absolute milliseconds are printed for context only.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class Comparison:
    name: str
    candidate_ms: float
    baseline_ms: float
    target: float
    higher_is_better: bool = False
    #: Reported but never a failure of the run (e.g. the aws CLI, itself a botocore client).
    informational: bool = False

    @property
    def ratio(self) -> float:
        return self.candidate_ms / self.baseline_ms

    @property
    def met(self) -> bool:
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target

    def report(self) -> str:
        op = ">=" if self.higher_is_better else "<="
        verdict = "ok" if self.met else "MISSED"
        if self.informational:
            verdict = f"informational ({verdict.lower()})"
        return (
            f"{self.name}: {self.candidate_ms:.1f} ms vs baseline {self.baseline_ms:.1f} ms "
            f"-> ratio {self.ratio:.2f} (target {op} {self.target}) {verdict}"
        )


def time_once(argv: Sequence[str], env: dict[str, str] | None = None, expect: int | None = 0) -> float:
    start = time.perf_counter()
    proc = subprocess.run(list(argv), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if expect is not None and proc.returncode != expect:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return elapsed


def compare(
    name: str,
    candidate: Sequence[str],
    baseline: Sequence[str],
    *,
    target: float,
    runs: int = 20,
    warmup: int = 3,
    env: dict[str, str] | None = None,
    higher_is_better: bool = False,
    informational: bool = False,
) -> Comparison:
    """Median wall time of two commands, run alternately so both see the same machine."""
    for _ in range(warmup):
        time_once(candidate, env)
        time_once(baseline, env)
    cand: list[float] = []
    base: list[float] = []
    for _ in range(runs):
        cand.append(time_once(candidate, env))
        base.append(time_once(baseline, env))
    return Comparison(name, statistics.median(cand), statistics.median(base), target, higher_is_better, informational)
