"""Addresses that lead back into this container, and the order the application connects in.

Inside a network namespace with its own resolv.conf and /etc/hosts (tests/support/dns.py): a
real dnsmasq on Docker's 127.0.0.11 makes it a container to the tool (its resolver is Docker's
embedded DNS), a cluster search list makes it a pod. The names lead home the ways people meet:
``localhost.localstack.cloud`` (LocalStack's docs) by DNS, a hosts-file line, ``::1`` by DNS and
as a literal, ``0.0.0.0``. Real listeners on 127.0.0.1 only or ::1 only stand for a server bound
to one address family, and the application's own ``socket.create_connection`` runs beside doctor
in the same namespace to show what it really does. Needs root, as every namespace test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import cli_env, need
from tests.support import dns, services

SERVICE_IP = "172.18.0.5"
COMPOSE = "nameserver 127.0.0.11\noptions ndots:0\n"
K8S = "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
HOST = "nameserver 10.96.0.10\n"  # neither Docker's DNS nor a cluster's: a host, to the tool
HOSTS = "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n"
RECORDS = [
    "--host-record=localhost.localstack.cloud,127.0.0.1",
    f"--host-record=localstack,{SERVICE_IP}",
    "--host-record=ls6.test,::1",
]
ITSELF = "inside a container, that is the container itself, not the host nor another service"
TO_SERVICE = (
    "Set SVC_LOCALSTACK_HOST to the service's name on the Docker network (the built-in default is localstack) and "
    "LOCALSTACK_PORT to its container port"
)
ORDER = (
    "the application's connect (Python's socket.create_connection, and urllib3's under botocore) tries getaddrinfo's "
    "addresses in order"
)


@dataclass
class Network:
    ns: dns.Netns
    tmp: Path

    def run(
        self, argv: list[str], *, resolv: str, hosts: str, gai: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``argv`` in the namespace with these as /etc/resolv.conf, /etc/hosts and (given) /etc/gai.conf."""
        files = {"resolv.conf": resolv, "hosts": hosts, **({"gai.conf": gai} if gai is not None else {})}
        mounts = []
        for i, (name, text) in enumerate(files.items(), 1):
            (self.tmp / name).write_text(text)
            mounts.append(f'mount --bind "${i}" /etc/{name}')
        script = " && ".join([*mounts, f"shift {len(files)}", 'exec "$@"'])
        return subprocess.run(
            [*self.ns.prefix, "sh", "-c", script, "sh", *(str(self.tmp / n) for n in files), *argv],
            capture_output=True,
            text=True,
            env=env or cli_env(AWS_EC2_METADATA_DISABLED="true", NO_COLOR="1"),
            cwd=Path(__file__).resolve().parent.parent,
            timeout=120,
        )

    def doctor(
        self, name: str, *args: str, resolv: str = COMPOSE, hosts: str = HOSTS, gai: str | None = None, **env: str
    ) -> tuple[int, dict[str, Any]]:
        argv = [sys.executable, "-m", "foundry_discover", "doctor", name, "--json", *args]
        full = cli_env(AWS_EC2_METADATA_DISABLED="true", NO_COLOR="1", **env)
        out = self.run(argv, resolv=resolv, hosts=hosts, gai=gai, env=full)
        assert out.stdout, out.stderr
        doc: dict[str, Any] = json.loads(out.stdout)
        assert doc["exit_code"] == out.returncode
        return out.returncode, doc

    def listen(self, address: str, port: int) -> services.Process:
        server = services.start_process("tcp", address, port, prefix=self.ns.prefix)
        self.ns.started.append(server)  # type: ignore[arg-type]
        return server


