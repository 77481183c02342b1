"""Kubernetes service links, ENVIRONMENT, unread variables and regions, over mappings.

The variable shapes are the kubelet's (kubernetes pkg/kubelet/envvars: FromServices and
makeLinkVariables); ``kubelet_env`` below builds them the same way for any Service.
"""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foundry_discover.checks import envcheck, environment
from foundry_discover.lite.errors import ConfigError
from foundry_discover.registry import Registry, parse_service_link


def kubelet_env(service: str, cluster_ip: str, ports: list[tuple[int, str, str]]) -> dict[str, str]:
    """The variables a kubelet injects for one Service: ports are (port, protocol, name)."""
    prefix = service.upper().replace("-", "_")
    host_port = f"[{cluster_ip}]" if ":" in cluster_ip else cluster_ip
    env = {f"{prefix}_SERVICE_HOST": cluster_ip, f"{prefix}_SERVICE_PORT": str(ports[0][0])}
    for port, _, name in ports:
        if name:
            env[f"{prefix}_SERVICE_PORT_{name.upper().replace('-', '_')}"] = str(port)
    for index, (port, protocol, _) in enumerate(ports):
        url = f"{protocol.lower()}://{host_port}:{port}"
        if index == 0:
            env[f"{prefix}_PORT"] = url
        base = f"{prefix}_PORT_{port}_{protocol.upper()}"
        env.update(
            {base: url, f"{base}_PROTO": protocol.lower(), f"{base}_PORT": str(port), f"{base}_ADDR": cluster_ip}
        )
    return env


POD = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
LOCALSTACK_LINKS = kubelet_env("localstack", "10.96.0.12", [(4566, "TCP", "")])

service_names = st.from_regex(r"\A[a-z]([a-z0-9-]{0,20}[a-z0-9])?\Z")
cluster_ips = st.one_of(
    st.ip_addresses(v=4, network="10.96.0.0/12").map(str),
    st.ip_addresses(v=6, network="fd00::/108").map(str),
)
ports = st.integers(min_value=1, max_value=65535)
protocols = st.sampled_from(["TCP", "UDP", "SCTP"])


# ---- item 1: the kubelet's <SVC>_PORT where the registry wants a port ----------------------------


@given(service=service_names, ip=cluster_ips, port=ports, protocol=protocols)
def test_every_service_link_is_recognised_and_named(service: str, ip: str, port: int, protocol: str) -> None:
    env = kubelet_env(service, ip, [(port, protocol, "")])
    prefix = service.upper().replace("-", "_")
    link = parse_service_link(f"{prefix}_PORT", env[f"{prefix}_PORT"])
    assert link is not None
    assert (link.service, link.protocol, ipaddress.ip_address(link.address), link.port) == (
        service,
        protocol.lower(),
        ipaddress.ip_address(ip),
        port,
    )
    registry = Registry.from_mapping({**env, f"SVC_{prefix}_HOST": service})
    with pytest.raises(ConfigError) as caught:
        registry.get(service)
    message, fix = caught.value.message, caught.value.fix or ""
    assert f"injected by Kubernetes for Service {service}" in message
    assert f"`int(os.getenv('{prefix}_PORT'))` crashes" in message
    assert f'value: "{port}"' in fix and "enableServiceLinks: false" in fix
    assert caught.value.exit_code == 3


@given(value=st.text(max_size=30))
def test_only_the_link_shape_is_taken_for_a_service_link(value: str) -> None:
    link = parse_service_link("REDIS_PORT", value)
    if link is not None:
        assert value.strip().startswith(f"{link.protocol}://")
        assert value.strip().endswith(f":{link.port}")


def test_seed_variables_under_a_service_link_crash_for_redis_too() -> None:
    env = kubelet_env("redis", "10.96.0.13", [(6379, "TCP", "redis")])
    with pytest.raises(ConfigError, match="injected by Kubernetes for Service redis"):
        Registry.from_mapping(env).get("redis")
    # The seed's attribute API raises the same explanation, where the seed's int() would crash.
    with pytest.raises(ConfigError, match=r"`int\(os.getenv\('REDIS_PORT'\)\)` crashes"):
        _ = Registry.from_mapping(env).REDIS_PORT
    # Explicit env wins in a pod spec: with REDIS_PORT set, the registry is fine.
    assert Registry.from_mapping({**env, "REDIS_PORT": "6379"}).get("redis").port == 6379


