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
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import cli_env, need
from tests.support import dns, emulators
from tests.support.kubelet import POD_ENV, kubelet_links
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

    def doctor(self, *args: str, resolv: str, hosts: str = HOSTS, **env: str) -> tuple[int, dict[str, Any], str]:
        full_env = cli_env(AWS_EC2_METADATA_DISABLED="true", **env)
        return dns.run_cli_json(
            self.ns, self.tmp, ["doctor", *args], resolv=resolv, hosts=hosts, env=full_env, timeout=120
        )


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


# ---- Kubernetes service links and near misses (issue 13) -------------------------------------------


def test_kubernetes_service_link_in_localstack_port_is_named_with_the_fix(network: Network) -> None:
    """A Service named localstack sets LOCALSTACK_PORT=tcp://...: the seed's int() would crash."""
    env = {**POD_ENV, **kubelet_links("localstack", LOCALSTACK_IP, 4566)}
    code, doc, err = network.doctor("localstack", resolv=K8S, **env)
    assert code == 3
    config = steps(doc, "LOCALSTACK")[0]
    assert config["status"] == "fail"
    assert (
        f"LOCALSTACK_PORT='tcp://{LOCALSTACK_IP}:4566' was injected by Kubernetes for Service localstack"
        in (config["detail"])
    )
    assert "`int(os.getenv('LOCALSTACK_PORT'))` crashes" in config["detail"]
    assert "enableServiceLinks: false" in config["fix"] and 'value: "4566"' in config["fix"]
    assert "injected by Kubernetes" in err
    # The fix: the pod spec sets LOCALSTACK_PORT explicitly (explicit env wins); the chain passes.
    code, doc, _ = network.doctor("localstack", resolv=K8S, **{**env, "LOCALSTACK_PORT": "4566"})
    assert code == 0, json.dumps(doc["result"], indent=1)


def test_kubernetes_nxdomain_for_a_service_whose_variables_exist_says_it_is_gone(network: Network) -> None:
    """The cluster DNS says NXDOMAIN for localstack-api, but the kubelet injected its variables when the pod
    started: the Service existed then and is gone now (a DNS that does not answer is tests/test_resolve_netns.py's)."""
    env = {**POD_ENV, **kubelet_links("localstack-api", "10.96.7.7", 4566), "LOCALSTACK_PORT": "4566"}
    code, doc, _ = network.doctor("localstack", resolv=K8S, SVC_LOCALSTACK_HOST="localstack-api", **env)
    assert code == 1
    resolve = steps(doc, "LOCALSTACK")[1]
    assert resolve["status"] == "fail"
    assert (
        "Kubernetes injected LOCALSTACK_API_SERVICE_HOST=10.96.7.7 when this pod started, so Service localstack-api "
        "existed then, but the cluster DNS says localstack-api.default.svc.cluster.local does not exist"
    ) in resolve["detail"]
    assert "the problem is DNS" not in resolve["detail"]
    assert resolve["fix"].startswith("Check it: kubectl get svc localstack-api -n default; if it is gone")


def test_kubernetes_registry_port_that_differs_from_the_service_port(network: Network) -> None:
    env = {**POD_ENV, **kubelet_links("localstack", LOCALSTACK_IP, 4566), "LOCALSTACK_PORT": "4567"}
    code, doc, err = network.doctor("localstack", resolv=K8S, **env)
    config = steps(doc, "LOCALSTACK")[0]
    assert config["status"] == "warn"
    assert (
        "Service localstack serves port 4566 (LOCALSTACK_SERVICE_PORT=4566), but the registry uses port 4567"
        in (config["detail"])
    )
    assert code == 4  # and nothing listens on 4567: the connect step says so, with a fix
    connect = steps(doc, "LOCALSTACK")[2]
    assert connect["status"] == "fail"
    assert connect["fix"].startswith("Set LOCALSTACK_PORT=4566, the port Service localstack serves")
    assert any("serves port 4566" in w for w in doc["warnings"])
    assert "Set LOCALSTACK_PORT=4566" in err