@pytest.fixture(scope="module")
def network() -> Iterator[Network]:
    need(os.geteuid() == 0, "network namespaces need root (CI runs these as root)")
    need(dns.dnsmasq_path() is not None, "dnsmasq is not installed (Debian package dnsmasq-base)")
    tmp = Path(tempfile.mkdtemp(prefix="fd-loopback-ns-"))
    ns = dns.Netns.create(["127.0.0.11", "10.96.0.10", SERVICE_IP])
    try:
        dnsmasq = dns.start_dnsmasq(
            RECORDS, log=tmp / "dnsmasq.log", listen=["127.0.0.11", "10.96.0.10"], prefix=ns.prefix
        )
        ns.started.append(dnsmasq)
        yield Network(ns, tmp)
    finally:
        ns.close()
        shutil.rmtree(tmp, ignore_errors=True)


def steps(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in doc["result"]["services"][0]["steps"]}


# ---- names that lead back into this container ----------------------------------------------------


def test_localstacks_public_name_resolves_to_this_container(network: Network) -> None:
    code, doc = network.doctor("localstack", SVC_LOCALSTACK_HOST="localhost.localstack.cloud")
    assert doc["result"]["runtime"]["kind"] == "container"
    connect = steps(doc)["connect"]
    assert (code, connect["status"], connect["data"]["docker"]) == (4, "fail", "docker-localhost")
    assert connect["detail"] == (
        "127.0.0.1:4566 refused the connection: nothing listens on port 4566; localhost.localstack.cloud resolves to "
        f"127.0.0.1 by DNS (LocalStack's public name for 127.0.0.1): {ITSELF}"
    )
    assert connect["fix"] == (
        f"{TO_SERVICE}; localhost.localstack.cloud reaches LocalStack from the host only, through its published port"
    )
    # The fix: the service's name, which reaches the service (a listener on its address stands for it).
    network.listen(SERVICE_IP, 4566)
    _, doc = network.doctor("localstack", SVC_LOCALSTACK_HOST="localstack")
    assert steps(doc)["connect"]["status"] == "pass"


def test_on_the_host_the_same_name_is_no_container_of_ours(network: Network) -> None:
    code, doc = network.doctor("localstack", resolv=HOST, SVC_LOCALSTACK_HOST="localhost.localstack.cloud")
    assert doc["result"]["runtime"]["kind"] == "host"
    connect = steps(doc)["connect"]
    assert (code, connect["detail"]) == (4, "127.0.0.1:4566 refused the connection: nothing listens on port 4566")
    assert "docker" not in connect["data"]


def test_a_hosts_file_line_sends_the_service_name_home(network: Network) -> None:
    hosts = f"{HOSTS}127.0.0.1 localstack\n"
    code, doc = network.doctor("localstack", hosts=hosts)
    connect = steps(doc)["connect"]
    assert (code, connect["status"]) == (4, "fail")
    assert connect["detail"] == (
        "127.0.0.1:4566 refused the connection: nothing listens on port 4566: 127.0.0.1 comes from an entry for "
        f"localstack in /etc/hosts, which overrides DNS (DNS gives {SERVICE_IP}), and nothing answers there; "
        f"localstack resolves to 127.0.0.1 by the line '127.0.0.1 localstack' in /etc/hosts: {ITSELF}"
    )
    assert connect["fix"] == (
        "Remove the line '127.0.0.1 localstack' from /etc/hosts (Compose: extra_hosts; Kubernetes: hostAliases; or "
        "the image's own /etc/hosts), so localstack resolves to the service through DNS"
    )


@pytest.mark.parametrize(
    ("host", "address", "leads"),
    [
        ("ls6.test", "::1", "ls6.test resolves to ::1 by DNS"),
        ("::1", "::1", "::1 is a loopback address"),
        ("127.0.0.2", "127.0.0.2", "127.0.0.2 is a loopback address"),
        ("0.0.0.0", "0.0.0.0", "0.0.0.0 is the unspecified address, which Linux connects to the local host"),
    ],
)
def test_every_loopback_address_is_this_container(network: Network, host: str, address: str, leads: str) -> None:
    code, doc = network.doctor("localstack", SVC_LOCALSTACK_HOST=host)
    connect = steps(doc)["connect"]
    assert (code, connect["status"]) == (4, "fail")
    assert connect["detail"] == (
        f"{address}:4566 refused the connection: nothing listens on port 4566; {leads}: {ITSELF}"
    )
    assert connect["fix"] == TO_SERVICE


