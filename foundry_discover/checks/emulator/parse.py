"""Reading an emulator's replies: the services listed, which emulator answered, init scripts;
and the ``--require``/``--url`` values people give."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from foundry_discover.checks.emulator.model import HEALTH_PATH, InitScript, InitStatus
from foundry_discover.checks.httpget import BadReply, decode_json, get
from foundry_discover.lite.errors import UsageError
from foundry_discover.util.waiting import Deadline

if TYPE_CHECKING:
    import httpx


_SERVICE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def parse_required(values: Iterable[str]) -> list[str]:
    """``--require secretsmanager,s3 --require sqs`` as a de-duplicated list; ValueError if bad."""
    seen: dict[str, None] = {}
    for value in values:
        for part in value.split(","):
            name = part.strip().lower()
            if not name:
                continue
            if not _SERVICE_RE.match(name):
                raise ValueError(f"{part.strip()!r} is not an AWS service name (e.g. secretsmanager, s3)")
            seen[name] = None
    return list(seen)


def emulator_base(url: str) -> str:
    """The emulator's base URL from ``--url``: a trailing health path or slash is dropped."""
    text = url.strip().rstrip("/")
    if text.endswith(HEALTH_PATH):
        text = text[: -len(HEALTH_PATH)]
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError as exc:
        raise UsageError(f"--url {url!r} is not a URL ({exc})", fix="Give e.g. --url http://localhost:4566") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--url {url!r} is not an http(s) URL with a host",
            fix="Give e.g. --url http://localhost:4566",
        )
    return text


def listed_services(doc: Any, url: str) -> dict[str, str]:
    services = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(services, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in services.items()
    ):
        shape = type(doc).__name__ if not isinstance(doc, dict) else f"keys {sorted(doc)[:6]}"
        raise BadReply(
            f"{url} answered JSON without a services map of names to states ({shape})",
            fix="Check that the URL points at an AWS emulator (LocalStack, MiniStack, moto) and not at another server",
        )
    return services


def which_emulator(doc: dict[str, Any]) -> str:
    # MiniStack alone reports its ready.d scripts (and its IoT mTLS listener) in the body.
    if "ready_scripts" in doc or "iot_mtls" in doc:
        return "MiniStack"
    if isinstance(doc.get("version"), str):
        return "LocalStack"
    return "unknown emulator"


def ministack_init(raw: Any, url: str) -> InitStatus:
    if not isinstance(raw, dict):
        return InitStatus("none", None, detail=f"{url} reports no ready_scripts")
    status = raw.get("status")
    total, failed = raw.get("total"), raw.get("failed")
    if not isinstance(status, str) or not isinstance(total, int) or not isinstance(failed, int):
        raise BadReply(
            f"{url} answered a ready_scripts entry of an unknown shape ({raw!r:.80})",
            fix="Upgrade MiniStack, or report the shape",
        )
    done = status == "completed"
    return InitStatus("ministack", done, {"READY": done}, [], total, failed, detail=status)


def localstack_init(client: httpx.Client, url: str, deadline: Deadline) -> InitStatus:
    reply = get(client, url, deadline)
    if reply.status == 404:
        return InitStatus("none", None, detail=f"{url} answered 404: the emulator does not report init scripts")
    doc = decode_json(reply)
    completed = doc.get("completed") if isinstance(doc, dict) else None
    scripts = doc.get("scripts") if isinstance(doc, dict) else None
    if (
        not isinstance(completed, dict)
        or not isinstance(scripts, list)
        or not all(isinstance(s, dict) for s in scripts)
    ):
        raise BadReply(
            f"{url} answered JSON without 'completed' stages and a 'scripts' list",
            fix="Check that the URL points at LocalStack",
        )
    stages = {str(k): v is True for k, v in completed.items()}
    found = [
        InitScript(str(s.get("stage", "?")), str(s.get("name", "?")), str(s.get("state", "UNKNOWN"))) for s in scripts
    ]
    failed = sum(s.state == "ERROR" for s in found)
    return InitStatus("localstack", stages.get("READY", False), stages, found, len(found), failed)
