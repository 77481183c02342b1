"""Debian's real redis-server and PostgreSQL on loopback, started here and stopped by PID.

    RedisServer(password=None)        redis-server on a free port, optionally requirepass
    RedisServer.loading(...)          one still loading a large RDB (key-load-delay slows it)
    PostgresCluster()                 initdb once (as an unprivileged user), then:
        .start()                      a postmaster accepting connections (scram auth)
        .start(standby=True)          one in standby with hot_standby=off: "rejecting"
                                      (SQLSTATE 57P03) until .promote()

Passwords are written to files the servers read, never put on a command line.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.emulators import free_port

REDIS_PASSWORD = "redis-pw-must-not-print-5b1e"
PG_PASSWORD = "pg-pw-must-not-print-c93d"


def redis_installed() -> bool:
    return shutil.which("redis-server") is not None and shutil.which("redis-cli") is not None


def pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def wait_port(port: int, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listened on {port} within {seconds}s")


def stop_pid(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class RedisServer:
    def __init__(
        self,
        password: str | None = None,
        *,
        directory: Path | None = None,
        extra: str = "",
        port: int = 0,
        address: str = "127.0.0.1",
        prefix: tuple[str, ...] = (),
    ) -> None:
        """``prefix`` runs it elsewhere (``ip netns exec NS``): readiness then comes from its log."""
        self._tmp = tempfile.TemporaryDirectory(prefix="fd-redis-")
        self.dir = directory or Path(self._tmp.name)
        self.port = port or free_port()
        self.password = password
        self._extra_dirs: list[Path] = []
        conf = Path(self._tmp.name) / "redis.conf"
        self.logfile = Path(self._tmp.name) / "redis.log"
        lines = [
            f"bind {address}",
            f"port {self.port}",
            f"dir {self.dir}",
            'save ""',
            "appendonly no",
            f"logfile {self.logfile}",
            extra,
        ]
        if password:
            lines.append(f"requirepass {password}")
        conf.write_text("\n".join(lines) + "\n")
        self.proc = subprocess.Popen(
            [*prefix, "redis-server", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            if prefix:
                self._wait_log()
            else:
                wait_port(self.port, self.proc)
        except BaseException:
            self.stop()
            raise

    def _wait_log(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited {self.proc.returncode}")
            if self.logfile.exists() and "Ready to accept connections" in self.logfile.read_text(errors="replace"):
                return
            time.sleep(0.02)
        raise RuntimeError(f"redis-server was not ready within {seconds}s")

    def cli(self, *args: str) -> str:
        env = dict(os.environ, REDISCLI_AUTH=self.password) if self.password else None
        out = subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, env=env, check=True
        )
        return out.stdout.strip()

    @classmethod
    def loading(cls, keys: int = 20000, delay_us: int = 200) -> RedisServer:
        """A Redis that takes ``keys * delay_us`` to load its RDB, answering -LOADING meanwhile."""
        seed = cls(extra="enable-debug-command local")
        try:
            seed.cli("DEBUG", "POPULATE", str(keys))
            seed.cli("SAVE")
            dump = seed.dir / "dump.rdb"
            keep = Path(tempfile.mkdtemp(prefix="fd-redis-rdb-"))
            shutil.copy(dump, keep / "dump.rdb")
        finally:
            seed.stop()
        # key-load-delay (microseconds per key) is how Redis's own test suite catches LOADING.
        server = cls(directory=keep, extra=f"key-load-delay {delay_us}\nloading-process-events-interval-bytes 1024")
        server._extra_dirs = [keep]
        return server

    def stop(self) -> None:
        stop_pid(self.proc)
        self._tmp.cleanup()
        for path in self._extra_dirs:
            shutil.rmtree(path, ignore_errors=True)


def _as_user() -> tuple[str | None, int, int]:
    """PostgreSQL refuses to run as root: use its system user (or nobody) when we are root."""
    if os.geteuid() != 0:
        return None, os.getuid(), os.getgid()
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return name, entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root and neither a postgres nor a nobody user exists")


class PostgresCluster:
    """One initdb for the session; each start() copies it, so every server is fresh."""

    def __init__(self) -> None:
        bindir = pg_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed")
        self.bindir = bindir
        self.user, self.uid, self.gid = _as_user()
        self.root = Path(tempfile.mkdtemp(prefix="fd-pg-"))
        os.chown(self.root, self.uid, self.gid)
        self.template = self.root / "template"
        pwfile = self.root / "pwfile"
        pwfile.write_text(PG_PASSWORD + "\n")
        os.chown(pwfile, self.uid, self.gid)
        self._run(
            str(bindir / "initdb"),
            "-D",
            str(self.template),
            "-U",
            "fdtest",
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        pwfile.unlink()
        self.servers: list[PostgresServer] = []

    def _run(self, *argv: str) -> None:
        subprocess.run(list(argv), check=True, capture_output=True, user=self.uid, group=self.gid)

    def start(self, *, standby: bool = False) -> PostgresServer:
        data = Path(tempfile.mkdtemp(prefix="data-", dir=self.root))
        shutil.copytree(self.template, data, dirs_exist_ok=True)
        for path in [data, *data.rglob("*")]:
            os.chown(path, self.uid, self.gid, follow_symlinks=False)
        data.chmod(0o700)
        if standby:
            (data / "standby.signal").touch()
            os.chown(data / "standby.signal", self.uid, self.gid)
        server = PostgresServer(self, data, standby)
        self.servers.append(server)
        return server

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PostgresServer:
    def __init__(self, cluster: PostgresCluster, data: Path, standby: bool) -> None:
        self.cluster = cluster
        self.data = data
        self.port = free_port()
        options = [
            "-c", "listen_addresses=127.0.0.1",
            "-c", f"unix_socket_directories={data}",
            "-c", "fsync=off",
            "-c", "logging_collector=off",
            "-c", f"hot_standby={'off' if standby else 'on'}",
        ]  # fmt: skip
        self.log = open(data / "server.log", "wb")  # noqa: SIM115 -- closed in stop()
        self.proc = subprocess.Popen(
            [str(cluster.bindir / "postgres"), "-D", str(data), "-p", str(self.port), *options],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            user=cluster.uid,
            group=cluster.gid,
        )
        try:
            wait_port(self.port, self.proc)
        except BaseException:
            self.stop()
            raise

    def promote(self) -> None:
        """`pg_ctl promote`, as the cluster's user, without waiting for it to finish."""
        self.cluster._run(str(self.cluster.bindir / "pg_ctl"), "promote", "--no-wait", "-D", str(self.data))

    def isready(self) -> tuple[int, str]:
        out = subprocess.run(
            [str(self.cluster.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
            text=True,
        )
        return out.returncode, out.stdout.strip()

    def stop(self) -> None:
        stop_pid(self.proc, signal.SIGINT)  # fast shutdown
        self.log.close()
