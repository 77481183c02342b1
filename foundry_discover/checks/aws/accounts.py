"""Development keys: the application's (LocalStack's ``test``), the configured ones, their accounts.

In development the seed's backend passes ``aws_access_key_id='test'`` and
``aws_secret_access_key='test'`` explicitly, so botocore never reads the keys a shell,
a Compose file or ``~/.aws`` configures. The emulators keep resources per account and
take the account from the access key: LocalStack and MiniStack read a 12-digit key as
that account and give other keys a default (000000000000); moto puts every key it did
not issue in 123456789012. A secret created with other keys may be in another account,
where the application does not see it. Each emulator says which account a key maps to
through STS ``GetCallerIdentity``, which all of them serve on the same port.

Every look here is a courtesy added to a development not-found or an empty list: one
short budget for all of it, DescribeSecret rather than a value, and no failure of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from foundry_discover.checks.aws.keys import APP_KEYS, Keys, configured_keys
from foundry_discover.checks.aws.plan import SecretsClient

#: One budget for the whole cross-check (seconds): a courtesy, never the command's cause of failure.
BUDGET = 1.5


def _client(sc: SecretsClient, service: str, keys: Keys) -> Any:
    import botocore.session
    from botocore.config import Config

    session = sc.session or botocore.session.Session()
    config = Config(connect_timeout=BUDGET, read_timeout=BUDGET, retries={"total_max_attempts": 1})
    return session.create_client(
        service,
        region_name=sc.plan.region,
        endpoint_url=sc.plan.endpoint_url,
        aws_access_key_id=keys.access_key,
        aws_secret_access_key=keys.secret_key,
        aws_session_token=keys.token,
        config=config,
    )


def account_of(sc: SecretsClient, keys: Keys, budget: float) -> str | None:
    """The account the emulator gives these keys (STS GetCallerIdentity), or None."""
    from foundry_discover.lite.bounded import within

    try:
        answer = within(lambda: _client(sc, "sts", keys).get_caller_identity(), max(budget, 0.05))
    except Exception:  # noqa: BLE001 - Late included: the account is a courtesy
        return None
    account = answer.get("Account") if isinstance(answer, dict) else None
    return str(account) if account else None


def _exists(sc: SecretsClient, keys: Keys, secret_id: str, budget: float) -> bool | None:
    """Whether the secret exists for these keys: DescribeSecret, so no value is fetched."""
    from foundry_discover.checks.aws.errors import client_error_code
    from foundry_discover.lite.bounded import within

    try:
        within(lambda: _client(sc, "secretsmanager", keys).describe_secret(SecretId=secret_id), max(budget, 0.05))
    except Exception as exc:  # noqa: BLE001 - Late included
        return False if client_error_code(exc) == "ResourceNotFoundException" else None
    return True


def _count(sc: SecretsClient, keys: Keys, budget: float) -> int | None:
    from foundry_discover.lite.bounded import within

    try:
        page = within(lambda: _client(sc, "secretsmanager", keys).list_secrets(MaxResults=100), max(budget, 0.05))
    except Exception:  # noqa: BLE001 - Late included
        return None
    listed = page.get("SecretList") if isinstance(page, dict) else None
    return len(listed) if isinstance(listed, list) else None


def _applies(sc: SecretsClient) -> bool:
    return sc.plan.environment == "development" and not sc.plan.endpoint_is_aws


def _label(keys: Keys, account: str | None) -> str:
    acct = f", account {account}" if account else ""
    if keys is APP_KEYS:
        return f"the application's keys (test/test{acct})"
    return f"{keys.where} ({keys.shown}{acct})"


@dataclass(frozen=True)
class Finding:
    text: str
    fix: str | None = None


def not_found(sc: SecretsClient, secret_id: str) -> Finding | None:
    """A development not-found: under the application's keys, and whether the configured keys see it."""
    import time

    if not _applies(sc):
        return None
    started = time.monotonic()

    def left() -> float:
        return BUDGET - (time.monotonic() - started)

    mine = _label(APP_KEYS, account_of(sc, APP_KEYS, left()))
    other = configured_keys(sc.session) if sc.session is not None else None
    if other is None or other.access_key == APP_KEYS.access_key:
        return Finding(f"under {mine}")
    seen = _exists(sc, other, secret_id, left())
    theirs = _label(other, account_of(sc, other, left()))
    if seen is True:
        return Finding(
            f"under {mine}; it exists under {theirs}: the emulator keeps secrets per account, and the "
            "application passes test/test in development",
            fix="Create it with the application's keys (AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test for the "
            "init script or `aws` command that makes it), so it lands in the application's account",
        )
    if seen is False:
        return Finding(f"under {mine}, nor under {theirs}")
    return Finding(f"under {mine}")


def empty_list(sc: SecretsClient) -> str | None:
    """A development list that came back empty: do the configured keys see secrets the application does not?"""
    import time

    if not _applies(sc) or sc.session is None:
        return None
    other = configured_keys(sc.session)
    if other is None or other.access_key == APP_KEYS.access_key:
        return None
    started = time.monotonic()
    count = _count(sc, other, BUDGET)
    if not count:
        return None
    left = BUDGET - (time.monotonic() - started)
    mine = _label(APP_KEYS, account_of(sc, APP_KEYS, left / 2))
    theirs = _label(other, account_of(sc, other, BUDGET - (time.monotonic() - started)))
    return (
        f"no secrets under {mine}, but {count} under {theirs}: the emulator keeps secrets per account, and the "
        "application passes test/test in development, so it sees none of them"
    )
