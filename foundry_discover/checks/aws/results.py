"""Results of Secrets Manager calls as plain models: a value, a list of names, the plan as JSON.

A value is held, never shown: rendering decides whether it appears.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

from foundry_discover.checks.aws.plan import ClientPlan, safe_url

if TYPE_CHECKING:
    pass


def iso(value: object) -> str | None:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.isoformat()
    return None


def plan_json(plan: ClientPlan) -> dict[str, Any]:
    return {
        "environment": plan.environment,
        "environment_value": plan.environment_value,
        "environment_reason": plan.environment_reason,
        "endpoint_url": plan.shown_endpoint if plan.endpoint_url is None else safe_url(plan.endpoint_url),
        "endpoint_source": plan.endpoint_source,
        "endpoint_is_aws": plan.endpoint_is_aws,
        "endpoint_candidates": [
            {"source": c.source, "url": c.url, "used": c.used, "note": c.note} for c in plan.candidates
        ],
        "region": plan.region,
        "region_source": plan.region_source,
        "region_note": plan.region_note,
        "credentials_source": plan.credentials_source,
        "guard": plan.guard,
        "environment_check": plan.environment_check,
        "profile": plan.profile,
        "route": plan.route,
        "ca_bundle": plan.ca_bundle,
    }


@dataclass
class SecretValue:
    """One fetched secret version. The value never appears in repr or in JSON unless revealed."""

    name: str
    arn: str
    version_id: str | None
    stages: list[str]
    created: str | None
    kind: Literal["string", "binary"]
    length: int
    size_bytes: int
    json_keys: list[str] | None
    key: str | None
    plan: ClientPlan
    value: str | bytes = field(repr=False)
    revealed: bool = False

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.name,
            "arn": self.arn,
            "version_id": self.version_id,
            "stages": self.stages,
            "created": self.created,
            "type": self.kind,
            "length": self.length,
            "size_bytes": self.size_bytes,
            "json_keys": self.json_keys,
            "key": self.key,
            "revealed": self.revealed,
            "client": plan_json(self.plan),
        }
        if self.revealed:
            if isinstance(self.value, bytes):
                import base64

                doc["value_base64"] = base64.b64encode(self.value).decode("ascii")
            else:
                doc["value"] = self.value
        return doc


@dataclass(frozen=True)
class SecretEntry:
    name: str
    arn: str
    description: str
    last_changed: str | None
    deletion_date: str | None


@dataclass
class SecretList:
    secrets: list[SecretEntry]
    plan: ClientPlan
    #: What an empty list may mean (secrets under other keys than the application's).
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "secrets": [
                {
                    "name": s.name,
                    "arn": s.arn,
                    "description": s.description,
                    "last_changed": s.last_changed,
                    "deletion_date": s.deletion_date,
                }
                for s in self.secrets
            ],
            "notes": self.notes,
            "client": plan_json(self.plan),
        }
