"""Which keys: the application's in development (``test``), and the configured ones it ignores.

The configured keys are read from the sources that run nothing (environment, shared
credentials and config files): no ``credential_process`` or SSO runs in development, as
none runs in the application, which passes its keys explicitly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.session import Session


#: The credential providers that read keys without running or fetching anything.
STATIC_PROVIDERS = {
    "env": "the exported AWS_ACCESS_KEY_ID",
    "shared-credentials-file": "the keys in the shared credentials file",
    "config-file": "the keys in the shared config file",
}


@dataclass(frozen=True)
class Keys:
    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)
    where: str = ""

    @property
    def shown(self) -> str:
        return shown_key(self.access_key)


#: LocalStack accepts any key pair; these are the ones its documentation and the seed's backend use.
APP_CREDENTIALS = ("test", "test")


APP_KEYS = Keys(*APP_CREDENTIALS, where="the application's keys")


def shown_key(access_key: str) -> str:
    """An access key id as messages show it: whole when it is an emulator's account or ``test``."""
    if re.fullmatch(r"\d{12}", access_key) or len(access_key) <= 8:
        return access_key
    return f"{access_key[:4]}...{access_key[-4:]}"


def configured_keys(session: Session) -> Keys | None:
    """The keys botocore would find without running anything, or None; never raises."""
    from botocore.credentials import create_credential_resolver

    try:
        resolver = create_credential_resolver(session)
        resolver.providers = [p for p in resolver.providers if p.METHOD in STATIC_PROVIDERS]
        creds = resolver.load_credentials()
    except Exception:  # noqa: BLE001 - only a comparison; a broken source is reported elsewhere
        return None
    if creds is None:
        return None
    frozen = creds.get_frozen_credentials()
    where = STATIC_PROVIDERS.get(str(creds.method), str(creds.method))
    return Keys(frozen.access_key, frozen.secret_key, frozen.token, where)


def ignored_text(session: Session) -> str:
    """What the credentials line says in development: the application's keys, and any it ignores."""
    text = "LocalStack's test/test, passed explicitly as the application does"
    other = configured_keys(session)
    if other is not None and other.access_key != APP_KEYS.access_key:
        text += f" (not used by it: {other.where}, {other.shown})"
    return text
