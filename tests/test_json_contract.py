"""The JSON envelope is a contract: every command's --json output has this shape.

Adding a key is fine; removing or renaming one must bump SCHEMA_VERSION, and this test
is what notices.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from foundry_discover.cli import app
from foundry_discover.render import SCHEMA, SCHEMA_VERSION

ENVELOPE_KEYS = {"schema", "schema_version", "tool", "command", "ok", "exit_code", "warnings", "result", "error"}
ERROR_KEYS = {"type", "exit_code", "message", "fix"}


def check_envelope(doc: dict[str, Any], command: str) -> None:
    assert set(doc) == ENVELOPE_KEYS
    assert doc["schema"] == SCHEMA == "foundry-discover/v1"
    assert doc["schema_version"] == SCHEMA_VERSION == 1
    assert doc["tool"]["name"] == "foundry-discover"
    assert doc["command"] == command
    assert isinstance(doc["warnings"], list)
    assert doc["ok"] is (doc["exit_code"] == 0)
    if doc["ok"]:
        assert doc["error"] is None
    else:
        assert set(doc["error"]) == ERROR_KEYS
        assert doc["error"]["exit_code"] == doc["exit_code"]
        assert isinstance(doc["error"]["message"], str) and doc["error"]["message"]


CASES = [
    (["url", "localstack", "--json"], "url", 0),
    (["url", "--json"], "url", 0),
    (["url", "nope", "--json"], "url", 3),
    # wrong region: refused before any request is sent
    (["secret", "get", "arn:aws:secretsmanager:eu-west-1:000000000000:secret:x", "--json"], "secret get", 3),
    (["resolve", "10.0.0.1", "--json"], "resolve", 0),
    (["resolve", "bad name", "--json"], "resolve", 3),
    # a closed loopback port: refused at once, no other resolver is asked
    (["resolve", "svc.test", "--nameserver", "127.0.0.1:9", "--json"], "resolve", 4),
    # nothing listens on loopback port 9: refused at once
    (["health", "--url", "http://127.0.0.1:9", "--json"], "health", 4),
    # an unknown name fails at the config step, before any lookup
    (["doctor", "nope", "--json"], "doctor", 3),
]


@pytest.mark.parametrize(("argv", "command", "code"), CASES)
def test_envelope_shape(argv: list[str], command: str, code: int, clean_env: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == code
    doc = json.loads(result.stdout)
    check_envelope(doc, command)
    assert doc["exit_code"] == code


#: doctor's Docker evidence (`result.docker`): present whether or not an Engine API answered.
DOCKER_KEYS = {
    "endpoint",
    "endpoint_source",
    "reachable",
    "note",
    "version",
    "api_version",
    "error",
    "self",
    "self_evidence",
    "targets",
    "elapsed_ms",
}
RUNTIME_KEYS = {
    "kind",
    "docker_dns",
    "namespace",
    "namespace_source",
    "evidence",
    "container_id",
    "container_id_source",
}


def test_doctor_docker_evidence_shape(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.delenv("DOCKER_HOST", raising=False)
    doc = json.loads(CliRunner().invoke(app, ["doctor", "nope", "--json"]).stdout)
    assert set(doc["result"]["docker"]) == DOCKER_KEYS
    assert isinstance(doc["result"]["docker"]["note"], str) and doc["result"]["docker"]["note"]
    assert set(doc["result"]["runtime"]) == RUNTIME_KEYS
