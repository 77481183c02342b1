"""checks/kube: which addresses are ClusterIPs, which names are Services, and what a failed connect means.

Pure logic over the environment and resolver files, tested with hypothesis over Service,
namespace and cluster-domain names; the connect classifier against the errors a real
refused and a real hung connect raise. The whole path, kube-proxy's rules included, is
tests/test_kube_netns.py.
"""

from __future__ import annotations

import socket

from hypothesis import given
from hypothesis import strategies as st

from foundry_discover.checks import kube
from foundry_discover.checks.dns.conf import candidate_names
from foundry_discover.checks.dns.inputs import Inputs
from foundry_discover.checks.envcheck import LinkedService
from foundry_discover.checks.httpget import fetch
from foundry_discover.lite.base import Deadline
from foundry_discover.lite.errors import UnreachableError
from foundry_discover.lite.net import connect
from tests.support.faulty import never_accepting
from tests.support.kubelet import POD_ENV

labels = st.from_regex(r"\A[a-z]([a-z0-9-]{0,12}[a-z0-9])?\Z")
domains = st.lists(labels.filter(lambda s: s != "svc"), min_size=1, max_size=3).map(".".join)


def view(
    namespace: str = "default",
    cluster: str = "cluster.local",
    env: dict[str, str] | None = None,
    hosts: str = "",
    ndots: int = 5,
) -> kube.PodView:
    resolv = f"search {namespace}.svc.{cluster} svc.{cluster} {cluster}\nnameserver 10.96.0.10\noptions ndots:{ndots}\n"
    nsswitch = "hosts: files dns\n"
    return kube.PodView.read(POD_ENV if env is None else env, inputs=Inputs(resolv, hosts, nsswitch, {}, "pod-1"))


# ---- the pod's view ----------------------------------------------------------------------------


def test_the_view_reads_namespace_and_cluster_domain_from_the_search_list() -> None:
    found = view("shop", "k8s.example")
    assert (found.namespace, found.cluster_domain, found.ndots) == ("shop", "k8s.example", 5)
    assert found.files_first and found.in_cluster
    outside = kube.PodView.read({}, inputs=Inputs("nameserver 10.0.0.2\n", "", "", {}, "laptop"))
    assert not outside.in_cluster


# ---- names -------------------------------------------------------------------------------------


@given(service=labels, pod_ns=labels, cluster=domains)
def test_a_short_name_is_the_pods_namespaces_service_surely(service: str, pod_ns: str, cluster: str) -> None:
    found = kube.service_name(service, view(pod_ns, cluster))
    assert found == kube.ServiceName(service, pod_ns, f"{service}.{pod_ns}.svc.{cluster}", True, True)
    # The name claimed is the first one glibc asks.
    assert found.fqdn == candidate_names(service, list(view(pod_ns, cluster).search), 5)[0]


@given(service=labels, namespace=labels, pod_ns=labels, cluster=domains)
def test_name_dot_namespace_is_that_namespaces_service_but_not_surely(
    service: str, namespace: str, pod_ns: str, cluster: str
) -> None:
    """``db.prod`` asks ``db.prod.POD.svc.<cluster>`` first, then ``db.prod.svc.<cluster>``: an outside
    ``db.prod`` comes later, so the Service answered, unless it does not exist and the outside name does."""
    found = kube.service_name(f"{service}.{namespace}", view(pod_ns, cluster))
    assert found == kube.ServiceName(service, namespace, f"{service}.{namespace}.svc.{cluster}", True, False)


@given(service=labels, namespace=labels, pod_ns=labels, cluster=domains, dot=st.booleans())
def test_a_name_written_in_full_is_that_service(
    service: str, namespace: str, pod_ns: str, cluster: str, dot: bool
) -> None:
    host = f"{service}.{namespace}.svc.{cluster}" + ("." if dot else "")
    assert kube.service_name(host.upper(), view(pod_ns, cluster)) == kube.ServiceName(
        service, namespace, host.rstrip("."), False, True
    )


def test_names_that_are_not_services() -> None:
    pod = view()
    assert kube.service_name("10.96.0.50", pod) is None
    assert kube.service_name("localstack.", pod) is None  # exactly that name: not under the cluster domain
    # A pod's name under a headless Service is not a Service's name.
    assert kube.service_name("web-0.web.default.svc.cluster.local", pod) is None
    # With ndots:1, api.example.com is asked as it is first, outside the cluster.
    assert kube.service_name("api.example.com", view(ndots=1)) is None
    # The hosts file (first in nsswitch.conf) gives the name: it is not the cluster DNS's.
    assert kube.service_name("localstack", view(hosts="10.0.0.9 localstack\n")) is None
    # No cluster search list: nothing to say.
    laptop = kube.PodView.read(POD_ENV, inputs=Inputs("nameserver 10.0.0.2\n", "", "", {}, "laptop"))
    assert kube.service_name("localstack.default.svc.cluster.local", laptop) is None


# ---- addresses ---------------------------------------------------------------------------------


def test_the_service_range_is_a_guess_from_kubernetes_service_host() -> None:
    assert str(kube.service_range(POD_ENV)) == "10.96.0.0/16"
    assert str(kube.service_range({"KUBERNETES_SERVICE_HOST": "fd00:10:96::1"})) == "fd00:10:96::/112"
    assert kube.service_range({"KUBERNETES_SERVICE_HOST": "kubernetes.default"}) is None
    assert kube.service_range({}) is None


LINKS = {
    **POD_ENV,
    "QUEUE_SERVICE_HOST": "10.96.0.60",
    "QUEUE_SERVICE_PORT": "5672",
    "QUEUE_PORT_5672_TCP": "tcp://10.96.0.60:5672",
}


