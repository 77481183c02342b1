"""Values as the application receives them, from env files written the way real tools write them.

A Windows editor saves ``KEY=VALUE\\r\\n`` (CRLF) and, as "UTF-8 with BOM", a byte-order mark
before the first name. A shell sourcing the file (``set -a; . FILE``) keeps each ``\\r``;
``env $(cat FILE)`` keeps the BOM glued to the first name. Each file is loaded here by that
real loader, then the real CLI, the library and the seed's own application code
(tests/support/seed_app.py, with real boto3) run in the environment it made: the tool's word is
held against what the application really does. (``docker run --env-file``, which keeps quotes
and spaces, runs in tests/test_docker_env_file.py on the private dockerd.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import pytest
from botocore.utils import is_valid_endpoint_url
from hypothesis import given
from hypothesis import strategies as st

from foundry_discover.lite.errors import ConfigError
from foundry_discover.registry import Registry
from tests.conftest import cli_env
from tests.support import emulators

ROOT = Path(__file__).resolve().parent.parent
TOOL = str(Path(sys.executable).with_name("foundry-discover"))

CRLF_FIX = (
    "Probably a file with Windows (CRLF) line endings read by a shell script (`. FILE`, `set -a`), which keeps the "
    "\\r (docker run --env-file and Compose's env_file drop it)"
)
CONVERT = "convert the file to Unix line endings: `sed -i 's/\\r$//' FILE` (or `dos2unix FILE`)"
HOST_CR = (
    "SVC_LOCALSTACK_HOST='127.0.0.1\\r' ends in a carriage return (\\r): the application puts it into its URL as it "
    "is (f\"http://{host}:1\" gives 'http://127.0.0.1\\r:1'), which botocore rejects (ValueError: Invalid "
    "endpoint: 'http://127.0.0.1\\r:1', where the \\r hides when printed and the URL looks right)"
)
BOM_FIX = (
    "Probably an env file saved with a BOM, loaded by a tool that keeps it (python-dotenv up to 1.2.2, "
    "`env $(cat FILE)`; Docker and Compose drop it): save it as UTF-8 without BOM "
    "(`sed -i '1s/^\\xEF\\xBB\\xBF//' FILE`)"
)


def write_crlf(path: Path, *lines: str) -> Path:
    """As a Windows editor saves it: every line ends in \\r\\n."""
    path.write_bytes("".join(f"{line}\r\n" for line in lines).encode())
    return path


def write_bom(path: Path, *lines: str) -> Path:
    """As an editor saves "UTF-8 with BOM": EF BB BF before the first name."""
    path.write_bytes("".join(f"{line}\n" for line in lines).encode("utf-8-sig"))
    return path


def sourced(env_file: Path, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``argv`` started by a shell script that sources the env file, as entrypoint scripts do."""
    script = 'set -a; . "$0"; set +a; exec "$@"'
    return subprocess.run(
        ["sh", "-c", script, str(env_file), *argv],
        capture_output=True,
        text=True,
        env=env or cli_env(NO_COLOR="1"),
        cwd=ROOT,
        timeout=120,
    )


