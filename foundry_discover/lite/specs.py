"""The declared services: the built-in six, and where each value came from."""

from __future__ import annotations

from foundry_discover.lite.base import FrozenRecord

# Start-up rules of the healthcheck tier (see foundry_discover.lite): annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    SourceKind = Literal["env", "file", "default"]


#: The environment variable that names a TOML registry file (``--registry`` wins over it).
REGISTRY_ENV = "FOUNDRY_DISCOVER_REGISTRY"


class Source(FrozenRecord):
    """Where one value came from."""

    kind: SourceKind
    detail: str

    def __str__(self) -> str:
        if self.kind == "env":
            return f"env {self.detail}"
        if self.kind == "file":
            return f"registry file {self.detail}"
        return "built-in default"


class ServiceSpec(FrozenRecord):
    """A declared service: its defaults, before the environment has its say."""

    name: str
    host: str
    port: int | None
    scheme: str = "http"
    health_path: str | None = None
    declared_by: str = "built-in"
    #: Set when a registry file declared it: the defaults then come from that file.
    source: Source | None = None


BUILTIN_SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("LOCALSTACK", "localstack", 4566, "http", "/_localstack/health"),
    ServiceSpec("BACKEND", "foundry-backend", 8080, "http"),
    ServiceSpec("COMPILER", "foundry-compiler", 8080, "http"),
    ServiceSpec("REDIS", "redis", 6379, "redis"),
    ServiceSpec("POSTGRES", "postgres", 5432, "postgresql"),
    ServiceSpec("LIVEKIT", "livekit", 7880, "http"),
)