def test_an_injected_service_host_is_certain_and_names_the_service() -> None:
    # Whatever the host is called (an IP, another name), the address is Service queue's.
    found = kube.cluster_ip("10.96.0.60", "10.96.0.60", view(env=LINKS))
    assert found == kube.ClusterIp(
        "10.96.0.60",
        "queue",
        "default",
        "10.96.0.60 is the ClusterIP of Service queue (QUEUE_SERVICE_HOST=10.96.0.60)",
        False,
        (5672,),
        "QUEUE_SERVICE_HOST",
    )


def test_a_service_name_with_an_address_in_the_range_is_its_cluster_ip() -> None:
    found = kube.cluster_ip("queue", "10.96.3.4", view())
    assert found is not None and (found.service, found.namespace, found.likely) == ("queue", "default", False)
    assert found.text == (
        "10.96.3.4 is the ClusterIP of Service queue (the pod's search list makes queue "
        "queue.default.svc.cluster.local, and 10.96.3.4 is in 10.96.0.0/16, the range "
        "KUBERNETES_SERVICE_HOST=10.96.0.1 suggests)"
    )


def test_a_service_name_outside_the_range_may_be_a_headless_services_pod() -> None:
    found = kube.cluster_ip("queue.tools.svc.cluster.local", "10.244.1.7", view())
    assert found is not None and (found.service, found.namespace, found.likely) == ("queue", "tools", True)
    assert found.text == (
        "10.244.1.7 is Service queue's address (queue.tools.svc.cluster.local is a Service name): its ClusterIP, "
        "or a pod's own address if the Service is headless"
    )
    # Not surely the Service (db.prod could be an outside name), and outside the range: nothing claimed.
    assert kube.cluster_ip("db.prod", "203.0.113.5", view()) is None


def test_only_the_range_is_likely() -> None:
    found = kube.cluster_ip("10.96.0.50", "10.96.0.50", view())
    assert found is not None and (found.service, found.likely) == (None, True)
    assert found.text.endswith("the range KUBERNETES_SERVICE_HOST=10.96.0.1 suggests: a guess)")
    assert kube.cluster_ip("10.97.0.50", "10.97.0.50", view()) is None


def test_outside_a_cluster_no_address_is_a_cluster_ip() -> None:
    laptop = kube.PodView.read({}, inputs=Inputs("nameserver 10.0.0.2\n", "", "", {}, "laptop"))
    assert kube.cluster_ip("localstack", "10.96.0.50", laptop) is None


# ---- a failed connect --------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_classifier_knows_a_real_refused_connect() -> None:
    port = _closed_port()
    try:
        connect("127.0.0.1", port, Deadline.after(2))
    except UnreachableError as exc:
        assert kube.connect_how(exc.message) == "refused"
    else:
        raise AssertionError("the connect to a closed port succeeded")
    try:
        fetch(f"http://127.0.0.1:{port}/", Deadline.after(2))
    except UnreachableError as exc:
        assert kube.connect_how(exc.message) == "refused"
    else:
        raise AssertionError("the GET to a closed port succeeded")


def test_the_classifier_knows_a_real_hung_connect() -> None:
    with never_accepting() as port:
        try:
            connect("127.0.0.1", port, Deadline.after(0.5))
        except UnreachableError as exc:
            assert kube.connect_how(exc.message) == "timeout"
        else:
            raise AssertionError("the connect to a full backlog succeeded")


def test_other_failures_are_not_kube_proxys() -> None:
    assert kube.connect_how("connecting to 10.96.0.50:4566 failed (No route to host)") is None
    refused = "10.96.0.50:4566 refused the connection: nothing listens on port 4566"
    laptop = kube.PodView.read({}, inputs=Inputs("nameserver 10.0.0.2\n", "", "", {}, "laptop"))
    assert kube.connect_failure("localstack", 4566, "10.96.0.50", refused, laptop) is None


@given(port=st.integers(1, 65535).filter(lambda p: p != 5672))
def test_a_port_the_service_does_not_serve_keeps_the_steps_fix(port: int) -> None:
    message = f"10.96.0.60:{port} refused the connection: nothing listens on port {port}"
    found = kube.connect_failure("queue", port, "10.96.0.60", message, view(env=LINKS))
    assert found is not None and (found.kind, found.fix) == ("port-not-served", None)
    assert f"but port {port} is not one of its ports (5672)" in found.detail


def test_an_unknown_service_and_namespace_get_placeholders() -> None:
    pod = kube.PodView.read(POD_ENV, inputs=Inputs("nameserver 10.96.0.10\n", "", "", {}, "pod-1"))
    message = "connecting to 10.96.0.50:80 timed out after 5s"
    found = kube.connect_failure("10.96.0.50", 80, "10.96.0.50", message, pod)
    assert found is not None and found.kind == "no-local-endpoints"
    assert found.fix is not None
    assert found.fix.startswith("Find the Service: kubectl get svc -A -o wide | grep -w 10.96.0.50; then ")
    assert "kubernetes.io/service-name=NAME -n NAMESPACE" in found.fix
    assert found.detail.startswith(f"{message}: 10.96.0.50 is likely a ClusterIP")


# ---- a name that does not resolve --------------------------------------------------------------


def test_a_gone_service_names_its_old_cluster_ip_and_what_to_check() -> None:
    linked = LinkedService("queue", "QUEUE", "10.96.0.60", 5672, (5672,))
    cause, fix = kube.gone_service(linked, "QUEUE_SERVICE_HOST", "shop", "k8s.example")
    assert "the cluster DNS says queue.shop.svc.k8s.example does not exist" in cause
    assert fix.startswith("Check it: kubectl get svc queue -n shop; if it is gone, recreate it and restart")
    assert "kubernetes.io/service-name=queue -n shop" in fix
