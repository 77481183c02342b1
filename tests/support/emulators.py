"""Real LocalStack, MiniStack and moto processes on loopback, for tests, benchmarks and the demo.

Each emulator lives in its own virtual environment (LocalStack and MiniStack need Python
>= 3.12; moto's server runs on 3.11 too, but gets the same interpreter), cached
under ``~/.cache/foundry-discover/emulators`` and keyed by the hash of its pins file, so
a second run installs nothing. Processes are started in their own session and stopped by
PID (SIGTERM to the process group, then SIGKILL), never by name.

    python -m tests.support.emulators install     # what scripts/check runs
    python -m tests.support.emulators run localstack --port 4566
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PINS = {
    "localstack": HERE / "emulator-pins.txt",
    "ministack": HERE / "ministack-pins.txt",
    "moto": HERE / "moto-pins.txt",
}
#: What answers once an emulator without LocalStack's health path is up (a GET that changes nothing).
READY_PATH = {"moto": "/moto-api/config"}
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "foundry-discover" / "emulators"


def venv_dir(kind: str) -> Path:
    digest = hashlib.sha256(PINS[kind].read_bytes()).hexdigest()[:12]
    return CACHE / f"{kind}-{digest}"


def venv_python(kind: str) -> Path:
    return venv_dir(kind) / "bin" / "python"


def is_installed(kind: str) -> bool:
    return (venv_dir(kind) / ".complete").exists()


def find_python312() -> str:
    """A Python >= 3.12 for the emulators: $FOUNDRY_EMULATOR_PYTHON, PATH, then pyenv."""
    candidates = [os.environ.get("FOUNDRY_EMULATOR_PYTHON", "")]
    candidates += [shutil.which(f"python3.{minor}") or "" for minor in (13, 12, 14)]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        candidates += [str(p / "bin" / "python") for p in sorted(pyenv.glob("3.1[234]*"), reverse=True)]
    for cand in candidates:
        if not cand or not Path(cand).exists():
            continue
        out = subprocess.run(
            [cand, "-c", "import sys; print(sys.version_info >= (3, 12))"], capture_output=True, text=True
        )
        if out.stdout.strip() == "True":
            return cand
    raise SystemExit("no Python >= 3.12 found for the emulators: set FOUNDRY_EMULATOR_PYTHON")


def install(kind: str) -> Path:
    target = venv_dir(kind)
    if is_installed(kind):
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    python = find_python312()
    subprocess.run([python, "-m", "venv", str(target)], check=True)
    subprocess.run(
        [
            str(target / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-r",
            str(PINS[kind]),
        ],
        check=True,
    )
    (target / ".complete").write_text(PINS[kind].read_text())
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Emulator:
    kind: str
    port: int
    process: subprocess.Popen[bytes]
    root: Path
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    #: Where it listens; inside a network namespace, ``prefix`` is `ip netns exec NS`.
    host: str = "127.0.0.1"
    prefix: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def get_json(self, path: str, timeout: float = 5.0) -> object:
        with urllib.request.urlopen(self.url + path, timeout=timeout) as resp:
            return json.loads(resp.read())

    def put_json(self, path: str, body: object, timeout: float = 5.0) -> object:
        req = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), method="PUT", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read() or b"null")

    def is_ready(self) -> bool:
        if self.prefix:
            return self._probe_in_namespace()
        try:
            if self.kind == "localstack":
                body = self.get_json("/_localstack/init/ready", timeout=1.0)
                return isinstance(body, dict) and body.get("completed") is True
            # moto has no health path; its own API answers once the server is up.
            return isinstance(self.get_json(READY_PATH.get(self.kind, "/_localstack/health"), timeout=1.0), dict)
        except (OSError, ValueError, urllib.error.URLError):
            return False

    def _probe_in_namespace(self) -> bool:
        """The readiness probe, run inside the namespace (its loopback is not ours)."""
        path = READY_PATH.get(self.kind, "/_localstack/health")
        if self.kind == "localstack":
            path = "/_localstack/init/ready"
        code = (
            "import json, sys, urllib.request\n"
            f"body = json.loads(urllib.request.urlopen({self.url + path!r}, timeout=1).read())\n"
            f"sys.exit(0 if {self.kind != 'localstack'} or body.get('completed') is True else 1)\n"
        )
        probe = subprocess.run([*self.prefix, sys.executable, "-c", code], capture_output=True, timeout=10)
        return probe.returncode == 0

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.process.returncode}:\n{self.log_text()[-3000:]}")
            if self.is_ready():
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.kind} not ready after {timeout}s:\n{self.log_text()[-3000:]}")

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the emulator's own process group (by PID), then SIGKILL if it lingers."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)


def start(
    kind: str,
    *,
    port: int | None = None,
    init_scripts: dict[str, str] | None = None,
    extra_env: dict[str, str] | None = None,
    wait: bool = True,
    host: str = "127.0.0.1",
    prefix: tuple[str, ...] = (),
) -> Emulator:
    """Start an emulator on a free loopback port; ``init_scripts`` go to its ready.d folder.

    ``prefix`` (e.g. `ip netns exec NS`) runs it inside a network namespace, listening on
    ``host`` there; give ``port`` then, since a free port here says nothing about there.
    """
    if not is_installed(kind):
        raise RuntimeError(f"{kind} is not installed: run `python -m tests.support.emulators install`")
    port = port or free_port()
    root = Path(tempfile.mkdtemp(prefix=f"fd-{kind}-"))
    log_path = root / "emulator.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOCALSTACK_", "SVC_"))}
    if kind == "localstack":
        ready_d = root / "etc" / "localstack" / "init" / "ready.d"
        env.update(
            OVERRIDE_IN_DOCKER="0",
            GATEWAY_SERVER="hypercorn",
            # LocalStack checks its own readiness through 127.0.0.1: it must listen there too.
            GATEWAY_LISTEN=f"{host}:{port}" if host == "127.0.0.1" else f"{host}:{port},127.0.0.1:{port}",
            DNS_ADDRESS="0",
            DISABLE_EVENTS="1",
            SKIP_SSL_CERT_DOWNLOAD="1",
            FILESYSTEM_ROOT=str(root),
            XDG_CACHE_HOME=str(root / "cache"),
        )
        argv = [str(venv_python(kind)), "-m", "localstack.runtime.main"]
    elif kind == "moto":
        if init_scripts:
            shutil.rmtree(root, ignore_errors=True)
            raise ValueError("moto runs no init scripts")
        ready_d = root / "ready.d"
        argv = [str(venv_dir(kind) / "bin" / "moto_server"), "-H", host, "-p", str(port)]
    else:
        ready_d = root / "ready.d"
        env.update(BIND_HOST=host, GATEWAY_PORT=str(port))
        argv = [str(venv_dir(kind) / "bin" / "ministack")]
    if init_scripts:
        ready_d.mkdir(parents=True, exist_ok=True)
        for name, text in init_scripts.items():
            script = ready_d / name
            script.write_text(text)
            script.chmod(0o755)
    env.update(extra_env or {})
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*prefix, *argv], env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    emulator = Emulator(kind, port, process, root, log_path, env, host, prefix)
    if wait:
        try:
            emulator.wait_ready()
        except BaseException:
            emulator.stop()
            raise
    return emulator


@contextlib.contextmanager
def running(kind: str, **kwargs: object) -> Iterator[Emulator]:
    emulator = start(kind, **kwargs)  # type: ignore[arg-type]
    try:
        yield emulator
    finally:
        emulator.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.emulators")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("install", help="install every emulator's virtual environment (cached)")
    run = sub.add_parser("run", help="run one emulator in the foreground until Ctrl-C")
    run.add_argument("kind", choices=sorted(PINS))
    run.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    if args.cmd == "install":
        for kind in PINS:
            cached = is_installed(kind)
            path = install(kind)
            print(f"{kind}: {path}{' (cached)' if cached else ''}")
        return 0
    # SIGTERM (and SIGINT, which a background job ignores) stop the emulator on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with running(args.kind, port=args.port) as emulator:
        print(f"{args.kind} ready at {emulator.url} (pid {emulator.pid}); Ctrl-C stops it", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while emulator.process.poll() is None:
                time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
