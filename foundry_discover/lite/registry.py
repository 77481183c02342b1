"""The service registry: where every service is, and where that answer came from.

Applications import this module on its own, exactly as the seed documents::

    from foundry_discover.registry import SERVICES
    SERVICES.get_service_url("LOCALSTACK")   # http://localstack:4566
    SERVICES.LOCALSTACK                       # localstack
    SERVICES.LOCALSTACK_PORT                  # 4566

So it imports only the standard library (a test checks that in a fresh interpreter), and
it reads the environment each time it is asked, never at import time: an app or a test
that changes ``os.environ`` sees the change.
"""

from __future__ import annotations

import os
import sys

from foundry_discover.lite.base import FrozenRecord
from foundry_discover.lite.errors import ConfigError

# An application imports this module at start-up and `health NAME` runs on it as a
# healthcheck, so it imports no `typing`, `dataclasses`, `re`, `pathlib` or `ipaddress`
# (about 20 ms together): names and values are checked with str methods, and the rare
# paths (a registry file, an IPv6 literal, a Kubernetes link) import what they need.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path
    from typing import Any, Literal

    SourceKind = Literal["env", "file", "default"]

#: The environment variable that names a TOML registry file (``--registry`` wins over it).
REGISTRY_ENV = "FOUNDRY_DISCOVER_REGISTRY"

_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NAME_CHARS = _UPPER | frozenset("0123456789_")
#: What a DNS label may hold (with '_', which DNS allows and botocore does not: a warning).
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_SCHEME_RE = r"^[a-z][a-z0-9+.-]*$"
#: A kubelet's Docker-link variable: ``tcp://10.96.0.12:4566`` or ``tcp://[fd00::12]:4566``.
_LINK_RE = r"^(tcp|udp|sctp)://(\[[0-9A-Fa-f:.]+\]|[0-9.]+):([0-9]{1,5})$"


def _is_name(text: str) -> bool:
    """``[A-Z][A-Z0-9_]*``: a registry key."""
    return text[:1] in _UPPER and all(c in _NAME_CHARS for c in text)


def _is_label(text: str) -> bool:
    """One DNS label: 1 to 63 letters, digits, '-' or '_', neither end a '-'."""
    return 0 < len(text) <= 63 and text[0] != "-" and text[-1] != "-" and all(c in _LABEL_CHARS for c in text)


class Source(FrozenRecord):
    """Where one value came from."""

    __slots__ = ("kind", "detail")

    def __init__(self, kind: SourceKind, detail: str) -> None:
        self.kind = kind
        self.detail = detail

    def __str__(self) -> str:
        if self.kind == "env":
            return f"env {self.detail}"
        if self.kind == "file":
            return f"registry file {self.detail}"
        return "built-in default"


class ServiceSpec(FrozenRecord):
    """A declared service: its defaults, before the environment has its say."""

    __slots__ = (
        "name",
        "host",
        "port",
        "scheme",
        "health_path",
        "declared_by",
        "source",
    )

    def __init__(
        self,
        name: str,
        host: str,
        port: int | None,
        scheme: str = "http",
        health_path: str | None = None,
        declared_by: str = "built-in",
        source: Source | None = None,
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.scheme = scheme
        self.health_path = health_path
        self.declared_by = declared_by
        #: Set when a registry file declared it: the defaults then come from that file.
        self.source = source


BUILTIN_SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("LOCALSTACK", "localstack", 4566, "http", "/_localstack/health"),
    ServiceSpec("BACKEND", "foundry-backend", 8080, "http"),
    ServiceSpec("COMPILER", "foundry-compiler", 8080, "http"),
    ServiceSpec("REDIS", "redis", 6379, "redis"),
    ServiceSpec("POSTGRES", "postgres", 5432, "postgresql"),
    ServiceSpec("LIVEKIT", "livekit", 7880, "http"),
)


