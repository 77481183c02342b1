"""The shapes of each command's ``result``, for ``render.schema``: one function per command.

Each mirrors the code that makes the shape (``render/<command>.py``, the models' ``to_json``);
keys listed are required, and an object may carry keys beyond them.
"""

from __future__ import annotations

from typing import Any, get_args

from foundry_discover.doctor.model import StepStatus

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
ANY: Schema = {}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: Schema = ANY) -> Schema:
    return {"type": "array", "items": items}


def obj(properties: dict[str, Schema], *, optional: dict[str, Schema] | None = None) -> Schema:
    """An object: every key in ``properties`` required, ``optional`` ones described; others allowed."""
    return {
        "type": "object",
        "required": list(properties),
        "properties": {**properties, **(optional or {})},
    }


def ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


# ---- shared pieces -------------------------------------------------------------------------

SOURCE = obj({"kind": STRING, "detail": nullable(STRING), "variable": nullable(STRING), "text": STRING})

SERVICE = obj(
    {
        "name": STRING,
        "url": STRING,
        "host": STRING,
        "port": INTEGER,
        "scheme": STRING,
        "health_path": nullable(STRING),
        "host_source": SOURCE,
        "port_source": SOURCE,
        "declared_by": STRING,
        "warnings": array(STRING),
    }
)

ENVIRONMENT_CHECK = obj(
    {
        "value": nullable(STRING),
        "app": nullable(STRING),
        "tool": STRING,
        "standard": BOOLEAN,
        "likely": nullable(STRING),
        "warning": nullable(STRING),
    }
)

CLIENT = obj(
    {
        "environment": STRING,
        "environment_value": nullable(STRING),
        "environment_reason": STRING,
        "endpoint_url": nullable(STRING),
        "endpoint_source": nullable(STRING),
        "endpoint_is_aws": BOOLEAN,
        "endpoint_candidates": array(obj({"source": STRING, "url": nullable(STRING), "used": BOOLEAN})),
        "region": nullable(STRING),
        "region_source": nullable(STRING),
        "credentials_source": nullable(STRING),
        "guard": nullable(STRING),
        "environment_check": ENVIRONMENT_CHECK,
        "profile": nullable(STRING),
    }
)

PROBE = obj(
    {
        "scheme": STRING,
        "expected": STRING,
        "protocol": nullable(STRING),
        "state": STRING,
        "detail": STRING,
        "connect_ms": nullable(NUMBER),
        "request": nullable(STRING),
        "elapsed_ms": NUMBER,
        "note": nullable(STRING),
        "fix": nullable(STRING),
        "server": nullable(STRING),
        "http_status": nullable(INTEGER),
        "location": nullable(STRING),
    }
)

INIT = obj(
    {
        "source": STRING,
        "ready": nullable(BOOLEAN),
        "stages": {"type": "object"},
        "scripts": array({"type": "object"}),
        "total": INTEGER,
        "failed": INTEGER,
        "detail": nullable(STRING),
    }
)

# ---- one result shape per command ------------------------------------------------------------


def url_result() -> Schema:
    entry = {
        "anyOf": [
            {"allOf": [SERVICE, obj({"ok": {"const": True}})]},
            obj({"name": STRING, "ok": {"const": False}, "error": ref("error")}),
        ]
    }
    return {"anyOf": [SERVICE, obj({"services": array(entry)})]}


def resolve_result() -> Schema:
    verdict = obj(
        {
            "resolved": BOOLEAN,
            "kind": STRING,
            "summary": STRING,
            "cause": nullable(STRING),
            "fix": nullable(STRING),
            "notes": array(STRING),
        }
    )
    resolver = obj(
        {
            "nameservers": array(STRING),
            "nameserver_override": BOOLEAN,
            "search": array(STRING),
            "ndots": INTEGER,
            "timeout": NUMBER,
            "attempts": INTEGER,
            "rotate": BOOLEAN,
            "options": array(STRING),
            "sources": {"type": "object"},
            "ignored": array(STRING),
        }
    )
    candidate = obj(
        {"name": STRING, "origin": STRING, "status": STRING, "note": nullable(STRING), "queries": array(ANY)}
    )
    return obj(
        {
            "query": STRING,
            "host": STRING,
            "service": nullable(STRING),
            "host_source": nullable(STRING),
            "host_variable": nullable(STRING),
            "types": array(STRING),
            "resolved": BOOLEAN,
            "verdict": verdict,
            "app": {"type": "object"},
            "hosts_file": {"type": "object"},
            "resolver": resolver,
            "candidates": array(candidate),
            "stopped": nullable(STRING),
            "timeout": nullable(NUMBER),
        }
    )


