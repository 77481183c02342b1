"""`resolve` as a container sees it: a network namespace with its own resolv.conf and hosts.

The namespace has a veth with an IPv4 address (as a container does), dnsmasq on the
addresses a Compose network (127.0.0.11) and a Kubernetes cluster (10.96.0.10) use, a
silent socket (10.96.0.20) and an address with nothing listening (10.96.0.30). The CLI
runs inside with its resolv.conf and hosts bind-mounted for that one command, so both
getaddrinfo (glibc) and our trace use them, and dnsmasq's query log shows, in order,
what each asked: glibc's names first, then ours, which must be the same walk.

Needs root (ip netns, mount); CI runs as root, elsewhere these skip with the reason.
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
from tests.support import dns

COMPOSE = "nameserver 127.0.0.11\noptions ndots:0\n"
K8S = "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
SILENT = "nameserver 10.96.0.20\noptions timeout:1 attempts:1\n"
CLOSED = "nameserver 10.96.0.30\n"
HOSTS = "127.0.0.1 localhost\n::1 localhost\n"
SERVFAIL_PORT = 5399

RECORDS = [
    "--host-record=localstack,172.18.0.5",
    "--host-record=disagree,172.18.0.9",
    "--host-record=v6only,fd00::5",
    "--host-record=localstack.default.svc.cluster.local,10.96.12.34",
    "--srv-host=_http._tcp.localstack.default.svc.cluster.local,localstack.default.svc.cluster.local,4566",
    "--host-record=minio.tools.svc.cluster.local,10.96.20.5",
    "--host-record=api.example.test,192.0.2.10",
    f"--server=/broken.test/127.0.0.1#{SERVFAIL_PORT}",
]


@dataclass
class Pod:
    ns: dns.Netns
    dnsmasq: dns.Dnsmasq
    tmp: Path

    def resolve(
        self, *args: str, resolv: str, hosts: str = HOSTS, **env: str
    ) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        """Run `resolve ... --json` in the namespace; return exit code, JSON and dnsmasq's log."""
        resolv_file, hosts_file = self.tmp / "resolv.conf", self.tmp / "hosts"
        resolv_file.write_text(resolv)
        hosts_file.write_text(hosts)
        mark = self.dnsmasq.mark()
        argv = [sys.executable, "-m", "foundry_discover", "resolve", *args, "--json"]
        out = self.ns.run(resolv_file, hosts_file, argv, cli_env(**env))
        assert out.stdout, out.stderr
        doc = json.loads(out.stdout)
        assert doc["exit_code"] == out.returncode
        return out.returncode, doc, self.dnsmasq.queries(mark)


@pytest.fixture(scope="module")
def pod() -> Iterator[Pod]:
    need(os.geteuid() == 0, "network namespaces need root (CI runs these as root)")
    need(dns.dnsmasq_path() is not None, "dnsmasq is not installed (Debian package dnsmasq-base)")
    need(dns.ip_path() is not None, "ip is not installed (Debian package iproute2)")
    tmp = Path(tempfile.mkdtemp(prefix="fd-resolve-ns-"))
    ns = dns.Netns.create(["127.0.0.11", "10.96.0.10", "10.96.0.20", "10.96.0.30"])
    try:
        ns.started.append(dns.start_helper("servfail", "127.0.0.1", SERVFAIL_PORT, prefix=ns.prefix))
        ns.started.append(dns.start_helper("silent", "10.96.0.20", 53, prefix=ns.prefix))
        listen = ["127.0.0.11", "10.96.0.10"]
        dnsmasq = dns.start_dnsmasq(RECORDS, log=tmp / "dnsmasq.log", listen=listen, prefix=ns.prefix)
        ns.started.append(dnsmasq)
        yield Pod(ns, dnsmasq, tmp)
    finally:
        ns.close()
        shutil.rmtree(tmp, ignore_errors=True)


