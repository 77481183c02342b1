"""The rules behind "this container itself" and "what the application's connect does": pure logic.

The real namespaces, listeners and the application's own create_connection run in
tests/test_doctor_loopback.py; these pin each rule, and hold the address rule against the
kernel's own definition of a local address (127.0.0.0/8 routes to lo; connecting to the
unspecified address reaches the local host).
"""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foundry_discover.checks.connect_order import Attempt, app_connect
from foundry_discover.checks.docker.verdicts import diagnose
from foundry_discover.checks.loopback import HomeRoute, home_route, is_home_address, is_home_name
from foundry_discover.lite.errors import UnreachableError
from tests.test_docker_verdicts import CONTAINER, HOST, client, known, service, web

HOSTS = "127.0.0.1 localhost\n::1 localhost ip6-localhost\n127.0.1.1 mybox  # the machine's own name\n"


@given(st.integers(0, 2**32 - 1))
def test_an_ipv4_address_leads_home_exactly_in_127_8_or_when_unspecified(n: int) -> None:
    address = str(ipaddress.IPv4Address(n))
    expected = (n >> 24) == 127 or n == 0
    assert is_home_address(address) is expected
    assert is_home_address(f"::ffff:{address}") is expected  # the IPv4-mapped form, as a dual-stack socket shows it


@pytest.mark.parametrize(
    ("text", "home"),
    [("::1", True), ("[::1]", True), ("::", True), ("::2", False), ("fe80::1%lo", False), ("localhost", False)],
)
def test_ipv6_and_non_addresses(text: str, home: bool) -> None:
    assert is_home_address(text) is home


@pytest.mark.parametrize(
    ("host", "home"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("localhost.localstack.cloud", True),
        ("api.localhost", True),
        ("0.0.0.0", True),
        ("localstack", False),
        ("localhost-proxy", False),
    ],
)
def test_names_that_lead_home_by_their_spelling(host: str, home: bool) -> None:
    assert is_home_name(host) is home


def test_how_a_host_leads_home() -> None:
    assert home_route("127.0.0.2", ["127.0.0.2"], HOSTS) == HomeRoute("127.0.0.2", ("127.0.0.2",), "literal")
    assert home_route("localhost", ["::1", "127.0.0.1"], HOSTS) == HomeRoute("localhost", ("::1", "127.0.0.1"), "name")
    assert home_route("mybox", ["127.0.1.1"], HOSTS) == HomeRoute(
        "mybox", ("127.0.1.1",), "hosts", "127.0.1.1 mybox  # the machine's own name"
    )
    assert home_route("localhost.localstack.cloud", ["127.0.0.1"], HOSTS) == HomeRoute(
        "localhost.localstack.cloud", ("127.0.0.1",), "dns"
    )
    # Any address that leads elsewhere, or none at all: not home.
    assert home_route("dual", ["127.0.0.1", "172.18.0.5"], HOSTS) is None
    assert home_route("localstack", [], HOSTS) is None
    assert home_route("localstack", ["172.18.0.5"], HOSTS) is None


def test_the_route_words_each_way() -> None:
    assert HomeRoute("0.0.0.0", ("0.0.0.0",), "literal").leads() == (
        "0.0.0.0 is the unspecified address, which Linux connects to the local host"
    )
    assert HomeRoute("x.test", ("127.0.0.1", "::1"), "dns").leads() == "x.test resolves to 127.0.0.1, ::1 by DNS"
    assert (
        HomeRoute("localhost.localstack.cloud", ("127.0.0.1",), "dns")
        .leads()
        .endswith("by DNS (LocalStack's public name for 127.0.0.1)")
    )


# ---- the Docker verdict with a route -------------------------------------------------------------


