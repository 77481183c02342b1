"""Every `--json` document the suite's CLI runs print is checked against `foundry-discover schema`.

How (a pytest plugin, loaded by tests/conftest.py):
- Recording: two wrappers observe output without changing it. `CliRunner.invoke` (in-process
  runs) and `subprocess.Popen.communicate`, which `subprocess.run(capture_output=...)` also goes
  through, so real console-script, `.pyz`, `docker exec` and signalled Popen runs are seen alike.
  A run counts when its argv holds `--json` and its stdout is a JSON object whose `schema` is
  ours; anything else (text runs, other programs) is left alone.
- Checking: after each test phase, the documents that phase produced are validated against the
  schema the tool itself prints (`render.schema.document_schema()`). An invalid one fails that
  test, with the JSON path and the command line, so the culprit is the test that made it.
- The terminal summary counts what was checked, per command and per kind (ok, error,
  interrupted, timed out), so a run that checked nothing shows it.
- `FOUNDRY_TEST_JSON_DUMP=FILE` also appends each document (with its argv) to FILE, one per
  line: the shapes to read when a result changes.

Why wrappers and not a log written by the tool: nothing test-only enters the product, and
`cli_env()`/`clean_env` keep FOUNDRY_* variables out of the runs they start.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from typer.testing import CliRunner


@dataclass
class Seen:
    argv: list[str]
    doc: dict[str, Any]


@dataclass
class Tap:
    pending: list[Seen] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    checked: int = 0

    def record(self, argv: Sequence[object], stdout: object) -> None:
        words = [a.decode() if isinstance(a, bytes) else str(a) for a in argv]
        if "--json" not in words:
            return
        text = stdout.decode(errors="replace") if isinstance(stdout, bytes) else stdout
        if not isinstance(text, str) or not text.strip():
            return
        try:
            doc = json.loads(text)
        except ValueError:
            return  # not a document: tests of --json output say so themselves
        if isinstance(doc, dict) and str(doc.get("schema", "")).startswith("foundry-discover/"):
            self.pending.append(Seen(words, doc))
            if DUMP:  # a development aid: every document, one per line, to read the shapes
                with open(DUMP, "a") as out:
                    out.write(json.dumps({"argv": words, "doc": doc}) + "\n")


TAP = Tap()
#: FOUNDRY_TEST_JSON_DUMP=FILE appends each recorded document to FILE.
DUMP = os.environ.get("FOUNDRY_TEST_JSON_DUMP")


def kind_of(doc: dict[str, Any]) -> str:
    result = doc.get("result") if isinstance(doc.get("result"), dict) else {}
    error = doc.get("error") or {}
    if error.get("type") in ("interrupted", "terminated") or result.get("interrupted"):
        return "interrupted"
    if error.get("type") == "timeout" or result.get("timed_out"):
        return "timed out"
    return "ok" if doc.get("ok") else "error"


@functools.cache
def validator() -> Any:
    import jsonschema

    from foundry_discover.render.schema import document_schema

    return jsonschema.Draft202012Validator(document_schema())


def problems(seen: Seen) -> list[str]:
    """Each violation, at its most specific: inside an anyOf, the branch that came closest."""
    from jsonschema.exceptions import best_match

    found = []
    for err in validator().iter_errors(seen.doc):
        while err.context:
            # "is not null" says nothing about a value that was meant to be there.
            real = [c for c in err.context if (c.validator, c.validator_value) != ("type", "null")]
            err = best_match(real or err.context)
        where = "/".join(str(p) for p in err.absolute_path) or "(document)"
        found.append(f"{where}: {err.message[:300]}")
    return sorted(found)


@pytest.fixture(autouse=True, scope="session")
def _json_tap() -> Iterator[None]:
    """The two observing wrappers, for the whole session (undone at its end)."""
    invoke, communicate = CliRunner.invoke, subprocess.Popen.communicate

    def observed_invoke(self: CliRunner, app: Any, args: Any = None, *a: Any, **kw: Any) -> Any:
        result = invoke(self, app, args, *a, **kw)
        argv = ["foundry-discover", *([args] if isinstance(args, str) else list(args or []))]
        TAP.record(argv, result.stdout_bytes)
        return result

    def observed_communicate(self: subprocess.Popen[Any], *a: Any, **kw: Any) -> Any:
        out, err = communicate(self, *a, **kw)
        argv = [self.args] if isinstance(self.args, (str, bytes)) else list(self.args)
        TAP.record(argv, out)
        return out, err

    CliRunner.invoke = observed_invoke  # type: ignore[method-assign]
    subprocess.Popen.communicate = observed_communicate  # type: ignore[method-assign]
    try:
        yield
    finally:
        CliRunner.invoke = invoke  # type: ignore[method-assign]
        subprocess.Popen.communicate = communicate  # type: ignore[method-assign]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    seen, TAP.pending[:] = list(TAP.pending), []
    bad: list[str] = []
    for one in seen:
        TAP.checked += 1
        TAP.counts[f"{one.doc.get('command')}: {kind_of(one.doc)}"] += 1
        found = problems(one)
        if found:
            bad.append(f"{' '.join(one.argv)}\n  " + "\n  ".join(found))
    if bad and not report.failed:
        report.outcome = "failed"
        report.longrepr = "a --json document does not match `foundry-discover schema`:\n" + "\n".join(bad)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TAP.checked:
        detail = ", ".join(f"{k} {n}" for k, n in sorted(TAP.counts.items()))
        terminalreporter.write_line(
            f"JSON contract: {TAP.checked} --json documents checked against the schema ({detail})"
        )
