"""Secrets Manager as the application sees it: an environment-aware client, and get/list.

Applications reuse the factory::

    from foundry_discover.secrets import open_client
    client = open_client().client          # a botocore Secrets Manager client
    client.get_secret_value(SecretId="app/db")

The decisions (README "secret" section has the tables):

* ``ENVIRONMENT`` in development/dev/local (any case), or unset: the endpoint is the
  registry's LOCALSTACK URL, passed explicitly as the seed's backend does, so botocore
  ignores ``AWS_ENDPOINT_URL*`` (we warn when they disagree). Credentials: whatever is
  configured, else LocalStack's ``test``/``test``.
* Any other value: no override from the registry. The endpoint is the one botocore
  would pick (``AWS_ENDPOINT_URL_SECRETS_MANAGER``, ``AWS_ENDPOINT_URL``, the shared
  config file, else AWS), and the guard refuses one that is not AWS.

We compute the endpoint ourselves and hand it to botocore explicitly, so what we report
as the winner is by construction what the client uses (a test checks that our order
equals botocore's own).

botocore is imported inside functions only: the CLI imports this module at start-up.
Nothing here ever puts a secret value into a message: botocore's own error texts can
echo request parameters, so every message is built from error codes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

from foundry_discover.lite.errors import ConfigError, NotOkError, UnreachableError, suggest
from foundry_discover.lite.registry import Registry

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.config import Config
    from botocore.session import Session

SERVICE = "secretsmanager"
DEV_VALUES = ("development", "dev", "local")
DEFAULT_ENVIRONMENT = "development"
DEV_REGION = "us-east-1"
#: LocalStack accepts any key pair; these are the ones its documentation uses.
LOCALSTACK_CREDENTIALS = ("test", "test")
SERVICE_ENDPOINT_VAR = "AWS_ENDPOINT_URL_SECRETS_MANAGER"
GLOBAL_ENDPOINT_VAR = "AWS_ENDPOINT_URL"
#: The key of a ``[services NAME]`` section in the shared config file (botocore snake-cases the service id).
CONFIG_SERVICE_KEY = "secrets_manager"
IGNORE_ENDPOINTS_VAR = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
#: Host suffixes of AWS's own endpoints, in every partition.
AWS_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws", ".c2s.ic.gov", ".sc2s.sgov.gov")
#: Credential providers that fetch over the network (container and EC2 metadata):
#: never consulted when development asks "are credentials configured?".
NETWORK_PROVIDERS = ("container-role", "iam-role")
_ARN_RE = re.compile(r"^arn:[a-z-]+:secretsmanager:([a-z0-9-]+):[0-9]+:secret:(.+)$")

Mode = Literal["development", "production"]


# ---- the plan: which environment, endpoint, region and credentials, and why ----------------


@dataclass(frozen=True)
class EndpointCandidate:
    """One place an endpoint can come from, and what became of it."""

    source: str
    url: str
    used: bool
    note: str = ""


@dataclass(frozen=True)
class ClientPlan:
    """Every decision the factory made, with its reason: what ``--explain`` shows."""

    environment: Mode
    environment_value: str | None
    environment_reason: str
    endpoint_url: str | None
    endpoint_source: str
    endpoint_is_aws: bool
    candidates: tuple[EndpointCandidate, ...]
    region: str
    region_source: str
    credentials_source: str
    guard: str
    warnings: tuple[str, ...] = ()
    #: What ENVIRONMENT means to the seed's application (envcheck.EnvironmentMeaning.to_json()).
    environment_check: dict[str, Any] = field(default_factory=dict)
    #: The profile the SDK uses (AWS_PROFILE), so suggested commands use it too.
    profile: str | None = None

    @property
    def shown_endpoint(self) -> str:
        return self.endpoint_url or f"https://secretsmanager.{self.region}.amazonaws.com"


@dataclass
class SecretsClient:
    """A botocore Secrets Manager client and the plan it was built from."""

    client: BaseClient
    plan: ClientPlan


def decide_environment(env: Mapping[str, str]) -> tuple[Mode, str | None, str]:
    """development or production, the raw value, and why."""
    raw = env.get("ENVIRONMENT")
    if raw is None or not raw.strip():
        why = "is empty" if raw is not None else "is not set"
        return "development", raw, f"ENVIRONMENT {why}: assuming {DEFAULT_ENVIRONMENT}, the default for this tool"
    if raw.strip().lower() in DEV_VALUES:
        return "development", raw, f"ENVIRONMENT={raw}"
    return "production", raw, f"ENVIRONMENT={raw} is not one of {'/'.join(DEV_VALUES)}: AWS with boto3's own chain"


def is_aws_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host.endswith(suffix) for suffix in AWS_SUFFIXES)


def safe_url(url: str) -> str:
    """The URL without any user:password part, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.username is None and parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _truthy(value: object) -> bool:
    return str(value).strip().lower() == "true"