def health_result() -> Schema:
    emulator = obj(
        {
            "url": STRING,
            "emulator": STRING,
            "version": nullable(STRING),
            "edition": nullable(STRING),
            "round_trip_ms": NUMBER,
            "verdict": STRING,
            "ok": BOOLEAN,
            "reasons": array(STRING),
            "required": array(STRING),
            "unavailable": array(STRING),
            "services": {"type": "object", "additionalProperties": STRING},
            "init": INIT,
        }
    )
    service = obj(
        {
            "name": STRING,
            "url": STRING,
            "verdict": STRING,
            "ok": BOOLEAN,
            "reasons": array(STRING),
            "connect_ms": nullable(NUMBER),
            "health_url": nullable(STRING),
            "http_status": nullable(INTEGER),
            "error": nullable(ref("error")),
            "emulator": nullable(emulator),
            "protocol": nullable(STRING),
            "probe": nullable(PROBE),
        }
    )
    every = obj({"services": array(service), "interrupted": nullable(STRING)})
    return {"anyOf": [emulator, service, every]}


def secret_get_result() -> Schema:
    return obj(
        {
            "name": STRING,
            "arn": nullable(STRING),
            "version_id": nullable(STRING),
            "stages": array(STRING),
            "created": nullable(STRING),
            "type": {"enum": ["string", "binary"]},
            "length": INTEGER,
            "size_bytes": INTEGER,
            "json_keys": nullable(array(STRING)),
            "key": nullable(STRING),
            "revealed": BOOLEAN,
            "client": CLIENT,
        },
        # Only with --show-value: the secret itself, text or base64 of its bytes.
        optional={"value": STRING, "value_base64": STRING},
    )


def secret_list_result() -> Schema:
    secret = obj(
        {
            "name": STRING,
            "arn": nullable(STRING),
            "description": nullable(STRING),
            "last_changed": nullable(STRING),
            "deletion_date": nullable(STRING),
        }
    )
    return obj({"secrets": array(secret), "client": CLIENT})


def doctor_result() -> Schema:
    step = obj(
        {
            "name": STRING,
            "status": {"enum": list(get_args(StepStatus))},
            "detail": STRING,
            "elapsed_ms": NUMBER,
            "fix": nullable(STRING),
            "exit_code": INTEGER,
            "data": {"type": "object"},
        }
    )
    service = obj(
        {
            "name": STRING,
            "url": nullable(STRING),
            "ok": BOOLEAN,
            "exit_code": INTEGER,
            "failed_step": nullable(STRING),
            "unfinished_step": nullable(STRING),
            "steps": array(step),
        }
    )
    counts = obj({k: INTEGER for k in ("services", "passed", "failed", "unfinished", "warned", "left_out")})
    runtime = obj(
        {
            "kind": STRING,
            "docker_dns": BOOLEAN,
            "namespace": nullable(STRING),
            "namespace_source": nullable(STRING),
            "evidence": array(STRING),
            "container_id": nullable(STRING),
            "container_id_source": nullable(STRING),
        }
    )
    docker = obj(
        {
            "endpoint": nullable(STRING),
            "endpoint_source": nullable(STRING),
            "reachable": BOOLEAN,
            "note": STRING,
            "version": nullable(STRING),
            "api_version": nullable(STRING),
            "error": nullable(STRING),
            "self": ANY,
            "self_evidence": ANY,
            "targets": {"type": "object"},
            "elapsed_ms": NUMBER,
        }
    )
    return obj(
        {
            "ok": BOOLEAN,
            "exit_code": INTEGER,
            "elapsed_ms": NUMBER,
            "attempts": INTEGER,
            "timed_out": BOOLEAN,
            "interrupted": nullable(STRING),
            "environment": STRING,
            "runtime": runtime,
            "notes": array(STRING),
            "left_out": array(ANY),
            "environment_check": ENVIRONMENT_CHECK,
            "environment_warnings": array(STRING),
            "docker": docker,
            "counts": counts,
            "services": array(service),
        }
    )


def audit_result() -> Schema:
    """``audit`` (issue 19): the findings, each at its file, line and column."""
    finding = obj(
        {
            "rule": STRING,
            "severity": {"enum": ["error", "warning"]},
            "file": STRING,
            "line": nullable(INTEGER),
            "column": nullable(INTEGER),
            "message": STRING,
            "fix": nullable(STRING),
        }
    )
    return obj({"findings": array(finding)})
