"""The service registry, public for applications: ``SERVICES.get_service_url("LOCALSTACK")``.

Applications import this module; its implementation lives in the healthcheck tier
(``foundry_discover.lite.registry``) because ``health NAME`` reads the registry too, and
that tier may import nothing heavier than the standard library. This facade adds one
small module to an application's start-up and nothing else.
"""

from __future__ import annotations

from foundry_discover.lite.errors import ConfigError
from foundry_discover.lite.registry import SERVICES, Registry, Service
from foundry_discover.lite.registry_file import load_registry_file
from foundry_discover.lite.specs import BUILTIN_SERVICES, REGISTRY_ENV, ServiceSpec, Source
from foundry_discover.lite.values import ServiceLink, host_var, normalize_name, parse_service_link, port_var

__all__ = [
    "BUILTIN_SERVICES",
    "REGISTRY_ENV",
    "SERVICES",
    "ConfigError",
    "Registry",
    "Service",
    "ServiceLink",
    "ServiceSpec",
    "Source",
    "host_var",
    "load_registry_file",
    "normalize_name",
    "parse_service_link",
    "port_var",
]
