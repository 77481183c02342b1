"""The Secrets Manager client the application would build, with our deadline around each call.

botocore retries and waits on its own schedule; ``call_within`` is what keeps a command's
``--timeout`` true whatever botocore does underneath.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from foundry_discover.checks.aws.errors import endpoint_text, health_fix
from foundry_discover.checks.aws.plan import SERVICE, SecretsClient, explain_fix, invalid_endpoint, plan_client
from foundry_discover.lite.errors import ConfigError, UnreachableError
from foundry_discover.lite.registry import Registry

if TYPE_CHECKING:
    from botocore.config import Config
    from botocore.session import Session


#: ``secret get|list --timeout``: one deadline for the whole command, retries included.
DEFAULT_TIMEOUT = 10.0


#: The longest sleep botocore's standard mode makes before a second attempt:
#: random(0, 1) x 1 s for throttling, x 50 ms for other errors (retries/standard.py).
RETRY_SLEEP = 1.0


R = TypeVar("R")


def cli_config(timeout: float = DEFAULT_TIMEOUT) -> Config:
    """botocore timeouts and retries that fit in ``timeout`` seconds, retries included.

    In a client ``Config``, ``max_attempts`` counts retries, not attempts (``2`` meant
    three attempts: 45 s against a server that never answers, with a 15 s read timeout);
    ``total_max_attempts`` counts attempts. Standard mode retries only transient
    failures (connection errors and timeouts, HTTP 500/502/503/504, throttling). So: two
    attempts when the budget allows (4 s or more), each with half of what is left after
    the sleep before a retry; else one attempt that may use the whole budget, so a silent
    server is given up on only when the deadline is spent. ``call_within`` enforces the
    deadline itself, for what these cannot bound (a server that trickles bytes, or asks
    for a long retry-after), and says so with the endpoint and the deadline.
    """
    from botocore.config import Config

    attempts = 2 if timeout >= 4 else 1
    each = (timeout - RETRY_SLEEP * (attempts - 1)) / attempts
    return Config(connect_timeout=each, read_timeout=each, retries={"total_max_attempts": attempts, "mode": "standard"})


def call_within(sc: SecretsClient, timeout: float, call: Callable[[], R], *, started: float | None = None) -> R:
    """``call()``, every request it makes included, cut off ``timeout`` seconds after ``started``.

    botocore's own timeouts bound each request, not the retries and waits between them;
    ``lite.bounded`` bounds the whole call.
    """
    import time

    from foundry_discover.lite.bounded import Late, within

    left = timeout - (time.monotonic() - started) if started is not None else timeout
    try:
        return within(call, left)
    except Late:
        route = sc.plan.route
        if route is not None and route.via_proxy:
            from foundry_discover.checks.proxy.replies import proxy_silent

            what = f"Secrets Manager at {endpoint_text(sc.plan)}"
            raise proxy_silent(route, what, f"within {timeout:g}s (--timeout)") from None
        raise UnreachableError(
            f"cannot reach Secrets Manager at {endpoint_text(sc.plan)}: "
            f"no complete answer within {timeout:g}s (--timeout)",
            fix=health_fix(sc.plan),
        ) from None


def open_client(
    registry: Registry | None = None,
    *,
    allow_non_aws_endpoint: bool = False,
    config: Config | None = None,
    session: Session | None = None,
) -> SecretsClient:
    """The client the application would build, and the plan behind it. Sends nothing."""
    plan, session = plan_client(registry, allow_non_aws_endpoint=allow_non_aws_endpoint, session=session)
    from botocore.exceptions import BotoCoreError

    # Outside development botocore resolves the credentials here: a credential_process runs now.
    try:
        client = session.create_client(SERVICE, region_name=plan.region, endpoint_url=plan.endpoint_url, config=config)
    except ValueError as exc:
        if plan.endpoint_url and str(exc).startswith("Invalid endpoint"):
            raise invalid_endpoint(plan) from None
        raise _client_error(exc, session) from None
    except BotoCoreError as exc:
        bundles = plan.ca_bundle
        used = bundles.used if bundles is not None else None
        if bundles is not None and used is not None and used.problem and type(exc).__name__ == "InvalidConfigError":
            raise ConfigError(f"{used.variable}={used.path!r} {used.problem}", fix=bundles.fix()) from None
        raise _client_error(exc, session) from None
    return SecretsClient(client, plan, session)


def _client_error(exc: Exception, session: Session) -> ConfigError:
    """A client botocore would not build: a credential source, a profile or file named, else the type."""
    import os

    from botocore import exceptions as bce

    from foundry_discover.checks.aws.profiles import config_error, credential_error

    named = credential_error(exc, session, os.environ)
    if named is not None:
        return named
    if isinstance(exc, (bce.ProfileNotFound, bce.ConfigParseError, bce.InvalidConfigError)):
        return config_error(exc, os.environ)
    return ConfigError(f"botocore rejects the client settings ({type(exc).__name__})", fix=explain_fix())
