"""The development/production rule, written once: which mode ``ENVIRONMENT`` selects.

The application and this tool must agree, so both the secrets plan and the environment
check read it from here.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    pass


DEV_VALUES = ("development", "dev", "local")


DEFAULT_ENVIRONMENT = "development"


Mode = Literal["development", "production"]


def decide_environment(env: Mapping[str, str]) -> tuple[Mode, str | None, str]:
    """development or production, the raw value, and why."""
    raw = env.get("ENVIRONMENT")
    if raw is None or not raw.strip():
        why = "is empty" if raw is not None else "is not set"
        return "development", raw, f"ENVIRONMENT {why}: assuming {DEFAULT_ENVIRONMENT}, the default for this tool"
    if raw.strip().lower() in DEV_VALUES:
        return "development", raw, f"ENVIRONMENT={raw}"
    return "production", raw, f"ENVIRONMENT={raw} is not one of {'/'.join(DEV_VALUES)}: AWS with boto3's own chain"


STANDARD_ENVIRONMENTS = (*DEV_VALUES, "production")


#: Short forms difflib scores too low to suggest on its own.
_ENV_ALIASES = {"prod": "production", "prd": "production", "devel": "development", "develop": "development"}


@dataclass(frozen=True)
class EnvironmentMeaning:
    """What ``ENVIRONMENT`` means to the seed's application, next to what this tool does with it."""

    value: str | None
    #: None when unset: the seed does not show its default.
    app: Literal["development", "production"] | None
    tool: Literal["development", "production"]
    standard: bool
    likely: str | None
    warning: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "app": self.app,
            "tool": self.tool,
            "standard": self.standard,
            "likely": self.likely,
            "warning": self.warning,
        }


def likely_environment(value: str) -> str | None:
    """The standard value a near-miss most likely meant, or None."""
    text = value.strip().lower()
    if text in STANDARD_ENVIRONMENTS:
        return text
    if text in _ENV_ALIASES:
        return _ENV_ALIASES[text]
    close = difflib.get_close_matches(text, STANDARD_ENVIRONMENTS, n=1, cutoff=0.75)
    return close[0] if close else None


def environment_meaning(env: Mapping[str, str]) -> EnvironmentMeaning:
    tool = decide_environment(env)[0]
    raw = env.get("ENVIRONMENT")
    if raw is None or not raw:
        return EnvironmentMeaning(raw, None, tool, raw is None, None, None)
    app: Literal["development", "production"] = "development" if raw in DEV_VALUES else "production"
    if raw in STANDARD_ENVIRONMENTS:
        return EnvironmentMeaning(raw, app, tool, True, None, None)
    likely = likely_environment(raw)
    message = (
        f"ENVIRONMENT={raw!r} is not exactly development, dev, local or production: the application compares it "
        "exactly, so it runs as production (real AWS Secrets Manager, no LocalStack)"
    )
    if tool != app:
        message += "; this tool and foundry_discover.secrets ignore case and spaces, and treat it as development"
    if likely:
        message += f"; did you mean ENVIRONMENT={likely}?"
    from foundry_discover.lite.rawvalue import find_stray

    stray = find_stray(raw, "ENVIRONMENT")
    if stray is not None:
        # Where the stray characters came from, so the file gets fixed, not only this variable.
        message += f"{' The' if likely else '; the'} value {stray.what}. {stray.source}: {stray.fix}"
    return EnvironmentMeaning(raw, app, tool, False, likely, message)
