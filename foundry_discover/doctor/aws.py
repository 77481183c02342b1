"""The aws step: a Secrets Manager call as the application makes it, in development or production."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from foundry_discover.lite.errors import FoundryError, clauses, most_severe
from foundry_discover.lite.registry import Registry
from foundry_discover.util.waiting import Deadline

if TYPE_CHECKING:
    pass
from foundry_discover.doctor.model import AWS_SERVICE, Options, ServiceReport, Step, fail_step, timed


def aws_check(registry: Registry, deadline: Deadline, options: Options) -> Step:
    from foundry_discover.checks.aws import client

    try:
        sc = client.open_client(
            registry, config=_aws_config(deadline), allow_non_aws_endpoint=options.allow_non_aws_endpoint
        )
        return _fetch(sc, options)
    except FoundryError as exc:
        return fail_step("aws", exc)


def _aws_config(deadline: Deadline) -> Any:
    """One attempt that may use what is left of the deadline.

    ``total_max_attempts`` counts attempts (``max_attempts`` would count retries). Not
    ``secrets.cli_config``'s slices: a LocalStack whose Secrets Manager is still loading
    answers its first call after seconds, and doctor has one deadline for every service,
    so the call gets all of it, once.
    """
    from botocore.config import Config

    left = max(deadline.remaining(), 0.1)
    return Config(connect_timeout=left, read_timeout=left, retries={"total_max_attempts": 1, "mode": "standard"})


def _fetch(sc: Any, options: Options) -> Step:
    """Every --secret, each one (a failure names which); with none, one page of the list."""
    from foundry_discover.checks.aws import calls

    if not options.secrets:
        listed = calls.list_secrets(sc, limit_pages=1)
        detail = f"Secrets Manager answered: {len(listed.secrets)} secret(s) listed"
        if listed.notes:
            # The call works, but the application's keys see none of the secrets that exist.
            fix = "Create the secrets with the application's keys (AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test)"
            return Step("aws", "warn", f"{detail}; {'; '.join(listed.notes)}", fix=fix)
        return Step("aws", "pass", detail)
    fetched: list[str] = []
    failed: list[tuple[str, FoundryError]] = []
    for name in options.secrets:
        # Every name is fetched, so one run shows every broken secret, not just the first.
        try:
            value = calls.get_secret(sc, name)
        except FoundryError as exc:
            failed.append((name, exc))
            continue
        fetched.append(f"{value.name} ({value.kind})")
    if not failed:
        return Step("aws", "pass", f"fetched secret {', '.join(fetched)}, value not shown", data={"secrets": fetched})
    done = f" ({', '.join(fetched)} fetched)" if fetched else ""
    first_name, first = failed[0]
    step = fail_step(
        "aws",
        first,
        secret=first_name,
        secrets=fetched,
        failed=[{"secret": n, "message": e.message, "fix": e.fix, "exit_code": e.exit_code} for n, e in failed],
    )
    step.exit_code = most_severe(e.exit_code for _, e in failed)
    step.detail = "; ".join(e.message for _, e in failed) + done
    fixes = list(dict.fromkeys(e.fix for _, e in failed if e.fix))
    if len(fixes) > 1:
        step.fix = clauses(*(f"{n}: {e.fix}" for n, e in failed if e.fix))
    return step


def production_secrets(registry: Registry, deadline: Deadline, options: Options) -> ServiceReport:
    """--secret outside development: fetched as the application would, from AWS itself.

    No LocalStack is involved, so the chain is the client's settings (config) and the call
    (aws); botocore resolves and connects itself, and its errors name the cause.
    """
    from foundry_discover.checks.aws import client

    steps: list[Step] = []
    try:
        started = time.perf_counter()
        sc = client.open_client(
            registry, config=_aws_config(deadline), allow_non_aws_endpoint=options.allow_non_aws_endpoint
        )
    except FoundryError as exc:
        step = fail_step("config", exc)
        step.elapsed_ms = (time.perf_counter() - started) * 1000
        return ServiceReport(AWS_SERVICE, None, [step, Step("aws", "skip", "skipped: an earlier step failed")])
    plan = sc.plan
    where = f"endpoint {plan.shown_endpoint} ({plan.endpoint_source}), region {plan.region} ({plan.region_source})"
    if plan.route is not None and plan.route.via_proxy:
        where += f"; {plan.route.summary()}"
    if plan.warnings:
        steps.append(Step("config", "warn", f"{where}; " + "; ".join(plan.warnings)))
    else:
        steps.append(Step("config", "pass", where))
    steps[0].elapsed_ms = (time.perf_counter() - started) * 1000
    steps.append(timed(lambda: _guarded_fetch(sc, options)))
    return ServiceReport(AWS_SERVICE, plan.shown_endpoint, steps)


def _guarded_fetch(sc: Any, options: Options) -> Step:
    try:
        return _fetch(sc, options)
    except FoundryError as exc:
        return fail_step("aws", exc)
