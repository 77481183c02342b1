"""`foundry-discover secret get|list`: Secrets Manager exactly as the application sees it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from foundry_discover.checks.aws.client import DEFAULT_TIMEOUT  # botocore itself is imported only when used
from foundry_discover.cli.options import JsonOpt, reflow, run_command, seconds, state

if TYPE_CHECKING:
    from foundry_discover.commands.secret import ClientOptions

HELP = """Read Secrets Manager the way the application does: LocalStack in development, AWS otherwise.

ENVIRONMENT picks the endpoint (development/dev/local, or unset: the registry's LocalStack;
anything else: AWS). Values are never printed unless you ask with --reveal or --raw.

Exit 0, 1 not found, 4 unreachable. Exit 2: a bad flag or value; 3: bad configuration in the environment or a file.
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


def _options(explain: bool, allow: bool, timeout: float | None, as_json: bool) -> ClientOptions:
    """What both commands share; the clock starts here, before botocore is imported."""
    import time

    from foundry_discover.commands.secret import ClientOptions

    limit = seconds(timeout, wait=False, default=DEFAULT_TIMEOUT, wait_default=DEFAULT_TIMEOUT)
    return ClientOptions(explain, allow, limit, time.monotonic(), as_json)


@secret_app.command("get", help=reflow(GET_HELP))
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

    options = _options(explain, allow_non_aws_endpoint, timeout, as_json)
    registry = state(ctx).registry()

    def action() -> int:
        from foundry_discover.commands import secret as command

        return command.get(
            registry,
            secret_id,
            key=key,
            version_stage=version_stage,
            version_id=version_id,
            reveal=reveal,
            raw=raw,
            options=options,
        )

    run_command("secret get", as_json, action)


@secret_app.command("list", help=reflow(LIST_HELP))
def list_(
    ctx: typer.Context,
    explain: ExplainOpt = False,
    allow_non_aws_endpoint: AllowOpt = False,
    timeout: TimeoutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    options = _options(explain, allow_non_aws_endpoint, timeout, as_json)
    registry = state(ctx).registry()

    def action() -> int:
        from foundry_discover.commands import secret as command

        return command.list_secrets(registry, options)

    run_command("secret list", as_json, action)
