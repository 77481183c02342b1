"""`foundry-discover resolve`: DNS as the container sees it, and why a name does or does not resolve."""

# No `from __future__ import annotations`: Typer reads the parameters' annotations with
# get_type_hints, which would compile and evaluate every string at each start-up.

import enum
from typing import Annotated

import typer

from foundry_discover.cli.options import JsonOpt, run_command, state
from foundry_discover.lite.errors import UsageError

HELP = """Show what the application gets for a name, the DNS lookups behind it, and why.

NAME is a registry service (its host is resolved) or a plain host name. The output
shows getaddrinfo's answer (hosts file or DNS), the resolver configuration in effect
(resolv.conf with LOCALDOMAIN and RES_OPTIONS), every name glibc tries in order with
each nameserver's reply and time, and a verdict with the likely cause and fix.

Exit codes: 0 the name resolves for the application; 1 it does not (NXDOMAIN or no
data everywhere); 4 the DNS servers could not be reached or all failed.
Exit 2: a bad flag or value; 3: bad configuration in the environment or a file.

Examples:

    foundry-discover resolve localstack
    foundry-discover resolve localstack.default.svc.cluster.local
    foundry-discover resolve _http._tcp.localstack.default.svc.cluster.local --type SRV
    foundry-discover resolve localstack --nameserver 127.0.0.11 --timeout 1
    foundry-discover resolve redis --json
"""


class RecordType(str, enum.Enum):
    A = "A"
    AAAA = "AAAA"
    CNAME = "CNAME"
    SRV = "SRV"
    TXT = "TXT"
    ANY = "ANY"


def _nameservers(values: list[str] | None) -> list[str] | None:
    from foundry_discover.checks.dns.inputs import parse_nameserver

    for value in values or []:
        try:
            parse_nameserver(value)
        except UsageError as exc:
            raise typer.BadParameter(f"{exc.message}. {exc.fix}") from None
    return values


def resolve(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Registry service name, or a host name.")],
    record_type: Annotated[
        RecordType | None,
        typer.Option("--type", "-t", case_sensitive=False, help="Record type (default: A and AAAA, as getaddrinfo)."),
    ] = None,
    nameserver: Annotated[
        list[str] | None,
        typer.Option(
            "--nameserver",
            "-s",
            metavar="IP[:PORT]",
            callback=_nameservers,
            help="Ask this server instead of resolv.conf's (repeatable). Skips the application's lookup.",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.05, max=60, help="Seconds to wait for each DNS reply and getaddrinfo.")
    ] = 2.0,
    as_json: JsonOpt = False,
) -> None:
    registry = state(ctx).registry()

    def action() -> int:
        from foundry_discover.commands.resolve import resolve as command

        return command(
            registry,
            name,
            record_type=record_type.value if record_type else None,
            nameservers=list(nameserver or []),
            timeout=timeout,
            as_json=as_json,
        )

    run_command("resolve", as_json, action)
