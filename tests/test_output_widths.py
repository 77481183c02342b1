"""Output at any width, on real pseudo-terminals of 40, 60, 80 and 200 columns.

Tables where they fit; below the width a table needs, one ``key: value`` block per row;
a value a person copies (a host, a URL, a command in a fix) is never split by the tool;
--help prose wraps to the terminal; piped output stays plain and unwrapped.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import cli_env, run_cli
from tests.support.tty import run_on_tty

HOST = "a-long-host-name-for-the-payments-team.payments.svc.cluster.local"
WIDTHS = [40, 60, 80, 200]


def urls(env: dict[str, str]) -> list[str]:
    doc = json.loads(run_cli("url", "--json", env=env).stdout)
    return [s["url"] for s in doc["result"]["services"]]


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_service_table_keeps_every_url_whole_at_any_width(columns: int) -> None:
    env = cli_env(SVC_LOCALSTACK_HOST=HOST)
    code, text = run_on_tty(["url"], env, columns)
    assert code == 0, text
    lines = text.splitlines()
    for url in urls(env):
        assert any(url in line for line in lines), f"{url} split at {columns} columns:\n{text}"
    table = "┃" in text
    stacked = any(line.startswith("url:") for line in lines)
    assert table != stacked, text
    # A table only where every cell fits whole: the localstack row needs ~120 columns.
    assert table == (columns >= 120), text
    if table:
        assert all(len(line) <= columns for line in lines)


@pytest.mark.parametrize("columns", WIDTHS)
def test_a_fix_command_is_never_broken_over_lines(columns: int) -> None:
    code, text = run_on_tty(["health", "--url", "ftp://a-long-emulator-host.example.internal:4566"], cli_env(), columns)
    assert code == 2
    (line,) = [line for line in text.splitlines() if line.startswith("error: ")]
    assert line.endswith("Give e.g. --url http://localhost:4566"), text


@pytest.mark.parametrize("columns", [60, 80])
def test_help_prose_wraps_to_the_terminal_and_examples_stay_commands(columns: int) -> None:
    code, text = run_on_tty(["health", "--help"], cli_env(), columns)
    assert code == 0
    lines = text.splitlines()
    assert all(len(line) <= columns for line in lines), text
    prose = " ".join(" ".join(lines).replace("│", " ").split())
    # The exit-code sentence was written over two source lines: it reads as one sentence.
    assert "Exit 0 healthy, 1 not healthy, 4 unreachable, 124 --wait ran out of time." in prose
    assert any(line.strip().startswith("foundry-discover health --require secretsmanager,s3") for line in lines)


def test_piped_output_is_plain_and_unwrapped_whatever_columns_says() -> None:
    env = cli_env(SVC_LOCALSTACK_HOST=HOST, COLUMNS="40")
    out = run_cli("url", env=env)
    assert out.returncode == 0
    assert "┃" not in out.stdout and "url:" not in out.stdout
    row = next(line for line in out.stdout.splitlines() if line.startswith("localstack"))
    assert f"http://{HOST}:4566" in row and len(row) > 40
