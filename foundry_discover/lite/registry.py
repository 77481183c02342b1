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

from foundry_discover.lite.base import FrozenRecord
from foundry_discover.lite.errors import ConfigError
from foundry_discover.lite.specs import BUILTIN_SERVICES, REGISTRY_ENV, ServiceSpec, Source
from foundry_discover.lite.values import (
    checked_port,
    host_var,
    is_name,
    normalize_name,
    port_var,
    validate_host,
    validate_name,
)

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


class Service(FrozenRecord):
    """A service as the application will use it: validated values and their provenance."""

    name: str
    host: str
    port: int
    scheme: str
    health_path: str | None
    host_source: Source
    port_source: Source
    declared_by: str
    warnings: tuple[str, ...] = ()

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
                if is_name(name) and name not in specs:
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
            from foundry_discover.lite.registry_file import load_registry_file

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
            # The application's own URL around the host, for a message about what it makes of the value.
            shown_port = env.get(p_var, "").strip() or (str(spec.port) if spec.port else "PORT")
            around = (f"{spec.scheme}://", f":{shown_port}")
            host, warnings = validate_host(env[h_var], h_var, p_var, url_around=around)
            host_source = Source("env", h_var)
        else:
            host, warnings = spec.host, _glued(h_var, env, spec.host)
            host_source = declared
        if p_var in env:
            port, port_warnings = checked_port(env[p_var], p_var, raw_env=True)
            warnings += port_warnings
            port_source = Source("env", p_var)
        elif spec.port is None:
            raise _no_port(spec, h_var, p_var, self.specs())
        else:
            port = spec.port
            port_source = declared
            warnings += _glued(p_var, env, str(port))
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


#: A port to show in an example, by scheme: the protocol's own, as the service's real default is unknown.
_SCHEME_PORTS = {"redis": 6379, "postgresql": 5432, "postgres": 5432, "https": 443}


def _no_port(spec: ServiceSpec, h_var: str, p_var: str, specs: dict[str, ServiceSpec]) -> ConfigError:
    """A service with a host and no port: most often a misspelt SVC_<NAME>_HOST of a known one."""
    import difflib

    known = [name for name, other in specs.items() if other.port is not None]
    close = difflib.get_close_matches(spec.name, known, n=1, cutoff=0.75)
    if close:
        meant = close[0]
        return ConfigError(
            f"{h_var} names no known service: {spec.name.lower()} has no port, did you mean {meant.lower()}?",
            fix=f"Rename {h_var} to {host_var(meant)}, or set {p_var} if {spec.name.lower()} is a service of its own",
        )
    example = _SCHEME_PORTS.get(spec.scheme, 8080)
    return ConfigError(
        f"{h_var} is set, so {spec.name.lower()} is a service, but {p_var} is not set and nothing declares its port",
        fix=f"Set {p_var} to the port {spec.name.lower()} listens on (e.g. {p_var}={example}), "
        f"or declare it with a port in a registry file",
    )


def _glued(variable: str, env: Mapping[str, str], default: str) -> tuple[str, ...]:
    """A warning when ``variable`` is unset because a byte-order mark is glued to its name."""
    if "\ufeff" + variable not in env:
        return ()
    from foundry_discover.lite.rawvalue import bom_warning

    found = bom_warning(variable, env, default)
    return () if found is None else (found,)


def unknown_service(name: str, known: list[str]) -> ConfigError:
    import difflib

    key = normalize_name(name)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0].lower()}? " if close else ""
    return ConfigError(
        f"unknown service {name!r}: {hint}known services: {', '.join(n.lower() for n in sorted(known))}",
        fix=f"Set {host_var(key)} and {port_var(key)}, or declare {key.lower()} in a registry file "
        f"(--registry or {REGISTRY_ENV})",
    )


#: The registry over this process's live environment, as the seed's applications use it.
SERVICES = Registry()
