"""What the Docker lookup adds to `doctor` (target: at most 50 ms, medians).

A private dockerd (tests/support/docker.py) runs one container with a published port.
`doctor web` on the host, against that published port, runs twice alternately in the
same session: with ``DOCKER_HOST`` naming the daemon (version, container list and an
inspect, beside the check) and without any Docker API. The delta of the medians is the
lookup's cost; the ratio is printed for context. Needs root (dockerd).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench._harness import compare
from tests.support import docker

PROJECT = "fdbench"
PUBLISHED = 18001
LIMIT_MS = 50.0


@dataclass
class Delta:
    """Like ``_harness.Comparison``, but the target is an added cost in milliseconds."""

    name: str
    candidate_ms: float
    baseline_ms: float
    limit_ms: float

    @property
    def delta(self) -> float:
        return self.candidate_ms - self.baseline_ms

    @property
    def met(self) -> bool:
        return self.delta <= self.limit_ms

    def report(self) -> str:
        verdict = "ok" if self.met else "MISSED"
        return (
            f"{self.name}: {self.candidate_ms:.1f} ms vs baseline {self.baseline_ms:.1f} ms -> adds "
            f"{self.delta:.1f} ms, ratio {self.candidate_ms / self.baseline_ms:.2f} "
            f"(target <= {self.limit_ms:g} ms added) {verdict}"
        )


def run(runs: int = 20) -> list[Delta]:
    reason = docker.unavailable()
    if reason is not None:
        print(f"docker: skipped ({reason})", file=sys.stderr)
        return []
    if Path("/var/run/docker.sock").exists():
        print("docker: skipped (a system Docker socket would answer the baseline too)", file=sys.stderr)
        return []
    engine = docker.start()
    folder = Path(tempfile.mkdtemp(prefix="fd-bench-docker-"))
    compose = folder / "docker-compose.yml"
    server = ["python3", "-m", "http.server", "8000", "--bind", "0.0.0.0"]
    service = {
        "image": docker.base_image(engine),
        "pull_policy": "never",
        "init": True,
        "command": server,
        "volumes": docker.volumes(()),
        "ports": [f"127.0.0.1:{PUBLISHED}:8000"],
    }
    compose.write_text(json.dumps({"services": {"web": service}}))
    try:
        engine.compose("up", "--detach", files=[compose], project=PROJECT)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SVC_", "DOCKER_", "FOUNDRY_"))}
        base.update(SVC_WEB_HOST="127.0.0.1", WEB_PORT=str(PUBLISHED))
        registry = folder / "registry.toml"
        registry.write_text(f'[services.page]\nhost = "127.0.0.1"\nport = {PUBLISHED}\nhealth_path = "/"\n')
        exe = str(Path(sys.executable).with_name("foundry-discover"))
        _wait_listening([exe, "doctor", "web"], base)
        rows = []
        for label, argv in (
            (
                "a service with a health_path (its check loads httpx)",
                [exe, "--registry", str(registry), "doctor", "page"],
            ),
            ("a connect-only service (nothing loads an HTTP library)", [exe, "doctor", "web"]),
        ):
            measured = compare(
                f"doctor, {label}: with the Docker API vs without",
                ["env", f"DOCKER_HOST={engine.host}", *argv],
                ["env", *argv],
                target=1.0,  # unused: the Delta below holds the target
                runs=runs,
                warmup=3,
                env=base,
            )
            rows.append(Delta(measured.name, measured.candidate_ms, measured.baseline_ms, LIMIT_MS))
        return rows
    finally:
        engine.compose("down", "--timeout=1", files=[compose], project=PROJECT, check=False)
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_listening(argv: list[str], env: dict[str, str]) -> None:
    import subprocess

    deadline = time.monotonic() + 60
    while subprocess.run(argv, env=env, capture_output=True).returncode != 0:
        if time.monotonic() > deadline:
            raise SystemExit("docker: the benchmark's web container never answered")
        time.sleep(0.3)
