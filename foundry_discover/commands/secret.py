"""``secret get`` and ``secret list``: Secrets Manager exactly as the application sees it.

botocore is imported only when the client is opened; every call runs inside the
command's one deadline (``--timeout``), retries included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from foundry_discover.lite.errors import FoundryError
from foundry_discover.lite.registry import Registry

if TYPE_CHECKING:
    from foundry_discover.checks.aws.plan import SecretsClient

T = TypeVar("T")
Bounded = Callable[[Callable[[], Any]], Any]


@dataclass(frozen=True)
class ClientOptions:
    """What every secret command shares: the plan shown or not, the guard, the deadline, JSON."""

    explain: bool
    allow_non_aws_endpoint: bool
    #: The command's one deadline (seconds), counted from ``started`` (time.monotonic()).
    limit: float
    started: float
    as_json: bool


def get(
    registry: Registry,
    secret_id: str,
    *,
    key: str | None,
    version_stage: str | None,
    version_id: str | None,
    reveal: bool,
    raw: bool,
    options: ClientOptions,
) -> int:
    """Fetch one secret; show what was fetched, the value only under ``reveal`` or ``raw``."""

    def body(sc: SecretsClient, bounded: Bounded) -> None:
        from foundry_discover import render
        from foundry_discover.checks.aws import calls
        from foundry_discover.render import secret as show

        secret = bounded(
            lambda: calls.get_secret(
                sc, secret_id, key=key, version_stage=version_stage, version_id=version_id, reveal=reveal or raw
            )
        )
        if raw:
            for message in sc.plan.warnings:
                render.warn(message)
            show.write_raw(secret)
            return
        render.emit(
            render.Outcome("secret get", secret, 0, list(sc.plan.warnings)),
            as_json=options.as_json,
            human=lambda _: show.show_secret(secret),
        )

    return _with_client(registry, "secret get", body, options)


def list_secrets(registry: Registry, options: ClientOptions) -> int:
    """Every secret's name, description and dates (never values)."""

    def body(sc: SecretsClient, bounded: Bounded) -> None:
        from foundry_discover import render
        from foundry_discover.checks.aws import calls
        from foundry_discover.render import secret as show

        listed = bounded(lambda: calls.list_secrets(sc))
        render.emit(
            render.Outcome("secret list", listed, 0, list(sc.plan.warnings)),
            as_json=options.as_json,
            human=lambda _: show.show_list(listed),
        )

    return _with_client(registry, "secret list", body, options)


def _with_client(
    registry: Registry,
    command: str,
    body: Callable[[SecretsClient, Bounded], None],
    options: ClientOptions,
) -> int:
    """Open the client, then run ``body``; its failures carry the plan's warnings too.

    ``body`` gets the client and ``bounded``, which runs a core call inside the deadline.
    """
    from foundry_discover import render
    from foundry_discover.checks.aws import client
    from foundry_discover.render import secret as show

    limit = options.limit
    sc = client.open_client(
        registry, allow_non_aws_endpoint=options.allow_non_aws_endpoint, config=client.cli_config(limit)
    )
    if options.explain and not options.as_json:
        show.show_plan(sc.plan)

    def bounded(call: Callable[[], T]) -> T:
        return client.call_within(sc, limit, call, started=options.started)

    try:
        body(sc, bounded)
    except FoundryError as exc:
        render.emit_error(command, exc, as_json=options.as_json, warnings=sc.plan.warnings)
        return exc.exit_code
    return 0
