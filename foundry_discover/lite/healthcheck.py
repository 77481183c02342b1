"""The healthcheck's own actions: check one service, show it, exit with its code.

``health NAME`` runs ``check_once`` whichever way it came in (the hand parser in
``quick``, or the Typer command), so both print and exit alike. ``deliver`` shows any
finished check, the emulator's included.
"""

from __future__ import annotations

from foundry_discover.lite.errors import FoundryError, NotOkError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from foundry_discover.checks.emulator.model import EmulatorHealth
    from foundry_discover.lite.base import Deadline
    from foundry_discover.lite.registry import Registry, Service
    from foundry_discover.lite.servicecheck import ServiceCheck


def is_emulator(name: str) -> bool:
    """Whether NAME is the emulator, as the Typer command reads it."""
    return name.strip().upper().replace("-", "_") == "LOCALSTACK"


def what(service: Service) -> str:
    """How the service is named in messages: ``redis at redis://redis:6379``."""
    return f"{service.name.lower()} at {service.url}"


def check_once(registry: Registry, name: str, deadline: Deadline, *, as_json: bool) -> int:
    """The scheme's protocol check of service ``name``, shown; its exit code."""
    from foundry_discover.lite.servicecheck import probe_service

    service = registry.get(name)
    result = probe_service(service, deadline)
    if result.error is not None and result.probe is None:
        result.error = homeward(registry, service, result.error)
    if result.probe is not None and result.probe.state == "redirect":
        # Rare: only a health path that redirects pays for the HTTP client.
        from foundry_discover.checks.service import follow_redirect

        follow_redirect(result, service, deadline)
    warnings = [*service.warnings, *annotate(result, service.url, service.name, registry.env)]
    return deliver(result, what(service), as_json=as_json, warnings=warnings)


def annotate(result: EmulatorHealth | ServiceCheck, url: str, name: str, env: Mapping[str, str]) -> list[str]:
    """The application's route on ``result`` (JSON ``route``), and the warnings when it is not
    this direct check's: a proxy, proxy settings its client refuses, a CA bundle that cannot work."""
    scheme = url.partition(":")[0]
    if scheme not in ("http", "https") or not _route_matters(env, scheme):
        return []
    from foundry_discover.checks.proxy.notes import findings

    result.route, warnings = findings(url, name, env)
    return warnings


def _route_matters(env: Mapping[str, str], scheme: str) -> bool:
    """A proxy variable is set, or a CA bundle one for https: only then are the route rules imported."""
    for key, value in env.items():
        lower = key.lower()
        if value and lower in ("http_proxy", "https_proxy", "all_proxy"):
            return True
        if scheme == "https" and key in ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
            return True
    return False


def homeward(registry: Registry, service: Service, error: FoundryError) -> FoundryError:
    """``error``, or (a connect failure inside a container to an address that leads back into it) the
    error that says so. Only a failing check pays for the look at where this runs."""
    from foundry_discover.checks.docker.home import home_error

    spec = registry.specs().get(service.name)
    return home_error(service, error, spec.host if spec else None) or error


def deliver(
    result: EmulatorHealth | ServiceCheck,
    subject: str,
    *,
    as_json: bool,
    every: bool = False,
    warnings: Sequence[str] = (),
) -> int:
    """Show a finished check (and its one-line error when it is not ok); its exit code.

    ``warnings`` are the service's (a value the application takes other than it looks): shown
    first, whatever the check found."""
    from foundry_discover import render
    from foundry_discover.lite.servicecheck import ServiceCheck
    from foundry_discover.render import health as show

    problem: FoundryError | None = None if result.ok else NotOkError(summary(result, subject))
    if isinstance(result, ServiceCheck) and result.error is not None and not result.ok:
        if result.probe is None:
            # Nothing answered: there is no result to show, only the error.
            render.emit_error("health", result.error, as_json=as_json, warnings=warnings)
            return result.error.exit_code
        problem = result.error  # something answered: show what (JSON carries the protocol)
    human = show.show_service if isinstance(result, ServiceCheck) else show.show_emulator
    render.deliver(
        "health",
        result,
        result.exit_code,
        problem,
        as_json=as_json,
        human=lambda r: human(r, every=every),
        warnings=warnings,
    )
    return result.exit_code


def summary(result: EmulatorHealth | ServiceCheck, subject: str) -> str:
    from foundry_discover.lite.servicecheck import ServiceCheck

    if isinstance(result, ServiceCheck):
        return f"{subject} is {result.verdict.replace('_', ' ')}: {'; '.join(result.reasons)}"
    return result.summary()