def test_a_dns_route_with_the_container_known_names_its_service() -> None:
    route = HomeRoute("web.example.test", ("127.0.0.1",), "dns")
    found = known(client(), web(), host="web.example.test")
    got = diagnose(service("web.example.test"), "connect", CONTAINER, found, route=route)
    assert got is not None and got.kind == "docker-localhost"
    assert got.cause == (
        "web.example.test resolves to 127.0.0.1 by DNS: inside a container, that is the container itself, not the "
        "host nor another service; web runs in container app-web-1 (service web)"
    )
    assert got.fix == "Set SVC_WEB_HOST=web WEB_PORT=8000"


def test_a_hosts_route_for_the_services_own_name_removes_the_line() -> None:
    route = HomeRoute("web", ("127.0.0.1",), "hosts", "127.0.0.1 web")
    got = diagnose(service("web"), "connect", CONTAINER, known(client(), web()), route=route)
    assert got is not None and got.fix == (
        "Remove the line '127.0.0.1 web' from /etc/hosts (Compose: extra_hosts; Kubernetes: hostAliases; or the "
        "image's own /etc/hosts), so web resolves to the service through DNS"
    )


def test_no_route_no_verdict_and_the_host_is_never_itself() -> None:
    assert diagnose(service("web"), "connect", CONTAINER, None) is None
    route = HomeRoute("web.example.test", ("127.0.0.1",), "dns")
    assert diagnose(service("web.example.test"), "connect", HOST, None, route=route) is None
    assert diagnose(service("web.example.test"), "protocol", CONTAINER, None, route=route) is None


# ---- the application's connect, in getaddrinfo's order ------------------------------------------


def refused(address: str, ms: float = 0.2) -> Attempt:
    return Attempt(address, ms, UnreachableError(f"{address}:80 refused the connection: nothing listens on port 80"))


def hung(address: str) -> Attempt:
    return Attempt(address, 2000.0, UnreachableError(f"connecting to {address}:80 timed out after 2s"))


def test_all_or_nothing_is_not_a_question_of_order() -> None:
    assert app_connect([Attempt("::1", 0.1), Attempt("127.0.0.1", 0.1)], 80, "SVC_WEB_HOST", botocore=False) is None
    assert app_connect([refused("::1"), refused("127.0.0.1")], 80, "SVC_WEB_HOST", botocore=False) is None


def test_refusals_before_the_first_that_connects_cost_their_sum() -> None:
    got = app_connect(
        [refused("::1", 0.25), refused("fd00::5", 0.5), Attempt("127.0.0.1", 0.1)], 80, "SVC_WEB_HOST", botocore=False
    )
    assert got is not None and got.status == "warn"
    assert got.detail.endswith(
        ": ::1 refused (0.2 ms), then fd00::5 refused (0.5 ms), then 127.0.0.1 connects (0.1 ms): it falls back, at "
        "a cost of 0.8 ms per connection; the service listens on IPv4 only"
    )
    assert got.fix is not None and got.fix.endswith("or set SVC_WEB_HOST=127.0.0.1")


def test_a_hang_first_costs_the_clients_connect_timeout() -> None:
    boto = app_connect([hung("::1"), Attempt("127.0.0.1", 0.1)], 80, "SVC_LOCALSTACK_HOST", botocore=True)
    other = app_connect([hung("::1"), Attempt("127.0.0.1", 0.1)], 80, "SVC_WEB_HOST", botocore=False)
    assert boto is not None and other is not None
    assert "waits out botocore's connect_timeout (60 s unless the application's Config sets one) on it" in boto.detail
    assert "waits out its client's connect timeout on it" in other.detail
    assert "listens on" not in boto.detail  # something is there, and it hangs: not a missing family


def test_the_first_connecting_means_the_rest_are_never_tried() -> None:
    got = app_connect([Attempt("::1", 0.1), hung("127.0.0.1")], 80, "SVC_WEB_HOST", botocore=False)
    assert got is not None and (got.status, got.fix) == ("pass", None)
    assert got.detail == (
        "::1 port 80 (0.1 ms): the application's connect (Python's socket.create_connection, and urllib3's under "
        "botocore) tries getaddrinfo's addresses in order, so it connects to ::1 at once and never tries the rest"
        ": 127.0.0.1 does not answer (doctor gave up after 2.0 s)"
    )
