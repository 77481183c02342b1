"""What the audit knows of common images: the port each listens on, and which ship a HEALTHCHECK."""

from __future__ import annotations

import re
from pathlib import Path

#: The port an image's server listens on when nothing configures another.
IMAGE_PORTS: dict[str, int] = {
    "localstack/localstack": 4566,
    "localstack/localstack-pro": 4566,
    "motoserver/moto": 5000,
    "redis": 6379,
    "valkey/valkey": 6379,
    "bitnami/redis": 6379,
    "postgres": 5432,
    "bitnami/postgresql": 5432,
    "livekit/livekit-server": 7880,
    "minio/minio": 9000,
    "mysql": 3306,
    "mariadb": 3306,
    "mongo": 27017,
    "rabbitmq": 5672,
    "memcached": 11211,
    "nginx": 80,
    "httpd": 80,
}

#: Images whose Dockerfile declares a HEALTHCHECK, so service_healthy works without one in Compose.
HEALTHCHECK_IMAGES = frozenset({"localstack/localstack", "localstack/localstack-pro"})

#: LocalStack: its latest/stable tags need LOCALSTACK_AUTH_TOKEN since 2026.
LOCALSTACK_IMAGES = frozenset({"localstack/localstack", "localstack/localstack-pro"})

#: AWS emulators: a gateway the registry reaches over plain http.
EMULATOR_IMAGES = frozenset({*LOCALSTACK_IMAGES, "motoserver/moto"})

_HEALTHCHECK_RE = re.compile(r"^\s*HEALTHCHECK\s+(?!NONE\b)", re.IGNORECASE | re.MULTILINE)


def split_image(image: str) -> tuple[str, str | None, bool]:
    """``docker.io/library/redis:7@sha256:...`` -> (``redis``, ``7``, pinned by digest)."""
    name, _, digest = image.partition("@")
    tag: str | None = None
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if parts[:1] == ["library"]:
        parts = parts[1:]
    return "/".join(parts).lower(), tag, bool(digest)


def is_emulator(repo: str) -> bool:
    return repo in EMULATOR_IMAGES or "ministack" in repo


def dockerfile_has_healthcheck(context: str, dockerfile: str, base_dir: str) -> bool | None:
    """Whether a build's Dockerfile declares a HEALTHCHECK; None when it cannot be read here."""
    folder = Path(base_dir) / context
    path = Path(dockerfile) if Path(dockerfile).is_absolute() else folder / dockerfile
    try:
        return bool(_HEALTHCHECK_RE.search(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return None