def _configured_endpoints(env: Mapping[str, str], session: Session) -> list[tuple[str, str]]:
    """botocore's own lookup order for a configured endpoint (its ConfiguredEndpointProvider)."""
    found: list[tuple[str, str]] = []
    for var in (SERVICE_ENDPOINT_VAR, GLOBAL_ENDPOINT_VAR):
        if env.get(var):
            found.append((var, env[var]))
    scoped = session.get_scoped_config()
    section = scoped.get("services")
    if section:
        services = session.full_config.get("services", {}).get(section) or {}
        url = (services.get(CONFIG_SERVICE_KEY) or {}).get("endpoint_url")
        if url:
            found.append((f"shared config file [services {section}] {CONFIG_SERVICE_KEY}.endpoint_url", url))
    if scoped.get("endpoint_url"):
        found.append(("shared config file (profile endpoint_url)", scoped["endpoint_url"]))
    return found


def _region(env: Mapping[str, str], session: Session, mode: Mode) -> tuple[str | None, str]:
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if env.get(var, "").strip():
            return env[var].strip(), var
    profile_region = session.get_scoped_config().get("region")
    if profile_region:
        return str(profile_region), "shared config file (profile region)"
    if mode == "development":
        return DEV_REGION, "default for development (AWS_REGION and AWS_DEFAULT_REGION are not set)"
    return None, ""


def _dev_credentials(session: Session) -> str:
    """Use configured credentials if there are any, else LocalStack's test/test.

    The check runs botocore's own resolver with the providers that fetch over the network
    (container and EC2 metadata endpoints) removed, so it never touches them; a profile
    whose ``credential_source`` names one of them is skipped for the same reason.
    """
    from botocore.credentials import create_credential_resolver

    resolver = create_credential_resolver(session)
    for name in NETWORK_PROVIDERS:
        resolver.remove(name)
    if session.get_scoped_config().get("credential_source") in ("Ec2InstanceMetadata", "EcsContainer"):
        resolver.remove("assume-role")
    session.register_component("credential_provider", resolver)
    creds = session.get_credentials()
    if creds is not None:
        return f"configured ({getattr(creds, 'method', 'botocore chain')})"
    session.set_credentials(*LOCALSTACK_CREDENTIALS)
    return "LocalStack's test/test (no AWS credentials are configured)"


