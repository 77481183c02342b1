"""`doctor` inside a network namespace built like a Compose network and a Kubernetes pod.

No SVC_* variables: the registry's defaults (`localstack:4566`, `redis:6379`) are resolved
by a real dnsmasq on Docker's 127.0.0.11 (and a cluster DNS on 10.96.0.10), and a real
LocalStack listens on the service's address inside the namespace. The whole chain runs as
it would in a container. Needs root; CI runs it as root, elsewhere it skips with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import cli_env, need
from tests.support import dns, emulators
from tests.support.realservers import RedisServer, redis_installed

LOCALSTACK_IP = "172.18.0.5"
REDIS_IP = "172.18.0.6"
COMPOSE = "nameserver 127.0.0.11\noptions ndots:0\n"
K8S = "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
HOSTS = "127.0.0.1 localhost\n"
RECORDS = [
    f"--host-record=localstack,{LOCALSTACK_IP}",
    f"--host-record=redis,{REDIS_IP}",
    f"--host-record=localstack.default.svc.cluster.local,{LOCALSTACK_IP}",
    f"--host-record=cache.tools.svc.cluster.local,{REDIS_IP}",
]


@dataclass
class Network:
    ns: dns.Netns
    dnsmasq: dns.Dnsmasq
    tmp: Path

    def doctor(self, *args: str, resolv: str, **env: str) -> tuple[int, dict[str, Any], str]:
        resolv_file, hosts_file = self.tmp / "resolv.conf", self.tmp / "hosts"
        resolv_file.write_text(resolv)
        hosts_file.write_text(HOSTS)
        argv = [sys.executable, "-m", "foundry_discover", "doctor", *args, "--json"]
        out = self.ns.run(resolv_file, hosts_file, argv, cli_env(AWS_EC2_METADATA_DISABLED="true", **env), timeout=120)
        assert out.stdout, out.stderr
        doc = json.loads(out.stdout)
        assert doc["exit_code"] == out.returncode
        return out.returncode, doc, out.stderr


@pytest.fixture(scope="module")
def network() -> Iterator[Network]:
    need(os.geteuid() == 0, "network namespaces need root (CI runs these as root)")
    need(dns.dnsmasq_path() is not None, "dnsmasq is not installed (Debian package dnsmasq-base)")
    need(emulators.is_installed("localstack"), "LocalStack is not installed (scripts/check installs it)")
    need(redis_installed(), "redis-server is not installed (scripts/check installs it)")
    tmp = Path(tempfile.mkdtemp(prefix="fd-doctor-ns-"))
    ns = dns.Netns.create(["127.0.0.11", "10.96.0.10", LOCALSTACK_IP, REDIS_IP])
    emulator = None
    try:
        dnsmasq = dns.start_dnsmasq(
            RECORDS, log=tmp / "dnsmasq.log", listen=["127.0.0.11", "10.96.0.10"], prefix=ns.prefix
        )
        ns.started.append(dnsmasq)
        # A real redis-server, as the official image runs it (no protected mode): doctor PINGs it.
        redis = RedisServer(port=6379, address=REDIS_IP, prefix=tuple(ns.prefix), extra="protected-mode no")
        ns.started.append(redis)  # type: ignore[arg-type]
        emulator = emulators.start("localstack", port=4566, host=LOCALSTACK_IP, prefix=tuple(ns.prefix))
        yield Network(ns, dnsmasq, tmp)
    finally:
        if emulator is not None:
            emulator.stop()
        ns.close()
        shutil.rmtree(tmp, ignore_errors=True)


def steps(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return next(s["steps"] for s in doc["result"]["services"] if s["name"] == name)


def test_compose_network_whole_chain_from_defaults(network: Network) -> None:
    mark = network.dnsmasq.mark()
    code, doc, _ = network.doctor("localstack", "redis", resolv=COMPOSE)
    assert code == 0, json.dumps(doc["result"], indent=1)
    assert [s["status"] for s in steps(doc, "LOCALSTACK")] == ["pass"] * 5
    assert steps(doc, "LOCALSTACK")[1]["data"]["addresses"] == [LOCALSTACK_IP]
    assert steps(doc, "REDIS")[2]["detail"].startswith(REDIS_IP)
    runtime = doc["result"]["runtime"]
    assert (runtime["kind"], runtime["docker_dns"]) == ("container", True)
    asked = {name for _, name in network.dnsmasq.queries(mark)}
    assert {"localstack", "redis"} <= asked


def test_compose_missing_service_fails_at_resolve_with_the_network_hint(network: Network) -> None:
    mark = network.dnsmasq.mark()
    code, doc, err = network.doctor("localstack", "postgres", resolv=COMPOSE)
    assert code == 1
    resolve = steps(doc, "POSTGRES")[1]
    assert resolve["status"] == "fail"
    assert "postgres does not resolve" in resolve["detail"]
    assert "network" in (resolve["fix"] or "").lower()
    assert [s["status"] for s in steps(doc, "POSTGRES")][2:] == ["skip", "skip", "skip"]
    assert [s["status"] for s in steps(doc, "LOCALSTACK")] == ["pass"] * 5
    assert "postgres" in {name for _, name in network.dnsmasq.queries(mark)}
    assert "postgres fails at resolve" in err


def test_kubernetes_pod_short_name_through_the_search_list(network: Network) -> None:
    code, doc, _ = network.doctor("localstack", resolv=K8S)
    assert code == 0, json.dumps(doc["result"], indent=1)
    assert steps(doc, "LOCALSTACK")[1]["data"]["addresses"] == [LOCALSTACK_IP]
    runtime = doc["result"]["runtime"]
    assert (runtime["kind"], runtime["namespace"]) == ("kubernetes", "default")


def test_kubernetes_service_in_another_namespace(network: Network) -> None:
    """`cache` lives in namespace tools; the pod is in default: the short name cannot work."""
    code, doc, _ = network.doctor("cache", resolv=K8S, SVC_CACHE_HOST="cache", CACHE_PORT="6379")
    assert code == 1
    resolve = steps(doc, "CACHE")[1]
    assert resolve["status"] == "fail"
    assert "namespace 'default'" in resolve["detail"]
    assert "cache.NAMESPACE.svc.cluster.local" in (resolve["fix"] or "")
    # Once pointed at the FQDN (as the fix says), the chain goes through.
    code, doc, _ = network.doctor(
        "cache", resolv=K8S, SVC_CACHE_HOST="cache.tools.svc.cluster.local", CACHE_PORT="6379"
    )
    assert code == 0
    assert steps(doc, "CACHE")[1]["data"]["addresses"] == [REDIS_IP]