def test_kubernetes_no_service_variables_is_weak_evidence(network: Network) -> None:
    env = {**POD_ENV, **kubelet_links("localstack", LOCALSTACK_IP, 4566), "LOCALSTACK_PORT": "4566"}
    code, doc, _ = network.doctor("postgres", resolv=K8S, **env)
    assert code == 1
    resolve = steps(doc, "POSTGRES")[1]
    assert "no Service postgres in this namespace when this pod started" in resolve["detail"]
    assert "weak evidence" in resolve["detail"]


def test_near_miss_host_names_the_name_meant(network: Network) -> None:
    code, doc, _ = network.doctor("localstack", resolv=COMPOSE, SVC_LOCALSTACK_HOST="localstak")
    assert code == 1
    resolve = steps(doc, "LOCALSTACK")[1]
    assert (
        "localstak looks like a typo of localstack (the registry's default host for localstack)" in (resolve["detail"])
    )
    assert resolve["fix"] == "If you meant localstack, set SVC_LOCALSTACK_HOST=localstack"


def test_hosts_file_entry_overriding_dns_with_an_address_that_does_not_answer(network: Network) -> None:
    """/etc/hosts sends localstack to the redis container's address, where nothing listens on 4566."""
    hosts = f"{HOSTS}{REDIS_IP} localstack\n"
    code, doc, err = network.doctor("localstack", resolv=COMPOSE, hosts=hosts)
    assert code == 4
    connect = steps(doc, "LOCALSTACK")[2]
    assert connect["status"] == "fail"
    assert f"{REDIS_IP} comes from an entry for localstack in /etc/hosts, which overrides DNS" in connect["detail"]
    assert f"DNS gives {LOCALSTACK_IP}" in connect["detail"]
    assert "extra_hosts" in connect["fix"] and "hostAliases" in connect["fix"]
    assert "comes from an entry for localstack in /etc/hosts" in err


def test_hosts_file_entry_overriding_dns_with_an_address_whose_connects_hang(network: Network) -> None:
    """The same, but the wrong address has a port whose backlog is full: the connect times out.

    The connect uses up the deadline, so DNS is not asked for its answer: the hosts file
    alone still says where the address came from, and the message says what was not asked."""
    helper = dns.start_helper("never_accepting", REDIS_IP, 4566, prefix=network.ns.prefix)
    try:
        hosts = f"{HOSTS}{REDIS_IP} localstack\n"
        code, doc, err = network.doctor("localstack", "--timeout", "6", resolv=COMPOSE, hosts=hosts)
    finally:
        helper.stop()
    assert code == 4
    connect = steps(doc, "LOCALSTACK")[2]
    assert connect["status"] == "fail"
    assert connect["detail"].startswith(f"connecting to {REDIS_IP}:4566 timed out after 6s: "), connect["detail"]
    assert (
        f"{REDIS_IP} comes from an entry for localstack in /etc/hosts, which overrides DNS "
        "(DNS was not asked: no time was left)"
    ) in connect["detail"]
    assert "extra_hosts" in connect["fix"] and "hostAliases" in connect["fix"]
    assert "comes from an entry for localstack in /etc/hosts" in err


def test_search_list_that_misses_lists_the_names_tried(network: Network) -> None:
    code, doc, _ = network.doctor("cache", resolv=K8S, SVC_CACHE_HOST="cache", CACHE_PORT="6379")
    assert code == 1
    detail = steps(doc, "CACHE")[1]["detail"]
    assert "cache.default.svc.cluster.local" in detail and "namespace 'default'" in detail


def test_environment_and_unread_variables_are_warned_about(network: Network) -> None:
    code, doc, err = network.doctor(
        "redis", resolv=COMPOSE, ENVIRONMENT="Development", REDIS_HOST="redis", AWS_REGION="eu-west1"
    )
    assert code == 0, json.dumps(doc["result"], indent=1)
    check = doc["result"]["environment_check"]
    assert (check["app"], check["tool"], check["likely"]) == ("production", "development", "development")
    warnings = doc["warnings"]
    assert any("ENVIRONMENT='Development'" in w and "runs as production" in w for w in warnings)
    assert any(w.startswith("REDIS_HOST is never read: the registry reads SVC_REDIS_HOST") for w in warnings)
    assert "AWS_REGION='eu-west1' is not shaped like an AWS region; did you mean eu-west-1?" in warnings
    assert doc["result"]["environment_warnings"] == warnings
    assert err == ""  # with --json, warnings live in the envelope