def names(log: list[tuple[str, str]]) -> list[str]:
    """Names in the order first asked."""
    return list(dict.fromkeys(name for _, name in log))


def asked(doc: dict[str, Any]) -> list[str]:
    return [c["name"] for c in doc["result"]["candidates"] if c["status"] != "not_asked"]


def test_compose_service_resolves_through_docker_dns(pod: Pod) -> None:
    code, doc, log = pod.resolve("localstack", resolv=COMPOSE)
    assert code == 0
    result = doc["result"]
    assert result["app"]["addresses"] == ["172.18.0.5"] and result["app"]["source"] == "dns"
    assert result["verdict"]["kind"] == "dns"
    # glibc asked A and AAAA, then our trace asked the same, in order.
    assert log[-2:] == [("A", "localstack"), ("AAAA", "localstack")]
    assert sorted(log[:-2]) == [("A", "localstack"), ("AAAA", "localstack")]


def test_compose_unknown_name_points_at_the_network(pod: Pod) -> None:
    code, doc, _ = pod.resolve("nosuch", resolv=COMPOSE)
    assert code == 1
    verdict = doc["result"]["verdict"]
    assert verdict["kind"] == "docker-unknown-name"
    assert "same user-defined network" in verdict["cause"] and "networks:" in verdict["fix"]
    assert "Name or service not known" in doc["result"]["app"]["error"]


def test_kubernetes_short_name_resolves_through_the_search_list(pod: Pod) -> None:
    code, doc, log = pod.resolve("localstack", resolv=K8S)
    assert code == 0
    result = doc["result"]
    assert result["app"]["addresses"] == ["10.96.12.34"]
    assert asked(doc) == ["localstack.default.svc.cluster.local"]
    assert "through the search domain" in result["verdict"]["summary"]
    assert names(log) == ["localstack.default.svc.cluster.local"]  # glibc and we asked only this name
    assert log[-2:] == [("A", "localstack.default.svc.cluster.local"), ("AAAA", "localstack.default.svc.cluster.local")]


def test_kubernetes_srv_record(pod: Pod) -> None:
    name = "_http._tcp.localstack.default.svc.cluster.local"
    code, doc, log = pod.resolve(name, "--type", "SRV", resolv=K8S)
    assert code == 0
    assert doc["result"]["app"]["checked"] is False  # SRV is not getaddrinfo's
    records = doc["result"]["candidates"][0]["queries"][0]["records"]
    assert records == [{"type": "SRV", "value": "0 0 4566 localstack.default.svc.cluster.local."}]
    assert log == [("SRV", name)]  # 5 dots >= ndots:5: tried as given first


def test_name_in_another_namespace(pod: Pod) -> None:
    code, doc, log = pod.resolve("minio", resolv=K8S)
    assert code == 1
    walk = ["minio.default.svc.cluster.local", "minio.svc.cluster.local", "minio.cluster.local", "minio"]
    assert asked(doc) == walk
    assert names(log) == walk  # glibc's order, and then ours, is the same walk
    assert [name for _, name in log[-8:]][::2] == walk
    verdict = doc["result"]["verdict"]
    assert verdict["kind"] == "kubernetes-not-found"
    assert "namespace 'default'" in verdict["cause"]
    assert "minio.NAMESPACE.svc.cluster.local" in verdict["fix"]


def test_name_dot_namespace_resolves_through_svc_search_domain(pod: Pod) -> None:
    code, doc, log = pod.resolve("minio.tools", resolv=K8S)
    assert code == 0
    assert doc["result"]["app"]["addresses"] == ["10.96.20.5"]
    assert asked(doc) == ["minio.tools.default.svc.cluster.local", "minio.tools.svc.cluster.local"]
    assert names(log) == asked(doc)


def test_external_name_is_slow_with_ndots_5(pod: Pod) -> None:
    code, doc, log = pod.resolve("api.example.test", resolv=K8S)
    assert code == 0
    assert doc["result"]["app"]["addresses"] == ["192.0.2.10"]
    assert names(log)[-1] == "api.example.test" and len(names(log)) == 4
    assert any("ndots:5" in n and "api.example.test." in n for n in doc["result"]["verdict"]["notes"])


