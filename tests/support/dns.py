"""Real DNS servers for the `resolve` tests: dnsmasq, a SERVFAIL server, a silent socket.

Everything stays on this machine: every dnsmasq runs with ``--no-resolv`` and
``--local=/#/`` (it answers from its own records or says NXDOMAIN, never forwards),
and its only ``--server`` entries point at our own loopback test servers. The
network-namespace helpers give a test its own addresses (127.0.0.11, 10.96.0.10) and
its own resolv.conf and hosts, so glibc there never sees this machine's resolver.

Run as a script, this module is the small servers themselves, so they can be started
inside a namespace: ``python -m tests.support.dns servfail|silent ADDRESS PORT``.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
_QUERY_RE = re.compile(r"query\[(\w+)\] (\S+) from ")


def dnsmasq_path() -> str | None:
    return shutil.which("dnsmasq") or ("/usr/sbin/dnsmasq" if os.path.exists("/usr/sbin/dnsmasq") else None)


def ip_path() -> str | None:
    return shutil.which("ip") or ("/usr/sbin/ip" if os.path.exists("/usr/sbin/ip") else None)


def free_port() -> int:
    """A UDP port free on 127.0.0.1 that is also free for TCP (dnsmasq binds both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port on 127.0.0.1")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _check_local_only(args: list[str]) -> None:
    """Refuse any --server that is not one of our own loopback/namespace servers."""
    for arg in args:
        if arg.startswith(("--server=", "-S")):
            address = arg.rsplit("/", 1)[-1].split("#", 1)[0]
            if address and not ipaddress.ip_address(address).is_loopback:
                raise ValueError(f"dnsmasq test server would forward outside loopback: {arg}")


@dataclass
class Dnsmasq:
    proc: subprocess.Popen[bytes]
    log: Path
    port: int
    listen: list[str]

    def queries(self, since: int = 0) -> list[tuple[str, str]]:
        """(type, name) of every query dnsmasq logged after byte offset ``since``, in order."""
        text = self.log.read_bytes()[since:].decode(errors="replace")
        return [(m.group(1), m.group(2)) for m in _QUERY_RE.finditer(text)]

    def mark(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def stop(self) -> None:
        _stop(self.proc)


def start_dnsmasq(
    records: list[str],
    *,
    log: Path,
    listen: list[str],
    port: int = 53,
    prefix: list[str] | None = None,
    user: int | None = None,
) -> Dnsmasq:
    """dnsmasq in the foreground answering only ``records`` (dnsmasq options) and our zones.

    ``prefix`` runs it through ``ip netns exec NS`` (which execs, so the PID we stop is
    dnsmasq's). ``user`` runs it as that uid, to show no root is needed.
    """
    exe = dnsmasq_path()
    if exe is None:
        raise RuntimeError("dnsmasq is not installed (Debian package dnsmasq-base)")
    _check_local_only(records)
    argv = [
        *(prefix or []),
        exe,
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        "--no-poll",
        "--local=/#/",
        "--bind-interfaces",
        *(f"--listen-address={a}" for a in listen),
        f"--port={port}",
        "--cache-size=0",
        "--pid-file=",
        "--log-queries",
        f"--log-facility={log}",
        *records,
    ]
    if user is not None:
        # The unprivileged dnsmasq opens its own log: it must own the file and reach it.
        log.touch()
        os.chown(log, user, -1)
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, user=user)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"dnsmasq exited {proc.returncode}: {err.strip()}")
        if log.exists() and "started, version" in log.read_text(errors="replace"):
            return Dnsmasq(proc, log, port, listen)
        time.sleep(0.02)
    _stop(proc)
    raise RuntimeError("dnsmasq did not start within 10 s")


@dataclass
class Helper:
    """A small server process (SERVFAIL or silent), stopped by PID."""

    proc: subprocess.Popen[bytes]

    def stop(self) -> None:
        _stop(self.proc)