def test_a_plain_bad_port_keeps_its_plain_message() -> None:
    with pytest.raises(ConfigError, match="is not a port number") as caught:
        Registry.from_mapping({"LOCALSTACK_PORT": "http://localstack:4566"}).get("localstack")
    assert "Kubernetes" not in str(caught.value)


# ---- item 2: service links as evidence -----------------------------------------------------------


@given(service=service_names, ip=cluster_ips, port=ports, other=ports)
def test_linked_services_read_back_what_the_kubelet_wrote(service: str, ip: str, port: int, other: int) -> None:
    env = {**POD, **kubelet_env(service, ip, [(port, "TCP", ""), (other, "UDP", "metrics")])}
    prefix = service.upper().replace("-", "_")
    linked = envcheck.linked_services(env)[prefix]
    assert (linked.service, linked.cluster_ip, linked.port) == (service, ip, port)
    assert set(linked.ports) == {port, other}


def test_dns_failure_for_a_service_with_links_blames_dns() -> None:
    env = {**POD, **LOCALSTACK_LINKS}
    found = envcheck.link_evidence("localstack", 4566, env, namespace="default", dns_failed=True)
    assert [e.kind for e in found] == ["service-exists"]
    assert "LOCALSTACK_SERVICE_HOST=10.96.0.12" in found[0].message and "the problem is DNS" in found[0].message
    # The same for the namespace-qualified names of this namespace, and nothing for another namespace.
    for host in ("localstack.default", "localstack.default.svc.cluster.local"):
        assert envcheck.link_evidence(host, 4566, env, namespace="default", dns_failed=True)
    assert envcheck.link_evidence("localstack.tools.svc.cluster.local", 4566, env, namespace="default") == []


def test_port_that_differs_from_the_service_port() -> None:
    env = {**POD, **LOCALSTACK_LINKS}
    found = envcheck.link_evidence("localstack", 4567, env, port_from="env LOCALSTACK_PORT")
    assert [e.kind for e in found] == ["port-differs"]
    assert found[0].message == (
        "Service localstack serves port 4566 (LOCALSTACK_SERVICE_PORT=4566), "
        "but the registry uses port 4567 (from env LOCALSTACK_PORT)"
    )
    assert envcheck.link_evidence("localstack", 4566, env) == []


def test_no_variables_in_a_pod_with_service_links_on_is_weak_evidence_of_no_service() -> None:
    env = {**POD, **LOCALSTACK_LINKS}
    found = envcheck.link_evidence("postgres", 5432, env, dns_failed=True)
    assert [e.kind for e in found] == ["no-service"]
    assert "no Service postgres in this namespace when this pod started" in found[0].message
    assert "weak evidence" in found[0].message
    # Only `kubernetes` has variables: service links may be off, so silence says nothing.
    assert envcheck.link_evidence("postgres", 5432, POD, dns_failed=True) == []
    # Outside a pod there is no evidence either way.
    assert envcheck.link_evidence("postgres", 5432, LOCALSTACK_LINKS, dns_failed=True) == []


# ---- item 3: ENVIRONMENT as the application reads it ----------------------------------------------


@pytest.mark.parametrize(
    ("value", "app", "tool", "likely"),
    [
        ("development", "development", "development", None),
        ("dev", "development", "development", None),
        ("local", "development", "development", None),
        ("production", "production", "production", None),
        ("Development", "production", "development", "development"),
        ("dev ", "production", "development", "dev"),
        ("developement", "production", "production", "development"),
        ("prod", "production", "production", "production"),
        ("test", "production", "production", None),
        ("staging", "production", "production", None),
    ],
)
def test_environment_as_the_application_reads_it(value: str, app: str, tool: str, likely: str | None) -> None:
    meaning = environment.environment_meaning({"ENVIRONMENT": value})
    assert (meaning.app, meaning.tool, meaning.likely) == (app, tool, likely)
    assert (meaning.warning is None) == (value in environment.STANDARD_ENVIRONMENTS)
    if meaning.warning:
        assert "runs as production" in meaning.warning
        assert ("did you mean" in meaning.warning) == (likely is not None)
        assert ("treat it as development" in meaning.warning) == (tool == "development")