def env_cat(env_file: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """``env $(cat FILE) argv``: every KEY=VALUE word of the file handed to env(1) as it is."""
    return subprocess.run(
        ["sh", "-c", 'exec env $(cat "$0") "$@"', str(env_file), *argv],
        capture_output=True,
        text=True,
        env=cli_env(NO_COLOR="1"),
        cwd=ROOT,
        timeout=60,
    )


def apply_fix(command: str, env_file: Path) -> None:
    """Run a fix exactly as a message words it, FILE being the env file."""
    assert command in CONVERT + BOM_FIX
    subprocess.run(["sh", "-c", command.replace("FILE", '"$0"'), str(env_file)], check=True)


def seed_app() -> list[str]:
    return [sys.executable, "-m", "tests.support.seed_app"]


def library(name: str = "LOCALSTACK") -> list[str]:
    """An application that imports the registry library and asks for the URL."""
    code = (
        "from foundry_discover.registry import SERVICES, ConfigError\n"
        f"try:\n    print(SERVICES.get_service_url({name!r}))\n"
        "except ConfigError as exc:\n    print(f'ConfigError {exc.exit_code}: {exc}')\n"
    )
    return [sys.executable, "-c", code]


def envelope(out: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(out.stdout)
    assert doc["exit_code"] == out.returncode, out.stdout
    return doc


def step(doc: dict[str, Any], name: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = doc["result"]["services"][0]["steps"]
    return next(s for s in steps if s["name"] == name)


# ---- a CRLF file sourced by a shell ------------------------------------------------------------


def test_crlf_host_breaks_the_applications_url_and_every_command_says_so(tmp_path: Path) -> None:
    # Port 1: nothing listens there, so once the file is fixed the application's call is refused, not answered.
    env_file = write_crlf(tmp_path / "app.env", "SVC_LOCALSTACK_HOST=127.0.0.1", "LOCALSTACK_PORT=1")

    app = sourced(env_file, *seed_app())
    assert (app.returncode, app.stdout) == (1, "ValueError: 'Invalid endpoint: http://127.0.0.1\\r:1'\n")

    url = sourced(env_file, TOOL, "url", "localstack")
    assert (url.returncode, url.stdout) == (3, "")
    assert url.stderr == f"error: {HOST_CR}. {CRLF_FIX}: {CONVERT}\n"

    doc = envelope(sourced(env_file, TOOL, "url", "localstack", "--json"))
    assert doc["error"] == {"type": "config", "exit_code": 3, "message": HOST_CR, "fix": f"{CRLF_FIX}: {CONVERT}"}

    health = sourced(env_file, TOOL, "health")
    assert (health.returncode, health.stdout, health.stderr) == (3, "", url.stderr)

    doctor = sourced(env_file, TOOL, "doctor", "localstack", "--json")
    doc = envelope(doctor)
    assert doc["exit_code"] == 3
    config = step(doc, "config")
    assert (config["status"], config["detail"], config["fix"]) == ("fail", HOST_CR, f"{CRLF_FIX}: {CONVERT}")
    assert step(doc, "resolve")["status"] == "skip"  # never asks DNS for '127.0.0.1\r'

    lib = sourced(env_file, *library())
    assert lib.stdout == f"ConfigError 3: {HOST_CR}. {CRLF_FIX}: {CONVERT}\n"

    # The fix, as the message words it, cures the file: the application and the tool then work.
    apply_fix("sed -i 's/\\r$//' FILE", env_file)
    assert sourced(env_file, *seed_app()).stdout.startswith("EndpointConnectionError")  # got as far as connecting
    fixed = sourced(env_file, TOOL, "url", "localstack")
    assert (fixed.returncode, fixed.stdout, fixed.stderr) == (0, "http://127.0.0.1:1\n", "")


def test_crlf_port_works_as_int_reads_it_with_a_warning(tmp_path: Path, localstack: emulators.Emulator) -> None:
    env_file = write_crlf(tmp_path / "app.env", f"LOCALSTACK_PORT={localstack.port}")
    env = cli_env(NO_COLOR="1", SVC_LOCALSTACK_HOST="127.0.0.1")
    port = localstack.port
    warning = (
        f"LOCALSTACK_PORT='{port}\\r' ends in a carriage return (\\r): the application's int() drops surrounding "
        f"whitespace, so port {port} works"
    )
    fix = f"{CRLF_FIX}; a host from that file keeps it too and breaks the URL: {CONVERT}"

    app = sourced(env_file, *seed_app(), env=env)
    assert (app.returncode, app.stdout.split()[0]) == (0, "ok"), app.stdout  # the application works

    url = sourced(env_file, TOOL, "url", "localstack", env=env)
    assert (url.returncode, url.stdout) == (0, f"http://127.0.0.1:{port}\n")
    assert url.stderr == f"warning: {warning}. {fix}\n"

    explain = sourced(env_file, TOOL, "url", "localstack", "--explain", env=env)
    assert f"environment variable LOCALSTACK_PORT (set to '{port}\\r', see the warning)" in explain.stdout
    doc = envelope(sourced(env_file, TOOL, "url", "localstack", "--json", env=env))
    assert (doc["result"]["port_source"]["raw"], doc["result"]["port_source"]["stray"]) == (f"{port}\r", "cr")
    assert doc["warnings"] == [f"{warning}. {fix}"]

    # health, as a healthcheck runs it (no Typer) and through Typer (--wait): the same warning, and healthy.
    for args in (["health"], ["health", "--wait", "--timeout", "60"]):
        health = sourced(env_file, TOOL, *args, env=env)
        assert health.returncode == 0, health.stderr
        assert health.stderr.splitlines()[0] == f"warning: {warning}. {fix}", args
        assert health.stdout.startswith(f"LocalStack 2026.3.0, edition unknown at http://127.0.0.1:{port} (")

    doc = envelope(sourced(env_file, TOOL, "doctor", "localstack", "--json", env=env))
    config = step(doc, "config")
    assert (config["status"], config["detail"], config["fix"]) == ("warn", warning, fix)
    assert doc["exit_code"] == 0, json.dumps(doc["result"], indent=1)

    assert sourced(env_file, *library(), env=env).stdout == f"http://127.0.0.1:{port}\n"


def test_crlf_environment_makes_the_application_production_and_names_the_file(tmp_path: Path) -> None:
    env_file = write_crlf(tmp_path / "app.env", "ENVIRONMENT=development")
    out = sourced(env_file, TOOL, "url", "localstack", "--explain")
    assert out.returncode == 0
    doc = envelope(
        sourced(env_file, TOOL, "doctor", "localstack", "--json", env=cli_env(SVC_LOCALSTACK_HOST="127.0.0.1\r"))
    )
    assert doc["result"]["environment_check"]["app"] == "production"
    assert (
        "ENVIRONMENT='development\\r' is not exactly development, dev, local or production: the application compares "
        "it exactly, so it runs as production (real AWS Secrets Manager, no LocalStack); this tool and "
        "foundry_discover.secrets ignore case and spaces, and treat it as development; did you mean "
        f"ENVIRONMENT=development? The value ends in a carriage return (\\r). {CRLF_FIX}: {CONVERT}"
    ) in doc["warnings"]


# ---- a BOM glued to the first name ---------------------------------------------------------------


def test_bom_glued_to_the_first_name_leaves_the_variable_unset(tmp_path: Path) -> None:
    env_file = write_bom(tmp_path / "app.env", "SVC_LOCALSTACK_HOST=127.0.0.1", "LOCALSTACK_PORT=4599")
    # What the application's os.getenv sees: the real name is unset, the glued one is not.
    code = "import os; print(os.getenv('SVC_LOCALSTACK_HOST'), os.getenv('\\ufeffSVC_LOCALSTACK_HOST'))"
    assert env_cat(env_file, sys.executable, "-c", code).stdout == "None 127.0.0.1\n"

    warning = (
        "the environment has '\\ufeffSVC_LOCALSTACK_HOST', a UTF-8 byte-order mark glued to the name, so "
        "SVC_LOCALSTACK_HOST is unset: the application uses the default 'localstack', not '127.0.0.1'"
    )
    url = env_cat(env_file, TOOL, "url", "localstack")
    assert (url.returncode, url.stdout) == (0, "http://localstack:4599\n")
    assert url.stderr == f"warning: {warning}. {BOM_FIX}\n"

    explain = env_cat(env_file, TOOL, "url", "localstack", "--explain")
    assert (
        "built-in default (SVC_LOCALSTACK_HOST is not set; '\\ufeffSVC_LOCALSTACK_HOST' is: see the warning)"
        in explain.stdout
    )
    assert url.stderr.replace("warning: ", "", 1).rstrip() in explain.stdout  # --explain shows it below its table
    assert env_cat(env_file, *library()).stdout == "http://localstack:4599\n"

    apply_fix("sed -i '1s/^\\xEF\\xBB\\xBF//' FILE", env_file)
    fixed = env_cat(env_file, TOOL, "url", "localstack")
    assert (fixed.returncode, fixed.stdout, fixed.stderr) == (0, "http://127.0.0.1:4599\n", "")


def test_bom_on_another_variable_is_named_by_doctor(tmp_path: Path) -> None:
    env_file = write_bom(
        tmp_path / "app.env", "AWS_REGION=eu-west-1", "SVC_LOCALSTACK_HOST=127.0.0.1", "LOCALSTACK_PORT=1"
    )
    doc = envelope(env_cat(env_file, TOOL, "doctor", "localstack", "--json"))
    assert doc["exit_code"] == 4  # nothing listens on port 1: the chain itself goes on as usual
    assert (
        "the environment has '\\ufeffAWS_REGION', a UTF-8 byte-order mark glued to the name, so AWS_REGION is "
        f"unset. {BOM_FIX}"
    ) in doc["warnings"]


# ---- the rules against the libraries the application uses ----------------------------------------

HOSTISH = st.text(alphabet="ab9-. \t\r\n\"'\xa0", min_size=0, max_size=24)


@given(HOSTISH)
def test_a_host_passes_exactly_when_botocore_takes_the_seeds_url(raw: str) -> None:
    """The seed's f"http://{host}:{port}" goes to boto3.client(endpoint_url=...): same verdict, no cleaning."""
    url = f"http://{raw}:4566"
    try:
        service = Registry.from_mapping({"SVC_LOCALSTACK_HOST": raw}).get("localstack")
    except ConfigError as exc:
        assert exc.exit_code == 3
        assert not is_valid_endpoint_url(url), (raw, exc.message)
        if raw.strip() and raw != raw.strip():
            assert repr(url) in exc.message  # the URL the application makes, stray characters and all
        return
    assert is_valid_endpoint_url(url), raw
    assert service.url == url and service.host == raw


PORTISH = st.builds(
    lambda lead, digits, trail: f"{lead}{digits}{trail}",
    st.text(alphabet=" \t\r\n\x0b\x0c\"'", max_size=3),
    st.integers(1, 65535).map(str),
    st.text(alphabet=" \t\r\n\x0b\x0c\"'", max_size=3),
)


@given(PORTISH)
def test_a_port_passes_exactly_when_int_takes_it_and_warns_when_it_is_not_clean(raw: str) -> None:
    try:
        expected: int | None = int(raw)
    except ValueError:
        expected = None
    try:
        service = Registry.from_mapping({"LOCALSTACK_PORT": raw}).get("localstack")
    except ConfigError as exc:
        assert expected is None, raw
        assert exc.exit_code == 3 and f"LOCALSTACK_PORT={raw!r}" in exc.message
        return
    assert service.port == expected, raw
    assert bool(service.warnings) == (raw != str(expected))
    assert all("the application's int() drops surrounding whitespace" in w for w in service.warnings)


@pytest.mark.parametrize(
    ("raw", "what", "source"),
    [
        ('"localstack"', "keeps the double quotes around it", "Probably `docker run --env-file`, which keeps quotes"),
        ("'localstack'", "keeps the single quotes around it", "Probably `docker run --env-file`, which keeps quotes"),
        ("localstack ", "has spaces after it", "which keeps spaces after the '=' and at the end of the line"),
        (" localstack", "has spaces before it", "which keeps spaces after the '='"),
        ("localstack\n", "ends in a newline (\\n)", "a ConfigMap or Secret made with --from-file keeps it"),
        ("localstack\xa0", "has spaces after it (U+00A0, pasted from a web page or a chat)", "docker run"),
    ],
)
def test_each_stray_kind_is_named_with_its_source(raw: str, what: str, source: str) -> None:
    with pytest.raises(ConfigError) as info:
        Registry.from_mapping({"SVC_LOCALSTACK_HOST": raw}).get("localstack")
    assert info.value.message.startswith(f"SVC_LOCALSTACK_HOST={raw!r} {what}: the application puts it into its URL")
    assert info.value.fix is not None and source in info.value.fix
    if "quotes" in what or "spaces" in what:
        assert info.value.fix.endswith("remove them in the env file: SVC_LOCALSTACK_HOST=localstack")


def test_a_non_http_service_names_the_clients_lookup() -> None:
    with pytest.raises(ConfigError) as info:
        Registry.from_mapping({"SVC_REDIS_HOST": "redis\r"}).get("redis")
    assert info.value.message == (
        "SVC_REDIS_HOST='redis\\r' ends in a carriage return (\\r): the application puts it into its URL as it is "
        "(f\"redis://{host}:6379\" gives 'redis://redis\\r:6379'), and a client given the host 'redis\\r' finds no "
        "such name"
    )


def test_quoted_port_fails_as_int_does() -> None:
    with pytest.raises(ConfigError) as info:
        Registry.from_mapping({"LOCALSTACK_PORT": '"4566"'}).get("localstack")
    assert info.value.message == (
        "LOCALSTACK_PORT='\"4566\"' keeps the double quotes around it: the application's "
        "`int(os.getenv('LOCALSTACK_PORT'))` raises ValueError on it at start-up"
    )
    assert info.value.fix == (
        "Probably `docker run --env-file`, which keeps quotes as part of the value (Compose's env_file and a shell "
        "remove them): remove them in the env file: LOCALSTACK_PORT=4566"
    )


def test_an_ipv6_address_without_brackets_works_here_and_not_in_the_seeds_f_string() -> None:
    service = Registry.from_mapping({"SVC_LOCALSTACK_HOST": "fd00::10"}).get("localstack")
    assert service.url == "http://[fd00::10]:4566"
    assert [str(w) for w in service.warnings] == [
        "SVC_LOCALSTACK_HOST='fd00::10' is an IPv6 address without brackets: this registry brackets it, but an "
        "application that builds f\"http://{host}:4566\" itself (as the seed does) gets 'http://fd00::10:4566', which "
        "botocore cannot use (ValueError, at boto3.client or at each call). Set SVC_LOCALSTACK_HOST=[fd00::10]"
    ]
    # What botocore does with the seed's URL, for each form: the bare ones fail before any connection.
    for host, fails in (("::1", "Invalid endpoint"), ("fd00::10", "Port could not be cast"), ("[::1]", None)):
        try:
            client = boto3.client(
                "secretsmanager",
                endpoint_url=f"http://{host}:1",
                region_name="us-east-1",
                aws_access_key_id="test",
                aws_secret_access_key="test",
                config=botocore.config.Config(retries={"max_attempts": 0}, connect_timeout=1),
            )
            client.list_secrets()
        except ValueError as exc:
            assert fails is not None and fails in str(exc), (host, exc)
        except botocore.exceptions.EndpointConnectionError:
            assert fails is None, host  # port 1 on ::1: refused, after a real (loopback) connect
        else:
            raise AssertionError(f"{host}: nothing listens on port 1, yet the call succeeded")
    assert Registry.from_mapping({"SVC_LOCALSTACK_HOST": "[fd00::10]"}).get("localstack").warnings == ()
