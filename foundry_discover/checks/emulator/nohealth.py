"""An emulator without LocalStack's health path (moto's server, others): checked by the AWS call.

moto's standalone server has no ``/_localstack/health``: its S3 catch-all answers that
path (404 ``NoSuchBucket``). It is known by its own API, ``GET /moto-api/config``, a
read-only JSON of its settings (``batch``, ``lambda``). Any emulator is then checked the
way the application uses it: Secrets Manager ``ListSecrets`` with the application's
development keys and region. A working emulator passes; what it cannot report (other
services' states, init scripts) becomes a note, never a failure. A server that answers
neither is still the failure the health path gave.

``/moto-api/data.json`` is never read: it holds every stored model, secret values included.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from foundry_discover.checks.emulator.model import HEALTH_PATH, EmulatorHealth, InitStatus, ServiceState
from foundry_discover.checks.httpget import BadReply, get
from foundry_discover.lite.errors import FoundryError
from foundry_discover.util.waiting import Deadline

if TYPE_CHECKING:
    import httpx


MOTO_CONFIG = "/moto-api/config"


#: Top-level keys of moto's configuration (moto_api's ``get_config``).
MOTO_CONFIG_KEYS = frozenset({"batch", "lambda", "stepfunctions", "iam", "core"})


UNKNOWN = "unknown AWS emulator"


#: Health-path answers that mean a failing server, not a missing path: no fallback for them.
FAILING = frozenset({500, 502, 503, 504})


#: The AWS call the seed's backend makes, as the check makes it.
CALL = "Secrets Manager ListSecrets"


#: Nothing from the shared files: the call passes endpoint, region and keys, and a broken
#: profile is the secret command's to report, not the emulator's.
ISOLATED: dict[str, Any] = {
    "profile": (None, None, None, None),
    "config_file": (None, None, "/dev/null", None),
    "credentials_file": (None, None, "/dev/null", None),
}


def identify(client: httpx.Client, base_url: str, deadline: Deadline) -> tuple[str, str | None]:
    """moto, known by its configuration API; else an unknown emulator."""
    try:
        reply = get(client, base_url + MOTO_CONFIG, deadline)
    except FoundryError:
        return UNKNOWN, None
    try:
        doc = json.loads(reply.body) if 200 <= reply.status < 300 else None
    except (ValueError, UnicodeDecodeError):
        doc = None
    if isinstance(doc, dict) and MOTO_CONFIG_KEYS & set(doc):
        return "moto", f"GET {MOTO_CONFIG} answered moto's configuration"
    return UNKNOWN, None


def list_call(base_url: str, deadline: Deadline) -> tuple[int | None, str, float]:
    """ListSecrets as the application's development client sends it: (count or None, why not, ms)."""
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    from foundry_discover.checks.aws.keys import APP_CREDENTIALS
    from foundry_discover.checks.aws.region import choose_region
    from foundry_discover.lite.bounded import Late, within

    left = max(deadline.remaining(), 0.05)
    config = Config(connect_timeout=left, read_timeout=left, retries={"total_max_attempts": 1, "mode": "standard"})
    started = time.perf_counter()
    try:
        client = botocore.session.Session(session_vars=ISOLATED).create_client(
            "secretsmanager",
            region_name=choose_region(os.environ, None).region,
            endpoint_url=base_url,
            aws_access_key_id=APP_CREDENTIALS[0],
            aws_secret_access_key=APP_CREDENTIALS[1],
            config=config,
        )
        page = within(lambda: client.list_secrets(MaxResults=100), left)
    except Late:
        return None, f"no answer within {deadline.seconds:g}s", _since(started)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code") or "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        what = f"HTTP {status}" if not code or code == str(status) else f"{code}, HTTP {status}"
        return None, what, _since(started)
    except (BotoCoreError, ResponseParserError, ValueError) as exc:
        return None, type(exc).__name__, _since(started)
    listed = page.get("SecretList") if isinstance(page, dict) else None
    if not isinstance(listed, list):
        return None, "a reply without a SecretList", _since(started)
    return len(listed), "", _since(started)


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def without_health(
    base_url: str,
    client: httpx.Client,
    deadline: Deadline,
    require: Sequence[str],
    status: int,
    missing: BadReply,
) -> EmulatorHealth:
    """The emulator checked through the application's call, since its health path is missing."""
    emulator, identified_by = identify(client, base_url, deadline)
    count, why, elapsed = list_call(base_url, deadline)
    if count is None and emulator == UNKNOWN:
        raise type(missing)(f"{missing.message}; it does not answer {CALL} either ({why})", fix=missing.fix)
    notes = [f"{emulator} has no {HEALTH_PATH} (HTTP {status}): checked through the application's call instead"]
    reasons: list[str] = []
    states: list[ServiceState] = []
    if count is None:
        reasons.append(f"{emulator} answered, but {CALL} failed ({why})")
    else:
        states.append(ServiceState("secretsmanager", "available", "ok", "secretsmanager" in require))
        notes[0] += f" ({CALL} answered: {count} secret(s))"
    unchecked = [name for name in require if name != "secretsmanager"]
    if unchecked:
        notes.append(f"not checked: {', '.join(unchecked)} ({emulator} reports no service states)")
    notes.append(f"not checked: other services' states and init scripts ({emulator} reports neither)")
    return EmulatorHealth(
        url=base_url,
        emulator=emulator,
        version=None,
        edition=None,
        round_trip_ms=elapsed,
        services=states,
        init=InitStatus("none", None, detail=f"{emulator} reports no init scripts"),
        required=list(require),
        verdict="unhealthy" if reasons else "healthy",
        reasons=reasons,
        notes=notes,
        identified_by=identified_by or (f"it answers {CALL}" if count is not None else None),
        checked="aws (ListSecrets)",
    )