def test_inside_a_pod_localhost_is_the_pod(network: Network) -> None:
    code, doc = network.doctor("localstack", resolv=K8S, SVC_LOCALSTACK_HOST="localhost")
    assert doc["result"]["runtime"]["kind"] == "kubernetes"
    connect = steps(doc)["connect"]
    assert (code, connect["status"]) == (4, "fail")
    assert connect["detail"].endswith(
        "; inside a pod, localhost is the pod itself (its containers share one network), not the host nor another "
        "service"
    )
    assert connect["fix"] == (
        "Set SVC_LOCALSTACK_HOST to the name of the Service in front of it (e.g. localstack) and LOCALSTACK_PORT to "
        "its port"
    )


# ---- localhost as ::1 and 127.0.0.1, a server on one family only -------------------------------------

APP = (
    "import socket, sys, time\n"
    "t = time.perf_counter()\n"
    "s = socket.create_connection(('localhost', int(sys.argv[1])), timeout=float(sys.argv[2]))\n"
    "print(s.getpeername()[0], round((time.perf_counter() - t) * 1000, 3))\n"
)
IPV4_FIRST = "precedence ::ffff:0:0/96 100\n"  # gai.conf: the line Debian's file documents to prefer IPv4


def application(network: Network, port: int, gai: str | None = None, timeout: float = 5) -> tuple[str, float]:
    """What the application's own socket.create_connection does from the same namespace: the peer, the ms."""
    out = network.run([sys.executable, "-c", APP, str(port), str(timeout)], resolv=COMPOSE, hosts=HOSTS, gai=gai)
    assert out.returncode == 0, out.stderr
    peer, ms = out.stdout.split()
    return peer, float(ms)


def test_localhost_tries_ipv6_first_and_falls_back_to_an_ipv4_only_server(network: Network) -> None:
    port = 18081
    network.listen("127.0.0.1", port)
    assert application(network, port)[0] == "127.0.0.1"  # the application: ::1 refused, then 127.0.0.1
    _, doc = network.doctor("web", SVC_WEB_HOST="localhost", WEB_PORT=str(port))
    connect = steps(doc)["connect"]
    assert connect["status"] == "warn"
    assert re.fullmatch(
        rf"{re.escape(ORDER)}: ::1 refused \([0-9.]+ ms\), then 127\.0\.0\.1 connects \([0-9.]+ ms\): it falls "
        r"back, at a cost of [0-9.]+ ms per connection; the service listens on IPv4 only",
        connect["detail"],
    ), connect["detail"]
    assert connect["fix"] == (
        "Harmless as it is; to spare the refused try, make the service listen on ::1 too (bind to :: rather than "
        "0.0.0.0), or set SVC_WEB_HOST=127.0.0.1"
    )
    assert connect["data"]["application"] == {"connects_to": None, "status": "warn"}
    assert list(connect["data"]["addresses"]) == ["::1", "127.0.0.1"]  # getaddrinfo's order, as the application's


def test_ipv4_first_and_an_ipv6_only_server(network: Network) -> None:
    port = 18082
    network.listen("::1", port)
    assert application(network, port, gai=IPV4_FIRST)[0] == "::1"
    _, doc = network.doctor("web", gai=IPV4_FIRST, SVC_WEB_HOST="localhost", WEB_PORT=str(port))
    connect = steps(doc)["connect"]
    assert connect["status"] == "warn"
    assert list(connect["data"]["addresses"]) == ["127.0.0.1", "::1"]
    assert re.fullmatch(
        rf"{re.escape(ORDER)}: 127\.0\.0\.1 refused \([0-9.]+ ms\), then ::1 connects \([0-9.]+ ms\): it falls "
        r"back, at a cost of [0-9.]+ ms per connection; the service listens on IPv6 only",
        connect["detail"],
    ), connect["detail"]


