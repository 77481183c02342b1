"""The route one client takes to one URL, and where the two clients part.

``route_for(url, env, client)`` is the entry: ``botocore`` for AWS calls, ``httpx`` for
our checks and the application's HTTP clients. ``compare`` says where the two differ.
"""

from __future__ import annotations

from collections.abc import Mapping

from foundry_discover.checks.proxy import environ, httpx_rules, urllib_rules
from foundry_discover.checks.proxy.model import Client, Comparison, Route


def route_for(url: str, env: Mapping[str, str], client: Client) -> Route:
    """The route ``client`` takes to ``url`` with these variables."""
    settings = environ.read(env)
    if client == "botocore":
        return urllib_rules.decide(url, settings)
    return httpx_rules.decide(url, settings)


def compare(url: str, env: Mapping[str, str]) -> Comparison:
    """Both routes, and where they part: one through a proxy and the other direct, or each
    through another proxy, or an entry one honours and the other ignores."""
    boto = route_for(url, env, "botocore")
    hx = route_for(url, env, "httpx")
    differences: list[str] = []
    if hx.error and not boto.error:
        differences.append(f"httpx cannot start with these settings ({hx.error}); botocore can")
    elif boto.via_proxy != hx.via_proxy:
        through, direct = (boto, hx) if boto.via_proxy else (hx, boto)
        why = f" ({direct.no_proxy_variable} entry {direct.bypassed_by!r})" if direct.bypassed_by else ""
        differences.append(f"{through.client} goes through {through.proxy_text}, {direct.client} direct{why}")
    elif boto.via_proxy and boto.proxy != hx.proxy:
        differences.append(f"botocore goes through {boto.proxy_text}, httpx through {hx.proxy_text}")
    return Comparison(url, boto, hx, differences)