class Service(FrozenRecord):
    """A service as the application will use it: validated values and their provenance."""

    __slots__ = (
        "name",
        "host",
        "port",
        "scheme",
        "health_path",
        "host_source",
        "port_source",
        "declared_by",
        "warnings",
    )

    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        scheme: str,
        health_path: str | None,
        host_source: Source,
        port_source: Source,
        declared_by: str,
        warnings: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.scheme = scheme
        self.health_path = health_path
        self.host_source = host_source
        self.port_source = port_source
        self.declared_by = declared_by
        self.warnings = warnings

    @property
    def host_env(self) -> str:
        return host_var(self.name)

    @property
    def port_env(self) -> str:
        return port_var(self.name)

    @property
    def url_host(self) -> str:
        """The host as it goes into a URL: IPv6 literals bracketed."""
        return f"[{self.host}]" if ":" in self.host else self.host

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.url_host}:{self.port}"

    def url_for(self, path: str = "") -> str:
        if not path:
            return self.url
        return self.url + (path if path.startswith("/") else "/" + path)


def normalize_name(name: str) -> str:
    """``localstack``, ``LocalStack`` and ``local-stack`` style names, as the registry keys them."""
    return name.strip().upper().replace("-", "_")


def host_var(name: str) -> str:
    return f"SVC_{name}_HOST"


def port_var(name: str) -> str:
    return f"{name}_PORT"


def validate_name(raw: str) -> str:
    name = normalize_name(raw)
    if not _is_name(name):
        raise ConfigError(
            f"{raw!r} is not a valid service name",
            fix="Use letters, digits, '-' and '_', starting with a letter (e.g. localstack)",
        )
    return name


class ServiceLink(FrozenRecord):
    """What a kubelet puts in ``<SVC>_PORT`` for a Service (the Docker-link style)."""

    __slots__ = ("service", "protocol", "address", "port")

    def __init__(self, service: str, protocol: str, address: str, port: int) -> None:
        self.service = service
        self.protocol = protocol
        self.address = address
        self.port = port


def parse_service_link(variable: str, value: str) -> ServiceLink | None:
    """The Service behind ``<SVC>_PORT=tcp://IP:PORT``, or None when it is not that shape.

    The kubelet names the variable after the Service, upper-cased with '-' as '_'
    (kubernetes pkg/kubelet/envvars); Service names hold no '_', so the name comes back exactly.
    """
    import re  # only for a value that is not a plain port number

    match = re.match(_LINK_RE, value.strip())
    if not match or not variable.endswith("_PORT") or len(variable) <= len("_PORT"):
        return None
    service = variable[: -len("_PORT")].lower().replace("_", "-")
    return ServiceLink(service, match.group(1), match.group(2).strip("[]"), int(match.group(3)))


def service_link_error(variable: str, raw: str, link: ServiceLink) -> ConfigError:
    """The kubelet's ``<SVC>_PORT`` where a port number belongs: the cause, the crash, the fix."""
    return ConfigError(
        f"{variable}={raw!r} was injected by Kubernetes for Service {link.service} (a service link: "
        f"enableServiceLinks is on by default), not a port number: the application's "
        f"int(os.getenv({variable!r})) crashes on it at start-up (ValueError)",
        fix=f'Set {variable} explicitly in the pod spec\'s env (e.g. value: "{link.port}"; explicit env wins '
        "over service links), or set enableServiceLinks: false in the pod spec",
    )


def validate_port(raw: object, culprit: str) -> int:
    """Parse a port the way the seed's ``int(os.getenv(...))`` would, but strictly."""
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise ConfigError(
            f"{culprit}={raw!r} is not a port number",
            fix="Set it to an integer from 1 to 65535 (e.g. 4566)",
        )
    text = str(raw).strip()
    if not text:
        raise ConfigError(
            f"{culprit} is empty",
            fix="Set it to an integer from 1 to 65535 (e.g. 4566), or unset it to use the default",
        )
    if not (text.isascii() and text.isdigit() and len(text) <= 6):
        link = parse_service_link(culprit, text) if "://" in text else None
        if link is not None:
            raise service_link_error(culprit, str(raw), link)
        raise ConfigError(
            f"{culprit}={raw!r} is not a port number",
            fix="Set it to an integer from 1 to 65535 (e.g. 4566)",
        )
    port = int(text)
    if not 1 <= port <= 65535:
        raise ConfigError(
            f"{culprit}={raw!r} is outside the port range",
            fix="Set it to an integer from 1 to 65535 (e.g. 4566)",
        )
    return port


