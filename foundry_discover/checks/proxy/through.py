"""One GET along the application's route: through the proxy its client would use.

The proxy is given explicitly (``trust_env=False``): the route was decided by the rules
of the application's client (botocore's for the emulator's AWS endpoint, httpx's for an
http service), and nothing else from the environment (``.netrc``, ``SSL_CERT_FILE``)
may change what this one request does. An http URL goes to the proxy in absolute form,
an https one through a ``CONNECT`` tunnel: what urllib3 and httpx do.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from foundry_discover.checks.proxy import environ
from foundry_discover.checks.proxy.model import Route
from foundry_discover.checks.proxy.replies import evidence, from_proxy, httpx_failure, proxy_reply
from foundry_discover.lite.errors import FoundryError, UnreachableError
from foundry_discover.util.waiting import Deadline


@dataclass(frozen=True)
class Along:
    """What came back along the route."""

    url: str
    status: int
    #: ``Server: ..., Via: ...``: who answered.
    shown: str
    elapsed_ms: float


def proxy_with_credentials(route: Route, env: Mapping[str, str]) -> str:
    """The proxy URL as the client uses it, user and password included (never shown)."""
    found = next((s for s in environ.read(env).settings.values() if s.variable == route.variable), None)
    value = found.value if found is not None else str(route.proxy)
    if route.client == "botocore":
        from foundry_discover.checks.proxy.urllib_rules import proxy_url

        return proxy_url(value)
    return value if "://" in value else f"http://{value}"


def get_along(url: str, route: Route, env: Mapping[str, str], deadline: Deadline, *, what: str) -> Along:
    """GET ``url`` through the route's proxy; the proxy's own refusals raise, named as the proxy's."""
    import httpx

    started = time.perf_counter()
    left = max(deadline.remaining(), 0.001)
    try:
        proxy = proxy_with_credentials(route, env)
        with httpx.Client(proxy=proxy, trust_env=False, timeout=left) as client, client.stream("GET", url) as response:
            status, headers = response.status_code, dict(response.headers)
    except httpx.HTTPError as exc:
        found = httpx_failure(exc, route, what, deadline.seconds)
        raise found or UnreachableError(f"GET {url} through proxy {route.proxy_text} failed") from None
    shown = evidence(headers)
    if from_proxy(status, headers):
        raise proxy_reply(route, what, status, shown=shown)
    return Along(url, status, shown, (time.perf_counter() - started) * 1000)


def differs(route: Route, what: str, along: Along, direct_status: int | None) -> FoundryError | None:
    """A reply along the route that is an error where the direct one was not: the proxy's doing."""
    if along.status < 400 or (direct_status is not None and direct_status >= 400):
        return None
    return proxy_reply(route, what, along.status, shown=along.shown)
