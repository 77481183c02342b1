"""What glibc reads before it asks anyone: resolv.conf, the hosts file, nsswitch, and the target name."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from foundry_discover.checks.dns.conf import (
    Nameserver,
)
from foundry_discover.checks.dns.model import HOSTS, NSSWITCH, RESOLV_CONF, NameTarget
from foundry_discover.lite.errors import UsageError
from foundry_discover.lite.registry import Registry
from foundry_discover.lite.values import normalize_name, validate_host

if TYPE_CHECKING:
    pass


def parse_nameserver(text: str) -> Nameserver:
    """``IP``, ``IP:PORT``, ``IPv6`` or ``[IPv6]:PORT``; UsageError naming the value otherwise."""
    raw = text.strip()
    address, port = raw, "53"
    if raw.startswith("["):
        address, _, rest = raw[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ("53" if not rest else "x")
    elif raw.count(":") == 1:
        address, _, port = raw.partition(":")
    try:
        ipaddress.ip_address(address)
        number = int(port)
        if not 1 <= number <= 65535:
            raise ValueError
    except ValueError:
        raise UsageError(
            f"--nameserver {text!r} is not IP[:PORT]",
            fix="Give an IP address and optional port, e.g. 127.0.0.1:5353 or [::1]:53",
        ) from None
    return Nameserver(address, number)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def target(name: str, registry: Registry) -> NameTarget:
    """A registry service's host, or ``name`` itself as a host name."""
    key = normalize_name(name)
    if "." not in name and ":" not in name and key in registry.specs():
        service = registry.get(name)
        return NameTarget(service.host, service.name, str(service.host_source), service.host_env)
    host, _ = validate_host(name, "NAME")
    return NameTarget(host)


@dataclass
class Inputs:
    """The files and environment read: injectable so the verdict logic is testable."""

    resolv_conf: str | None
    hosts: str | None
    nsswitch: str | None
    env: Mapping[str, str]
    hostname: str = ""

    @classmethod
    def from_system(cls, env: Mapping[str, str]) -> Inputs:
        return cls(_read(RESOLV_CONF), _read(HOSTS), _read(NSSWITCH), env, socket.gethostname())
