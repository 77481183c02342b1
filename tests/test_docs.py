"""The manual's command pages (docs/NAME.md) and --help cannot drift apart.

Only the prose counts: the generated ``[[[cog ... ]]]`` blocks (which include --help
itself) are cut out first, so a flag is "documented" only when a sentence or example
written for the reader names it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from foundry_discover.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
GENERATED = re.compile(r"\[\[\[cog.*?\[\[\[end\]\]\]", re.S)
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


def commands() -> dict[str, typer.main.TyperCommand]:
    """Every leaf command by its full name ('url', 'secret get', ...)."""
    root = typer.main.get_command(app)
    found = {}

    def walk(cmd, prefix: str) -> None:  # type: ignore[no-untyped-def]
        for name, sub in getattr(cmd, "commands", {}).items():
            full = f"{prefix} {name}".strip()
            if getattr(sub, "commands", None):
                walk(sub, full)
            else:
                found[full] = sub

    walk(root, "")
    return found


def section(topic: str) -> str:
    """The command's page, without its generated blocks."""
    page = ROOT / "docs" / f"{topic}.md"
    assert page.is_file(), f"no docs/{topic}.md for the command {topic!r}"
    text = GENERATED.sub("", page.read_text())
    assert f"<!-- section:{topic} -->" in text, f"docs/{topic}.md has no section marker for {topic!r}"
    return text


def flags_of(command) -> set[str]:  # type: ignore[no-untyped-def]
    return {opt for param in command.params for opt in param.opts if opt.startswith("--")} - {"--help"}


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_flag_in_help_is_in_the_docs(name: str) -> None:
    text = section(name.split()[0])
    documented = set(FLAG.findall(text))
    missing = flags_of(commands()[name]) - documented
    assert not missing, f"docs/{name.split()[0]}.md does not mention {sorted(missing)}"


@pytest.mark.parametrize("topic", sorted({name.split()[0] for name in commands()}))
def test_every_flag_in_the_docs_exists(topic: str) -> None:
    real = set().union(*(flags_of(cmd) for name, cmd in commands().items() if name.split()[0] == topic))
    real |= {opt for param in typer.main.get_command(app).params for opt in param.opts}
    unknown = set(FLAG.findall(section(topic))) - real - {"--help"}
    assert not unknown, f"docs/{topic}.md mentions flags that do not exist: {sorted(unknown)}"


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_command_help_has_an_example(name: str) -> None:
    help_text = commands()[name].help or ""
    assert "Examples:" in help_text and "foundry-discover " in help_text, f"{name} --help has no example"


def test_exit_code_table_matches_the_error_hierarchy() -> None:
    from foundry_discover.lite.errors import EXIT_CODES

    table = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert documented == set(EXIT_CODES)
