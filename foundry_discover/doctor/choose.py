"""Which services a run checks, which it leaves out, and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from foundry_discover.lite.registry import Registry
from foundry_discover.lite.values import host_var, normalize_name, port_var

if TYPE_CHECKING:
    pass
from foundry_discover.doctor.model import AWS_SERVICE, Options


@dataclass
class Choice:
    """Which services a run checks, which it leaves out and why, and what it decided."""

    services: list[str]
    notes: list[str] = field(default_factory=list)
    left_out: list[dict[str, str]] = field(default_factory=list)
    #: --secret outside development: fetched from AWS itself, as its own pseudo-service.
    production_secrets: bool = False


def configured(registry: Registry) -> dict[str, str]:
    """The services this environment sets up, each with the evidence."""
    found: dict[str, str] = {}
    env = registry.env
    for name, spec in registry.specs().items():
        if host_var(name) in env:
            found[name] = host_var(name)
        elif port_var(name) in env:
            found[name] = port_var(name)
        elif spec.source is not None and spec.source.kind == "file":
            found[name] = str(spec.source)
    return found


def choose(registry: Registry, names: Sequence[str], mode: str, options: Options | None = None) -> Choice:
    """The services to check: those named; else those this environment configures (any
    ``SVC_<NAME>_HOST`` or ``<NAME>_PORT`` set, or declared in a registry file) minus --skip;
    else, when nothing is configured (or --all), every known one.

    In production secrets come from AWS itself, so LocalStack is not part of the stack:
    unless named, or its host set explicitly, checking it would report a failure that is
    not one. A check asked for by name is never dropped: --require checks LocalStack, and
    --secret fetches from LocalStack in development, from AWS (SECRETSMANAGER) elsewhere.
    """
    options = options or Options()
    choice = Choice([normalize_name(n) for n in names])
    if not names:
        known = registry.names()
        found = configured(registry)
        if mode == "production" and host_var("LOCALSTACK") not in registry.env:
            # Not part of a production stack, whatever else configures it.
            known.remove("LOCALSTACK")
            found.pop("LOCALSTACK", None)
            choice.left_out.append(
                {
                    "name": "localstack",
                    "why": "ENVIRONMENT is production, where secrets come from AWS "
                    f"(name it, or set {host_var('LOCALSTACK')}, to check it anyway)",
                }
            )
        if options.every or not found:
            choice.services = list(known)
            if not options.every:
                choice.notes.append(
                    "nothing is configured here (no SVC_<NAME>_HOST, <NAME>_PORT or registry file): "
                    "checking every known service"
                )
        else:
            choice.services = [n for n in known if n in found]
            idle = [n for n in known if n not in found]
            for n in idle:
                choice.left_out.append(
                    {"name": n.lower(), "why": f"not configured here ({host_var(n)}, {port_var(n)} unset)"}
                )
            if idle:
                choice.notes.append(
                    f"left out, not configured here: {', '.join(n.lower() for n in idle)} "
                    "(name them, or --all, to check them anyway)"
                )
        skipped = [n for n in choice.services if n in {normalize_name(k) for k in options.skip}]
        for n in skipped:
            choice.services.remove(n)
            choice.left_out.append({"name": n.lower(), "why": "--skip"})
        if skipped:
            choice.notes.append(f"left out by --skip: {', '.join(n.lower() for n in skipped)}")
    wants_localstack = options.require or (options.secrets and mode == "development")
    if wants_localstack and "LOCALSTACK" not in choice.services:
        choice.services.append("LOCALSTACK")
        choice.left_out = [o for o in choice.left_out if o["name"] != "localstack"]
        flag = "--require" if options.require else "--secret"
        choice.notes.append(f"localstack added: {flag} is checked against it")
    elif mode == "production" and any(o["name"] == "localstack" for o in choice.left_out):
        choice.notes.insert(0, f"localstack left out: {choice.left_out[0]['why']}")
    if options.secrets and mode != "development":
        choice.production_secrets = True
        choice.notes.append(f"--secret is fetched from AWS itself (ENVIRONMENT is {mode}): see {AWS_SERVICE.lower()}")
    return choice
