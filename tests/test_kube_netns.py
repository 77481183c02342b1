"""`doctor` in a pod whose Service has no ready endpoints: kube-proxy's own rules, in a namespace.

The network namespace plays a pod and its node: the cluster DNS (dnsmasq on 10.96.0.10)
answers ``localstack.default.svc.cluster.local`` with the ClusterIP 10.96.0.50, the pod's
resolv.conf has the search list and ``ndots:5``, and the kubelet's variables for Service
``localstack`` are in the environment. Behind the ClusterIP, iptables holds what kube-proxy
(iptables mode, pkg/proxy/iptables/proxier.go) writes for each state of the Service:

- ready endpoints: nat ``KUBE-SERVICES`` -> ``KUBE-SVC-...`` -> ``KUBE-SEP-...`` DNAT to the
  pod (10.244.0.7, where a real HTTP server listens);
- no endpoints: filter ``KUBE-SERVICES ... "has no endpoints" -j REJECT`` (ICMP
  port-unreachable: the connect is refused at once);
- internalTrafficPolicy Local and no endpoint on this node: ``-j DROP`` (the connect hangs).

The ClusterIP and the pod's address live on the namespace's loopback, so nothing leaves it;
rules and addresses go with the namespace. Needs root; CI runs it as root.
"""

from __future__ import annotations

import base64
import hashlib
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
from tests.support import dns
from tests.support.kubelet import POD_ENV, kubelet_links

CLUSTER_IP = "10.96.0.50"
POD_IP = "10.244.0.7"
GONE_IP = "10.96.0.60"
PORT = 4566
K8S = "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
HOSTS = "127.0.0.1 localhost\n"
RECORDS = [f"--host-record=localstack.default.svc.cluster.local,{CLUSTER_IP}"]
SERVICE_PORT = "default/localstack:edge"


#: The kubelet's variables for Service localstack, with LOCALSTACK_PORT set in the pod spec:
#: the kubelet's own LOCALSTACK_PORT=tcp://... would stop the config step first (the clash).
LINKED = {**POD_ENV, **kubelet_links("localstack", CLUSTER_IP, PORT), "LOCALSTACK_PORT": str(PORT)}


# ---- kube-proxy's rules ------------------------------------------------------------------------


def _hash(text: str) -> str:
    """kube-proxy's chain suffix: base32 of sha256, 16 characters (portProtoHash)."""
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


SVC_CHAIN = f"KUBE-SVC-{_hash(SERVICE_PORT + 'tcp')}"
JUMPS = {
    "filter": '-A OUTPUT -m comment --comment "kubernetes service portals" -m conntrack --ctstate NEW -j KUBE-SERVICES',
    "nat": '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
}


def _tables(filter_rules: list[str], nat_chains: list[str], nat_rules: list[str]) -> str:
    return "\n".join(
        [
            "*filter",
            ":KUBE-SERVICES - [0:0]",
            JUMPS["filter"],
            *filter_rules,
            "COMMIT",
            "*nat",
            ":KUBE-SERVICES - [0:0]",
            *(f":{c} - [0:0]" for c in nat_chains),
            JUMPS["nat"],
            *nat_rules,
            "COMMIT",
            "",
        ]
    )


def with_endpoint(target_port: int) -> str:
    """A ready pod behind the Service, its targetPort ``target_port``."""
    endpoint = f"{POD_IP}:{target_port}"
    sep = f"KUBE-SEP-{_hash(SERVICE_PORT + 'tcp' + endpoint)}"
    match = f"-m tcp -p tcp -d {CLUSTER_IP} --dport {PORT}"
    return _tables(
        [],
        [SVC_CHAIN, sep],
        [
            f'-A KUBE-SERVICES -m comment --comment "{SERVICE_PORT} cluster IP" {match} -j {SVC_CHAIN}',
            f'-A {SVC_CHAIN} -m comment --comment "{SERVICE_PORT} -> {endpoint}" -j {sep}',
            f"-A {sep} -m comment --comment {SERVICE_PORT} -m tcp -p tcp -j DNAT --to-destination {endpoint}",
        ],
    )


def without_endpoints(target: str = "REJECT", comment: str = "has no endpoints") -> str:
    match = f"-m tcp -p tcp -d {CLUSTER_IP} --dport {PORT}"
    return _tables([f'-A KUBE-SERVICES -m comment --comment "{SERVICE_PORT} {comment}" {match} -j {target}'], [], [])


EMPTY = _tables([], [], [])


