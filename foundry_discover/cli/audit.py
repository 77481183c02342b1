"""`foundry-discover audit`: a static check of a repository against the registry's contract."""

# No `from __future__ import annotations`: Typer reads the parameters' annotations with
# get_type_hints, which would compile and evaluate every string at each start-up.

import os
import sys
from typing import Annotated

import typer

from foundry_discover.cli.options import JsonOpt, run_command, state

HELP = """Check a repository's code, Compose files and Kubernetes manifests against the registry.

Static: no network, no Docker daemon, no cluster. PATH is a folder, a file, or - for
manifests on stdin (helm template, kustomize build). Folders are walked as a linter
walks them (.gitignore and vendored folders skipped).

Exit 0: no error findings (warnings allowed; --strict fails on them too). Exit 1:
findings. Exit 3: a PATH that does not exist.

Examples:

    foundry-discover audit                         # the current folder
    foundry-discover audit --format sarif > audit.sarif
    helm template charts/app | foundry-discover audit -
    foundry-discover audit --select FD2 --ignore FD208 deploy/

Ignore one finding with a comment on its line: # foundry-discover: ignore[FD101]
"""


def _rules(values: list[str] | None, flag: str) -> list[str]:
    from foundry_discover.checks.audit.ignores import expand

    try:
        expand(values or [])
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=flag) from None
    return values or []


def audit(
    ctx: typer.Context,
    paths: Annotated[
        list[str] | None, typer.Argument(metavar="[PATH]...", help="Folders, files, or - for stdin (default: .).")
    ] = None,
    output: Annotated[
        str, typer.Option("--format", metavar="text|json|sarif", help="Output format (--json is --format json).")
    ] = "text",
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")] = False,
    select: Annotated[
        list[str] | None,
        typer.Option("--select", metavar="RULE", help="Only these rules (id, prefix or name). Repeatable."),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option("--ignore", metavar="RULE", help="Not these rules (id, prefix or name). Repeatable."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    if output not in ("text", "json", "sarif"):
        raise typer.BadParameter(f"{output!r} is not text, json or sarif", param_hint="--format")
    if as_json and output == "sarif":
        raise typer.BadParameter("give --json or --format sarif, not both", param_hint="--json")
    fmt = "json" if as_json else output
    chosen, dropped = _rules(select, "--select"), _rules(ignore, "--ignore")
    targets = paths or ["."]
    registry = state(ctx).registry()

    def action() -> int:
        from foundry_discover.commands import audit as command

        stdin_text = sys.stdin.read() if "-" in targets else None
        return command.run(
            registry,
            targets,
            output=fmt,  # type: ignore[arg-type]
            strict=strict,
            select=chosen,
            ignore=dropped,
            stdin_text=stdin_text,
            env=dict(os.environ),
        )

    run_command("audit", fmt == "json", action)
