"""The JSON envelope is a contract: every command's --json output has this shape.

Adding a key is fine; removing or renaming one must bump SCHEMA_VERSION, and this test
is what notices. The shape is also published as a JSON Schema (`foundry-discover schema`);
tests/json_documents.py checks every --json document the whole suite prints against it,
and the tests here check the schema itself and the runs that are hardest to come by
(timed out, interrupted).
"""

from __future__ import annotations

import copy
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from foundry_discover.cli import app
from foundry_discover.render import SCHEMA, SCHEMA_VERSION
from tests import json_documents
from tests.conftest import cli_env, run_cli
from tests.support.emulators import free_port

ENVELOPE_KEYS = {"schema", "schema_version", "tool", "command", "ok", "exit_code", "warnings", "result", "error"}
ERROR_KEYS = {"type", "exit_code", "message", "fix"}


def published_schema() -> dict[str, Any]:
    """What `foundry-discover schema` prints, as a consumer would read it."""
    out = CliRunner().invoke(app, ["schema"])
    assert out.exit_code == 0, out.output
    schema = json.loads(out.stdout)
    assert isinstance(schema, dict)
    return schema


SCHEMA_DOC = published_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA_DOC)


def schema_errors(doc: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(doc)]


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
    assert schema_errors(doc) == []


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


# ---- the published schema ---------------------------------------------------------------


def test_schema_is_draft_2020_12_and_its_version_is_the_envelopes() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA_DOC)
    assert SCHEMA_DOC["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA_DOC["$id"].endswith(f":v{SCHEMA_VERSION}")
    assert SCHEMA_DOC["properties"]["schema_version"] == {"const": SCHEMA_VERSION}
    assert SCHEMA_DOC["properties"]["schema"] == {"const": SCHEMA}
    assert set(SCHEMA_DOC["required"]) == ENVELOPE_KEYS
    assert set(SCHEMA_DOC["$defs"]["error"]["required"]) == ERROR_KEYS


def leaf_commands() -> set[str]:
    import typer

    def walk(cmd: Any, prefix: str) -> set[str]:
        found: set[str] = set()
        for name, sub in getattr(cmd, "commands", {}).items():
            full = f"{prefix} {name}".strip()
            found |= walk(sub, full) if getattr(sub, "commands", None) else {full}
        return found

    return walk(typer.main.get_command(app), "")


def test_every_command_that_prints_json_has_a_result_schema() -> None:
    # `schema` prints the schema itself, not an envelope; `audit` (issue 19) may come later.
    described = set(SCHEMA_DOC["properties"]["command"]["enum"])
    assert leaf_commands() - {"schema"} <= described
    assert described - leaf_commands() <= {"audit"}
    for command in SCHEMA_DOC["properties"]["command"]["enum"]:
        assert f"{command.replace(' ', '_')}_result" in SCHEMA_DOC["$defs"]


def test_every_error_type_has_its_exit_code_in_the_schema() -> None:
    from foundry_discover.render.schema import error_classes

    rules = {
        r["if"]["properties"]["type"]["const"]: r["then"]["properties"]["exit_code"]["const"]
        for r in SCHEMA_DOC["$defs"]["error"]["allOf"]
    }
    assert rules == {cls.kind: cls.exit_code for cls in error_classes()}
    assert rules["timeout"] == 124 and rules["interrupted"] == 130 and rules["terminated"] == 143


def doctor_doc() -> dict[str, Any]:
    doc = json.loads(CliRunner().invoke(app, ["doctor", "nope", "--json"]).stdout)
    assert isinstance(doc, dict)
    return doc


def test_the_schema_rejects_what_breaks_the_contract(clean_env: pytest.MonkeyPatch) -> None:
    """It can fail: each break below is one a consumer's parser would trip on."""
    good = doctor_doc()
    assert schema_errors(good) == []

    def broken(change: Any) -> list[str]:
        doc = copy.deepcopy(good)
        change(doc)
        return schema_errors(doc)

    assert broken(lambda d: d["result"].pop("counts"))  # a result key removed
    assert broken(lambda d: d["result"]["services"][0]["steps"][0].pop("status"))
    assert broken(lambda d: d.update(ok=True))  # ok although exit 3
    assert broken(lambda d: d.update(error=None))  # not ok, and no reason given
    assert broken(lambda d: d["error"].update(type="timeout"))  # timeout is exit 124, not 3
    assert broken(lambda d: d["error"].update(exit_code=4))  # not the run's exit code
    assert broken(lambda d: d.update(schema_version=SCHEMA_VERSION + 1))
    assert broken(lambda d: d.update(command="dcotor"))
    assert broken(lambda d: d["result"].update(attempts="1"))
    # What the contract allows: new keys, in the envelope and in results.
    assert broken(lambda d: d["result"].update(new_key=[1])) == []
    assert broken(lambda d: d["result"]["services"][0].update(new_key=None)) == []
    assert broken(lambda d: d.update(new_key={})) == []


def test_a_timed_out_wait_matches_the_schema(clean_env: pytest.MonkeyPatch) -> None:
    port = str(free_port())  # nothing listens: every attempt is refused until the deadline
    env = cli_env(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=port)
    for argv in (
        ["doctor", "localstack", "--wait", "--timeout", "1", "--json"],
        ["health", "--url", f"http://127.0.0.1:{port}", "--wait", "--timeout", "1", "--json"],
    ):
        out = run_cli(*argv, env=env, timeout=30)
        doc = json.loads(out.stdout)
        assert (out.returncode, doc["error"]["type"]) == (124, "timeout"), out.stderr
        check_envelope(doc, argv[0])
        assert json_documents.kind_of(doc) == "timed out"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_wait_matches_the_schema(sig: signal.Signals, clean_env: pytest.MonkeyPatch) -> None:
    env = cli_env(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(free_port()))
    exe = Path(sys.executable).with_name("foundry-discover")
    argv = [str(exe), "doctor", "localstack", "--wait", "--timeout", "60", "--json"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        time.sleep(1.5)  # waiting: the first attempts were refused
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    doc = json.loads(out)
    assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143}[sig], err
    check_envelope(doc, "doctor")
    assert json_documents.kind_of(doc) == "interrupted"


# ---- the suite-wide check (tests/json_documents.py) -------------------------------------


def test_the_suite_wide_tap_sees_in_process_and_subprocess_runs(clean_env: pytest.MonkeyPatch) -> None:
    before = len(json_documents.TAP.pending)
    CliRunner().invoke(app, ["url", "localstack", "--json"])
    run_cli("url", "localstack", "--json")
    run_cli("url", "localstack")  # text: not a document
    seen = json_documents.TAP.pending[before:]
    assert [s.doc["command"] for s in seen] == ["url", "url"]
    assert seen[1].argv[-3:] == ["url", "localstack", "--json"]


def test_the_suite_wide_check_reports_a_bad_document(clean_env: pytest.MonkeyPatch) -> None:
    doc = doctor_doc()
    doc["result"].pop("services")
    found = json_documents.problems(json_documents.Seen(["doctor", "nope", "--json"], doc))
    assert found == ["result: 'services' is a required property"], found
