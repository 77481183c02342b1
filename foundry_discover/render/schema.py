"""The JSON Schema (draft 2020-12) of the ``--json`` envelope and of each command's result.

Kept beside the shapes it describes: ``envelope`` and ``error_json`` in ``render``, the
result shapes in ``render/<command>.py`` and the models' ``to_json`` methods. The error types
and their exit codes come from the error hierarchy itself, so a new error class is in the
schema without an edit here.

What it promises, and what it leaves open:
- every key a document has today is required (removing or renaming one bumps
  ``SCHEMA_VERSION``, and the schema's ``$id`` moves with it);
- result objects may gain keys (``additionalProperties`` is left open): consumers must
  ignore keys they do not know;
- ``ok`` is true exactly when ``exit_code`` is 0; a document that is not ok carries an
  ``error`` object, one that is ok carries ``error: null``.
"""

from __future__ import annotations

from foundry_discover.lite.errors import FoundryError
from foundry_discover.render import SCHEMA, SCHEMA_VERSION
from foundry_discover.render.schema_results import (
    ANY,
    BOOLEAN,
    INTEGER,
    STRING,
    Schema,
    array,
    audit_result,
    doctor_result,
    health_result,
    nullable,
    obj,
    ref,
    resolve_result,
    secret_get_result,
    secret_list_result,
    url_result,
)


def error_classes() -> list[type[FoundryError]]:
    found: list[type[FoundryError]] = []
    todo = list(FoundryError.__subclasses__())
    while todo:
        cls = todo.pop(0)
        found.append(cls)
        todo += cls.__subclasses__()
    return sorted(found, key=lambda c: c.kind)


def error_schema() -> Schema:
    """``{type, exit_code, message, fix}``: each type with the one exit code its class has."""
    kinds = {cls.kind: cls.exit_code for cls in error_classes()}
    base = obj({"type": {"enum": sorted(kinds)}, "exit_code": INTEGER, "message": STRING, "fix": nullable(STRING)})
    base["properties"]["message"] = {"type": "string", "minLength": 1}
    base["allOf"] = [
        {"if": {"properties": {"type": {"const": kind}}}, "then": {"properties": {"exit_code": {"const": code}}}}
        for kind, code in sorted(kinds.items())
    ]
    return base


#: The envelope's ``command`` -> the shape of its ``result`` (null when nothing was produced).
RESULTS = {
    "url": url_result,
    "resolve": resolve_result,
    "health": health_result,
    "secret get": secret_get_result,
    "secret list": secret_list_result,
    "doctor": doctor_result,
    # Issue 19's command, described as it specifies: merged with it, its documents are checked too.
    "audit": audit_result,
}


def document_schema() -> Schema:
    """The whole schema: the envelope, with each command's result and the error object."""
    defs: dict[str, Schema] = {"error": error_schema()}
    per_command = []
    for command, make in RESULTS.items():
        name = command.replace(" ", "_") + "_result"
        defs[name] = make()
        per_command.append(
            {
                "if": {"properties": {"command": {"const": command}}, "required": ["command"]},
                "then": {"properties": {"result": nullable(ref(name))}},
            }
        )
    envelope = obj(
        {
            "schema": {"const": SCHEMA},
            "schema_version": {"const": SCHEMA_VERSION},
            "tool": obj({"name": {"const": "foundry-discover"}, "version": STRING}),
            "command": {"enum": list(RESULTS)},
            "ok": BOOLEAN,
            "exit_code": {"type": "integer", "minimum": 0},
            "warnings": array(STRING),
            "result": ANY,
            "error": nullable(ref("error")),
        }
    )
    codes = sorted({cls.exit_code for cls in error_classes()})
    same_code = [
        {
            "if": {"properties": {"exit_code": {"const": code}, "error": {"type": "object"}}},
            "then": {"properties": {"error": {"properties": {"exit_code": {"const": code}}}}},
        }
        for code in codes
    ]
    consistency = [
        # ok exactly when exit 0; not ok always says why, in an error whose code is the run's.
        {
            "if": {"properties": {"ok": {"const": True}}},
            "then": {"properties": {"exit_code": {"const": 0}, "error": {"type": "null"}}},
            "else": {"properties": {"exit_code": {"minimum": 1}, "error": {"type": "object"}}},
        },
        *same_code,
        *per_command,
    ]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:foundry-discover:schema:v{SCHEMA_VERSION}",
        "title": f"foundry-discover --json document ({SCHEMA})",
        "description": (
            "One document per run on stdout, success or failure alike. Keys listed are required; "
            "result objects may gain keys, so ignore keys you do not know."
        ),
        **envelope,
        "allOf": consistency,
        "$defs": defs,
    }


def show() -> None:
    """The schema on stdout, as a file a validator reads (``foundry-discover schema > schema.json``)."""
    import json
    import sys

    sys.stdout.write(json.dumps(document_schema(), indent=2) + "\n")
    sys.stdout.flush()
