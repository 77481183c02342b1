"""Output for people: values a person copies are never cut, doctor stays short over many
services, and resolve's own --timeout is not confused with glibc's.

The narrow terminal is a real pseudo-terminal 40 columns wide, in colour mode (rich), and
the plain mode is a pipe. Too narrow for a table, output is stacked (``key: value``), and
a long value stays on one line of output: the terminal wraps it, nothing breaks it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli_env, run_cli
from tests.support.emulators import free_port
from tests.support.services import HealthServer, Listener
from tests.support.tty import run_on_tty

HOST = "a-very-long-service-host-name-that-never-fits.team-payments.svc.cluster.local"
NARROW = 40


@pytest.mark.parametrize("args", [["url", "localstack", "--explain"], ["url"], ["url", "--all"]])
def test_url_never_cuts_a_host_on_a_narrow_terminal(args: list[str]) -> None:
    env = cli_env(SVC_LOCALSTACK_HOST=HOST)
    code, text = run_on_tty(args, env, NARROW)
    assert code == 0, text
    assert "…" not in text and "..." not in text
    assert any(HOST in line for line in text.splitlines()), text
    assert "┃" not in text, "a table this narrow would fold the host: stacked instead"
    plain = run_cli(*args, env={**env, "COLUMNS": str(NARROW)})
    assert HOST in plain.stdout and "…" not in plain.stdout


def test_doctor_never_cuts_a_value_on_a_narrow_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "a-deeply-nested-folder-of-registry-files" / "for-the-payments-team"
    folder.mkdir(parents=True)
    file = folder / "services.toml"
    backend = HealthServer(200)  # http, the scheme a registry file's service has by default
    try:
        file.write_text(f'[services.backend]\nhost = "127.0.0.1"\nport = {backend.port}\n')
        code, text = run_on_tty(["--registry", str(file), "doctor", "backend"], cli_env(), NARROW)
    finally:
        backend.close()
    assert code == 0, text
    assert "…" not in text
    assert any(str(file) in line for line in text.splitlines()), text
    assert f"127.0.0.1 port {backend.port}" in text


def test_doctor_quiet_and_a_short_summary_over_many_services() -> None:
    ok = Listener()
    closed = free_port()
    names = [f"SVC{i:02d}" for i in range(12)]
    env = cli_env(NO_COLOR="1", ENVIRONMENT="development", SVC_GOOD_HOST="127.0.0.1", GOOD_PORT=str(ok.port))
    for name in names:
        env.update({f"SVC_{name}_HOST": "127.0.0.1", f"{name}_PORT": str(closed)})
    try:
        full = run_cli("doctor", env=env)
        quiet = run_cli("doctor", "--quiet", env=env)
        doc = json.loads(run_cli("doctor", "--quiet", "--json", env=env).stdout)
        waited = run_cli("doctor", "--wait", "--timeout", "0.5", env=env)
    finally:
        ok.close()
    assert full.returncode == quiet.returncode == 4
    assert "good  tcp://" in full.stdout or "\ngood  " in full.stdout
    assert "\ngood  " not in quiet.stdout  # passed: not shown with --quiet
    assert all(f"\n{n.lower()}  " in quiet.stdout for n in names)  # every failure still shown
    summary = quiet.stdout.strip().splitlines()[-1]
    assert summary.startswith("12 of 13 failing (svc00: connect, svc01: connect, svc02: connect and 9 more)")
    assert len(summary) < 120, summary
    error = quiet.stderr.strip().splitlines()[-1]
    assert "and 9 more" in error and len(error) < 300, error
    assert waited.returncode == 124
    assert "still failing: svc00 (connect), svc01 (connect), svc02 (connect) and 9 more" in waited.stderr
    # JSON keeps the full list.
    assert len(doc["result"]["services"]) == 13 and doc["result"]["counts"]["failed"] == 12


def test_resolve_shows_its_timeout_next_to_glibcs() -> None:
    env = cli_env(NO_COLOR="1", RES_OPTIONS="timeout:3 attempts:4")
    out = run_cli("resolve", "10.1.2.3", "--timeout", "1.5", env=env)  # an address: nothing is sent
    assert out.returncode == 0, out.stderr
    assert "glibc timeout 3 s x attempts 4 (the application waits up to 12 s per silent nameserver)" in out.stdout
    assert "this command: --timeout 1.5 s per DNS reply and for getaddrinfo (not glibc's)" in out.stdout
    doc = json.loads(run_cli("resolve", "10.1.2.3", "--timeout", "1.5", "--json", env=env).stdout)
    assert doc["result"]["timeout"] == 1.5 and doc["result"]["resolver"]["timeout"] == 3