def validate_host(raw: object, culprit: str, port_hint: str = "") -> tuple[str, tuple[str, ...]]:
    """Return the host (IPv6 unbracketed) and warnings, or raise ConfigError naming culprit.

    ``port_hint`` is the variable that should hold a port found inside the host value.
    """
    if not isinstance(raw, str):
        raise ConfigError(f"{culprit}={raw!r} is not a host name", fix="Set it to a DNS name such as 'localstack'")
    text = raw.strip()
    if not text:
        raise ConfigError(
            f"{culprit} is empty",
            fix="Set it to a DNS name such as 'localstack', or unset it to use the default",
        )
    if "://" in text:
        raise ConfigError(
            f"{culprit}={raw!r} holds a URL, but it takes a host name only",
            fix=_split_fix(text, culprit, port_hint),
        )
    if text.startswith("[") and text.endswith("]"):
        return _ipv6(text[1:-1], raw, culprit), ()
    if ":" in text:
        if text.count(":") > 1:
            return _ipv6(text, raw, culprit), ()
        host, _, port = text.partition(":")
        where = f" and {port_hint}={port}" if port_hint and port else ""
        raise ConfigError(
            f"{culprit}={raw!r} holds a port, but it takes a host name only",
            fix=f"Set {culprit}={host}{where}",
        )
    if "/" in text:
        host = text.split("/", 1)[0]
        raise ConfigError(
            f"{culprit}={raw!r} holds a path, but it takes a host name only",
            fix=f"Set {culprit}={host} and append paths with `url --path`",
        )
    name = text[:-1] if text.endswith(".") else text
    if not name.isascii() or len(name) > 253 or not all(_is_label(lbl) for lbl in name.split(".")):
        raise ConfigError(
            f"{culprit}={raw!r} holds characters no host name may hold",
            fix="Use letters, digits, '-' and '.' only (e.g. localstack or localstack.default.svc.cluster.local)",
        )
    warnings: tuple[str, ...] = ()
    if "_" in name:
        warnings = (
            f"{culprit}={text!r} holds an underscore: DNS allows it, but botocore rejects such "
            f"endpoints ('Invalid endpoint'); use '-' instead (e.g. {text.replace('_', '-')!r})",
        )
    return text, warnings


def _ipv6(text: str, raw: str, culprit: str) -> str:
    import ipaddress

    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        raise ConfigError(
            f"{culprit}={raw!r} is neither a host name nor an IPv6 address",
            fix="Set it to a DNS name such as 'localstack', or an IPv6 address such as ::1",
        ) from None
    return text


def _split_fix(text: str, culprit: str, port_hint: str) -> str:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host:
        return f"Set {culprit} to a DNS name such as 'localstack'"
    if port and port_hint:
        return f"Set {culprit}={host} and {port_hint}={port}"
    return f"Set {culprit}={host}"


