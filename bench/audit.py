"""`foundry-discover audit` over a generated repository of 3,000 Python files and 60 manifests.

Two trees: one module in ten names a service (the prefilter lets those through to the
parser), and every module does (each one parsed and walked: the worst case). Targets:
the whole audit within a 3 s budget (the issue's "a few seconds"), so that row's baseline
is the budget itself; and, for reference, `ruff check` on the same tree (informational:
ruff is compiled and multi-threaded, but it is what a CI job already pays for). Files per
second are printed for both.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from bench._harness import Comparison, time_once

PACKAGES, MODULES, MANIFESTS = 30, 100, 60
BUDGET_MS = 3000.0

MODULE = '''"""Module {n}: helpers."""

import os

import boto3

DOCS = "https://docs.python.org/3/library/os.html"
TIMEOUT = int(os.getenv("TIMEOUT", "30"))


def client(name: str):
    return boto3.client(name, region_name=os.getenv("AWS_REGION", "us-east-1"))


def fetch(key: str, default: str = "x") -> dict[str, str]:
    return {{"key": key, "module": "{n}", "default": default, "url": os.getenv("X", "https://example.com/{n}")}}
'''

MANIFEST = """apiVersion: v1
kind: Service
metadata:
  name: app{n}
spec:
  selector: {{app: app{n}}}
  ports: [{{port: 80, targetPort: http}}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app{n}
spec:
  selector: {{matchLabels: {{app: app{n}}}}}
  template:
    metadata: {{labels: {{app: app{n}}}}}
    spec:
      containers:
        - name: app
          image: example/app{n}:1.0
          ports: [{{name: http, containerPort: 8080}}]
          env:
            - {{name: SVC_LOCALSTACK_HOST, value: localstack}}
            - {{name: LOCALSTACK_PORT, value: "4566"}}
"""

COMPOSE = """services:
  localstack:
    image: localstack/localstack:4.9
  app:
    build: .
    environment: [SVC_LOCALSTACK_HOST=localstack, LOCALSTACK_PORT=4566]
"""


def make_tree(root: Path, every: int = 10) -> int:
    for p in range(PACKAGES):
        folder = root / "src" / f"pkg{p}"
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
        for m in range(MODULES):
            # One module in ten names a service of ours (in a comment): the prefilter lets it
            # through, so it is parsed and walked; the others are only scanned.
            note = "# In development this talks to http://localstack:4566\n" if m % every == 0 else ""
            (folder / f"mod{m}.py").write_text(note + MODULE.format(n=m))
    (root / "deploy").mkdir()
    for n in range(MANIFESTS):
        (root / "deploy" / f"app{n}.yaml").write_text(MANIFEST.format(n=n))
    (root / "deploy" / "localstack.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: localstack}\nspec: {ports: [{port: 4566}]}\n"
    )
    (root / "compose.yaml").write_text(COMPOSE)
    return PACKAGES * (MODULES + 1) + MANIFESTS + 2


def run(runs: int = 20) -> list[Comparison]:
    exe = str(Path(sys.executable).with_name("foundry-discover"))
    ruff = str(Path(sys.executable).with_name("ruff"))
    runs = max(3, min(runs, 10))  # each run reads 3,000 files: a few runs give a stable median
    out: list[Comparison] = []
    for every, label in ((10, "one module in ten parsed"), (1, "every module parsed")):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            files = make_tree(root, every)
            audit_argv = [exe, "audit", "--format", "json", str(root)]
            ruff_argv = [ruff, "check", "--no-cache", "--isolated", "--quiet", str(root)]
            ours, theirs = [], []
            time_once(audit_argv)
            time_once(ruff_argv, expect=None)
            for _ in range(runs):  # interleaved, so both see the same machine
                ours.append(time_once(audit_argv))
                theirs.append(time_once(ruff_argv, expect=None))
        audit_ms, ruff_ms = statistics.median(ours), statistics.median(theirs)
        print(
            f"audit ({label}): {files} files, {files / audit_ms * 1000:.0f} files/s; "
            f"ruff check: {files / ruff_ms * 1000:.0f} files/s",
            flush=True,
        )
        out.append(
            Comparison(f"audit of {files} files ({label}) vs the {BUDGET_MS:g} ms budget", audit_ms, BUDGET_MS, 1.0)
        )
        out.append(
            Comparison(f"audit of {files} files ({label}) vs ruff check", audit_ms, ruff_ms, 10.0, informational=True)
        )
    return out
