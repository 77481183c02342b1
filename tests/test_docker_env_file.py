"""`docker run --env-file`, for real, on the private dockerd: what reaches the container.

docker/cli's env-file parser (pkg/kvfile) keeps quotes and spaces after the '=' as part of the
value, and drops a UTF-8 BOM and each line's \\r. So a quoted value reaches the application
quoted, while a CRLF file saved with a BOM arrives clean: the messages name the first as
docker's doing, and say of the second that docker drops both. The seed's application
(tests/support/seed_app.py) runs in the same container to show what it makes of each value.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import docker

ROOT = Path(__file__).resolve().parent.parent
QUOTES = (
    "Probably `docker run --env-file`, which keeps quotes as part of the value (Compose's env_file and a shell remove "
    "them)"
)


@pytest.fixture(scope="module")
def engine(docker_engine: docker.Engine) -> Iterator[docker.Engine]:
    yield docker_engine


def run(engine: docker.Engine, env_file: Path, *command: str) -> tuple[int, str, str]:
    out = docker.run(engine, *command, paths=docker.host_paths(), extra=[f"--env-file={env_file}", f"--workdir={ROOT}"])
    return out.returncode, out.stdout, out.stderr


def seed_app() -> list[str]:
    return [sys.executable, "-m", "tests.support.seed_app"]


def test_quotes_kept_by_docker_run_env_file(engine: docker.Engine, tmp_path: Path) -> None:
    env_file = tmp_path / "app.env"
    env_file.write_text('SVC_LOCALSTACK_HOST="localstack"\nLOCALSTACK_PORT=4566\n')
    message = (
        "SVC_LOCALSTACK_HOST='\"localstack\"' keeps the double quotes around it: the application puts it into its URL "
        'as it is (f"http://{host}:4566" gives \'http://"localstack":4566\'), which botocore rejects (ValueError: '
        "Invalid endpoint: 'http://\"localstack\":4566')"
    )
    fix = f"{QUOTES}: remove them in the env file: SVC_LOCALSTACK_HOST=localstack"

    code, out, _ = run(engine, env_file, *seed_app())
    assert (code, out) == (1, "ValueError: 'Invalid endpoint: http://\"localstack\":4566'\n")
    code, out, err = run(engine, env_file, docker.tool(), "url", "localstack")
    assert (code, out, err) == (3, "", f"error: {message}. {fix}\n")
    code, out, _ = run(engine, env_file, docker.tool(), "doctor", "localstack", "--json")
    doc = json.loads(out)
    config = doc["result"]["services"][0]["steps"][0]
    assert (code, doc["exit_code"], config["status"], config["detail"], config["fix"]) == (3, 3, "fail", message, fix)


def test_quoted_port_and_trailing_spaces(engine: docker.Engine, tmp_path: Path) -> None:
    env_file = tmp_path / "app.env"
    env_file.write_text('LOCALSTACK_PORT="4566"\n')
    code, out, _ = run(engine, env_file, *seed_app())
    assert (code, out) == (1, "ValueError: 'invalid literal for int() with base 10: \\'\"4566\"\\''\n")
    code, out, err = run(engine, env_file, docker.tool(), "url", "localstack")
    assert (code, out) == (3, "")
    assert err == (
        "error: LOCALSTACK_PORT='\"4566\"' keeps the double quotes around it: the application's "
        f"`int(os.getenv('LOCALSTACK_PORT'))` raises ValueError on it at start-up. {QUOTES}: remove them in the env "
        "file: LOCALSTACK_PORT=4566\n"
    )

    env_file.write_text("SVC_LOCALSTACK_HOST=localstack   \nLOCALSTACK_PORT=4566   \n")
    code, out, err = run(engine, env_file, docker.tool(), "url", "localstack")
    assert (code, out) == (3, "")
    assert err == (
        "error: SVC_LOCALSTACK_HOST='localstack   ' has spaces after it: the application puts it into its URL as it "
        "is (f\"http://{host}:4566\" gives 'http://localstack   :4566'), which botocore rejects (ValueError: Invalid "
        "endpoint: 'http://localstack   :4566'). Probably `docker run --env-file`, which keeps spaces after the '=' "
        "and at the end of the line (Compose's env_file trims them): remove them in the env file: "
        "SVC_LOCALSTACK_HOST=localstack\n"
    )


def test_crlf_and_bom_are_dropped_by_docker(engine: docker.Engine, tmp_path: Path) -> None:
    """A Windows editor's "UTF-8 with BOM" and CRLF: docker's parser drops both, so all is clean."""
    env_file = tmp_path / "app.env"
    env_file.write_bytes("SVC_LOCALSTACK_HOST=ls.internal\r\nLOCALSTACK_PORT=4510\r\n".encode("utf-8-sig"))
    code, out, err = run(engine, env_file, docker.tool(), "url", "localstack", "--explain")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "localstack  http://ls.internal:4510"
    assert "warning" not in out
