"""`url` through Typer's CliRunner and through the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foundry_discover.cli import app
from tests.conftest import cli_env, run_cli

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env)


@pytest.fixture(autouse=True)
def _clean(clean_env: pytest.MonkeyPatch) -> None:
    pass


def test_url_prints_the_url_alone() -> None:
    result = invoke("url", "localstack")
    assert result.exit_code == 0
    assert result.stdout == "http://localstack:4566\n"


def test_url_reads_the_seed_variables() -> None:
    result = invoke("url", "LOCALSTACK", env={"SVC_LOCALSTACK_HOST": "ls.test", "LOCALSTACK_PORT": "4510"})
    assert result.stdout == "http://ls.test:4510\n"


@pytest.mark.parametrize(("flag", "out"), [("--host", "localstack\n"), ("--port", "4566\n")])
def test_host_only_and_port_only(flag: str, out: str) -> None:
    assert invoke("url", "localstack", flag).stdout == out


def test_path_is_appended() -> None:
    assert invoke("url", "localstack", "--path", "/custom").stdout == "http://localstack:4566/custom\n"
    assert invoke("url", "localstack", "--path", "custom").stdout == "http://localstack:4566/custom\n"


def test_host_and_port_together_is_a_usage_error() -> None:
    result = invoke("url", "localstack", "--host", "--port")
    assert result.exit_code == 2


def test_all_lists_every_service_with_provenance() -> None:
    result = invoke("url", env={"SVC_REDIS_HOST": "cache"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["SERVICE", "URL", "HOST", "FROM", "PORT", "FROM"]
    redis = next(line for line in lines if line.startswith("redis"))
    assert redis.split()[:3] == ["redis", "redis://cache:6379", "SVC_REDIS_HOST"]
    assert "\x1b[" not in result.stdout  # not a terminal: plain text


def test_all_shows_a_broken_service_and_exits_3() -> None:
    result = invoke("url", "--all", "--json", env={"REDIS_PORT": "six"})
    assert result.exit_code == 3
    doc = json.loads(result.stdout)
    redis = next(s for s in doc["result"]["services"] if s["name"] == "REDIS")
    assert redis["ok"] is False
    assert "REDIS_PORT='six'" in redis["error"]["message"]
    assert any(s["name"] == "LOCALSTACK" and s["ok"] for s in doc["result"]["services"])


def test_explain_names_the_variables() -> None:
    result = invoke("url", "localstack", "--explain", env={"LOCALSTACK_PORT": "4510"})
    assert result.exit_code == 0
    assert "environment variable LOCALSTACK_PORT" in result.stdout
    assert "built-in default (SVC_LOCALSTACK_HOST is not set)" in result.stdout


def test_json_for_one_service() -> None:
    result = invoke("url", "localstack", "--json", env={"SVC_LOCALSTACK_HOST": "ls"})
    doc = json.loads(result.stdout)
    assert doc["ok"] is True
    assert doc["result"]["url"] == "http://ls:4566"
    assert doc["result"]["host_source"] == {
        "kind": "env",
        "detail": "SVC_LOCALSTACK_HOST",
        "variable": "SVC_LOCALSTACK_HOST",
        "text": "env SVC_LOCALSTACK_HOST",
    }
    assert doc["result"]["port_source"]["kind"] == "default"


def test_unknown_service_exits_3_and_suggests() -> None:
    result = invoke("url", "localstak")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "did you mean localstack?" in result.stderr
    assert "Traceback" not in result.output


def test_bad_env_value_is_one_line_no_traceback() -> None:
    result = invoke("url", "localstack", env={"LOCALSTACK_PORT": "45x"})
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines() == [
        "error: LOCALSTACK_PORT='45x' is not a port number. "
        "Set LOCALSTACK_PORT to a port number from 1 to 65535 (localstack's built-in default is 4566)"
    ]


def test_underscore_warning_goes_to_stderr_url_to_stdout() -> None:
    result = invoke("url", "localstack", env={"SVC_LOCALSTACK_HOST": "local_stack"})
    assert result.exit_code == 0
    assert result.stdout == "http://local_stack:4566\n"
    assert "warning:" in result.stderr and "botocore" in result.stderr


def test_registry_file_option_and_env(tmp_path: Path) -> None:
    file = tmp_path / "services.toml"
    file.write_text('[services.minio]\nhost = "minio"\nport = 9000\nhealth_path = "/minio/health/live"\n')
    assert invoke("--registry", str(file), "url", "minio").stdout == "http://minio:9000\n"
    assert invoke("url", "minio", env={"FOUNDRY_DISCOVER_REGISTRY": str(file)}).stdout == "http://minio:9000\n"
    bad = invoke("--registry", str(tmp_path / "missing.toml"), "url", "minio")
    assert bad.exit_code == 3 and "cannot be read" in bad.stderr


def test_console_script_in_a_subprocess() -> None:
    out = run_cli("url", "localstack", env=cli_env(SVC_LOCALSTACK_HOST="ls.sub"))
    assert (out.returncode, out.stdout, out.stderr) == (0, "http://ls.sub:4566\n", "")


def test_python_dash_m_and_version() -> None:
    out = subprocess.run([sys.executable, "-m", "foundry_discover", "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.startswith("foundry-discover ")


def test_url_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from foundry_discover.lite.main import main\n"
        "sys.argv = ['foundry-discover', 'url', 'localstack']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('httpx', 'dns', 'boto3', 'botocore') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env())
    assert "HEAVY=\n" in out.stdout, out.stdout


def test_no_color_and_pipes_give_plain_text() -> None:
    out = run_cli("url", env=cli_env(NO_COLOR="1"))
    assert "\x1b[" not in out.stdout and "│" not in out.stdout
