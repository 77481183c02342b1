"""What ``health`` says about the application's route: its own check goes direct, the
application's client may not.

``health`` stays a direct check (it runs as a healthcheck, and says whether the service
is up); when the application's client would go through a proxy, or could not start with
the proxy settings, or trusts a CA bundle that cannot work, a warning says so and names
the command that checks that route.
"""

from __future__ import annotations

from collections.abc import Mapping

from foundry_discover.checks.proxy.environ import proxy_set
from foundry_discover.checks.proxy.model import Client, Route
from foundry_discover.lite.errors import suggest

#: Variables that decide a CA bundle: without any of them no client reads a custom one.
CA_VARIABLES = ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


def client_of(name: str) -> Client:
    """The emulator is reached through botocore (AWS calls); every other service through an HTTP client."""
    return "botocore" if name.upper() == "LOCALSTACK" else "httpx"


def who(client: Client) -> str:
    return (
        "the application's AWS calls (botocore)" if client == "botocore" else "the application's HTTP clients (httpx)"
    )


def findings(url: str, name: str, env: Mapping[str, str]) -> tuple[Route | None, list[str]]:
    """The application's route to ``url`` when a proxy variable is set, and the warnings for ``health``."""
    client = client_of(name)
    warnings: list[str] = []
    route: Route | None = None
    if proxy_set(env):
        from foundry_discover.checks.proxy.route import route_for

        route = route_for(url, env, client)
        doctor = f"`{suggest(f'doctor {name.lower()}')}` checks that route"
        if route.error is not None:
            warnings.append(f"{who(client)} cannot start with these proxy settings: {route.error}")
        elif route.via_proxy:
            warnings.append(
                f"{who(client)} to {url} go through proxy {route.proxy_text}, while this check went direct; {doctor}"
            )
    if url.startswith("https:") and any(v in env for v in CA_VARIABLES):
        from foundry_discover.checks.proxy.cabundle import botocore_bundles, httpx_bundles

        bundles = botocore_bundles(url, env) if client == "botocore" else httpx_bundles(url, env)
        problem = bundles.warning(name.lower())
        if problem:
            warnings.append(f"{problem}. {bundles.fix()}")
    return route, warnings
