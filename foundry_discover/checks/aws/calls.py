"""get and list, as the application's client would make them, with follow-ups on failure.

A not-found suggests the closest names within a short budget of its own; a secret
scheduled for deletion says how to restore it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from foundry_discover.checks.aws.errors import (
    aws_command,
    client_error_code,
    endpoint_text,
    not_secrets_manager,
    translate,
)
from foundry_discover.checks.aws.plan import ClientPlan, SecretsClient
from foundry_discover.checks.aws.results import SecretEntry, SecretList, SecretValue, iso
from foundry_discover.lite.errors import ConfigError, NotOkError, suggest

if TYPE_CHECKING:
    pass

ARN_RE = re.compile(r"^arn:[a-z-]+:secretsmanager:([a-z0-9-]+):[0-9]+:secret:(.+)$")


# ---- the plan: which environment, endpoint, region and credentials, and why ----------------


# ---- results -----------------------------------------------------------------------------------


# ---- get and list ----------------------------------------------------------------------------


def get_secret(
    sc: SecretsClient,
    secret_id: str,
    *,
    key: str | None = None,
    version_stage: str | None = None,
    version_id: str | None = None,
    reveal: bool = False,
) -> SecretValue:
    """Fetch one secret version; every failure is a FoundryError whose text holds no value."""
    _check_arn_region(sc.plan, secret_id)
    params: dict[str, str] = {"SecretId": secret_id}
    if version_stage:
        params["VersionStage"] = version_stage
    if version_id:
        params["VersionId"] = version_id
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    try:
        response = sc.client.get_secret_value(**params)
    except (BotoCoreError, ClientError, ResponseParserError) as exc:
        raise _secret_error(exc, sc, secret_id, version_stage, version_id) from None
    if "SecretString" not in response and "SecretBinary" not in response:
        # botocore turns a body it cannot read into {} on HTTP 200: something else answered.
        raise not_secrets_manager(sc.plan)
    value: str | bytes
    kind: Literal["string", "binary"]
    if response.get("SecretString") is not None:
        value, kind = response["SecretString"], "string"
    else:
        value, kind = bytes(response.get("SecretBinary") or b""), "binary"
    json_doc = _json_object(value) if isinstance(value, str) else None
    name = str(response.get("Name") or secret_id)
    if key is not None:
        value = _pick(json_doc, key, name)
    return SecretValue(
        name=name,
        arn=str(response.get("ARN") or ""),
        version_id=response.get("VersionId"),
        stages=list(response.get("VersionStages") or []),
        created=iso(response.get("CreatedDate")),
        kind=kind,
        length=len(value),
        size_bytes=len(value.encode("utf-8")) if isinstance(value, str) else len(value),
        json_keys=list(json_doc) if json_doc is not None else None,
        key=key,
        plan=sc.plan,
        value=value,
        revealed=reveal,
    )


def _json_object(text: str) -> dict[str, Any] | None:
    import json

    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def _pick(doc: dict[str, Any] | None, key: str, name: str) -> str:
    """One top-level field as text: strings as they are, anything else as compact JSON."""
    import json

    if doc is None:
        raise NotOkError(
            f"secret {name!r} is not a JSON object, so --key {key!r} cannot pick a field from it",
            fix="Drop --key to fetch the whole value",
        )
    if key not in doc:
        keys = ", ".join(sorted(doc)) or "none"
        raise NotOkError(f"secret {name!r} has no field {key!r}; its fields: {keys}", fix="Pick one of those fields")
    field_value = doc[key]
    return field_value if isinstance(field_value, str) else json.dumps(field_value, separators=(",", ":"))


def _check_arn_region(plan: ClientPlan, secret_id: str) -> None:
    match = ARN_RE.match(secret_id)
    if match and match.group(1) != plan.region:
        raise ConfigError(
            f"wrong region: the ARN is in {match.group(1)}, but the client uses {plan.region} "
            f"(from {plan.region_source})",
            fix=f"Set AWS_REGION={match.group(1)}",
        )


def list_secrets(sc: SecretsClient, *, limit_pages: int | None = None, explain_empty: bool = True) -> SecretList:
    """Names, descriptions and dates of every secret (never a value); an empty development
    list says whether the configured keys see secrets the application's do not."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    entries: list[SecretEntry] = []
    try:
        paginator = sc.client.get_paginator("list_secrets")
        for index, page in enumerate(paginator.paginate()):
            for item in page.get("SecretList", []):
                entries.append(
                    SecretEntry(
                        name=str(item.get("Name", "")),
                        arn=str(item.get("ARN", "")),
                        description=str(item.get("Description") or ""),
                        last_changed=iso(item.get("LastChangedDate")),
                        deletion_date=iso(item.get("DeletedDate")),
                    )
                )
            if limit_pages is not None and index + 1 >= limit_pages:
                break
    except (BotoCoreError, ClientError, ResponseParserError) as exc:
        raise translate(exc, sc, None, None, None) from None
    notes: list[str] = []
    if not entries and explain_empty:
        from foundry_discover.checks.aws import accounts

        found = accounts.empty_list(sc)
        notes += [found] if found else []
    return SecretList(sorted(entries, key=lambda e: e.name), sc.plan, notes)


