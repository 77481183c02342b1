"""The AWS shared files as botocore reads them, and what a broken profile or file means.

botocore picks the profile from ``AWS_DEFAULT_PROFILE``, then ``AWS_PROFILE`` (the first
one *set* wins, even when empty), and looks for it in the config file
(``AWS_CONFIG_FILE``, else ``~/.aws/config``: sections ``[default]`` and ``[profile
NAME]``) and the credentials file (``AWS_SHARED_CREDENTIALS_FILE``, else
``~/.aws/credentials``: sections ``[NAME]``). A profile it cannot find fails every
client, the application's too, although it passes its keys explicitly
(``create_client`` reads the profile's settings either way).

A file's own text is never quoted: it may hold keys (configparser's messages quote lines).
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from foundry_discover.lite.errors import ConfigError

if TYPE_CHECKING:
    from botocore.session import Session


#: botocore's order (configprovider's ``profile`` variable): the first one set wins.
PROFILE_VARS = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")


FILES = {
    "config": ("AWS_CONFIG_FILE", "~/.aws/config"),
    "credentials": ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
}


def chosen_profile(env: Mapping[str, str]) -> tuple[str, str] | None:
    """The profile botocore uses and the variable that names it; None for the default."""
    for var in PROFILE_VARS:
        if var in env:
            return env[var], var
    return None


@dataclass(frozen=True)
class SharedFile:
    """One shared file as botocore finds it: where, why there, and the profiles in it."""

    kind: Literal["config", "credentials"]
    path: str
    variable: str
    from_env: bool
    exists: bool
    profiles: tuple[str, ...] = ()
    #: Config-file sections botocore does not read as profiles (``[prod]`` for ``[profile prod]``).
    stray: tuple[str, ...] = ()
    unreadable: bool = False

    def describe(self) -> str:
        origin = self.variable if self.from_env else f"the default: {self.variable} is not set"
        where = f"the {self.kind} file {self.path} ({origin})"
        if not self.exists:
            return f"{where} does not exist"
        if self.unreadable:
            return f"{where} cannot be parsed"
        return f"{where} has {'profiles ' + ', '.join(self.profiles) if self.profiles else 'no profiles'}"


def shared_file(kind: Literal["config", "credentials"], env: Mapping[str, str]) -> SharedFile:
    from botocore import configloader
    from botocore.exceptions import BotoCoreError

    variable, default = FILES[kind]
    given = env.get(variable)
    raw_path = given if given is not None else default
    path = os.path.expanduser(os.path.expandvars(raw_path))
    if not os.path.isfile(path):
        return SharedFile(kind, path, variable, given is not None, False)
    try:
        parsed = configloader.raw_config_parse(path, parse_subsections=False)
    except (BotoCoreError, OSError):
        return SharedFile(kind, path, variable, given is not None, True, unreadable=True)
    if kind == "credentials":
        return SharedFile(kind, path, variable, given is not None, True, tuple(parsed))
    built = configloader.build_profile_map(parsed)
    stray = tuple(k for k in built if k not in ("profiles", "sso_sessions", "services"))
    return SharedFile(kind, path, variable, given is not None, True, tuple(built["profiles"]), stray)


def profile_not_found(env: Mapping[str, str]) -> ConfigError:
    """The missing profile named, with every file looked in and the profiles each holds."""
    # botocore raises ProfileNotFound only for a profile a variable names.
    name, variable = chosen_profile(env) or ("default", "AWS_PROFILE")
    files = [shared_file("config", env), shared_file("credentials", env)]
    known = sorted({p for f in files for p in f.profiles})
    setting = f"{variable}={name}"
    if name == "":
        return ConfigError(
            f"{variable} is set but empty: botocore looks for a profile named '' and every client fails "
            "(ProfileNotFound), the application's too",
            fix=f"Unset {variable} (a Compose `{variable}=${{{variable}}}` passes an empty one), or name a profile",
        )
    hints = []
    config, credentials = files
    if name in config.stray:
        hints.append(f"[{name}] in the config file is not a profile there: the config file needs [profile {name}]")
    if f"profile {name}" in credentials.profiles:
        hints.append(f"the credentials file has [profile {name}]: that file takes [{name}]")
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close and not hints:
        hints.append(f"did you mean {close[0]}?")
    other = [v for v in PROFILE_VARS if v != variable and v in env]
    if other and variable == PROFILE_VARS[0]:
        hints.append(f"{PROFILE_VARS[0]} wins over {other[0]}={env[other[0]]}")
    message = (
        f"{setting} names no profile: {'; '.join(f.describe() for f in files)}. Every client fails on it "
        "(ProfileNotFound), the application's too, even with explicit keys"
    )
    if hints:
        message += f" ({'; '.join(hints)})"
    target = config.path
    fix = f"Add [profile {name}] to {target} (or [{name}] to {credentials.path}), or unset {variable}"
    if known:
        fix += f", or set {variable} to one of: {', '.join(known)}"
    return ConfigError(message, fix=fix)


def config_error(exc: Exception, env: Mapping[str, str]) -> ConfigError:
    """botocore could not use the shared configuration: which file, which profile, and why."""
    from botocore import exceptions as bce

    if isinstance(exc, bce.ProfileNotFound):
        return profile_not_found(env)
    if isinstance(exc, bce.ConfigParseError):
        path = str(getattr(exc, "kwargs", {}).get("path") or "a shared file")
        variable = next((v for v, _ in FILES.values() if env.get(v) and os.path.expanduser(env[v]) == path), None)
        origin = f" ({variable})" if variable else ""
        return ConfigError(
            f"the AWS shared file {path}{origin} cannot be parsed as INI (the line is not shown: it may hold keys)",
            fix=f"Fix the file's syntax (`[profile NAME]` sections of `key = value` lines), or point "
            f"{variable or 'AWS_CONFIG_FILE'} elsewhere",
        )
    if isinstance(exc, bce.InvalidConfigError):
        named = chosen_profile(env)
        profile = f"profile {named[0]}" if named else "the default profile"
        return ConfigError(
            f"{profile} is not valid as botocore reads it ({type(exc).__name__})",
            fix="Check its sso_session, source_profile and role_arn settings against the sections they name",
        )
    return ConfigError(
        f"the AWS shared config cannot be used ({type(exc).__name__})",
        fix="Check AWS_PROFILE, AWS_CONFIG_FILE and the profile's settings",
    )


def profile_settings(session: Session) -> dict[str, object]:
    """The active profile's section (config and credentials files merged), or {} when there is none."""
    from botocore.exceptions import BotoCoreError

    try:
        return dict(session.get_scoped_config())
    except BotoCoreError:
        return {}