class Registry:
    """Every known service, read from built-ins, a registry file and the environment.

    ``env=None`` means ``os.environ``, read afresh on every call. ``registry_file=None``
    means the file named by ``FOUNDRY_DISCOVER_REGISTRY`` in that environment, if any.
    """

    def __init__(self, env: Mapping[str, str] | None = None, registry_file: str | os.PathLike[str] | None = None):
        self._env = env
        self._registry_file = registry_file
        self._file_cache: tuple[tuple[str, int], dict[str, ServiceSpec]] | None = None

    @classmethod
    def from_mapping(cls, env: Mapping[str, str], registry_file: str | os.PathLike[str] | None = None) -> Registry:
        """A registry over any mapping: for tests and for apps that hold their own config."""
        return cls(dict(env), registry_file)

    @property
    def env(self) -> Mapping[str, str]:
        return os.environ if self._env is None else self._env

    # ---- declared services ---------------------------------------------------------

    def registry_path(self) -> Path | None:
        named: str | os.PathLike[str]
        if self._registry_file is not None:
            named = self._registry_file
        else:
            named = self.env.get(REGISTRY_ENV, "").strip()
            if not named:
                return None
        from pathlib import Path

        return Path(named)

    def specs(self) -> dict[str, ServiceSpec]:
        """Built-ins, then the registry file, then services only the environment knows."""
        specs = {spec.name: spec for spec in BUILTIN_SERVICES}
        specs.update(self._file_specs())
        for key in self.env:
            if key.startswith("SVC_") and key.endswith("_HOST"):
                name = key[len("SVC_") : -len("_HOST")]
                if _is_name(name) and name not in specs:
                    specs[name] = ServiceSpec(name, "", None, "http", None, f"environment ({key})")
        return specs

    def names(self) -> list[str]:
        return sorted(self.specs())

    def _file_specs(self) -> dict[str, ServiceSpec]:
        path = self.registry_path()
        if path is None:
            return {}
        try:
            stamp = (str(path), path.stat().st_mtime_ns)
        except OSError as exc:
            raise ConfigError(
                f"registry file {str(path)!r} cannot be read ({exc.strerror or exc})",
                fix=f"Check the path given by --registry or {REGISTRY_ENV}",
            ) from None
        if self._file_cache is None or self._file_cache[0] != stamp:
            self._file_cache = (stamp, load_registry_file(path))
        return self._file_cache[1]

    # ---- resolved services -----------------------------------------------------------

    def get(self, name: str) -> Service:
        """The service as the application will see it; ConfigError when unknown or invalid."""
        key = validate_name(name)
        specs = self.specs()
        spec = specs.get(key)
        if spec is None:
            raise unknown_service(name, list(specs))
        return self._resolve(spec)

    def entries(self) -> Iterator[tuple[str, Service | ConfigError]]:
        """Every known service with its values, or the error that stops it resolving."""
        for name, spec in sorted(self.specs().items()):
            try:
                yield name, self._resolve(spec)
            except ConfigError as exc:
                yield name, exc

    def get_service_url(self, name: str, path: str = "") -> str:
        return self.get(name).url_for(path)

    def __getattr__(self, attr: str) -> Any:
        # SERVICES.LOCALSTACK -> host, SERVICES.LOCALSTACK_PORT -> port, as in the seed.
        if not attr.isupper():
            raise AttributeError(attr)
        specs = self.specs()
        if attr in specs:
            return self._resolve(specs[attr]).host
        if attr.endswith("_PORT") and attr[: -len("_PORT")] in specs:
            return self._resolve(specs[attr[: -len("_PORT")]]).port
        raise AttributeError(f"no service named {attr!r}; known: {', '.join(sorted(specs))}")

    def _resolve(self, spec: ServiceSpec) -> Service:
        env = self.env
        h_var, p_var = host_var(spec.name), port_var(spec.name)
        declared = spec.source or Source("default", "built-in")
        if h_var in env:
            host, warnings = validate_host(env[h_var], h_var, p_var)
            host_source = Source("env", h_var)
        else:
            host, warnings = spec.host, ()
            host_source = declared
        if p_var in env:
            port = validate_port(env[p_var], p_var)
            port_source = Source("env", p_var)
        elif spec.port is None:
            raise ConfigError(
                f"{h_var} is set, so {spec.name} is a service, but {p_var} is not set and nothing declares its port",
                fix=f"Set {p_var} (e.g. {p_var}=8080), or declare {spec.name.lower()} with a port in a registry file",
            )
        else:
            port = spec.port
            port_source = declared
        return Service(
            name=spec.name,
            host=host,
            port=port,
            scheme=spec.scheme,
            health_path=spec.health_path,
            host_source=host_source,
            port_source=port_source,
            declared_by=spec.declared_by,
            warnings=warnings,
        )

    def with_env(self, env: Mapping[str, str]) -> Registry:
        """The same registry file over another environment."""
        return Registry(dict(env), self._registry_file)