# ---- errors: built from codes, never from botocore's text ---------------------------------------


def _secret_error(
    exc: Exception, sc: SecretsClient, secret_id: str, stage: str | None, version: str | None
) -> Exception:
    """As ``translate``, but a missing or deleted secret is looked into: its stages, the
    closest names, a scheduled deletion (each one more call, each a courtesy)."""
    code = client_error_code(exc)
    if code == "ResourceNotFoundException":
        return _not_found(sc, secret_id, stage, version)
    if code == "InvalidRequestException":
        scheduled = _scheduled_deletion(sc, secret_id)
        if scheduled is not None:
            return scheduled
    return translate(exc, sc, secret_id, stage, version)


def _describe(sc: SecretsClient, secret_id: str) -> dict[str, Any] | None:
    try:
        result: dict[str, Any] = sc.client.describe_secret(SecretId=secret_id)
    except Exception:  # noqa: BLE001 - a second opinion only; the first error stands
        return None
    return result


def _scheduled_deletion(sc: SecretsClient, secret_id: str) -> NotOkError | None:
    described = _describe(sc, secret_id)
    if not described or not described.get("DeletedDate"):
        return None
    name = str(described.get("Name") or secret_id)
    when = iso(described["DeletedDate"]) or "soon"
    restore = aws_command(sc.plan, "secretsmanager restore-secret", "--secret-id", name)
    return NotOkError(
        f"secret {name!r} is scheduled for deletion: it will be deleted after {when}",
        fix=f"Restore it with `{restore}` before then",
    )


def _not_found(sc: SecretsClient, secret_id: str, stage: str | None, version: str | None) -> NotOkError:
    where = endpoint_text(sc.plan)
    if stage or version:
        described = _describe(sc, secret_id)
        if described is not None:
            stages = sorted({s for labels in (described.get("VersionIdsToStages") or {}).values() for s in labels})
            versions = sorted(described.get("VersionIdsToStages") or {})
            asked = f"stage {stage!r}" if stage else f"version id {version!r}"
            known = f"stages: {', '.join(stages) or 'none'}" if stage else f"version ids: {', '.join(versions)}"
            return NotOkError(
                f"secret {secret_id!r} has no {asked} at {where}; its {known}",
                fix="Pick an existing one, or drop the flag for AWSCURRENT",
            )
    suggestions = _closest(sc, secret_id)
    hint = f"; closest names: {', '.join(suggestions)}" if suggestions else ""
    from foundry_discover.checks.aws import accounts

    keys = accounts.not_found(sc, secret_id)
    under = f" {keys.text}" if keys else ""
    fix = (
        f"Check the name and the region (now {sc.plan.region}, from {sc.plan.region_source}); "
        f"`{suggest('secret list')}` shows what exists"
    )
    if keys is not None and keys.fix:
        fix = keys.fix
    return NotOkError(f"secret {secret_id!r} not found at {where}{under}{hint}", fix=fix)


#: How long a not-found waits for the list of names it suggests from (seconds).
SUGGESTION_BUDGET = 1.0


def _closest(sc: SecretsClient, secret_id: str) -> list[str]:
    import difflib

    from foundry_discover.lite.bounded import within

    match = ARN_RE.match(secret_id)
    wanted = match.group(2) if match else secret_id
    # A courtesy gets a short budget of its own: a slow list must not turn a clear
    # "not found" into "no complete answer" when the command's deadline fires. It may
    # also be forbidden, or fail: then there is nothing to suggest.
    try:
        names = within(
            lambda: [entry.name for entry in list_secrets(sc, limit_pages=10, explain_empty=False).secrets],
            SUGGESTION_BUDGET,
        )
    except Exception:  # noqa: BLE001 -- Late included: a courtesy never fails the command
        return []
    return difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
