"""A TOML registry file: services, their hosts, ports, schemes and health paths."""

from __future__ import annotations

import sys

from foundry_discover.lite.errors import ConfigError
from foundry_discover.lite.specs import BUILTIN_SERVICES, REGISTRY_ENV, ServiceSpec, Source
from foundry_discover.lite.values import SCHEME_RE, validate_host, validate_name, validate_port

# Start-up rules of the healthcheck tier (see foundry_discover.lite): annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Literal

    SourceKind = Literal["env", "file", "default"]

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
        # tomllib says "Expected ... (at line 1, column 17)": the place, without a second pair of parentheses.
        reason = str(exc).replace(" (at ", ", at ").rstrip(")") if str(exc).endswith(")") else str(exc)
        raise ConfigError(f"registry file {where!r} is not valid TOML: {reason}", fix="Fix the syntax") from None
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
        if not isinstance(scheme, str) or not re.match(SCHEME_RE, scheme):
            raise ConfigError(f"{key}.scheme in {where!r} is not a URL scheme: {scheme!r}", fix='Use e.g. "http"')
        health_path = table.get("health_path", base.health_path if base else None)
        if health_path is not None and (not isinstance(health_path, str) or not health_path.startswith("/")):
            raise ConfigError(
                f"{key}.health_path in {where!r} must be a path starting with '/': {health_path!r}",
                fix='Use e.g. "/healthz"',
            )
        specs[name] = ServiceSpec(name, host, port, scheme, health_path, declared_by, Source("file", where))
    return specs
