"""What the ``[[[cog ... ]]]`` blocks in README.md and docs/*.md call to write real output.

Regenerate: ``.venv/bin/python -m cogapp -r -I scripts README.md docs/*.md`` (``scripts/docs``).
``tests/test_docs_fresh.py`` runs the same with ``--check`` and fails on any stale section.

Each command runs the installed console script in a fresh process with a fixed, clean
environment (no colour, 100 columns, no registry file, the registry's built-in defaults
unless a block sets a variable), so the output is the same on every machine. ``url`` and
``--help`` send nothing anywhere; a block that needs a server starts it on 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: The environment every documented run starts from: nothing of the writer's machine.
BASE_ENV = {
    "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
    "HOME": "/nonexistent",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "COLUMNS": "100",
    "LANG": "C.UTF-8",
    "AWS_EC2_METADATA_DISABLED": "true",
    # stdout and stderr in the order they were written, as a terminal shows them.
    "PYTHONUNBUFFERED": "1",
}


def _script() -> str:
    return str(Path(sys.executable).parent / "foundry-discover")


def run(command: str, env: dict[str, str] | None = None) -> tuple[str, int]:
    """``foundry-discover COMMAND`` (shell words): stdout and stderr interleaved, and the exit code."""
    done = subprocess.run(
        [_script(), *shlex.split(command)],
        env={**BASE_ENV, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
        cwd="/",
    )
    lines = done.stdout.rstrip("\n").splitlines()
    return "\n".join(line.rstrip() for line in lines), done.returncode


def shell(command: str, env: dict[str, str] | None = None, show_exit: bool = False) -> str:
    """A ```` ```console ```` block: the command as typed (its variables first), then what it printed."""
    out, code = run(command, env)
    prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
    typed = f"$ {prefix + ' ' if prefix else ''}foundry-discover {command}"
    tail = f"\n$ echo $?\n{code}" if show_exit else ""
    return f"```console\n{typed}\n{out}{tail}\n```"


def help_of(command: str) -> str:
    """``foundry-discover COMMAND --help``, as a ```` ```console ```` block."""
    out, code = run(f"{command} --help")
    assert code == 0, out
    return f"```console\n$ foundry-discover {command} --help\n{out.strip(chr(10))}\n```"


def exit_codes() -> str:
    """The exit-code table, from the error hierarchy (foundry_discover/lite/errors.py)."""
    import foundry_discover.cli.options  # noqa: F401 - defines the CLI's own error class
    from foundry_discover.lite.errors import EXIT_CODES, FoundryError

    def subclasses(cls: type[FoundryError]) -> set[type[FoundryError]]:
        return {sub for direct in cls.__subclasses__() for sub in {direct, *subclasses(direct)}}

    kinds: dict[int, set[str]] = {}
    for cls in subclasses(FoundryError):
        kinds.setdefault(cls.exit_code, set()).add(cls.kind)
    rows = ["| code | meaning | JSON `error.type` |", "| --- | --- | --- |"]
    for code, meaning in EXIT_CODES.items():
        types = ", ".join(f"`{k}`" for k in sorted(kinds.get(code, ()))) or "-"
        rows.append(f"| {code} | {meaning} | {types} |")
    return "\n".join(rows)


def env_table() -> str:
    from envvars import table

    return table()


def botocore_table() -> str:
    from envvars import botocore_table

    return botocore_table()


def long_lines(text: str, limit: int = 200) -> list[str]:
    """Lines over ``limit`` characters, outside generated blocks and code blocks (for the test)."""
    text = re.sub(r"\[\[\[cog.*?\[\[\[end\]\]\]", "", text, flags=re.S)
    text = re.sub(r"^[ \t]*```.*?^[ \t]*```", "", text, flags=re.S | re.M)
    return [line for line in text.splitlines() if len(line) > limit and not line.startswith("|")]
