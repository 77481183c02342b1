"""Contracts a script relies on, each once slipped: an error object with every failure, usage
errors for flags that mean nothing, exit 2 for bad option values, whole-run times, every
--secret fetched. Real console script, real servers on loopback.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import cli_env, run_cli
from tests.support import emulators
from tests.support.dns import free_port
from tests.test_json_contract import check_envelope


def envelope(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    out = run_cli(*args, "--json", env=env or cli_env(NO_COLOR="1"), timeout=120)
    assert "Traceback" not in out.stderr, out.stderr
    doc = json.loads(out.stdout)
    assert doc["exit_code"] == out.returncode
    return out.returncode, doc, out.stderr


def test_a_table_with_a_bad_row_carries_the_error_in_json_and_on_stderr() -> None:
    env = cli_env(REDIS_PORT="abc", NO_COLOR="1")
    code, doc, _ = envelope("url", "--all", env=env)
    check_envelope(doc, "url")
    assert code == 3
    assert doc["error"] == {
        "type": "config",
        "exit_code": 3,
        "message": "redis: REDIS_PORT='abc' is not a port number",
        "fix": doc["error"]["fix"],
    }
    assert doc["error"]["fix"]
    text = run_cli("url", env=env)
    assert text.returncode == 3
    assert text.stderr.startswith("error: redis: REDIS_PORT='abc' is not a port number"), text.stderr
    assert "redis" in text.stdout and "backend" in text.stdout  # the other rows are still shown


def test_two_bad_rows_are_both_named_in_one_line() -> None:
    out = run_cli("url", env=cli_env(REDIS_PORT="abc", POSTGRES_PORT="0", NO_COLOR="1"))
    assert out.returncode == 3
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith("error: 2 of 6 services are misconfigured: postgres: POSTGRES_PORT") and "also redis" in line


@pytest.mark.parametrize("flag", [["--host"], ["--port"], ["--explain"], ["--path", "/x"]])
def test_a_one_service_flag_without_a_name_is_a_usage_error(flag: list[str]) -> None:
    out = run_cli("url", *flag, env=cli_env(NO_COLOR="1", COLUMNS="200"))
    assert out.returncode == 2, out.stdout
    assert out.stdout == ""
    assert f"{flag[0]} applies to one service: give its NAME" in out.stderr


@pytest.mark.parametrize("url", ["ftp://x", "127.0.0.1:45661", "http://"])
@pytest.mark.parametrize("extra", [[], ["--wait", "--timeout", "1"]], ids=["one-shot", "typer"])
def test_a_bad_url_value_exits_2_both_ways(url: str, extra: list[str]) -> None:
    """The one-shot form is the hand parser's, --wait is Typer's: the same code and line."""
    code, doc, err = envelope("health", "--url", url, *extra)
    assert code == 2
    assert doc["error"]["type"] == "usage" and doc["error"]["message"].startswith(f"--url {url!r}")
    assert err.startswith(f"error: --url {url!r}")


@pytest.mark.parametrize("command", ["health", "resolve", "doctor", "secret"])
def test_each_help_states_the_usage_and_configuration_codes(command: str) -> None:
    out = run_cli(command, "--help", env=cli_env(NO_COLOR="1", COLUMNS="200"))
    assert out.returncode == 0
    assert "Exit 2: a bad flag or value; 3: bad configuration in the environment or a file." in " ".join(
        out.stdout.replace("│", " ").split()
    )


def test_doctor_wait_reports_the_whole_run_not_the_last_attempt() -> None:
    port = free_port()  # nothing listens: every attempt fails at once
    env = cli_env(SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(port), NO_COLOR="1")
    code, doc, _ = envelope("doctor", "redis", "--wait", "--timeout", "1.5", env=env)
    assert code == 124
    result = doc["result"]
    assert result["attempts"] > 1
    assert result["elapsed_ms"] >= 1400, result["elapsed_ms"]
    text = run_cli("doctor", "redis", "--wait", "--timeout", "1.5", env=env)
    summary = next(line for line in text.stdout.splitlines() if "attempts in" in line)
    seconds = float(summary.rsplit(" in ", 1)[1].split()[0])
    assert seconds >= 1.4, summary


def test_every_secret_is_fetched_and_each_failure_named(ministack: emulators.Emulator) -> None:
    env = cli_env(
        SVC_LOCALSTACK_HOST="127.0.0.1",
        LOCALSTACK_PORT=str(ministack.port),
        AWS_EC2_METADATA_DISABLED="true",
        ENVIRONMENT="development",
        NO_COLOR="1",
    )
    code, doc, err = envelope("doctor", "localstack", "--secret", "fd/slips/a", "--secret", "fd/slips/b", env=env)
    assert code == 1
    step = next(s for s in doc["result"]["services"] if s["name"] == "LOCALSTACK")["steps"][4]
    assert step["status"] == "fail"
    assert [f["secret"] for f in step["data"]["failed"]] == ["fd/slips/a", "fd/slips/b"]
    assert "fd/slips/a" in step["detail"] and "fd/slips/b" in step["detail"]
    assert "fd/slips/b" in err


def test_doctor_shows_the_environment_value_as_set_and_what_it_means() -> None:
    port = free_port()
    base = {"SVC_REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(port), "NO_COLOR": "1"}
    staging = run_cli("doctor", "redis", "--timeout", "1", env=cli_env(ENVIRONMENT="staging", **base))
    assert "ENVIRONMENT='staging', production to this tool" in staging.stdout.splitlines()[0]
    plain = run_cli("doctor", "redis", "--timeout", "1", env=cli_env(ENVIRONMENT="development", **base))
    assert plain.stdout.splitlines()[0].endswith("; ENVIRONMENT=development")
    unset = run_cli("doctor", "redis", "--timeout", "1", env=cli_env(**base))
    assert unset.stdout.splitlines()[0].endswith("; ENVIRONMENT unset, development to this tool")


def test_a_healthy_emulator_is_a_few_lines_and_every_service_on_request(ministack: emulators.Emulator) -> None:
    env = cli_env(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(ministack.port), NO_COLOR="1")
    short = run_cli("health", env=env)
    assert short.returncode == 0
    lines = short.stdout.splitlines()
    assert len(lines) <= 5, short.stdout
    assert lines[1] == "verdict: healthy"
    listed = json.loads(run_cli("health", "--json", env=env).stdout)["result"]["services"]
    assert f"{len(listed)} services listed: {len(listed)} available (--all-services lists them)" in lines
    required = run_cli("health", "--require", "secretsmanager", env=env).stdout.splitlines()
    assert any(line.split()[:3] == ["secretsmanager", "available", "yes"] for line in required)
    assert f"{len(listed) - 1} other services listed" in "\n".join(required)
    every = run_cli("health", "-v", env=env).stdout
    assert all(any(line.split()[:1] == [name] for line in every.splitlines()) for name in listed)


def test_verdicts_are_printed_as_words() -> None:
    from foundry_discover.render.health import words

    assert words("not_ready") == "not ready" and words("healthy") == "healthy"


def test_a_misspelt_host_variable_is_named_as_a_near_miss_not_a_new_service() -> None:
    out = run_cli("url", "localstak", env=cli_env(SVC_LOCALSTAK_HOST="localstack", NO_COLOR="1"))
    assert out.returncode == 3
    assert out.stderr.strip() == (
        "error: SVC_LOCALSTAK_HOST names no known service: localstak has no port, did you mean localstack? "
        "Rename SVC_LOCALSTAK_HOST to SVC_LOCALSTACK_HOST, or set LOCALSTAK_PORT if localstak is a service of its own"
    )


@given(st.text(alphabet="ab (),'`:;", max_size=40))
def test_flat_leaves_one_level_of_parentheses_outside_quotes(text: str) -> None:
    from foundry_discover.lite.errors import flat
    from tests.support.message_style import nested_parentheses

    out = flat(text)
    assert not nested_parentheses(out) or text.count("(") < 2
    if not nested_parentheses(text):
        assert out == text or text.count("(") >= 2


def test_flat_joins_inner_parts_with_commas_and_keeps_quotes() -> None:
    from foundry_discover.lite.errors import flat

    assert flat("x (Name or service not known (EAI_NONAME))") == "x (Name or service not known, EAI_NONAME)"
    assert flat("a (b (c) d) e (f)") == "a (b, c, d) e (f)"
    assert flat("banner '220 mail (Debian)' (x (y))") == "banner '220 mail (Debian)' (x, y)"
    assert flat("the container's x (a (b))") == "the container's x (a, b)"


def test_advice_names_the_emulator_that_answered(ministack: emulators.Emulator) -> None:
    env = cli_env(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(ministack.port), NO_COLOR="1")
    code, doc, _ = envelope("health", "--require", "nosuchservice", env=env)
    assert code == 1
    (reason,) = doc["result"]["reasons"]
    assert reason.endswith("(MiniStack's configuration decides what it runs)") and "SERVICES" not in reason
    code, doc, _ = envelope("doctor", "localstack", "--require", "nosuchservice", env=env)
    step = next(s for s in doc["result"]["services"] if s["name"] == "LOCALSTACK")["steps"][3]
    assert "against the services MiniStack lists, or enable it" in step["fix"] and "SERVICES" not in step["fix"]


def test_doctor_rows_stay_short_and_the_whole_cause_follows_the_table() -> None:
    env = cli_env(REDIS_PORT="tcp://10.96.0.13:6379", NO_COLOR="1")
    out = run_cli("doctor", "redis", "--timeout", "2", env=env)
    assert out.returncode == 3
    lines = out.stdout.splitlines()
    row = next(line for line in lines if line.startswith("FAIL"))
    assert row.split("  ")[-1].endswith("ms") and len(row) <= 140, row
    assert "(see why below)" in row
    why = next(line for line in lines if line.startswith("why (config): "))
    assert "`int(os.getenv('REDIS_PORT'))` crashes on it at start-up" in why
    assert lines.index(why) < next(i for i, line in enumerate(lines) if line.startswith("fix (config): "))


def test_a_short_detail_is_its_own_cell() -> None:
    from foundry_discover.render.doctor import CELL, cell

    assert cell("127.0.0.1 port 6379") == "127.0.0.1 port 6379"
    long = "a service (with: a colon inside) does this: " + "x " * CELL
    assert cell(long) == "a service (with: a colon inside) does this (see why below)"
