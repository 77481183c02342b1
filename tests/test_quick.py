"""`health` without Typer (lite/quick.py): which forms it takes, and that it answers
exactly as the Typer command does.

The parity tests run every case twice against real servers: as the console script (the
quick start) and through the Typer application (the same ``main`` with the quick parser
turned off), and compare exit code, stdout and stderr, with only the measured
milliseconds blanked out.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from foundry_discover.lite import quick
from tests import probe_fixtures
from tests.conftest import cli_env, run_cli
from tests.support.faulty import Faulty, never_accepting
from tests.test_interrupt_report import interrupt

redis = probe_fixtures.redis
EXE = Path(sys.executable).with_name("foundry-discover")
pg_cluster = probe_fixtures.pg_cluster
postgres = probe_fixtures.postgres

# ---- the parser (pure) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["health", "redis"], quick.Plan("redis")),
        (["health", "Redis", "--json"], quick.Plan("Redis", as_json=True)),
        (["health", "--json", "redis"], quick.Plan("redis", as_json=True)),
        (["health", "redis", "--timeout", "2"], quick.Plan("redis", timeout=2.0)),
        (["health", "redis", "--timeout=2.5"], quick.Plan("redis", timeout=2.5)),
        (["health", "--timeout", ".5", "postgres"], quick.Plan("postgres", timeout=0.5)),
        (["--registry", "r.toml", "health", "cache"], quick.Plan("cache", registry_file="r.toml")),
        (["--registry=r.toml", "health", "cache", "--json"], quick.Plan("cache", as_json=True, registry_file="r.toml")),
        (["health"], quick.Plan(None)),
        (["health", "localstack"], quick.Plan("localstack")),
        (["health", "LocalStack", "--json"], quick.Plan("LocalStack", as_json=True)),
        (["health", "--url", "http://h:4566"], quick.Plan(None, url="http://h:4566")),
        (["health", "--url=http://h:4566", "--timeout", "5"], quick.Plan(None, url="http://h:4566", timeout=5.0)),
        (
            ["health", "--require", "secretsmanager,S3", "--require=sqs", "--require", "s3"],
            quick.Plan(None, require=("secretsmanager", "s3", "sqs")),
        ),
        (["health", " LOCALSTACK", "--require", ""], quick.Plan(" LOCALSTACK")),
    ],
)
def test_the_plain_forms_are_taken(argv: list[str], expected: quick.Plan) -> None:
    assert quick.parse(argv, {}) == expected


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["health", "--wait"],
        ["health", "redis", "--wait"],
        ["health", "--all"],
        ["health", "redis", "--help"],
        ["health", "-h"],
        ["health", "redis", "postgres"],  # Typer reports the extra argument
        ["health", "redis", "--json", "--json"],
        ["health", "redis", "--timeout"],
        ["health", "redis", "--timeout", "0"],  # Typer says why it is refused
        ["health", "redis", "--timeout", "-1"],
        ["health", "redis", "--timeout", "1e3"],  # a float Typer takes: its own parser judges it
        ["health", "redis", "--timeout", "nan"],
        ["health", "redis", "--timeout", "5", "--timeout", "6"],
        ["health", "redis", "--timeouts", "5"],
        ["health", "redis", "--url", "http://x"],  # Typer says --url is the emulator's
        ["health", "redis", "--require", "s3"],
        ["health", "redis", "--require", ""],
        ["health", "--require", "s3!"],  # Typer reports the bad service name
        ["health", "--require"],
        ["health", "--require", "--json"],
        ["health", "--url"],
        ["health", "--url", "-x"],
        ["health", "--url", "http://a", "--url", "http://b"],
        ["health", "--", "redis"],
        ["health", "redis", "-"],
        ["--registry", "health", "redis"],  # no FILE: Typer decides what was meant
        ["--registry"],
        ["--registry", "-x", "health", "redis"],
        ["--registryfile", "r.toml", "health", "redis"],
        ["--version"],
        ["url", "redis"],
        ["resolve", "redis"],
        ["doctor"],
        ["secret", "get", "x"],
    ],
)
def test_every_other_form_goes_to_typer(argv: list[str]) -> None:
    assert quick.parse(argv, {}) is None


def test_shell_completion_goes_to_typer() -> None:
    assert quick.parse(["health", "redis"], {"_FOUNDRY_DISCOVER_COMPLETE": "complete_bash"}) is None


# ---- the same answers both ways -----------------------------------------------------------

#: `main()` exactly as the console script runs it, with the quick parser turned off.
THROUGH_TYPER = (
    "import sys\n"
    "from foundry_discover.lite.main import main\nfrom foundry_discover.lite import quick\n"
    "quick.parse = lambda argv, env: None\n"
    "sys.argv = ['foundry-discover', *sys.argv[1:]]\n"
    "main()\n"
)

_MS = re.compile(r"\d+(?:\.\d+)? ?ms\b")


def _blank_ms(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: None if k.endswith("_ms") else _blank_ms(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank_ms(v) for v in value]
    return value


def _comparable(out: subprocess.CompletedProcess[str], as_json: bool) -> tuple[int, Any, str]:
    stdout: Any = _blank_ms(json.loads(out.stdout)) if as_json else _MS.sub("N ms", out.stdout)
    return out.returncode, stdout, _MS.sub("N ms", out.stderr)


def assert_same_both_ways(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert quick.parse(args, env) is not None, "this form must be taken by the quick start"
    fast = run_cli(*args, env=env)
    typer = subprocess.run(
        [sys.executable, "-c", THROUGH_TYPER, *args], capture_output=True, text=True, env=env, timeout=60
    )
    as_json = "--json" in args
    assert _comparable(fast, as_json) == _comparable(typer, as_json), (fast, typer)
    assert "Traceback" not in fast.stderr + typer.stderr
    return fast


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redis_env(port: int, **more: str) -> dict[str, str]:
    return cli_env(SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(port), NO_COLOR="1", **more)


@pytest.mark.parametrize("extra", [[], ["--json"], ["--timeout", "2"], ["--timeout=2.5", "--json"]])
def test_a_healthy_redis(redis, extra: list[str]) -> None:  # type: ignore[no-untyped-def]
    out = assert_same_both_ways(["health", "redis", *extra], _redis_env(redis.port))
    assert out.returncode == 0
    assert "PONG" in out.stdout


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_a_healthy_postgres(postgres, extra: list[str]) -> None:  # type: ignore[no-untyped-def]
    env = cli_env(SVC_POSTGRES_HOST="127.0.0.1", POSTGRES_PORT=str(postgres.port), NO_COLOR="1")
    out = assert_same_both_ways(["health", "postgres", *extra], env)
    assert out.returncode == 0
    assert "accepting connections" in out.stdout


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_another_protocol_on_the_port(redis, extra: list[str]) -> None:  # type: ignore[no-untyped-def]
    env = cli_env(SVC_POSTGRES_HOST="127.0.0.1", POSTGRES_PORT=str(redis.port), NO_COLOR="1")
    out = assert_same_both_ways(["health", "postgres", *extra], env)
    assert out.returncode == 1
    assert "POSTGRES_PORT probably names the wrong service" in out.stderr


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_nothing_listening(extra: list[str]) -> None:
    out = assert_same_both_ways(["health", "redis", *extra], _redis_env(_closed_port()))
    assert out.returncode == 4
    assert "refused the connection" in out.stderr


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (["health", "redsi"], {}, "did you mean redis?"),
        (["health", "re$dis", "--json"], {}, "is not a valid service name"),
        (["health", "redis"], {"REDIS_PORT": "tcp://10.96.0.12:6379"}, "injected by Kubernetes"),
        (["health", "redis", "--json"], {"REDIS_PORT": "63 79"}, "is not a port number"),
        (["health", "redis"], {"SVC_REDIS_HOST": "redis:6379"}, "holds a port"),
        (["--registry", "/nonexistent/registry.toml", "health", "redis"], {}, "cannot be read"),
    ],
)
def test_configuration_errors(args: list[str], env: dict[str, str], says: str) -> None:
    # Every one fails before any connection is made.
    full = cli_env(**{"SVC_REDIS_HOST": "127.0.0.1", "NO_COLOR": "1", **env})
    out = assert_same_both_ways(args, full)
    assert out.returncode == 3
    assert says in out.stderr


def test_a_service_from_a_registry_file(redis, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    registry = tmp_path / "registry.toml"
    registry.write_text(f'[services.cache]\nhost = "127.0.0.1"\nport = {redis.port}\nscheme = "redis"\n')
    out = assert_same_both_ways(["--registry", str(registry), "health", "cache"], cli_env(NO_COLOR="1"))
    assert out.returncode == 0
    assert "PONG" in out.stdout


def test_a_service_only_the_environment_declares(redis) -> None:  # type: ignore[no-untyped-def]
    env = cli_env(SVC_CACHE_HOST="127.0.0.1", CACHE_PORT=str(redis.port), NO_COLOR="1")
    out = assert_same_both_ways(["health", "cache", "--json"], env)
    assert out.returncode == 0
    assert json.loads(out.stdout)["result"]["protocol"] == "tcp"


# ---- the quick start under signals, closed pipes and a connect that hangs -------------------


def test_a_hanging_connect_ends_at_the_timeout() -> None:
    with never_accepting() as port:
        started = time.monotonic()
        out = assert_same_both_ways(["health", "redis", "--timeout", "1"], _redis_env(port))
        elapsed = time.monotonic() - started
    assert out.returncode == 4
    assert f"connecting to 127.0.0.1:{port} timed out after 1s" in out.stderr
    assert elapsed < 6, elapsed  # both runs


@pytest.mark.parametrize("as_json", [False, True], ids=["human", "json"])
@pytest.mark.parametrize(
    ("sig", "code", "kind", "last_line"),
    [
        (signal.SIGTERM, 143, "terminated", "error: terminated (SIGTERM)"),
        (signal.SIGINT, 130, "interrupted", "error: interrupted"),
    ],
    ids=["SIGTERM", "SIGINT"],
)
def test_a_signal_mid_check_ends_it_with_one_line(
    sig: signal.Signals, code: int, kind: str, last_line: str, as_json: bool
) -> None:
    args = ["health", "redis", "--timeout", "30", *(["--json"] if as_json else [])]
    with never_accepting() as port:
        env = _redis_env(port)
        assert quick.parse(args, env) is not None
        # A second in, it is in the connect, which would last the 30 s; it must end at once.
        returncode, out, err = interrupt(args, env, sig, after=1.0)
    assert returncode == code, err
    assert err.strip().splitlines()[-1] == last_line
    if as_json:
        doc = json.loads(out)
        assert (doc["exit_code"], doc["ok"], doc["error"]["type"]) == (code, False, kind)
    else:
        assert out == ""


@pytest.mark.parametrize("as_json", [False, True], ids=["human", "json"])
@pytest.mark.parametrize("port_kind", ["redis", "refused"])
def test_a_closed_pipe_keeps_the_checks_exit_code(redis, as_json: bool, port_kind: str) -> None:  # type: ignore[no-untyped-def]
    port = redis.port if port_kind == "redis" else _closed_port()
    args = ["health", "redis", *(["--json"] if as_json else [])]
    env = _redis_env(port)
    expected = 0 if port_kind == "redis" else 4
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write (`| head -0`)
    try:
        proc = subprocess.run(
            [str(EXE), *args], stdout=write_end, stderr=subprocess.PIPE, text=True, env=env, timeout=30
        )
    finally:
        os.close(write_end)
    assert proc.returncode == expected, proc.stderr
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


# ---- the emulator check, both ways ------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [[], ["--json"], ["--require", "secretsmanager,s3"], ["--require", "secretsmanager", "--json", "--timeout", "10"]],
)
def test_a_real_emulator(emulator, extra: list[str]) -> None:  # type: ignore[no-untyped-def]
    out = assert_same_both_ways(["health", "--url", emulator.url, *extra], cli_env(NO_COLOR="1"))
    assert out.returncode == 0, out.stderr


def test_the_emulator_from_the_registry(ministack) -> None:  # type: ignore[no-untyped-def]
    host, port = ministack.url.removeprefix("http://").rsplit(":", 1)
    env = cli_env(SVC_LOCALSTACK_HOST=host, LOCALSTACK_PORT=port, NO_COLOR="1")
    for args in (["health"], ["health", "localstack", "--json"]):
        assert assert_same_both_ways(args, env).returncode == 0


def test_a_service_the_emulator_does_not_run(localstack) -> None:  # type: ignore[no-untyped-def]
    out = assert_same_both_ways(["health", "--url", localstack.url, "--require", "nosuchservice"], cli_env())
    assert out.returncode == 1
    assert "nosuchservice" in out.stderr


@pytest.mark.parametrize(("fault", "code"), [("http500", 1), ("garbage", 1), ("not_json", 1), ("reset", 4)])
@pytest.mark.parametrize("as_json", [False, True], ids=["human", "json"])
def test_a_misbehaving_emulator(fault: str, code: int, as_json: bool) -> None:
    with Faulty(fault) as server:
        args = ["health", "--url", server.url, "--timeout", "3", *(["--json"] if as_json else [])]
        out = assert_same_both_ways(args, cli_env(NO_COLOR="1"))
    assert out.returncode == code, out.stderr


@pytest.mark.parametrize("url", ["ftp://h:21", "http://h:99999", "localhost:4566"])
def test_a_url_that_is_not_one(url: str) -> None:
    out = assert_same_both_ways(["health", "--url", url], cli_env())
    assert out.returncode == 2
    assert f"--url {url!r}" in out.stderr


# ---- a fix that names a command repeats --registry FILE ------------------------------------


def test_suggested_commands_repeat_the_registry_option() -> None:
    from foundry_discover.lite.errors import invoked_with, suggest

    try:
        invoked_with("/srv/stack registry.toml")
        assert suggest("url") == "foundry-discover --registry '/srv/stack registry.toml' url"
        invoked_with(None)  # the next run (tests run several in one process) starts afresh
        assert suggest("resolve cache") == "foundry-discover resolve cache"
    finally:
        invoked_with(None)


@pytest.mark.parametrize("wait", [False, True], ids=["quick", "typer --wait"])
def test_a_fix_for_a_service_of_the_registry_file_names_it(redis, tmp_path: Path, wait: bool) -> None:  # type: ignore[no-untyped-def]
    # `cache` is declared as PostgreSQL but Redis answers: the fix's `url` command must find it.
    registry = tmp_path / "stack.toml"
    registry.write_text(f'[services.cache]\nhost = "127.0.0.1"\nport = {redis.port}\nscheme = "postgresql"\n')
    args = ["--registry", str(registry), "health", "cache", *(["--wait", "--timeout", "10"] if wait else [])]
    out = run_cli(*args, env=cli_env(NO_COLOR="1"))
    assert out.returncode == 1, out.stderr
    suggested = f"foundry-discover --registry {registry} url"
    assert f"(`{suggested}` shows where each value comes from)" in out.stderr
    shown = run_cli(*suggested.split()[1:], "cache", env=cli_env(NO_COLOR="1"))
    assert shown.returncode == 0 and f"127.0.0.1:{redis.port}" in shown.stdout, shown.stderr
