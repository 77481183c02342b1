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


DOCTOR_KEYS = {
    "ok",
    "exit_code",
    "elapsed_ms",
    "attempts",
    "timed_out",
    "interrupted",
    "environment",
    "runtime",
    "notes",
    "environment_check",
    "environment_warnings",
    "left_out",
    "docker",
    "counts",
    "services",
}
DOCTOR_SERVICE_KEYS = {"name", "url", "ok", "exit_code", "failed_step", "unfinished_step", "steps"}


def test_doctor_result_keys(clean_env: pytest.MonkeyPatch) -> None:
    # An unknown name fails at the config step, before any lookup.
    doc = json.loads(CliRunner().invoke(app, ["doctor", "nope", "--json"]).stdout)
    result = doc["result"]
    assert set(result) == DOCTOR_KEYS
    assert set(result["counts"]) == {"services", "passed", "failed", "unfinished", "warned", "left_out"}
    assert set(result["services"][0]) == DOCTOR_SERVICE_KEYS
    assert result["interrupted"] is None and result["left_out"] == []


def test_resolve_result_has_its_own_timeout(clean_env: pytest.MonkeyPatch) -> None:
    doc = json.loads(CliRunner().invoke(app, ["resolve", "10.0.0.1", "--timeout", "3", "--json"]).stdout)
    assert doc["result"]["timeout"] == 3
    assert {"timeout", "attempts"} <= set(doc["result"]["resolver"])


def test_every_error_type_is_in_the_docs() -> None:
    """`error.type` is part of the contract: docs/json.md lists exactly the types there are."""
    import re
    from pathlib import Path

    import foundry_discover.cli.options  # noqa: F401 - defines the CLI's own error (internal)
    from foundry_discover.lite.errors import FoundryError

    def subclasses(cls: type[FoundryError]) -> set[type[FoundryError]]:
        return {sub for direct in cls.__subclasses__() for sub in {direct, *subclasses(direct)}}

    kinds = {cls.kind for cls in subclasses(FoundryError)}
    readme = (Path(__file__).resolve().parent.parent / "docs" / "json.md").read_text()
    listed = re.search(r"`type` one of (.+?)\.", readme, re.S)
    assert listed is not None
    assert set(re.findall(r"`(\w+)`", listed.group(1))) == kinds


def test_sigterm_has_its_own_error_type() -> None:
    from foundry_discover.lite.errors import Terminated, stop_error

    assert (stop_error(Terminated()).kind, stop_error(Terminated()).exit_code) == ("terminated", 143)
    assert (stop_error(KeyboardInterrupt()).kind, stop_error(KeyboardInterrupt()).exit_code) == ("interrupted", 130)


def test_result_keys_added_for_near_miss_input(clean_env: pytest.MonkeyPatch) -> None:
    """doctor's environment_check and environment_warnings; url's service-link error (issue 13)."""
    clean_env.setenv("ENVIRONMENT", "Development")
    doc = json.loads(CliRunner().invoke(app, ["doctor", "nope", "--json"]).stdout)
    check_envelope(doc, "doctor")
    result = doc["result"]
    assert set(result["environment_check"]) == {"value", "app", "tool", "standard", "likely", "warning"}
    assert result["environment_check"]["likely"] == "development"
    assert result["environment_warnings"] == [result["environment_check"]["warning"]]
    assert result["environment_warnings"][0] in doc["warnings"]
    clean_env.setenv("LOCALSTACK_PORT", "tcp://10.96.0.12:4566")
    doc = json.loads(CliRunner().invoke(app, ["url", "localstack", "--json"]).stdout)
    check_envelope(doc, "url")
    assert doc["exit_code"] == 3 and "injected by Kubernetes" in doc["error"]["message"]


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
