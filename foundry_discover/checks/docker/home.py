"""The verdict for a target that leads back here: inside a container, loopback is the container itself.

``checks.loopback`` says how the host leads home (a loopback literal or name, a hosts-file
line, DNS); this words the cause and the one fix, naming the service to use instead: the
container the Docker API found for it, else the registry's default name. doctor gets it
through ``verdicts.diagnose``; ``health`` through ``home_error``, on its failure path only.
"""

from __future__ import annotations

from foundry_discover.checks.docker.facts import Container
from foundry_discover.checks.loopback import LOCALSTACK_LOOPBACK, HomeRoute, is_home_name
from foundry_discover.lite.errors import FoundryError, UnreachableError
from foundry_discover.lite.registry import Service


def home_words(
    service: Service,
    them: Container | None,
    default_host: str | None,
    route: HomeRoute | None = None,
    *,
    pod: bool = False,
) -> tuple[str, str]:
    """The cause and the fix for ``service`` leading back into this container (``pod``: this pod)."""
    where = "a pod" if pod else "a container"
    itself = "the pod itself (its containers share one network)" if pod else "the container itself"
    if route is None or route.how == "name":
        cause = f"inside {where}, {service.host} is {itself}, not the host nor another service"
    else:
        cause = f"{route.leads()}: inside {where}, that is {itself}, not the host nor another service"
    if them is not None:
        name = them.service or them.name
        port = service.port
        if not any(p.container_port == port for p in them.ports):
            published = them.published_as(port)
            port = published.container_port if published else port
        cause = f"{cause}; {service.name.lower()} runs in {them.label}"
        if route is not None and route.how == "hosts" and name == service.host:
            return cause, _remove_line(route)
        return cause, f"Set {service.host_env}={name} {service.port_env}={port}"
    if route is not None and route.how == "hosts":
        return cause, _remove_line(route)
    known = default_host if default_host and not is_home_name(default_host) else None
    if pod:
        example = f" (e.g. {known})" if known else ""
        return (
            cause,
            f"Set {service.host_env} to the name of the Service in front of it{example} and "
            f"{service.port_env} to its port",
        )
    example = f" (the built-in default is {known})" if known else ""
    fix = (
        f"Set {service.host_env} to the service's name on the Docker network{example} and "
        f"{service.port_env} to its container port"
    )
    if service.host.rstrip(".").lower() == LOCALSTACK_LOOPBACK:
        fix += f"; {LOCALSTACK_LOOPBACK} reaches LocalStack from the host only, through its published port"
    return cause, fix


def _remove_line(route: HomeRoute) -> str:
    line = f"the line {route.line!r}" if route.line else f"the {route.host} line"
    return (
        f"Remove {line} from /etc/hosts (Compose: extra_hosts; Kubernetes: hostAliases; or the image's own "
        f"/etc/hosts), so {route.host} resolves to the service through DNS"
    )


def home_error(service: Service, error: FoundryError, default_host: str | None) -> UnreachableError | None:
    """``health``'s connect failure, named as this container itself when the host leads back here.

    Only on the failure path (it reads where this runs, and resolves the host once more), so a
    passing healthcheck pays nothing for it.
    """
    # lite.net.connect words its failures so: refused, timed out, failed.
    if not isinstance(error, UnreachableError) or not (
        "refused the connection" in error.message or error.message.startswith("connecting to ")
    ):
        return None
    from foundry_discover.checks.dns.model import HOSTS
    from foundry_discover.checks.loopback import home_route
    from foundry_discover.checks.runtime import detect
    from foundry_discover.lite import bounded, net

    runtime = detect()
    if runtime.kind not in ("container", "kubernetes"):
        return None
    try:
        addresses = net.addresses_of(service.host, service.port, 1.0)
    except (OSError, UnicodeError, bounded.Late):
        addresses = []
    try:
        hosts: str | None = HOSTS.read_text(errors="replace")
    except OSError:
        hosts = None
    route = home_route(service.host, addresses, hosts)
    if route is None:
        return None
    cause, fix = home_words(service, None, default_host, route, pod=runtime.kind == "kubernetes")
    return UnreachableError(f"{error.message}; {cause}", fix=fix)
