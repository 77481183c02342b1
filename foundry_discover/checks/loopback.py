"""Addresses that lead back to where this runs: inside a container, loopback is the container itself.

What decides is the address a name *resolves* to, not its spelling. ``localhost.localstack.cloud``
(LocalStack's documentation) is 127.0.0.1 by public DNS; a hosts-file line (Compose
``extra_hosts``, Kubernetes ``hostAliases``, an image's own /etc/hosts) can send ``localstack``
to 127.0.0.1; ``::1``, ``127.0.0.2`` and ``::ffff:127.0.0.1`` are loopback too, and Linux
connects the unspecified ``0.0.0.0`` and ``::`` to the local host. Inside a container every one
of them is this container (inside a pod, this pod: its containers share one network), never
another service's.

Pure functions over the host, the addresses getaddrinfo gave it and the hosts file's text.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

from foundry_discover.checks.dns.conf import hosts_file_addresses

#: Names that are loopback wherever they resolve (their hosts-file lines are the standard ones).
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
#: LocalStack's public name for 127.0.0.1: from the host it reaches the published port 4566.
LOCALSTACK_LOOPBACK = "localhost.localstack.cloud"

How = Literal["literal", "name", "hosts", "dns"]


def is_home_address(text: str) -> bool:
    """Loopback (127.0.0.0/8, ::1, their IPv4-mapped form) or unspecified (0.0.0.0, ::)."""
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0].strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback or ip.ipv4_mapped.is_unspecified
    return ip.is_loopback or ip.is_unspecified


def is_home_name(host: str) -> bool:
    """A host that leads home by its spelling alone: a loopback literal or name, LocalStack's, ``*.localhost``."""
    name = host.rstrip(".").lower()
    return (
        is_home_address(name)
        or name in LOOPBACK_NAMES
        or name == LOCALSTACK_LOOPBACK
        or name.endswith(".localhost")  # RFC 6761: loopback by definition
    )


@dataclass(frozen=True)
class HomeRoute:
    """How ``host`` leads back here: the addresses, and what gave them."""

    host: str
    addresses: tuple[str, ...]
    how: How
    #: For ``hosts``: the /etc/hosts line that maps the name, as written.
    line: str | None = None

    @property
    def name_is_right(self) -> bool:
        """The name is a service's own; only the hosts file sends it home."""
        return self.how == "hosts"

    def leads(self) -> str:
        """How the host gets there, for a cause: ``x resolves to 127.0.0.1 (DNS)``."""
        addrs = ", ".join(self.addresses)
        if self.how == "literal":
            if self.addresses and not ipaddress.ip_address(self.addresses[0]).is_unspecified:
                return f"{self.host} is a loopback address"
            return f"{self.host} is the unspecified address, which Linux connects to the local host"
        if self.how == "name":
            return self.host
        if self.how == "hosts":
            return f"{self.host} resolves to {addrs} by the line {self.line!r} in /etc/hosts"
        ours = self.host.rstrip(".").lower() == LOCALSTACK_LOOPBACK
        docs = " (LocalStack's public name for 127.0.0.1)" if ours else ""
        return f"{self.host} resolves to {addrs} by DNS{docs}"


def home_route(host: str, addresses: list[str] | tuple[str, ...], hosts_text: str | None) -> HomeRoute | None:
    """How ``host`` leads back to this machine, container or pod; None when it leads elsewhere.

    ``addresses`` are getaddrinfo's for it (none when resolving failed or was not reached).
    """
    found = tuple(addresses)
    if is_home_address(host):
        return HomeRoute(host, (host.strip("[]"),), "literal")
    if host.rstrip(".").lower() in LOOPBACK_NAMES:
        return HomeRoute(host, found, "name")
    if not found or not all(is_home_address(a) for a in found):
        return None
    listed = hosts_file_addresses(hosts_text, host)
    if listed and set(found) <= set(listed):
        return HomeRoute(host, found, "hosts", _hosts_line(hosts_text or "", host))
    return HomeRoute(host, found, "dns")


def _hosts_line(text: str, host: str) -> str | None:
    wanted = host.rstrip(".").lower()
    for raw in text.splitlines():
        words = raw.split("#", 1)[0].split()
        if len(words) >= 2 and any(w.lower() == wanted for w in words[1:]) and is_home_address(words[0]):
            return raw.strip()
    return None
