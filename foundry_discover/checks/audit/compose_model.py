"""The Compose model as the rules see it: services with every value's position kept."""

from __future__ import annotations

from dataclasses import dataclass, field

from foundry_discover.checks.audit.findings import Loc


@dataclass(frozen=True)
class Value:
    """A string as written (after interpolation), None for a variable left unset, and where."""

    text: str | None
    loc: Loc


@dataclass(frozen=True)
class Port:
    target: int
    published: str | None
    protocol: str
    host_ip: str | None
    loc: Loc


@dataclass
class Healthcheck:
    test: list[str]
    disabled: bool
    loc: Loc


@dataclass
class Build:
    context: str
    dockerfile: str
    #: The folder relative paths in this build are read from (absolute).
    base_dir: str


@dataclass
class Service:
    name: str
    loc: Loc
    image: Value | None = None
    build: Build | None = None
    container_name: Value | None = None
    hostname: Value | None = None
    #: environment: after env_file (earlier) and environment (wins), as Compose resolves them.
    environment: dict[str, Value] = field(default_factory=dict)
    #: env_file entries as "folder NUL path" (relative paths are read from the writing file's folder).
    env_files: list[Value] = field(default_factory=list)
    #: Network name -> aliases; None means not written (the default network, after normalising).
    networks: dict[str, list[Value]] | None = None
    network_mode: Value | None = None
    ports: list[Port] = field(default_factory=list)
    expose: list[Value] = field(default_factory=list)
    healthcheck: Healthcheck | None = None
    depends_on: dict[str, Value] = field(default_factory=dict)
    profiles: list[str] = field(default_factory=list)
    extends: tuple[str, str | None, Loc] | None = None
    #: environment: as written, before env_file is read (env_file values join at normalising).
    written_env: dict[str, Value] = field(default_factory=dict)
    #: Names only this container resolves: extra_hosts (its /etc/hosts) and links aliases.
    own_names: set[str] = field(default_factory=set)
    #: Normalised already (an included project's services are normalised in their own project).
    finished: bool = False

    def aliases(self) -> dict[str, set[str]]:
        """Every name other containers reach this one by, on each network it joins."""
        names = {self.name}
        if self.container_name and self.container_name.text:
            names.add(self.container_name.text)
        out: dict[str, set[str]] = {}
        for network, aliases in (self.networks or {}).items():
            out[network] = names | {a.text for a in aliases if a.text}
        return out

    def listen_ports(self) -> set[int]:
        return {p.target for p in self.ports} | {int(v.text) for v in self.expose if v.text and v.text.isdigit()}


@dataclass
class ComposeProject:
    #: The files in merge order, relative to the audited root.
    files: list[str]
    services: dict[str, Service]
    #: The interpolation environment: the project's .env under the process environment.
    env: dict[str, str]
