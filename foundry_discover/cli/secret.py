"""`foundry-discover secret get|list`: Secrets Manager exactly as the application sees it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from foundry_discover.checks.aws.client import DEFAULT_TIMEOUT  # botocore itself is imported only when used
from foundry_discover.cli.options import JsonOpt, run_command, seconds, state
from foundry_discover.lite.errors import FoundryError

if TYPE_CHECKING:
    from foundry_discover.checks.aws.plan import SecretsClient

HELP = """Read Secrets Manager the way the application does: LocalStack in development, AWS otherwise.

ENVIRONMENT picks the endpoint (development/dev/local, or unset: the registry's LocalStack;
anything else: AWS). Values are never printed unless you ask with --reveal or --raw.
"""

GET_HELP = """Fetch a secret and show what was fetched, without showing the value.

Shows name, ARN, version, stages, created date, type, length and a JSON secret's keys.

Examples:

    foundry-discover secret get app/db                  # metadata, value masked
    foundry-discover secret get app/db --reveal         # ... and the value
    foundry-discover secret get app/db --key password --raw   # one field alone, for $(...)
    foundry-discover secret get app/db --version-stage AWSPENDING
    foundry-discover secret get app/db --explain        # which environment, endpoint, region, and why
    foundry-discover secret get app/db --json           # metadata as JSON (value only with --reveal)
    foundry-discover secret get app/db --timeout 30     # one deadline, retries included (default 10 s)
    ENVIRONMENT=production foundry-discover secret get app/db
"""

LIST_HELP = """List secrets: names, descriptions and last-changed dates (never values).

Examples:

    foundry-discover secret list
    foundry-discover secret list --json
    foundry-discover secret list --explain
    foundry-discover secret list --timeout 30
"""

T = TypeVar("T")

secret_app = typer.Typer(no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]})

ExplainOpt = Annotated[
    bool, typer.Option("--explain", help="Show which environment, endpoint, region and credentials were used, and why.")
]
AllowOpt = Annotated[
    bool,
    typer.Option(
        "--allow-non-aws-endpoint",
        help="In production, accept an endpoint that is not AWS (e.g. LocalStack) instead of refusing it.",
    ),
]


TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        help="One deadline for the whole command, retries included (default 10).",
    ),
]


def _with_client(
    ctx: typer.Context,
    command: str,
    as_json: bool,
    explain: bool,
    allow: bool,
    timeout: float | None,
    body: Callable[[SecretsClient, Callable[[Callable[[], T]], T]], Any],
) -> None:
    """Open the client, then run ``body``; its failures carry the plan's warnings too.

    ``body`` gets the client and ``bounded``, which runs a core call inside the deadline.
    """
    import time

    started = time.monotonic()
    registry = state(ctx).registry()
    limit = seconds(timeout, wait=False, default=DEFAULT_TIMEOUT, wait_default=DEFAULT_TIMEOUT)

    def action() -> int:
        from foundry_discover import render
        from foundry_discover.checks.aws import client
        from foundry_discover.render import secret as show

        sc = client.open_client(registry, allow_non_aws_endpoint=allow, config=client.cli_config(limit))
        if explain and not as_json:
            show.show_plan(sc.plan)

        def bounded(call: Callable[[], T]) -> T:
            return client.call_within(sc, limit, call, started=started)

        try:
            body(sc, bounded)
        except FoundryError as exc:
            render.emit_error(command, exc, as_json=as_json, warnings=sc.plan.warnings)
            return exc.exit_code
        return 0

    run_command(command, as_json, action)


@secret_app.command("get", help=GET_HELP)
def get(
    ctx: typer.Context,
    secret_id: Annotated[str, typer.Argument(metavar="SECRET_ID", help="Secret name or ARN.")],
    key: Annotated[
        str | None, typer.Option("--key", metavar="FIELD", help="Pick one top-level field of a JSON secret.")
    ] = None,
    version_stage: Annotated[
        str | None, typer.Option("--version-stage", metavar="STAGE", help="e.g. AWSPENDING (default AWSCURRENT).")
    ] = None,
    version_id: Annotated[str | None, typer.Option("--version-id", metavar="ID", help="A version id.")] = None,
    reveal: Annotated[bool, typer.Option("--reveal", help="Show the value (in JSON too).")] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="Write only the value to stdout (bytes as they are), for $(...) and pipes.")
    ] = False,
    explain: ExplainOpt = False,
    allow_non_aws_endpoint: AllowOpt = False,
    timeout: TimeoutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    if raw and (as_json or explain):
        raise typer.BadParameter(
            "--raw writes the value alone; it cannot go with --json or --explain", param_hint="--raw"
        )

    def body(sc: SecretsClient, bounded: Callable[[Callable[[], Any]], Any]) -> None:
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
            as_json=as_json,
            human=lambda _: show.show_secret(secret),
        )

    _with_client(ctx, "secret get", as_json, explain, allow_non_aws_endpoint, timeout, body)


@secret_app.command("list", help=LIST_HELP)
def list_(
    ctx: typer.Context,
    explain: ExplainOpt = False,
    allow_non_aws_endpoint: AllowOpt = False,
    timeout: TimeoutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    def body(sc: SecretsClient, bounded: Callable[[Callable[[], Any]], Any]) -> None:
        from foundry_discover import render
        from foundry_discover.checks.aws import calls
        from foundry_discover.render import secret as show

        listed = bounded(lambda: calls.list_secrets(sc))
        render.emit(
            render.Outcome("secret list", listed, 0, list(sc.plan.warnings)),
            as_json=as_json,
            human=lambda _: show.show_list(listed),
        )

    _with_client(ctx, "secret list", as_json, explain, allow_non_aws_endpoint, timeout, body)