@given(value=st.text(min_size=1, max_size=20))
def test_the_application_is_in_development_only_for_three_exact_values(value: str) -> None:
    meaning = environment.environment_meaning({"ENVIRONMENT": value})
    assert (meaning.app == "development") == (value in ("development", "dev", "local"))
    assert (meaning.warning is None) == (value in ("development", "dev", "local", "production"))


def test_unset_environment_is_not_warned_about() -> None:
    meaning = environment.environment_meaning({})
    assert (meaning.app, meaning.tool, meaning.warning) == (None, "development", None)


# ---- item 4: variables nothing reads ------------------------------------------------------------


def test_unread_variables_name_the_variable_the_registry_reads() -> None:
    env = {
        "SVC_LOCALSTACK_PORT": "4566",
        "LOCALSTACK_HOST": "localstack:4566",
        "LOCALSTACK_ENDPOINT": "http://localstack:4566",
        "REDIS_URL": "redis://redis:6379",
        "REDIS_HOST": "redis",
        "svc_localstack_host": "localstack",
        "localstack_port": "4566",
        "environment": "dev",
        "DB_HOST": "postgres",  # not a registry name: not ours to judge
    }
    found = {f.variable: f for f in envcheck.unread_variables(env, ["LOCALSTACK", "REDIS"])}
    assert set(found) == {
        "SVC_LOCALSTACK_PORT",
        "LOCALSTACK_HOST",
        "LOCALSTACK_ENDPOINT",
        "REDIS_URL",
        "REDIS_HOST",
        "svc_localstack_host",
        "localstack_port",
        "environment",
    }
    assert found["SVC_LOCALSTACK_PORT"].reads == "LOCALSTACK_PORT"
    assert "LocalStack's own setting" in found["LOCALSTACK_HOST"].message
    assert 'the seed\'s "before" pattern' in found["LOCALSTACK_ENDPOINT"].message
    assert found["REDIS_HOST"].reads == "SVC_REDIS_HOST"
    assert found["svc_localstack_host"].reads == "SVC_LOCALSTACK_HOST"
    assert found["environment"].reads == "ENVIRONMENT"


@given(service=service_names, ip=cluster_ips, port=ports)
def test_injected_variables_are_never_called_unread(service: str, ip: str, port: int) -> None:
    env = {**POD, **kubelet_env(service, ip, [(port, "TCP", "http")])}
    assert envcheck.unread_variables(env, ["LOCALSTACK", "REDIS", service.upper().replace("-", "_")]) == []


# ---- regions and near misses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("us-east-1", None),
        ("eu-west1", "not shaped like an AWS region; did you mean eu-west-1?"),
        ("us-east-1a", "not shaped like an AWS region; did you mean us-east-1?"),
        ("useast", "not shaped like an AWS region (e.g. us-east-1)"),
        ("eu-wset-1", "not a region botocore knows; did you mean eu-west-1?"),
    ],
)
def test_region_warnings(region: str, expected: str | None) -> None:
    message = envcheck.region_warning(region, "AWS_REGION", envcheck.botocore_regions())
    if expected is None:
        assert message is None
    else:
        assert message == f"AWS_REGION={region!r} is {expected}"


def test_every_botocore_region_has_a_regions_shape() -> None:
    known = envcheck.botocore_regions()
    assert "us-east-1" in known
    assert [r for r in known if envcheck.region_warning(r, "AWS_REGION", known)] == []


def test_near_miss_of_a_known_name() -> None:
    known = envcheck.known_hosts(
        {**POD, **kubelet_env("minio", "10.96.0.20", [(9000, "TCP", "")])},
        {"localstack": "the registry's host for localstack"},
    )
    assert envcheck.near_miss("localstak", known) == ("localstack", "the registry's host for localstack")
    assert envcheck.near_miss("mino", known) == ("minio", "Service minio (MINIO_SERVICE_HOST)")
    assert envcheck.near_miss("localstack", known) is None
    assert envcheck.near_miss("postgres", known) is None
