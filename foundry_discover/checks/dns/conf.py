"""The resolver configuration as glibc reads it, and the names it will try, in order.

Pure functions over text, so every rule here is unit-tested without a network:
``resolv.conf`` with ``LOCALDOMAIN`` and ``RES_OPTIONS`` applied (glibc's
``res_init``), the ``hosts:`` line of ``nsswitch.conf``, ``/etc/hosts``, and the
candidate walk of glibc's ``res_search``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field

#: glibc's limits (resolv.h): MAXNS, RES_MAXNDOTS, RES_MAXRETRANS, RES_MAXRETRY.
MAXNS = 3
MAX_NDOTS = 15
MAX_TIMEOUT = 30
MAX_ATTEMPTS = 5

#: glibc's built-in nsswitch default when the file or its hosts: line is missing.
DEFAULT_HOSTS_SOURCES = ("dns", "files")


@dataclass(frozen=True)
class Nameserver:
    address: str
    port: int = 53

    def __str__(self) -> str:
        if self.port == 53:
            return self.address
        return f"[{self.address}]:{self.port}" if ":" in self.address else f"{self.address}:{self.port}"


@dataclass
class ResolverConfig:
    """What glibc's resolver will use: nameservers, search list and options."""

    nameservers: list[Nameserver] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    ndots: int = 1
    timeout: int = 5
    attempts: int = 2
    rotate: bool = False
    #: Other options as written (edns0, single-request, use-vc, ...): shown, not used.
    options: list[str] = field(default_factory=list)
    #: Where each part came from, e.g. {"search": "LOCALDOMAIN"}: for the explanation.
    sources: dict[str, str] = field(default_factory=dict)
    #: Lines glibc ignores (a 4th nameserver, a bad option): the user should know.
    ignored: list[str] = field(default_factory=list)

    def worst_case_seconds(self) -> int:
        """How long one failing lookup of one name can make an application wait."""
        return self.timeout * self.attempts * max(1, len(self.nameservers))


def parse_resolv_conf(
    text: str | None, env: Mapping[str, str] | None = None, hostname: str = "", path: str = "/etc/resolv.conf"
) -> ResolverConfig:
    """Parse resolv.conf as glibc does, then apply LOCALDOMAIN and RES_OPTIONS.

    ``text=None`` means the file is missing: glibc then asks 127.0.0.1. With no
    ``search`` or ``domain`` line the search list is the domain part of the host name.
    """
    env = env or {}
    cfg = ResolverConfig()
    if text is None:
        cfg.sources["file"] = f"{path} is missing"
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        keyword, _, rest = line.partition(" ") if " " in line else line.partition("\t")
        words = rest.split()
        if keyword == "nameserver" and words:
            server = _nameserver(words[0])
            if server is None:
                cfg.ignored.append(f"{line!r}: not an IP address")
            elif len(cfg.nameservers) >= MAXNS:
                cfg.ignored.append(f"{line!r}: glibc uses the first {MAXNS} nameservers only")
            else:
                cfg.nameservers.append(server)
        elif keyword in ("domain", "search") and words:
            # The last of domain/search wins; domain sets a one-entry search list.
            cfg.search = words[:1] if keyword == "domain" else words
            cfg.sources["search"] = f"{path} ({keyword})"
        elif keyword == "options":
            _apply_options(cfg, words, path)
    if not cfg.nameservers:
        cfg.nameservers = [Nameserver("127.0.0.1")]
        cfg.sources["nameservers"] = "glibc default (no nameserver line)"
    else:
        cfg.sources["nameservers"] = path
    if "search" not in cfg.sources and "." in hostname:
        cfg.search = [hostname.split(".", 1)[1]]
        cfg.sources["search"] = f"domain of the host name {hostname!r}"
    local = env.get("LOCALDOMAIN")
    if local is not None:
        cfg.search = local.split()
        cfg.sources["search"] = "LOCALDOMAIN"
    res_options = env.get("RES_OPTIONS")
    if res_options:
        _apply_options(cfg, res_options.split(), "RES_OPTIONS")
    cfg.search = [d.rstrip(".") for d in cfg.search if d.rstrip(".")]
    return cfg


def _nameserver(text: str) -> Nameserver | None:
    address = text.split("%", 1)[0]  # an IPv6 zone id (fe80::1%eth0) is glibc's to use
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return Nameserver(text)


def _apply_options(cfg: ResolverConfig, words: list[str], origin: str) -> None:
    for word in words:
        name, _, value = word.partition(":")
        if name in ("ndots", "timeout", "attempts"):
            number = _atoi(value)
            if not value.isdigit():
                cfg.ignored.append(f"{origin}: option {word!r} is not a number; glibc reads it as {number}")
            if name == "ndots":
                cfg.ndots = min(number, MAX_NDOTS)
            elif name == "timeout":
                cfg.timeout = min(max(number, 1), MAX_TIMEOUT)
            else:
                cfg.attempts = min(max(number, 1), MAX_ATTEMPTS)
            cfg.sources[name] = origin
        elif name == "rotate":
            cfg.rotate = True
        elif word not in cfg.options:
            cfg.options.append(word)


def _atoi(text: str) -> int:
    """C's atoi, as glibc reads option values: leading digits, else 0."""
    digits = ""
    for char in text:
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else 0


def candidate_names(name: str, search: list[str], ndots: int) -> list[str]:
    """The names glibc's res_search asks, in order, for one looked-up name.

    A trailing dot means exactly that name. Otherwise a name with at least ``ndots``
    dots is tried as it is first and then with each search domain; a name with fewer
    is tried with each search domain first and as it is last.
    """
    if name.endswith("."):
        return [name.rstrip(".")]
    dots = name.count(".")
    searched = [f"{name}.{domain}" for domain in search]
    if dots >= ndots:
        return [name, *searched]
    return [*searched, name]


# ---- nsswitch.conf and /etc/hosts ---------------------------------------------------------


def hosts_sources(text: str | None) -> tuple[tuple[str, ...], bool]:
    """The sources of the ``hosts:`` line in order (actions like ``[NOTFOUND=return]`` dropped).

    Returns the sources and whether they came from the file (False: glibc's default).
    """
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("hosts:"):
            words = line[len("hosts:") :].split()
            sources: list[str] = []
            in_action = False
            for word in words:
                if word.startswith("["):
                    in_action = True
                if not in_action:
                    sources.append(word)
                if word.endswith("]"):
                    in_action = False
            return tuple(sources), True
    return DEFAULT_HOSTS_SOURCES, False


def hosts_file_addresses(text: str | None, name: str) -> list[str]:
    """The addresses /etc/hosts gives ``name`` (canonical names and aliases, any case)."""
    wanted = name.rstrip(".").lower()
    found: list[str] = []
    for raw in (text or "").splitlines():
        words = raw.split("#", 1)[0].split()
        if len(words) < 2:
            continue
        try:
            address = str(ipaddress.ip_address(words[0].split("%", 1)[0]))
        except ValueError:
            continue
        if any(w.lower() == wanted for w in words[1:]) and address not in found:
            found.append(address)
    return found


def files_before_dns(sources: tuple[str, ...]) -> bool:
    """Whether the hosts file is consulted before DNS (so a hosts entry wins)."""
    if "files" not in sources:
        return False
    return "dns" not in sources or sources.index("files") < sources.index("dns")