@dataclass
class Pod:
    ns: dns.Netns
    dnsmasq: dns.Dnsmasq
    tmp: Path

    def iptables(self, rules: str) -> None:
        """Replace the namespace's filter and nat tables, as iptables-restore does for kube-proxy."""
        out = subprocess.run(
            [*self.ns.prefix, "iptables-restore"], input=rules, capture_output=True, text=True, check=False
        )
        assert out.returncode == 0, out.stderr

    def hits(self, target: str) -> int:
        """Packets the KUBE-SERVICES rule ending in ``-j TARGET`` has seen."""
        saved = subprocess.run([*self.ns.prefix, "iptables-save", "-c"], capture_output=True, text=True, check=True)
        found = re.search(rf"^\[(\d+):\d+\] -A KUBE-SERVICES .* -j {target}\b", saved.stdout, re.MULTILINE)
        assert found, saved.stdout
        return int(found.group(1))

    def run(self, command: str, *args: str, **env: str) -> tuple[int, dict[str, Any], str]:
        full_env = cli_env(AWS_EC2_METADATA_DISABLED="true", **env)
        return dns.run_cli_json(self.ns, self.tmp, [command, *args], resolv=K8S, hosts=HOSTS, env=full_env)


class Listener:
    """A real HTTP server in the namespace (the pod behind the Service), stopped by PID."""

    def __init__(self, prefix: list[str], address: str, port: int) -> None:
        argv = [*prefix, sys.executable, "-u", "-m", "http.server", "--bind", address, str(port)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        if "Serving HTTP" not in line:
            self.stop()
            raise RuntimeError(f"http.server did not start: {line!r}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture(scope="module")
def pod() -> Iterator[Pod]:
    need(os.geteuid() == 0, "network namespaces need root (CI runs these as root)")
    need(dns.dnsmasq_path() is not None, "dnsmasq is not installed (Debian package dnsmasq-base)")
    need(dns.ip_path() is not None, "ip is not installed (Debian package iproute2)")
    need(shutil.which("iptables-restore") is not None, "iptables is not installed (Debian package iptables)")
    tmp = Path(tempfile.mkdtemp(prefix="fd-kube-ns-"))
    ns = dns.Netns.create(["10.96.0.10", CLUSTER_IP, POD_IP])
    listener = None
    try:
        dnsmasq = dns.start_dnsmasq(RECORDS, log=tmp / "dnsmasq.log", listen=["10.96.0.10"], prefix=ns.prefix)
        ns.started.append(dnsmasq)
        listener = Listener(ns.prefix, POD_IP, PORT)
        yield Pod(ns, dnsmasq, tmp)
    finally:
        if listener is not None:
            listener.stop()
        ns.close()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def proxy(pod: Pod) -> Iterator[Pod]:
    """The pod, its kube-proxy rules emptied again after the test, pass or fail."""
    try:
        yield pod
    finally:
        pod.iptables(EMPTY)


def steps(doc: dict[str, Any], name: str = "LOCALSTACK") -> list[dict[str, Any]]:
    return next(s["steps"] for s in doc["result"]["services"] if s["name"] == name)


ENDPOINTS = "kubectl get endpointslices -l kubernetes.io/service-name=localstack -n default"


def test_a_service_with_a_ready_endpoint_connects(proxy: Pod) -> None:
    """The control: with kube-proxy's DNAT to a ready pod, the same ClusterIP connects."""
    proxy.iptables(with_endpoint(PORT))
    code, doc, _ = proxy.run("doctor", "localstack", "--timeout", "5", **LINKED)
    connect = steps(doc)[2]
    assert connect["status"] == "pass", json.dumps(doc["result"], indent=1)
    assert connect["detail"] == f"{CLUSTER_IP} port {PORT}"
    # http.server is no emulator: the protocol step fails, as it should.
    assert (steps(doc)[3]["status"], code) == ("fail", 1)


def test_no_ready_endpoints_refused_at_once_names_the_service_and_what_to_check(proxy: Pod) -> None:
    proxy.iptables(without_endpoints())
    code, doc, err = proxy.run("doctor", "localstack", "--timeout", "5", **LINKED)
    assert code == 4
    connect = steps(doc)[2]
    assert connect["status"] == "fail"
    assert connect["detail"] == (
        f"{CLUSTER_IP}:{PORT} refused the connection: {CLUSTER_IP} is the ClusterIP of Service localstack "
        f"(LOCALSTACK_SERVICE_HOST={CLUSTER_IP}), and kube-proxy refuses a Service without ready endpoints (no "
        "pod matches its selector, or none is ready); a targetPort the pod does not listen on is refused too"
    )
    assert "nothing listens" not in connect["detail"]
    fix = connect["fix"]
    assert fix.startswith(f"See its endpoints: {ENDPOINTS}; ")
    assert "kubectl get svc localstack -n default -o jsonpath='{.spec.selector}'" in fix
    assert "kubectl get pods -n default --show-labels" in fix
    assert "kubectl describe pod POD -n default says why one is not ready" in fix
    assert "kubectl get svc localstack -n default -o jsonpath='{.spec.ports}'" in fix
    assert "targetPort" in fix and "containerPort" in fix
    assert connect["data"]["kubernetes"] == {
        "cause": "no-endpoints",
        "address": CLUSTER_IP,
        "service": "localstack",
        "namespace": "default",
        "likely": False,
        "ports": [PORT],
        "variable": "LOCALSTACK_SERVICE_HOST",
    }
    # ICMP port-unreachable from the REJECT: refused at once, not after a timeout.
    assert connect["elapsed_ms"] < 1000
    assert proxy.hits("REJECT") >= 1
    assert [s["status"] for s in steps(doc)[3:]] == ["skip", "skip"]
    assert "localstack fails at connect" in err


def test_a_target_port_nobody_listens_on_is_refused_by_the_pod(proxy: Pod) -> None:
    """Ready endpoints, but targetPort 8080 where the pod listens on 4566: the pod itself refuses."""
    proxy.iptables(with_endpoint(8080))
    code, doc, _ = proxy.run("doctor", "localstack", "--timeout", "5", **LINKED)
    assert code == 4
    connect = steps(doc)[2]
    assert connect["data"]["kubernetes"]["cause"] == "no-endpoints"
    assert "a targetPort the pod does not listen on is refused too" in connect["detail"]
    assert "the Service's targetPort" in connect["fix"] and "must be the pod's containerPort" in connect["fix"]


def test_internal_traffic_policy_local_without_a_local_endpoint_hangs_and_says_why(proxy: Pod) -> None:
    proxy.iptables(without_endpoints("DROP", "has no local endpoints"))
    code, doc, err = proxy.run("doctor", "localstack", "--timeout", "3", **LINKED)
    assert code == 4
    connect = steps(doc)[2]
    assert connect["status"] == "fail"
    assert connect["detail"] == (
        f"connecting to {CLUSTER_IP}:{PORT} timed out after 3s: {CLUSTER_IP} is the ClusterIP of Service "
        f"localstack (LOCALSTACK_SERVICE_HOST={CLUSTER_IP}), and kube-proxy drops connections to a Service with "
        "internalTrafficPolicy: Local and no ready endpoint on this node (a NetworkPolicy, or a pod that never "
        "answers, looks the same)"
    )
    assert connect["fix"] == (
        "See which endpoints are ready, and on which node: kubectl describe endpointslices "
        "-l kubernetes.io/service-name=localstack -n default; the Service's policy: kubectl get svc localstack "
        "-n default -o jsonpath='{.spec.internalTrafficPolicy}'; and what may block it: "
        "kubectl get networkpolicy -n default"
    )
    assert connect["data"]["kubernetes"]["cause"] == "no-local-endpoints"
    assert proxy.hits("DROP") >= 1
    assert "localstack fails at connect" in err


def test_without_service_links_the_search_list_and_the_range_name_the_service(proxy: Pod) -> None:
    """enableServiceLinks: false leaves only KUBERNETES_SERVICE_HOST: the name and the range still tell."""
    proxy.iptables(without_endpoints())
    code, doc, _ = proxy.run("doctor", "localstack", **POD_ENV, LOCALSTACK_PORT=str(PORT))
    assert code == 4
    connect = steps(doc)[2]
    assert connect["detail"].startswith(
        f"{CLUSTER_IP}:{PORT} refused the connection: {CLUSTER_IP} is the ClusterIP of Service localstack (the "
        "pod's search list makes localstack localstack.default.svc.cluster.local, and 10.96.0.50 is in "
        "10.96.0.0/16, the range KUBERNETES_SERVICE_HOST=10.96.0.1 suggests), and kube-proxy refuses"
    )
    assert connect["fix"].startswith(f"See its endpoints: {ENDPOINTS}; ")
    assert connect["data"]["kubernetes"]["variable"] is None


def test_an_address_in_the_service_range_is_only_likely_a_cluster_ip(proxy: Pod) -> None:
    proxy.iptables(without_endpoints())
    code, doc, _ = proxy.run(
        "doctor", "localstack", **POD_ENV, SVC_LOCALSTACK_HOST=CLUSTER_IP, LOCALSTACK_PORT=str(PORT)
    )
    assert code == 4
    connect = steps(doc)[2]
    assert (
        f"refused the connection: {CLUSTER_IP} is likely a ClusterIP ({CLUSTER_IP} is in 10.96.0.0/16, "
        "the range KUBERNETES_SERVICE_HOST=10.96.0.1 suggests: a guess)"
    ) in connect["detail"]
    assert connect["fix"].startswith(
        f"Find the Service: kubectl get svc -A -o wide | grep -w {CLUSTER_IP}; then See its endpoints: "
        "kubectl get endpointslices -l kubernetes.io/service-name=NAME -n default"
    )
    assert connect["data"]["kubernetes"]["likely"] is True


def test_a_port_the_service_does_not_serve(proxy: Pod) -> None:
    """nftables mode rejects any other port of a ClusterIP ("Reject traffic to invalid ports")."""
    comment = '"Reject traffic to invalid ports of ClusterIPs"'
    invalid = f"-A KUBE-SERVICES -m comment --comment {comment} -d {CLUSTER_IP}/32 -p tcp -j REJECT"
    proxy.iptables(_tables([invalid], [], []))
    code, doc, _ = proxy.run("doctor", "localstack", **{**LINKED, "LOCALSTACK_PORT": "4567"})
    assert code == 4
    connect = steps(doc)[2]
    assert connect["detail"] == (
        f"{CLUSTER_IP}:4567 refused the connection: {CLUSTER_IP} is the ClusterIP of Service localstack "
        f"(LOCALSTACK_SERVICE_HOST={CLUSTER_IP}), but port 4567 is not one of its ports (4566): kube-proxy "
        "refuses such connections in nftables mode and drops them in iptables mode"
    )
    assert connect["fix"].startswith("Set LOCALSTACK_PORT=4566, the port Service localstack serves")
    assert connect["data"]["kubernetes"]["cause"] == "port-not-served"


def test_the_kubelets_own_localstack_port_still_stops_the_config_step(proxy: Pod) -> None:
    """The clash: LOCALSTACK_PORT=tcp://... is the registry's port and the kubelet's link variable."""
    proxy.iptables(without_endpoints())
    env = {**POD_ENV, **kubelet_links("localstack", CLUSTER_IP, PORT)}
    code, doc, _ = proxy.run("doctor", "localstack", **env)
    assert code == 3
    config = steps(doc)[0]
    assert config["status"] == "fail"
    assert f"LOCALSTACK_PORT='tcp://{CLUSTER_IP}:{PORT}' was injected by Kubernetes" in config["detail"]
    assert [s["status"] for s in steps(doc)[1:]] == ["skip"] * 4


GONE_ENV = {**POD_ENV, **kubelet_links("queue", GONE_IP, 5672), "SVC_QUEUE_HOST": "queue", "QUEUE_PORT": "5672"}
GONE_CAUSE = (
    f"Kubernetes injected QUEUE_SERVICE_HOST={GONE_IP} when this pod started, so Service queue existed then, "
    "but the cluster DNS says queue.default.svc.cluster.local does not exist: the Service was deleted since, "
    "or replaced by a headless one (clusterIP: None) with no ready pods"
)
GONE_FIX = (
    "Check it: kubectl get svc queue -n default; if it is gone, recreate it and restart this pod (its variables "
    f"keep the old ClusterIP {GONE_IP}); if it is headless, see its pods' readiness: "
    "kubectl get endpointslices -l kubernetes.io/service-name=queue -n default"
)


def test_nxdomain_for_a_service_whose_variables_exist_says_it_is_gone(pod: Pod) -> None:
    mark = pod.dnsmasq.mark()
    code, doc, _ = pod.run("doctor", "queue", **GONE_ENV)
    assert code == 1
    resolve = steps(doc, "QUEUE")[1]
    assert resolve["status"] == "fail"
    assert GONE_CAUSE in resolve["detail"]
    assert resolve["fix"] == GONE_FIX
    # The cluster DNS was asked, and said NXDOMAIN for every name of the search list.
    assert ("A", "queue.default.svc.cluster.local") in pod.dnsmasq.queries(mark)
    code, doc, _ = pod.run("resolve", "queue", **GONE_ENV)
    assert code == 1
    assert (doc["result"]["verdict"]["cause"], doc["result"]["verdict"]["fix"]) == (GONE_CAUSE, GONE_FIX)


def test_nxdomain_without_variables_may_be_a_headless_service(pod: Pod) -> None:
    code, doc, _ = pod.run("doctor", "postgres", **LINKED)
    assert code == 1
    detail = steps(doc, "POSTGRES")[1]["detail"]
    assert "POSTGRES_SERVICE_HOST is not set: there was no Service postgres in this namespace" in detail
    assert "a headless one (clusterIP: None) never has" in detail
