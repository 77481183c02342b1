"""The CI templates and the Compose example are valid for the systems that run them, offline.

check-jsonschema (a test extra) bundles the GitHub Actions workflow, GitLab CI and Compose
schemas: `--builtin-schema vendor.NAME` reads them from the package, so nothing is
fetched. What the templates run is checked by tests/test_examples.py; here, their shape
and the GitLab audit job's SARIF (tests/test_audit_cli.py follows GitHub's to code scanning).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.test_examples import EXAMPLES, by_file, load

CHECK = Path(sys.executable).with_name("check-jsonschema")
SCHEMAS = {
    "ci/github-actions.yml": "vendor.github-workflows",
    "ci/github-audit.yml": "vendor.github-workflows",
    "ci/gitlab-ci.yml": "vendor.gitlab-ci",
    "compose/docker-compose.yml": "vendor.compose-spec",
}


def check(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK), "--builtin-schema", schema, str(path)], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(("file", "schema"), sorted(SCHEMAS.items()))
def test_example_matches_its_vendor_schema(file: str, schema: str) -> None:
    out = check(schema, EXAMPLES / file)
    assert out.returncode == 0, f"{file} against {schema}:\n{out.stdout}{out.stderr}"


def test_the_vendor_schema_check_can_fail(tmp_path: Path) -> None:
    """A step with both `uses` and `run`, and a GitLab job whose script is a number, are refused."""
    (doc,) = load(EXAMPLES / "ci" / "github-actions.yml")
    doc["jobs"]["smoke"]["steps"][0]["run"] = "true"
    bad = tmp_path / "workflow.yml"
    bad.write_text(yaml.safe_dump(doc))
    assert check("vendor.github-workflows", bad).returncode == 1
    (gitlab,) = load(EXAMPLES / "ci" / "gitlab-ci.yml")
    gitlab["stack-smoke"]["script"] = 42
    bad.write_text(yaml.safe_dump(gitlab))
    assert check("vendor.gitlab-ci", bad).returncode == 1


def sarif_target(file: str) -> str:
    """The file `audit --format sarif` writes to in a template (its stdout, redirected)."""
    (audit,) = [inv for inv in by_file(file) if inv.args[:1] == ("audit",)]
    assert audit.args[1:3] == ("--format", "sarif"), audit
    (line,) = [line for line in (EXAMPLES / file).read_text().splitlines() if "foundry-discover audit" in line]
    words = line.split()
    return words[words.index(">") + 1]


def test_gitlab_keeps_the_audit_sarif() -> None:
    (doc,) = load(EXAMPLES / "ci" / "gitlab-ci.yml")
    target = sarif_target("ci/gitlab-ci.yml")
    (job,) = [j for j in doc.values() if isinstance(j, dict) and any("audit" in line for line in j.get("script", []))]
    assert "services" not in job
    assert job["artifacts"]["when"] == "always" and target in job["artifacts"]["paths"]
