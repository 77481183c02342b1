"""`foundry-discover audit` end to end: exit codes, the envelope, SARIF against its schema,
text for people, --select/--ignore, inline ignores, .gitignore, the registry file, both
platforms at once, and a repository of thousands of files."""

from __future__ import annotations

import io
import json
import re
import shlex
import shutil
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from foundry_discover.checks.audit.findings import RULES
from tests import pyz_fixtures
from tests.audit_support import DATA, positions, run_audit
from tests.conftest import cli_env, run_cli

pyz, bare_python = pyz_fixtures.pyz, pyz_fixtures.bare_python
SARIF_SCHEMA = json.loads((Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json").read_text())


def _json(*args: str, cwd: Path | None = None, **kw: Any) -> tuple[int, dict[str, Any]]:
    proc = run_cli("audit", *args, cwd=cwd, **kw)
    return proc.returncode, json.loads(proc.stdout)


def test_exit_codes() -> None:
    assert run_cli("audit", str(DATA / "seed-clean")).returncode == 0
    assert run_cli("audit", str(DATA / "compose-broken")).returncode == 1
    missing = run_cli("audit", str(DATA / "no-such-folder"))
    assert missing.returncode == 3
    assert missing.stderr.strip().splitlines() == [
        f"error: path {str(DATA / 'no-such-folder')!r} does not exist. "
        "Give a folder, a file, or - to read Kubernetes manifests from stdin"
    ]
    assert run_cli("audit", "--format", "xml").returncode == 2
    assert run_cli("audit", "--select", "FD999").returncode == 2
    assert run_cli("audit", "--json", "--format", "sarif").returncode == 2


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  localstack:\n    image: localstack/localstack\n")
    proc = run_cli("audit", str(tmp_path))
    assert proc.returncode == 0, proc.stdout
    assert "compose.yaml:3:12 FD208" in proc.stdout
    assert run_cli("audit", "--strict", str(tmp_path)).returncode == 1
    token = "services:\n  localstack:\n    image: localstack/localstack\n    environment: [LOCALSTACK_AUTH_TOKEN]\n"
    (tmp_path / "compose.yaml").write_text(token)
    # `- LOCALSTACK_AUTH_TOKEN` alone takes the value from the shell, as Compose does.
    assert run_cli("audit", "--strict", str(tmp_path), env=cli_env(LOCALSTACK_AUTH_TOKEN="ls-x")).returncode == 0
    assert run_cli("audit", "--strict", str(tmp_path)).returncode == 1


def test_json_envelope() -> None:
    code, doc = _json("--json", str(DATA / "compose-broken"))
    assert code == 1
    assert doc["schema"] == "foundry-discover/v1" and doc["command"] == "audit"
    assert doc["ok"] is False and doc["exit_code"] == 1 and doc["error"]["type"] == "not_ok"
    result = doc["result"]
    assert result["errors"] == 8 and result["warnings"] == 4
    for finding in result["findings"]:
        assert set(finding) == {"rule", "severity", "file", "line", "column", "message", "fix"}
        assert finding["file"] == "docker-compose.yml"  # relative to the audited root
    code, clean = _json("--json", str(DATA / "seed-clean"))
    assert code == 0 and clean["ok"] is True and clean["result"]["findings"] == []


@pytest.mark.parametrize("folder", ["compose-broken", "k8s-broken", "code-broken", "seed-clean"])
def test_sarif_is_valid_sarif_2_1_0(folder: str) -> None:
    proc = run_cli("audit", "--format", "sarif", str(DATA / folder))
    doc = json.loads(proc.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    driver = doc["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == [r.id for r in RULES]
    for result in doc["runs"][0]["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    report = run_audit(DATA / folder)
    assert [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in doc["runs"][0]["results"]
    ] == [(f.rule, f.line) for f in report.findings]
    assert proc.returncode == (1 if report.errors else 0)


def test_text_for_people_grouped_by_file(tmp_path: Path) -> None:
    shutil.copytree(DATA / "code-broken", tmp_path, dirs_exist_ok=True)
    (tmp_path / "compose.yaml").write_text(
        "services:\n  app:\n    image: example/app:1\n    environment: [SVC_REDIS_HOST=localhost]\n"
    )
    proc = run_cli("audit", str(tmp_path))
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("app/storage.py:9:23 FD102 LOCALSTACK_ENDPOINT is an ad-hoc endpoint variable")
    assert (
        lines[1] == '    fix: Use SERVICES.get_service_url("LOCALSTACK"): '
        "the registry reads SVC_LOCALSTACK_HOST and LOCALSTACK_PORT"
    )
    blank = lines.index("")
    assert lines[blank + 1].startswith("compose.yaml:4:19 FD205 SVC_REDIS_HOST=localhost")
    assert lines[-1] == "6 errors, 0 warnings in 2 files (1 compose, 1 python)"
    assert proc.stderr.startswith("error: audit found 6 error findings")


def test_select_and_ignore() -> None:
    report = run_audit(DATA / "compose-broken", select=["FD20"], ignore=["FD208", "compose-adhoc-url-variable"])
    assert sorted({f.rule for f in report.findings}) == ["FD201", "FD202", "FD203", "FD204", "FD205", "FD207", "FD209"]
    code, doc = _json("--json", "--select", "FD211", str(DATA / "compose-broken"))
    assert code == 0 and [f["rule"] for f in doc["result"]["findings"]] == ["FD211"]


def test_inline_ignores_in_yaml_and_python(tmp_path: Path) -> None:
    shutil.copytree(DATA / "compose-broken", tmp_path, dirs_exist_ok=True)
    path = tmp_path / "docker-compose.yml"
    text = path.read_text()
    text = text.replace(
        "      - SVC_REDIS_HOST=reddis\n", "      - SVC_REDIS_HOST=reddis # foundry-discover: ignore[FD201]\n"
    )
    text = text.replace(
        '      REDIS_PORT: "6380"\n', '      # foundry-discover: ignore[FD204]\n      REDIS_PORT: "6380"\n'
    )
    text = text.replace(
        "      - MOTO_URL=https://moto:5000\n", "      - MOTO_URL=https://moto:5000 # foundry-discover: ignore\n"
    )
    path.write_text(text)
    rules = [f.rule for f in run_audit(tmp_path).findings]
    assert "FD201" not in rules and "FD204" not in rules and "FD210" not in rules
    assert rules.count("FD206") == 1  # LOCALSTACK_ENDPOINT's, not MOTO_URL's
    (tmp_path / "a.py").write_text(
        'A = "http://redis:6379"  # foundry-discover: ignore[FD102]\n'
        'B = "http://redis:6379"  # foundry-discover: ignore[FD101]\n'
    )
    assert [(f.file, f.line) for f in run_audit(tmp_path, select=["FD1"]).findings] == [("a.py", 1)]


def test_gitignored_and_vendored_folders_are_not_read(tmp_path: Path) -> None:
    bad = 'URL = "http://localstack:4566"\n'
    for rel in (
        "src/app.py",
        "generated/client.py",
        "node_modules/pkg/x.py",
        ".venv/lib/y.py",
        "vendor/z.py",
        "src/conf.local.py",
        "src/keep.local.py",
        "docs/build/old.py",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(bad)
    (tmp_path / ".gitignore").write_text("# generated code\n/generated/\n*.local.py\n!keep.local.py\n")
    (tmp_path / "chart" / "templates").mkdir(parents=True)
    (tmp_path / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\n")
    (tmp_path / "chart" / "templates" / "svc.yaml").write_text("apiVersion: v1\nkind: Service\n{{- if .x }}\n")
    assert [f.file for f in run_audit(tmp_path).findings] == ["src/app.py", "src/keep.local.py"]


def test_the_registry_file_declares_more_services(tmp_path: Path) -> None:
    (tmp_path / "registry.toml").write_text('[services.minio]\nhost = "minio"\nport = 9000\n')
    (tmp_path / "compose.yaml").write_text(
        "services:\n  minio:\n    image: minio/minio:RELEASE.2025-01-01\n    ports: ['19000:9000']\n"
        "  app:\n    image: example/app:1\n    environment:\n      SVC_MINIO_HOST: minio\n      MINIO_PORT: 19000\n"
    )
    (tmp_path / "app.py").write_text('S3 = "http://minio:9000"\n')
    code, doc = _json("--json", str(tmp_path), env=cli_env(FOUNDRY_DISCOVER_REGISTRY=str(tmp_path / "registry.toml")))
    found = [(f["file"], f["rule"], f["line"], f["column"], f["fix"]) for f in doc["result"]["findings"]]
    assert found == [
        ("app.py", "FD101", 1, 6, 'Use SERVICES.get_service_url("MINIO")'),
        ("compose.yaml", "FD203", 9, 7, "Set MINIO_PORT=9000"),
    ]
    assert code == 1


def test_compose_and_kubernetes_must_agree(tmp_path: Path) -> None:
    shutil.copytree(DATA / "seed-clean", tmp_path, dirs_exist_ok=True)
    manifest = tmp_path / "k8s" / "localstack.yaml"
    manifest.write_text(manifest.read_text().replace("name: localstack # ← Same name!", "name: aws-emulator"))
    backend = tmp_path / "k8s" / "backend.yaml"
    backend.write_text(backend.read_text().replace("value: localstack\n", "value: aws-emulator\n"))
    assert positions(run_audit(tmp_path)) == [("k8s/backend.yaml", "FD401", 36, 22)]
    finding = run_audit(tmp_path).findings[0]
    assert "SVC_LOCALSTACK_HOST=localstack in Compose (docker-compose.yml:22)" in finding.message


def test_thousands_of_files(tmp_path: Path) -> None:
    """A repository of 3,000 Python files and 60 manifests: every file is read, one finding is found."""
    for package in range(30):
        folder = tmp_path / "src" / f"pkg{package}"
        folder.mkdir(parents=True)
        for module in range(100):
            # Every module names a service of ours in a comment, so every one is parsed and walked.
            body = (
                f'"""Module {module}."""\n\nimport os\n\n# talks to http://localstack:4566 in development\n'
                f'DOCS = "https://docs.python.org/3/library/os.html"\n'
                f'VALUE = {{"k": {module}, "url": os.getenv("X", "https://example.com/{module}")}}\n'
            )
            (folder / f"m{module}.py").write_text(body * 4)
    for n in range(60):
        (tmp_path / "deploy" / f"app{n}.yaml").parent.mkdir(exist_ok=True)
        (tmp_path / "deploy" / f"app{n}.yaml").write_text(
            f"apiVersion: v1\nkind: Service\nmetadata:\n  name: app{n}\nspec:\n  ports: [{{port: 80}}]\n"
        )
    (tmp_path / "src" / "pkg29" / "m99.py").write_text('URL = "http://app7:80/api"\n')
    started = time.perf_counter()
    report = run_audit(tmp_path)
    elapsed = time.perf_counter() - started
    assert report.counts == {"compose": 0, "kubernetes": 60, "python": 3000, "env": 0}
    assert positions(report) == [("src/pkg29/m99.py", "FD101", 1, 7)]
    print(f"audited {report.files} files in {elapsed:.2f} s")  # bench/audit.py measures it properly


ROOT = Path(__file__).resolve().parent.parent


def test_pre_commit_hook_runs_the_audit_on_the_tree() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "foundry-discover-audit" and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for name in ("app/x.py", "docker-compose.yml", "k8s/a.yaml", ".env", "deploy/.env.prod", "prod.env"):
        assert files.search(name), name
    assert not files.search("README.md")
    program, *args = shlex.split(hook["entry"])
    assert program == "foundry-discover"
    assert run_cli(*args, cwd=DATA / "seed-clean").returncode == 0
    assert run_cli(*args, cwd=DATA / "compose-broken").returncode == 1


def test_ci_example_uploads_the_sarif_the_audit_writes() -> None:
    doc = yaml.safe_load((ROOT / "examples" / "ci" / "github-audit.yml").read_text())
    assert doc["permissions"]["security-events"] == "write"
    steps = doc["jobs"]["audit"]["steps"]
    (audit_step,) = [s for s in steps if "foundry-discover audit" in s.get("run", "")]
    words = shlex.split(audit_step["run"])
    command, target = words[: words.index(">")], words[words.index(">") + 1]
    (upload,) = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif")]
    assert upload["with"]["sarif_file"] == target and upload["if"] == "always()"
    proc = run_cli(*command[1:], cwd=DATA / "compose-broken")
    assert proc.returncode == 1
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(json.loads(proc.stdout))


def test_readme_rule_table_lists_every_rule() -> None:
    text = (ROOT / "docs" / "audit.md").read_text()
    section = text[text.index("<!-- section:audit -->") : text.index("<!-- /section:audit -->")]
    rows = re.findall(r"^\| `(FD\d{3})` \| `([a-z0-9-]+)` \| (error|warning) \|", section, re.M)
    assert rows == [(r.id, r.name, r.severity) for r in RULES]


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, as a person's is: rich then colours."""

    def isatty(self) -> bool:
        return True


def test_colour_by_severity_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from foundry_discover.render.audit import show_report

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    out = _Terminal()
    show_report(run_audit(DATA / "compose-broken"), out)
    text = out.getvalue()
    assert "\x1b[1;31mFD201\x1b[0m" in text  # errors bold red
    assert "\x1b[33mFD208\x1b[0m" in text  # warnings yellow
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert "docker-compose.yml:30:9 FD201 SVC_REDIS_HOST=reddis" in plain
    assert plain.rstrip().endswith("8 errors, 4 warnings in 1 file (1 compose)")


def test_the_repository_examples_pass_with_one_warning() -> None:
    """examples/ runs localstack:latest (the seed's own image line): a warning, not a failure."""
    code, doc = _json("--json", str(ROOT / "examples"))
    assert code == 0
    found = [(f["file"], f["rule"], f["line"], f["column"]) for f in doc["result"]["findings"]]
    assert found == [("compose/docker-compose.yml", "FD208", 17, 12)]


def test_a_bad_registry_file_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "registry.toml").write_text("[services.minio]\nport = 9000\n")
    proc = run_cli("--registry", str(tmp_path / "registry.toml"), "audit", str(DATA / "seed-clean"))
    assert proc.returncode == 3
    assert proc.stderr.startswith("error: services.minio in ") and "has no host" in proc.stderr


@pytest.mark.parametrize("folder", ["compose-broken", "k8s-broken", "code-broken"])
def test_every_finding_keeps_the_house_style(folder: str) -> None:
    from tests.support.message_style import problems

    path = DATA / folder
    report = run_audit("-", stdin_text=(path / "stack.yaml").read_text()) if folder == "k8s-broken" else run_audit(path)
    bad = [(f.rule, problems(f.message, f.fix)) for f in report.findings if problems(f.message, f.fix)]
    assert bad == []


def test_the_pyz_says_to_install_the_audit_extra(pyz: Path, bare_python: Path, tmp_path: Path) -> None:
    """The .pyz bundles pure wheels only, so no PyYAML: one line says what to install, exit 3."""
    out = pyz_fixtures.run_pyz(bare_python, pyz, "audit", str(DATA / "seed-clean"), cache=tmp_path / "cache")
    assert out.returncode == 3, out.stderr
    assert out.stderr.strip().splitlines() == [
        "error: audit needs PyYAML, which is not installed here (the .pyz leaves it out). "
        "pip install 'foundry-discover[audit]'"
    ]


def test_one_name_one_port_in_compose_and_kubernetes(tmp_path: Path) -> None:
    shutil.copytree(DATA / "seed-clean", tmp_path, dirs_exist_ok=True)
    manifest = tmp_path / "k8s" / "localstack.yaml"
    manifest.write_text(manifest.read_text().replace("    - port: 4566\n", "    - port: 4567\n"))
    report = run_audit(tmp_path)
    assert positions(report) == [("k8s/backend.yaml", "FD302", 39, 22), ("k8s/localstack.yaml", "FD401", 9, 7)]
    assert report.findings[1].message == (
        "Service localstack serves port 4567 in Kubernetes, but localstack listens on 4566 in Compose "
        "(docker-compose.yml:2)"
    )