def start_helper(kind: str, address: str, port: int, prefix: list[str] | None = None) -> Helper:
    argv = [*(prefix or []), sys.executable, "-m", "tests.support.dns", kind, address, str(port)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None
    ready = proc.stdout.readline().decode().strip()
    if ready != "ready":
        _stop(proc)
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise RuntimeError(f"{kind} server did not start: {ready} {err}")
    return Helper(proc)


# ---- a network namespace of our own -----------------------------------------------------------


@dataclass
class Netns:
    """A network namespace with a veth (an IPv4 address, as a container has) and extra addresses.

    Stopped by ``close()``: the processes started in it, then the namespace and the veth.
    """

    name: str
    veth: str
    started: list[Dnsmasq | Helper] = field(default_factory=list)

    @property
    def prefix(self) -> list[str]:
        return [ip_path() or "ip", "netns", "exec", self.name]

    @classmethod
    def create(cls, loopback_addresses: list[str]) -> Netns:
        tag = uuid.uuid4().hex[:6]
        ns = cls(f"fd-resolve-{os.getpid()}-{tag}", f"fdr{tag}")
        ip = ip_path() or "ip"
        try:
            _run([ip, "netns", "add", ns.name])
            _run([ip, "link", "add", f"{ns.veth}a", "type", "veth", "peer", "name", f"{ns.veth}b"])
            _run([ip, "link", "set", f"{ns.veth}b", "netns", ns.name])
            _run([*ns.prefix, ip, "link", "set", "lo", "up"])
            _run([*ns.prefix, ip, "addr", "add", "10.200.0.2/24", "dev", f"{ns.veth}b"])
            _run([*ns.prefix, ip, "link", "set", f"{ns.veth}b", "up"])
            for address in loopback_addresses:
                _run([*ns.prefix, ip, "addr", "add", f"{address}/32", "dev", "lo"])
        except BaseException:
            ns.close()
            raise
        return ns

    def close(self) -> None:
        for proc in reversed(self.started):
            proc.stop()
        ip = ip_path() or "ip"
        subprocess.run([ip, "netns", "del", self.name], capture_output=True)
        subprocess.run([ip, "link", "del", f"{self.veth}a"], capture_output=True)

    def run(
        self, resolv_conf: Path, hosts: Path, argv: list[str], env: dict[str, str], timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Run one command in the namespace with these files as /etc/resolv.conf and /etc/hosts."""
        script = 'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts && shift 2 && exec "$@"'
        return subprocess.run(
            [*self.prefix, "sh", "-c", script, "sh", str(resolv_conf), str(hosts), *argv],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )


def run_cli_json(
    ns: Netns, tmp: Path, args: list[str], *, resolv: str, hosts: str, env: dict[str, str], timeout: float = 60
) -> tuple[int, dict[str, Any], str]:
    """``foundry-discover ARGS --json`` in the namespace with this resolv.conf and hosts file.

    Returns the exit code, the JSON envelope (checked to carry the same exit code) and stderr.
    """
    resolv_file, hosts_file = tmp / "resolv.conf", tmp / "hosts"
    resolv_file.write_text(resolv)
    hosts_file.write_text(hosts)
    argv = [sys.executable, "-m", "foundry_discover", *args, "--json"]
    out = ns.run(resolv_file, hosts_file, argv, env, timeout=timeout)
    assert out.stdout, out.stderr
    doc = json.loads(out.stdout)
    assert doc["exit_code"] == out.returncode
    return out.returncode, doc, out.stderr


def _run(argv: list[str]) -> None:
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {out.stderr.strip()}")


# ---- the small servers, run as `python -m tests.support.dns KIND ADDRESS PORT` ------------------


def _serve_servfail(sock: socket.socket) -> None:
    from dnslib import RCODE, DNSRecord

    while True:
        data, peer = sock.recvfrom(4096)
        try:
            request = DNSRecord.parse(data)
        except Exception:  # noqa: BLE001 - garbage in, nothing out, like a real server
            continue
        reply = request.reply()
        reply.header.rcode = RCODE.SERVFAIL
        sock.sendto(reply.pack(), peer)


def _never_accepting(family: socket.AddressFamily, address: str, port: int) -> None:
    """A TCP port whose backlog is full: later SYNs are dropped, so connects hang."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.bind((address, port))
    sock.listen(0)
    fillers = []
    for _ in range(4):
        filler = socket.socket(family, socket.SOCK_STREAM)
        filler.setblocking(False)
        filler.connect_ex((address, port))
        fillers.append(filler)
    time.sleep(0.1)
    print("ready", flush=True)
    signal.pause()


def main(argv: list[str]) -> None:
    kind, address, port = argv[0], argv[1], int(argv[2])
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    if kind == "never_accepting":
        _never_accepting(family, address, port)
        return
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((address, port))
    print("ready", flush=True)
    if kind == "servfail":
        _serve_servfail(sock)
    elif kind == "silent":
        # Bound and never read: queries queue up unanswered, as with a hung server.
        signal.pause()
    else:
        raise SystemExit(f"unknown server kind {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
