"""``audit``: the repository's files against the registry's contract, with no network at all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from foundry_discover.lite.errors import EXIT_NOT_OK, EXIT_OK, ConfigError, NotOkError
from foundry_discover.lite.registry import Registry

Format = Literal["text", "json", "sarif"]


def run(
    registry: Registry,
    paths: Sequence[str],
    *,
    output: Format,
    strict: bool,
    select: Sequence[str],
    ignore: Sequence[str],
    stdin_text: str | None,
    env: Mapping[str, str],
) -> int:
    """Audit, render in ``output``, and return 0 or 1 (a missing path raises ConfigError: 3)."""
    from foundry_discover import render

    try:
        import yaml  # noqa: F401
    except ImportError:
        raise ConfigError(
            "audit needs PyYAML, which is not installed here (the .pyz leaves it out)",
            fix="pip install 'foundry-discover[audit]'",
        ) from None
    from foundry_discover.checks.audit.run import audit
    from foundry_discover.render import audit as show

    report = audit(paths, registry.specs(), env, stdin_text=stdin_text, select=select, ignore=ignore)
    failing = report.errors + (report.warnings if strict else 0)
    code = EXIT_NOT_OK if failing else EXIT_OK
    if output == "sarif":
        show.write_sarif(report)
        return code
    problem = None
    if failing:
        what = "finding" if failing == 1 else "findings"
        level = "error or warning" if strict and report.warnings else "error"
        problem = NotOkError(
            f"audit found {failing} {level} {what}",
            fix="Fix each as its fix says, or ignore one with # foundry-discover: ignore[RULE]",
        )
    render.deliver("audit", report, code, problem, as_json=output == "json", human=show.show_report)
    return code