def credential_error(exc: Exception, session: Session, env: Mapping[str, str]) -> ConfigError | None:
    """A credential source that failed, named as such: credential_process, SSO; None if neither."""
    from botocore import exceptions as bce

    named = chosen_profile(env)
    profile = named[0] if named else "default"
    settings = profile_settings(session)
    words = str(settings.get("credential_process") or "").split()
    # Its arguments are not shown: they may carry a token.
    program = f"{words[0]}{' ...' if len(words) > 1 else ''}" if words else ""
    if isinstance(exc, bce.CredentialRetrievalError) and getattr(exc, "kwargs", {}).get("provider") == (
        "custom-process"
    ):
        said = str(exc.kwargs.get("error_msg") or "")
        if said.startswith("Unsupported version"):
            why = 'printed JSON without "Version": 1'
        elif said.startswith("Missing required key"):
            why = "printed JSON without AccessKeyId or SecretAccessKey"
        else:
            why = "exited with a non-zero status (its stderr is not shown: it may hold credentials)"
        return _process_error(profile, program, why)
    if isinstance(exc, json.JSONDecodeError) and program:
        # botocore json-decodes the process's stdout without a guard.
        return _process_error(profile, program, "printed something that is not JSON")
    login = f"aws sso login --profile {profile}" if named else "aws sso login"
    again = f"Run `{login}` as the user that runs the application (the token is cached in its ~/.aws/sso/cache)"
    if isinstance(exc, bce.UnauthorizedSSOTokenError):
        return ConfigError(
            f"the SSO session of profile {profile} has expired (or was revoked): no credentials, nothing was sent",
            fix=f"{again}, or give the workload a role",
        )
    if isinstance(exc, bce.TokenRetrievalError):
        return ConfigError(
            f"the SSO token of profile {profile} has expired and botocore could not refresh it: nothing was sent",
            fix=f"{again}, or give the workload a role",
        )
    if isinstance(exc, bce.SSOTokenLoadError):
        return ConfigError(
            f"profile {profile} uses SSO, but no SSO token is cached for it (never logged in as this user): "
            "nothing was sent",
            fix=f"{again}, or give the workload a role",
        )
    if isinstance(exc, bce.SSOError):
        return ConfigError(
            f"SSO credentials of profile {profile} cannot be had ({type(exc).__name__})",
            fix=f"{again}, and check the profile's sso_* settings",
        )
    return None


def _process_error(profile: str, program: str, why: str) -> ConfigError:
    return ConfigError(
        f"credential_process of profile {profile} ({program}) failed: it {why}; no credentials, nothing was sent",
        fix=f"Run profile {profile}'s credential_process command by hand: it must exit 0 and print JSON with "
        '"Version": 1, AccessKeyId and SecretAccessKey (the credential_process format)',
    )