def test_the_first_address_answering_means_the_rest_are_never_tried(network: Network) -> None:
    port = 18083
    network.listen("::1", port)
    assert application(network, port)[0] == "::1"
    _, doc = network.doctor("web", SVC_WEB_HOST="localhost", WEB_PORT=str(port))
    connect = steps(doc)["connect"]
    assert connect["status"] == "pass"
    assert re.fullmatch(
        rf"::1 port {port} \([0-9.]+ ms\): {re.escape(ORDER)}, so it connects to ::1 at once and never tries the rest"
        r": 127\.0\.0\.1 refused",
        connect["detail"],
    ), connect["detail"]


def test_a_first_address_that_hangs_costs_the_applications_connect_timeout(network: Network) -> None:
    port = 18084
    helper = dns.start_helper("never_accepting", "::1", port, prefix=network.ns.prefix)
    network.ns.started.append(helper)
    network.listen("127.0.0.1", port)
    peer, ms = application(network, port, timeout=1.0)
    assert peer == "127.0.0.1" and ms >= 1000  # it waited its whole timeout on ::1 first
    _, doc = network.doctor("localstack", "--timeout", "2", SVC_LOCALSTACK_HOST="localhost", LOCALSTACK_PORT=str(port))
    connect = steps(doc)["connect"]
    assert connect["status"] == "warn"
    assert re.fullmatch(
        rf"{re.escape(ORDER)}: ::1 does not answer \(doctor gave up after [0-9.]+ s\): the application waits out "
        r"botocore's connect_timeout \(60 s unless the application's Config sets one\) on it before it falls back "
        r"to 127\.0\.0\.1, which connects \([0-9.]+ ms\)",
        connect["detail"],
    ), connect["detail"]
    assert connect["fix"] == (
        "Make the service reachable on ::1 too, or set SVC_LOCALSTACK_HOST=127.0.0.1 so the application never waits "
        "on the other"
    )


# ---- health, as a healthcheck runs it --------------------------------------------------------------


def health(network: Network, *args: str, resolv: str = COMPOSE, **env: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "foundry_discover", "health", *args]
    return network.run(argv, resolv=resolv, hosts=HOSTS, env=cli_env(NO_COLOR="1", **env))


def test_health_names_this_container_too(network: Network) -> None:
    out = health(network, SVC_LOCALSTACK_HOST="localhost.localstack.cloud")
    assert (out.returncode, out.stdout) == (4, "")
    assert out.stderr == (
        "error: 127.0.0.1:4566 refused the connection: nothing listens on port 4566; localhost.localstack.cloud "
        f"resolves to 127.0.0.1 by DNS (LocalStack's public name for 127.0.0.1): {ITSELF}. {TO_SERVICE}; "
        "localhost.localstack.cloud reaches LocalStack from the host only, through its published port\n"
    )
    out = health(network, "redis", "--json", SVC_REDIS_HOST="ls6.test")
    doc = json.loads(out.stdout)
    assert (out.returncode, doc["exit_code"], doc["error"]["type"]) == (4, 4, "unreachable")
    assert doc["error"]["message"] == (
        f"::1:6379 refused the connection: nothing listens on port 6379; ls6.test resolves to ::1 by DNS: {ITSELF}"
    )
    assert doc["error"]["fix"] == (
        "Set SVC_REDIS_HOST to the service's name on the Docker network (the built-in default is redis) and "
        "REDIS_PORT to its container port"
    )


def test_health_on_the_host_says_only_what_it_found(network: Network) -> None:
    out = health(network, resolv=HOST, SVC_LOCALSTACK_HOST="localhost.localstack.cloud")
    assert out.returncode == 4
    assert out.stderr == (
        "error: 127.0.0.1:4566 refused the connection: nothing listens on port 4566. Check that the service is "
        "running and that the port is right\n"
    )
