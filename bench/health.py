"""`foundry-discover health` against a real LocalStack, started and stopped here.

1. One-shot check vs a bare Python script doing the same GET with httpx: ratio <= 1.3.
   (The command also GETs /_localstack/init; the baseline does the health GET only.)
2. ``--wait`` readiness lag: from the moment LocalStack is ready (its READY stage has
   completed, seen by a 10 ms poll here) to the moment the waiting command exits. The
   budget is 300 ms, so the "baseline" of that row is the budget itself.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench._harness import Comparison, compare
from tests.support import emulators

BARE_HTTPX = """
import sys
import httpx

reply = httpx.get(sys.argv[1] + "/_localstack/health", timeout=5)
reply.raise_for_status()
services = reply.json()["services"]
print("healthy" if "error" not in services.values() else "unhealthy")
"""

LAG_BUDGET_MS = 300.0


def _exe() -> str:
    return str(Path(sys.executable).with_name("foundry-discover"))


def readiness_lag_ms(env: dict[str, str]) -> float:
    """Start `health --wait` first, then LocalStack; how long after ready did it exit?"""
    port = emulators.free_port()
    proc = subprocess.Popen(
        [_exe(), "health", "--url", f"http://127.0.0.1:{port}", "--wait", "--timeout", "90"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    exited: list[float] = []
    watcher = threading.Thread(target=lambda: (proc.wait(), exited.append(time.monotonic())), daemon=True)
    watcher.start()
    emu = None
    try:
        time.sleep(0.5)
        emu = emulators.start("localstack", port=port, wait=False)
        deadline = time.monotonic() + 90
        while not emu.is_ready():
            if time.monotonic() > deadline:
                raise SystemExit("LocalStack did not become ready in 90 s")
            time.sleep(0.01)
        ready_at = time.monotonic()
        watcher.join(30)
        if not exited or proc.returncode != 0:
            raise SystemExit(f"health --wait exited {proc.returncode} instead of 0")
        return max(0.0, (exited[0] - ready_at) * 1000)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if emu is not None:
            emu.stop()


def run(runs: int = 20) -> list[Comparison]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SVC_", "AWS_", "FOUNDRY_"))}
    results: list[Comparison] = []
    with tempfile.TemporaryDirectory() as tmp, emulators.running("localstack") as emu:
        bare = Path(tmp) / "bare_httpx.py"
        bare.write_text(BARE_HTTPX)
        results.append(
            compare(
                "health --url (one-shot) vs bare httpx GET",
                [_exe(), "health", "--url", emu.url],
                [sys.executable, str(bare), emu.url],
                target=1.3,
                runs=runs,
                env=env,
            )
        )
    lags = [readiness_lag_ms(env) for _ in range(max(3, min(runs, 5)))]
    results.append(
        Comparison("health --wait readiness lag vs 300 ms budget", statistics.median(lags), LAG_BUDGET_MS, 1.0)
    )
    return results