def test_name_only_in_the_hosts_file(pod: Pod) -> None:
    code, doc, log = pod.resolve("legacy-db", resolv=COMPOSE, hosts=HOSTS + "10.1.1.1 legacy-db\n")
    assert code == 0
    result = doc["result"]
    assert result["app"]["addresses"] == ["10.1.1.1"] and result["app"]["source"] == "hosts file"
    assert result["verdict"]["kind"] == "hosts-file"
    assert "DNS does not know legacy-db" in result["verdict"]["notes"][0]
    assert log == [("A", "legacy-db"), ("AAAA", "legacy-db")]  # only our trace: glibc stopped at the file


def test_hosts_file_and_dns_disagree(pod: Pod) -> None:
    code, doc, _ = pod.resolve("disagree", resolv=COMPOSE, hosts=HOSTS + "10.1.1.1 disagree\n")
    assert code == 0
    assert doc["result"]["app"]["addresses"] == ["10.1.1.1"]
    assert "disagree: DNS gives 172.18.0.9" in doc["result"]["verdict"]["notes"][0]


def test_silent_nameserver(pod: Pod) -> None:
    code, doc, log = pod.resolve("localstack", "--timeout", "3", resolv=SILENT)
    assert code == 4
    verdict = doc["result"]["verdict"]
    assert verdict["kind"] == "silent-nameserver"
    assert "10.96.0.20 did not reply" in verdict["summary"]
    assert doc["error"]["type"] == "unreachable"
    assert log == []  # dnsmasq never heard of it


def test_closed_port(pod: Pod) -> None:
    code, doc, _ = pod.resolve("localstack", resolv=CLOSED)
    assert code == 4
    assert doc["result"]["verdict"]["kind"] == "port-closed"
    assert doc["result"]["candidates"][0]["queries"][0]["status"] == "port_closed"


def test_servfail_from_the_zone_server(pod: Pod) -> None:
    code, doc, log = pod.resolve("db.broken.test", resolv=COMPOSE)
    assert code == 4
    assert doc["result"]["verdict"]["kind"] == "servfail"
    assert ("A", "db.broken.test") in log
    assert "forwarded db.broken.test to 127.0.0.1#5399" in pod.dnsmasq.log.read_text()


def test_nxdomain_everywhere(pod: Pod) -> None:
    code, doc, log = pod.resolve("nosuch", resolv="search corp.test\nnameserver 10.96.0.10\n")
    assert code == 1
    assert doc["result"]["verdict"]["kind"] == "nxdomain"
    assert asked(doc) == ["nosuch.corp.test", "nosuch"]
    assert names(log) == ["nosuch.corp.test", "nosuch"]


def test_ipv6_only_answer(pod: Pod) -> None:
    code, doc, _ = pod.resolve("v6only", resolv=COMPOSE)
    assert code == 0
    assert doc["result"]["app"]["addresses"] == ["fd00::5"]
    queries = doc["result"]["candidates"][0]["queries"]
    assert [(q["type"], q["status"]) for q in queries] == [("A", "nodata"), ("AAAA", "answer")]


def test_localdomain_and_res_options_apply_to_app_and_trace(pod: Pod) -> None:
    env = {"LOCALDOMAIN": "default.svc.cluster.local", "RES_OPTIONS": "ndots:1"}
    code, doc, log = pod.resolve("localstack", resolv="nameserver 10.96.0.10\n", **env)
    assert code == 0
    assert doc["result"]["app"]["addresses"] == ["10.96.12.34"]  # glibc applied LOCALDOMAIN too
    assert doc["result"]["resolver"]["sources"]["search"] == "LOCALDOMAIN"
    assert names(log) == ["localstack.default.svc.cluster.local"]