def unknown_service(name: str, known: list[str]) -> ConfigError:
    import difflib

    key = normalize_name(name)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0].lower()}? " if close else ""
    return ConfigError(
        f"unknown service {name!r}: {hint}known services: {', '.join(n.lower() for n in sorted(known))}",
        fix=f"Set {host_var(key)} and {port_var(key)}, or declare it in a registry file (--registry or {REGISTRY_ENV})",
    )


_FILE_KEYS = {"host", "port", "scheme", "health_path"}


def load_registry_file(path: Path) -> dict[str, ServiceSpec]:
    """Parse a TOML registry file into specs; every mistake is a ConfigError naming the key."""
    import re

    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib

    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"registry file {where!r} cannot be read ({exc.strerror or exc})",
            fix=f"Check the path given by --registry or {REGISTRY_ENV}",
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"registry file {where!r} is not valid TOML ({exc})", fix="Fix the syntax") from None
    services = data.get("services")
    extra = set(data) - {"services"}
    if extra:
        raise ConfigError(
            f"registry file {where!r} has unknown top-level keys: {', '.join(sorted(extra))}",
            fix="Declare services as [services.NAME] tables",
        )
    if not isinstance(services, dict):
        raise ConfigError(
            f"registry file {where!r} declares no [services.NAME] tables",
            fix='Add e.g. [services.minio] with host = "minio" and port = 9000',
        )
    declared_by = f"registry file {where}"
    builtins = {spec.name: spec for spec in BUILTIN_SERVICES}
    specs: dict[str, ServiceSpec] = {}
    for raw_name, table in services.items():
        name = validate_name(raw_name)
        key = f"services.{raw_name}"
        if not isinstance(table, dict):
            raise ConfigError(f"{key} in {where!r} is not a table", fix=f"Write it as [services.{raw_name}]")
        unknown = set(table) - _FILE_KEYS
        if unknown:
            raise ConfigError(
                f"{key} in {where!r} has unknown keys: {', '.join(sorted(unknown))}",
                fix=f"Use only {', '.join(sorted(_FILE_KEYS))}",
            )
        base = builtins.get(name)
        if "host" in table:
            host, _ = validate_host(table["host"], f"{key}.host in {where}")
        elif base:
            host = base.host
        else:
            raise ConfigError(f"{key} in {where!r} has no host", fix=f'Add host = "{raw_name.lower()}"')
        port: int | None
        if "port" in table:
            port = validate_port(table["port"], f"{key}.port in {where}")
        else:
            port = base.port if base else None
        if port is None:
            raise ConfigError(f"{key} in {where!r} has no port", fix="Add port = <1-65535>")
        scheme = table.get("scheme", base.scheme if base else "http")
        if not isinstance(scheme, str) or not re.match(_SCHEME_RE, scheme):
            raise ConfigError(f"{key}.scheme in {where!r} is not a URL scheme: {scheme!r}", fix='Use e.g. "http"')
        health_path = table.get("health_path", base.health_path if base else None)
        if health_path is not None and (not isinstance(health_path, str) or not health_path.startswith("/")):
            raise ConfigError(
                f"{key}.health_path in {where!r} must be a path starting with '/': {health_path!r}",
                fix='Use e.g. "/healthz"',
            )
        specs[name] = ServiceSpec(name, host, port, scheme, health_path, declared_by, Source("file", where))
    return specs


#: The registry over this process's live environment, as the seed's applications use it.
SERVICES = Registry()