def plan_client(
    registry: Registry | None = None,
    *,
    allow_non_aws_endpoint: bool = False,
    session: Session | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[ClientPlan, Session]:
    """Decide everything the client needs, without sending anything anywhere."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    env = os.environ if env is None else env
    registry = registry or Registry()
    session = session or botocore.session.Session()
    mode, raw, reason = decide_environment(env)
    warnings: list[str] = []
    try:
        configured = _configured_endpoints(env, session)
        region, region_source = _region(env, session, mode)
    except BotoCoreError as exc:
        raise ConfigError(
            f"the AWS shared config cannot be used ({type(exc).__name__})",
            fix="Check AWS_PROFILE, AWS_CONFIG_FILE and the profile's settings",
        ) from None
    aws_default = region_source.startswith("AWS_")
    both = (env.get("AWS_REGION") or "").strip(), (env.get("AWS_DEFAULT_REGION") or "").strip()
    if aws_default and all(both) and both[0] != both[1]:
        warnings.append(f"AWS_REGION={both[0]} and AWS_DEFAULT_REGION={both[1]} disagree: using AWS_REGION")
    ignore = _truthy(env.get(IGNORE_ENDPOINTS_VAR) or session.get_config_variable("ignore_configured_endpoint_urls"))

    candidates: list[EndpointCandidate] = []
    endpoint: str | None
    if mode == "development":
        service = registry.get("LOCALSTACK")
        warnings.extend(service.warnings)
        endpoint = service.url
        source = f"registry LOCALSTACK ({_short(service.host_source)}, {_short(service.port_source)})"
        candidates.append(EndpointCandidate(source, endpoint, True, "passed explicitly, as the application does"))
        for where, url in configured:
            note = "ignored: an explicit endpoint wins in botocore"
            if ignore:
                note = f"ignored: {IGNORE_ENDPOINTS_VAR} is true"
            candidates.append(EndpointCandidate(where, safe_url(url), False, note))
            if not ignore and url.rstrip("/") != endpoint:
                warnings.append(
                    f"{where}={safe_url(url)} disagrees with the registry's LocalStack URL {endpoint}: "
                    "in development the registry wins (the application passes it explicitly)"
                )
    else:
        endpoint, source = None, f"AWS's regional endpoint for {region or 'the region'}"
        for index, (where, url) in enumerate(configured):
            used = not ignore and index == 0
            note = "wins: first in botocore's order" if used else "lower in botocore's order"
            if ignore:
                note = f"ignored: {IGNORE_ENDPOINTS_VAR} is true"
            candidates.append(EndpointCandidate(where, safe_url(url), used, note))
            if used:
                endpoint, source = url, where
        urls = {url.rstrip("/") for _, url in configured}
        if not ignore and len(urls) > 1:
            warnings.append(
                f"endpoint settings disagree ({', '.join(w for w, _ in configured)}): {configured[0][0]} wins"
            )
        if ignore and configured:
            warnings.append(
                f"{IGNORE_ENDPOINTS_VAR} is true: ignoring {', '.join(w for w, _ in configured)}, using AWS"
            )
        if "SVC_LOCALSTACK_HOST" in env:
            warnings.append(
                f"SVC_LOCALSTACK_HOST is set, but ENVIRONMENT={raw} is not development: "
                "secrets come from AWS, not from LocalStack"
            )

    endpoint_is_aws = endpoint is None or is_aws_host(_host(endpoint))
    guard = _guard(mode, endpoint, source, endpoint_is_aws, registry, allow_non_aws_endpoint, warnings)
    if region is None:
        raise ConfigError(
            f"no AWS region for production (ENVIRONMENT={raw}): AWS_REGION, AWS_DEFAULT_REGION and the profile's "
            "region are all unset",
            fix="Set AWS_REGION (e.g. AWS_REGION=us-east-1)",
        )
    _check_region(region, region_source)
    from foundry_discover.checks import envcheck

    meaning = envcheck.environment_meaning(env)
    if meaning.warning:
        warnings.insert(0, meaning.warning)
    label = region_source if region_source.startswith("AWS_") else "region"
    region_problem = envcheck.region_warning(region, label, envcheck.botocore_regions())
    if region_problem:
        warnings.append(region_problem)

    if mode == "development":
        credentials = _dev_credentials(session)
    else:
        credentials = "boto3's chain (environment, shared files, SSO, container and instance metadata)"
    plan = ClientPlan(
        environment=mode,
        environment_value=raw,
        environment_reason=reason,
        endpoint_url=endpoint,
        endpoint_source=source,
        endpoint_is_aws=endpoint_is_aws,
        candidates=tuple(candidates),
        region=region,
        region_source=region_source,
        credentials_source=credentials,
        guard=guard,
        warnings=tuple(warnings),
        environment_check=meaning.to_json(),
        profile=(env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE") or "").strip() or None,
    )
    return plan, session


def _short(source: object) -> str:
    text = str(source)
    return text.removeprefix("env ")


def _check_region(region: str, source: str) -> None:
    if not re.match(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", region):
        raise ConfigError(
            f"{source}={region!r} is not an AWS region name",
            fix="Set it to a region such as us-east-1",
        )


def _guard(
    mode: Mode,
    endpoint: str | None,
    source: str,
    endpoint_is_aws: bool,
    registry: Registry,
    allow: bool,
    warnings: list[str],
) -> str:
    """Production must talk to AWS; development talking to AWS deserves a warning."""
    if endpoint is None:
        return "ok: AWS's own endpoint"
    shown = safe_url(endpoint)
    if mode == "development":
        if endpoint_is_aws:
            warnings.append(f"development is using a real AWS endpoint ({shown}): is that intended?")
            return "warning: development endpoint is real AWS"
        return "ok: development endpoint is not AWS"
    problem = None
    host = _host(endpoint)
    try:
        localstack_host = registry.get("LOCALSTACK").host.lower()
    except ConfigError:
        localstack_host = None
    if host and host == localstack_host:
        problem = f"is the registry's LocalStack host ({host})"
    elif not endpoint_is_aws:
        problem = "is not an AWS endpoint"
    if problem is None:
        return "ok: AWS endpoint"
    if allow:
        warnings.append(f"production endpoint {shown} from {source} {problem}: allowed by --allow-non-aws-endpoint")
        return "overridden by --allow-non-aws-endpoint"
    raise ConfigError(
        f"production refuses endpoint {shown} from {source}: it {problem}",
        fix=f"Unset {source.split(' ')[0]} (or set ENVIRONMENT=development), "
        "or pass --allow-non-aws-endpoint if this is really intended",
    )


#: ``secret get|list --timeout``: one deadline for the whole command, retries included.
DEFAULT_TIMEOUT = 10.0
#: The longest sleep botocore's standard mode makes before a second attempt:
#: random(0, 1) x 1 s for throttling, x 50 ms for other errors (retries/standard.py).
RETRY_SLEEP = 1.0
#: How long a not-found waits for the list of names it suggests from (seconds).
SUGGESTION_BUDGET = 1.0

R = TypeVar("R")


def cli_config(timeout: float = DEFAULT_TIMEOUT) -> Config:
    """botocore timeouts and retries that fit in ``timeout`` seconds, retries included.

    In a client ``Config``, ``max_attempts`` counts retries, not attempts (``2`` meant
    three attempts: 45 s against a server that never answers, with a 15 s read timeout);
    ``total_max_attempts`` counts attempts. Standard mode retries only transient
    failures (connection errors and timeouts, HTTP 500/502/503/504, throttling). So: two
    attempts when the budget allows (4 s or more), else one, and each attempt's connect
    and read timeouts a quarter (a half for one attempt) of what is left after the sleep
    before a retry. ``call_within`` enforces the deadline itself, for what these cannot
    bound (a server that trickles bytes, or asks for a long retry-after).
    """
    from botocore.config import Config

    attempts = 2 if timeout >= 4 else 1
    each = (timeout - RETRY_SLEEP * (attempts - 1)) / (2 * attempts)
    return Config(connect_timeout=each, read_timeout=each, retries={"total_max_attempts": attempts, "mode": "standard"})


def call_within(sc: SecretsClient, timeout: float, call: Callable[[], R], *, started: float | None = None) -> R:
    """``call()``, every request it makes included, cut off ``timeout`` seconds after ``started``.

    The call runs in a daemon thread and the caller waits for it; when time is up the
    caller reports and the thread is left to die with the process. A SIGTERM or Ctrl-C
    reaches the waiting caller at once.
    """
    import threading

    outcome: list[tuple[bool, Any]] = []
    done = threading.Event()

    def work() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, who re-raises it
            outcome.append((False, exc))
        finally:
            done.set()

    import time

    left = timeout - (time.monotonic() - started) if started is not None else timeout
    threading.Thread(target=work, name="secrets manager call", daemon=True).start()
    if not done.wait(max(left, 0.0)):
        raise UnreachableError(
            f"cannot reach Secrets Manager at {_where(sc.plan)}: no complete answer within {timeout:g}s (--timeout)",
            fix=_health_fix(sc.plan),
        )
    ok, value = outcome[0]
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


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

    try:
        client = session.create_client(SERVICE, region_name=plan.region, endpoint_url=plan.endpoint_url, config=config)
    except ValueError as exc:
        if plan.endpoint_url and str(exc).startswith("Invalid endpoint"):
            raise _invalid_endpoint(plan) from None
        raise ConfigError(f"botocore rejects the client settings ({type(exc).__name__})", fix=_explain_fix()) from None
    except BotoCoreError as exc:
        raise ConfigError(f"botocore rejects the client settings ({type(exc).__name__})", fix=_explain_fix()) from None
    return SecretsClient(client, plan)


def _explain_fix() -> str:
    return f"Run `{suggest('secret get NAME --explain')}` to see the settings in use"


def _invalid_endpoint(plan: ClientPlan) -> ConfigError:
    shown = safe_url(plan.endpoint_url or "")
    host = _host(plan.endpoint_url or "")
    why = "its host holds an underscore, which botocore rejects" if "_" in host else "botocore rejects it"
    fix = "Use a host name with '-' instead of '_' (e.g. a Compose service alias)"
    if "_" not in host:
        fix = "Use a URL such as http://localstack:4566"
    return ConfigError(f"endpoint {shown} from {plan.endpoint_source} is invalid: {why}", fix=fix)


# ---- results -----------------------------------------------------------------------------------


def _iso(value: object) -> str | None:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.isoformat()
    return None


def plan_json(plan: ClientPlan) -> dict[str, Any]:
    return {
        "environment": plan.environment,
        "environment_value": plan.environment_value,
        "environment_reason": plan.environment_reason,
        "endpoint_url": plan.shown_endpoint if plan.endpoint_url is None else safe_url(plan.endpoint_url),
        "endpoint_source": plan.endpoint_source,
        "endpoint_is_aws": plan.endpoint_is_aws,
        "endpoint_candidates": [
            {"source": c.source, "url": c.url, "used": c.used, "note": c.note} for c in plan.candidates
        ],
        "region": plan.region,
        "region_source": plan.region_source,
        "credentials_source": plan.credentials_source,
        "guard": plan.guard,
        "environment_check": plan.environment_check,
        "profile": plan.profile,
    }


@dataclass
class SecretValue:
    """One fetched secret version. The value never appears in repr or in JSON unless revealed."""

    name: str
    arn: str
    version_id: str | None
    stages: list[str]
    created: str | None
    kind: Literal["string", "binary"]
    length: int
    size_bytes: int
    json_keys: list[str] | None
    key: str | None
    plan: ClientPlan
    value: str | bytes = field(repr=False)
    revealed: bool = False

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.name,
            "arn": self.arn,
            "version_id": self.version_id,
            "stages": self.stages,
            "created": self.created,
            "type": self.kind,
            "length": self.length,
            "size_bytes": self.size_bytes,
            "json_keys": self.json_keys,
            "key": self.key,
            "revealed": self.revealed,
            "client": plan_json(self.plan),
        }
        if self.revealed:
            if isinstance(self.value, bytes):
                import base64

                doc["value_base64"] = base64.b64encode(self.value).decode("ascii")
            else:
                doc["value"] = self.value
        return doc


@dataclass(frozen=True)
class SecretEntry:
    name: str
    arn: str
    description: str
    last_changed: str | None
    deletion_date: str | None


@dataclass
class SecretList:
    secrets: list[SecretEntry]
    plan: ClientPlan

    def to_json(self) -> dict[str, Any]:
        return {
            "secrets": [
                {
                    "name": s.name,
                    "arn": s.arn,
                    "description": s.description,
                    "last_changed": s.last_changed,
                    "deletion_date": s.deletion_date,
                }
                for s in self.secrets
            ],
            "client": plan_json(self.plan),
        }


# ---- get and list ----------------------------------------------------------------------------


def get_secret(
    sc: SecretsClient,
    secret_id: str,
    *,
    key: str | None = None,
    version_stage: str | None = None,
    version_id: str | None = None,
    reveal: bool = False,
) -> SecretValue:
    """Fetch one secret version; every failure is a FoundryError whose text holds no value."""
    _check_arn_region(sc.plan, secret_id)
    params: dict[str, str] = {"SecretId": secret_id}
    if version_stage:
        params["VersionStage"] = version_stage
    if version_id:
        params["VersionId"] = version_id
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    try:
        response = sc.client.get_secret_value(**params)
    except (BotoCoreError, ClientError, ResponseParserError) as exc:
        raise _translate(exc, sc, secret_id, version_stage, version_id) from None
    if "SecretString" not in response and "SecretBinary" not in response:
        # botocore turns a body it cannot read into {} on HTTP 200: something else answered.
        raise _not_secrets_manager(sc.plan)
    value: str | bytes
    kind: Literal["string", "binary"]
    if response.get("SecretString") is not None:
        value, kind = response["SecretString"], "string"
    else:
        value, kind = bytes(response.get("SecretBinary") or b""), "binary"
    json_doc = _json_object(value) if isinstance(value, str) else None
    name = str(response.get("Name") or secret_id)
    if key is not None:
        value = _pick(json_doc, key, name)
    return SecretValue(
        name=name,
        arn=str(response.get("ARN") or ""),
        version_id=response.get("VersionId"),
        stages=list(response.get("VersionStages") or []),
        created=_iso(response.get("CreatedDate")),
        kind=kind,
        length=len(value),
        size_bytes=len(value.encode("utf-8")) if isinstance(value, str) else len(value),
        json_keys=list(json_doc) if json_doc is not None else None,
        key=key,
        plan=sc.plan,
        value=value,
        revealed=reveal,
    )


def _json_object(text: str) -> dict[str, Any] | None:
    import json

    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def _pick(doc: dict[str, Any] | None, key: str, name: str) -> str:
    """One top-level field as text: strings as they are, anything else as compact JSON."""
    import json

    if doc is None:
        raise NotOkError(
            f"secret {name!r} is not a JSON object, so --key {key!r} cannot pick a field from it",
            fix="Drop --key to fetch the whole value",
        )
    if key not in doc:
        keys = ", ".join(sorted(doc)) or "none"
        raise NotOkError(f"secret {name!r} has no field {key!r}; its fields: {keys}", fix="Pick one of those fields")
    field_value = doc[key]
    return field_value if isinstance(field_value, str) else json.dumps(field_value, separators=(",", ":"))


def _check_arn_region(plan: ClientPlan, secret_id: str) -> None:
    match = _ARN_RE.match(secret_id)
    if match and match.group(1) != plan.region:
        raise ConfigError(
            f"wrong region: the ARN is in {match.group(1)}, but the client uses {plan.region} "
            f"(from {plan.region_source})",
            fix=f"Set AWS_REGION={match.group(1)}",
        )


def list_secrets(sc: SecretsClient, *, limit_pages: int | None = None) -> SecretList:
    """Names, descriptions and dates of every secret (never a value)."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    entries: list[SecretEntry] = []
    try:
        paginator = sc.client.get_paginator("list_secrets")
        for index, page in enumerate(paginator.paginate()):
            for item in page.get("SecretList", []):
                entries.append(
                    SecretEntry(
                        name=str(item.get("Name", "")),
                        arn=str(item.get("ARN", "")),
                        description=str(item.get("Description") or ""),
                        last_changed=_iso(item.get("LastChangedDate")),
                        deletion_date=_iso(item.get("DeletedDate")),
                    )
                )
            if limit_pages is not None and index + 1 >= limit_pages:
                break
    except (BotoCoreError, ClientError, ResponseParserError) as exc:
        raise _translate(exc, sc, None, None, None) from None
    return SecretList(sorted(entries, key=lambda e: e.name), sc.plan)


# ---- errors: built from codes, never from botocore's text ---------------------------------------


def _where(plan: ClientPlan) -> str:
    return f"{safe_url(plan.shown_endpoint)} ({plan.environment}, region {plan.region})"


def _health_fix(plan: ClientPlan) -> str:
    if plan.environment == "development":
        return f"Run `{suggest('health localstack')}` to see whether LocalStack is up and reachable"
    return f"Check this container's network path to AWS; `{suggest('secret get NAME --explain')}` shows the endpoint"


def _not_secrets_manager(plan: ClientPlan) -> UnreachableError:
    return UnreachableError(
        f"the endpoint {_where(plan)} answered, but not like Secrets Manager (unreadable reply)",
        fix="Check that the endpoint is really LocalStack or AWS; " + _health_fix(plan),
    )


def _translate(
    exc: Exception, sc: SecretsClient, secret_id: str | None, stage: str | None, version: str | None
) -> Exception:
    """A FoundryError for anything botocore raised; the message never quotes botocore."""
    from botocore import exceptions as bce
    from botocore.parsers import ResponseParserError

    plan = sc.plan
    where = _where(plan)
    if isinstance(exc, (bce.ConnectionError, bce.HTTPClientError)):
        kind = {
            "EndpointConnectionError": "connection failed",
            "ConnectTimeoutError": "connection timed out",
            "ReadTimeoutError": "no answer in time",
            "ConnectionClosedError": "connection closed early",
            "SSLError": "TLS failed",
            "ProxyConnectionError": "proxy connection failed",
        }.get(type(exc).__name__, type(exc).__name__)
        return UnreachableError(f"cannot reach Secrets Manager at {where}: {kind}", fix=_health_fix(plan))
    if isinstance(exc, ResponseParserError):
        return _not_secrets_manager(plan)
    if isinstance(exc, (bce.NoCredentialsError, bce.PartialCredentialsError, bce.CredentialRetrievalError)):
        what = "no AWS credentials found" if isinstance(exc, bce.NoCredentialsError) else "AWS credentials unusable"
        return ConfigError(
            f"{what} for {plan.environment} ({type(exc).__name__}); nothing was sent",
            fix="Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or attach a role to this workload",
        )
    if isinstance(exc, bce.ParamValidationError):
        return ConfigError(
            "the request parameters are invalid (SECRET_ID, --version-id or --version-stage)",
            fix="A secret id is 1-2048 characters, a version id 32-64",
        )
    if not isinstance(exc, bce.ClientError):
        return exc
    error = exc.response.get("Error", {}) if isinstance(exc.response, dict) else {}
    code = str(error.get("Code") or "Unknown")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    target = f"secret {secret_id!r}" if secret_id is not None else "the secrets list"
    if code == "ResourceNotFoundException" and secret_id is not None:
        return _not_found(sc, secret_id, stage, version)
    if code == "InvalidRequestException" and secret_id is not None:
        scheduled = _scheduled_deletion(sc, secret_id)
        if scheduled is not None:
            return scheduled
    if code in ("AccessDeniedException", "AccessDenied"):
        return NotOkError(
            f"access denied to {target} at {where}: this identity may not read it",
            fix="Grant secretsmanager:GetSecretValue (and kms:Decrypt for a customer key) to this role, "
            "or use the application's credentials",
        )
    if code in (
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredTokenException",
        "InvalidSignatureException",
    ):
        hint = {
            "UnrecognizedClientException": "the access key id is not known there",
            "InvalidClientTokenId": "the access key id is not known there",
            "ExpiredTokenException": "the session token has expired",
            "InvalidSignatureException": "the signature does not match: a wrong secret key, or the wrong region",
        }[code]
        return ConfigError(
            f"credentials rejected by {where}: {hint} ({code})",
            fix=f"Check the credentials (now: {plan.credentials_source}) and AWS_REGION",
        )
    if code == "DecryptionFailure":
        return NotOkError(
            f"{target} cannot be decrypted: KMS refused (DecryptionFailure)",
            fix="Grant kms:Decrypt on the secret's KMS key to this identity",
        )
    if code in ("InvalidParameterException", "ValidationException"):
        return ConfigError(
            f"Secrets Manager rejected the request for {target} ({code})",
            fix="Check SECRET_ID, --version-id and --version-stage",
        )
    if isinstance(status, int) and status >= 500:
        return NotOkError(f"Secrets Manager at {where} failed with HTTP {status} ({code})", fix=_health_fix(plan))
    return NotOkError(f"Secrets Manager at {where} refused {target}: {code} (HTTP {status})", fix=_explain_fix())


_CREDENTIAL_CODES = {
    "UnrecognizedClientException": "the access key id is not known there",
    "InvalidClientTokenId": "the access key id is not known there",
    "ExpiredTokenException": "the session token has expired",
    "InvalidSignatureException": "the signature does not match: a wrong secret key, or the wrong region",
}


def _describe(sc: SecretsClient, secret_id: str) -> dict[str, Any] | None:
    try:
        result: dict[str, Any] = sc.client.describe_secret(SecretId=secret_id)
    except Exception:  # noqa: BLE001 - a second opinion only; the first error stands
        return None
    return result


def _scheduled_deletion(sc: SecretsClient, secret_id: str) -> NotOkError | None:
    described = _describe(sc, secret_id)
    if not described or not described.get("DeletedDate"):
        return None
    name = str(described.get("Name") or secret_id)
    when = _iso(described["DeletedDate"]) or "soon"
    restore = aws_command(sc.plan, "secretsmanager restore-secret", "--secret-id", name)
    return NotOkError(
        f"secret {name!r} is scheduled for deletion: it will be deleted after {when}",
        fix=f"Restore it with `{restore}` before then",
    )


def aws_command(plan: ClientPlan, command: str, *args: str) -> str:
    """An `aws` CLI command that goes where the application goes: its endpoint, region and profile.

    Without --endpoint-url the CLI would reach real AWS while the application uses LocalStack.
    """
    import shlex

    words = []
    if plan.credentials_source.startswith("LocalStack's test/test"):
        # The CLI finds no credentials either; LocalStack takes any.
        words.append("AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test")
    words += ["aws", command, *(shlex.quote(a) for a in args)]
    if plan.endpoint_url:
        words += ["--endpoint-url", shlex.quote(safe_url(plan.endpoint_url))]
    words += ["--region", shlex.quote(plan.region)]
    if plan.profile:
        words += ["--profile", shlex.quote(plan.profile)]
    return " ".join(words)


def _not_found(sc: SecretsClient, secret_id: str, stage: str | None, version: str | None) -> NotOkError:
    where = _where(sc.plan)
    if stage or version:
        described = _describe(sc, secret_id)
        if described is not None:
            stages = sorted({s for labels in (described.get("VersionIdsToStages") or {}).values() for s in labels})
            versions = sorted(described.get("VersionIdsToStages") or {})
            asked = f"stage {stage!r}" if stage else f"version id {version!r}"
            known = f"stages: {', '.join(stages) or 'none'}" if stage else f"version ids: {', '.join(versions)}"
            return NotOkError(
                f"secret {secret_id!r} has no {asked} at {where}; its {known}",
                fix="Pick an existing one, or drop the flag for AWSCURRENT",
            )
    suggestions = _closest(sc, secret_id)
    hint = f"; closest names: {', '.join(suggestions)}" if suggestions else ""
    return NotOkError(
        f"secret {secret_id!r} not found at {where}{hint}",
        fix=f"Check the name and the region (now {sc.plan.region}, from {sc.plan.region_source}); "
        f"`{suggest('secret list')}` shows what exists",
    )


def _closest(sc: SecretsClient, secret_id: str) -> list[str]:
    import contextlib
    import difflib
    import threading

    match = _ARN_RE.match(secret_id)
    wanted = match.group(2) if match else secret_id
    found: list[str] = []

    def fetch() -> None:
        # Suggestions are a courtesy: the list may be forbidden, or fail.
        with contextlib.suppress(Exception):
            found.extend(entry.name for entry in list_secrets(sc, limit_pages=10).secrets)

    # A courtesy gets a short budget of its own: a slow list must not turn a clear
    # "not found" into "no complete answer" when the command's deadline fires.
    worker = threading.Thread(target=fetch, name="closest secret names", daemon=True)
    worker.start()
    worker.join(SUGGESTION_BUDGET)
    if worker.is_alive():
        return []
    return difflib.get_close_matches(wanted, list(found), n=3, cutoff=0.5)