# ---- Kubernetes service links, near misses, and doctor carrying these causes (issue 13) --------

#: What a kubelet injects into every pod for the `kubernetes` Service.
POD_ENV = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
#: ... and for a Service named localstack with one TCP port (pkg/kubelet/envvars).
LOCALSTACK_LINKS = {
    "LOCALSTACK_SERVICE_HOST": "10.96.12.34",
    "LOCALSTACK_SERVICE_PORT": "4566",
    "LOCALSTACK_PORT": "tcp://10.96.12.34:4566",
    "LOCALSTACK_PORT_4566_TCP": "tcp://10.96.12.34:4566",
    "LOCALSTACK_PORT_4566_TCP_PROTO": "tcp",
    "LOCALSTACK_PORT_4566_TCP_PORT": "4566",
    "LOCALSTACK_PORT_4566_TCP_ADDR": "10.96.12.34",
}


def run_doctor(pod: Pod, *args: str, resolv: str, **env: str) -> tuple[int, dict[str, Any]]:
    full_env = cli_env(AWS_EC2_METADATA_DISABLED="true", **env)
    code, doc, _ = dns.run_cli_json(pod.ns, pod.tmp, ["doctor", *args], resolv=resolv, hosts=HOSTS, env=full_env)
    return code, doc


def test_resolve_names_a_near_miss_of_a_registry_host(pod: Pod) -> None:
    code, doc, _ = pod.resolve("localstak", resolv=COMPOSE)
    assert code == 1
    verdict = doc["result"]["verdict"]
    assert verdict["cause"] == "localstak looks like a typo of localstack (the registry's default host for localstack)"
    assert verdict["fix"] == "If you meant localstack, use localstack"


def test_resolve_in_a_pod_with_service_links_but_none_for_the_name(pod: Pod) -> None:
    code, doc, _ = pod.resolve("postgres", resolv=K8S, **{**POD_ENV, **LOCALSTACK_LINKS, "LOCALSTACK_PORT": "4566"})
    assert code == 1
    notes = doc["result"]["verdict"]["notes"]
    assert any("POSTGRES_SERVICE_HOST is not set: there was no Service postgres in this namespace" in n for n in notes)


def test_resolve_failure_for_a_linked_service_blames_dns(pod: Pod) -> None:
    """The Service exists (its variables are here) but the nameserver is silent: DNS is the problem."""
    code, doc, _ = pod.resolve(
        "localstack", "--timeout", "2", resolv=SILENT, **{**POD_ENV, **LOCALSTACK_LINKS, "LOCALSTACK_PORT": "4566"}
    )
    assert code == 4
    verdict = doc["result"]["verdict"]
    assert verdict["cause"].startswith("Kubernetes injected LOCALSTACK_SERVICE_HOST=10.96.12.34")
    assert "the problem is DNS" in verdict["cause"] and "kube-dns" in verdict["fix"]


def test_resolve_port_differs_from_the_service_port(pod: Pod) -> None:
    code, doc, _ = pod.resolve("localstack", resolv=K8S, **{**POD_ENV, **LOCALSTACK_LINKS, "LOCALSTACK_PORT": "4510"})
    assert code == 0
    assert (
        "Service localstack serves port 4566 (LOCALSTACK_SERVICE_PORT=4566), but the registry uses port 4510 "
        "(from env LOCALSTACK_PORT)"
    ) in doc["result"]["verdict"]["notes"]


def test_doctor_names_the_silent_nameserver_and_how_long_the_application_waits(pod: Pod) -> None:
    code, doc = run_doctor(pod, "localstack", "--timeout", "4", resolv=SILENT)
    assert code == 4
    service = doc["result"]["services"][0]
    resolve = service["steps"][1]
    assert resolve["status"] == "fail"
    assert "no nameserver answered: 10.96.0.20 did not reply within 2 s" in resolve["detail"]
    assert "the application waits up to 1 s x 1 attempts" in resolve["detail"]
    assert resolve["fix"]
