"""Which endpoint, region and credentials the application's boto3 client will use, and why.

``plan_client`` reads the same sources botocore reads (environment, shared config, the
registry) in botocore's order, without sending anything.

The decisions (docs/secret.md has the tables):

* ``ENVIRONMENT`` in development/dev/local (any case), or unset: the endpoint is the
  registry's LOCALSTACK URL, passed explicitly as the seed's backend does, so botocore
  ignores ``AWS_ENDPOINT_URL*`` (we warn when they disagree). Credentials: LocalStack's
  ``test``/``test``, passed explicitly as the seed's backend does (``keys``).
* Any other value: no override from the registry. The endpoint is the one botocore
  would pick (``AWS_ENDPOINT_URL_SECRETS_MANAGER``, ``AWS_ENDPOINT_URL``, the shared
  config file, else AWS), and the guard refuses one that is not AWS.
* The region, in both: ``AWS_REGION``, else the application's default (``region``).

We compute the endpoint ourselves and hand it to botocore explicitly, so what we report
as the winner is by construction what the client uses (a test checks that our order
equals botocore's own).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from foundry_discover.checks.aws.keys import APP_CREDENTIALS
from foundry_discover.checks.environment import Mode, decide_environment
from foundry_discover.lite.errors import ConfigError, suggest
from foundry_discover.lite.registry import Registry

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.session import Session

    from foundry_discover.checks.proxy.cabundle import CaBundles
    from foundry_discover.checks.proxy.model import Route


SERVICE = "secretsmanager"


DEV_REGION = "us-east-1"


#: LocalStack accepts any key pair; these are the ones its documentation and the seed's backend use.
LOCALSTACK_CREDENTIALS = APP_CREDENTIALS


SERVICE_ENDPOINT_VAR = "AWS_ENDPOINT_URL_SECRETS_MANAGER"


GLOBAL_ENDPOINT_VAR = "AWS_ENDPOINT_URL"


#: The key of a ``[services NAME]`` section in the shared config file (botocore snake-cases the service id).
CONFIG_SERVICE_KEY = "secrets_manager"


IGNORE_ENDPOINTS_VAR = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"


#: Host suffixes of AWS's own endpoints, in every partition.
AWS_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws", ".c2s.ic.gov", ".sc2s.sgov.gov")


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
    #: The profile the SDK uses (AWS_DEFAULT_PROFILE, else AWS_PROFILE), so suggested commands use it too.
    profile: str | None = None
    #: What botocore on its own would do with the region variables, when it is worth saying.
    region_note: str | None = None
    #: botocore's route to the endpoint (a proxy from HTTP_PROXY/HTTPS_PROXY, or direct), and its CA bundle.
    route: Route | None = None
    ca_bundle: CaBundles | None = None

    @property
    def shown_endpoint(self) -> str:
        return self.endpoint_url or f"https://secretsmanager.{self.region}.amazonaws.com"


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


def _dev_credentials(session: Session) -> str:
    """The application's keys: LocalStack's test/test, passed explicitly, so nothing configured is read.

    Explicit keys win over every other source in botocore, so no credential_process, SSO
    or metadata endpoint runs, in the application as here.
    """
    from foundry_discover.checks.aws.keys import ignored_text

    text = ignored_text(session)
    session.set_credentials(*LOCALSTACK_CREDENTIALS)
    return text


def _route_settings(env: Mapping[str, str]) -> bool:
    """A proxy variable (any case) is set: CA bundles matter to https endpoints only."""
    return any(value and key.lower().endswith("_proxy") for key, value in env.items())


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
    from foundry_discover.checks.aws import profiles
    from foundry_discover.checks.aws.region import choose_region

    try:
        configured = _configured_endpoints(env, session)
        profile_region = session.get_scoped_config().get("region")
    except BotoCoreError as exc:
        raise profiles.config_error(exc, env) from None
    choice = choose_region(env, str(profile_region) if profile_region else None)
    region, region_source = choice.region, choice.source
    if choice.warning:
        warnings.append(choice.warning)
    ignore = _truthy(env.get(IGNORE_ENDPOINTS_VAR) or session.get_config_variable("ignore_configured_endpoint_urls"))

    candidates: list[EndpointCandidate] = []
    endpoint: str | None
    if mode == "development":
        service = registry.get("LOCALSTACK")
        warnings.extend(service.warnings)
        endpoint = service.url
        source = f"registry LOCALSTACK: {_short(service.host_source)}, {_short(service.port_source)}"
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
        endpoint, source = None, f"AWS's regional endpoint for {region}"
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
    _check_region(region, region_source)
    from foundry_discover.checks import envcheck
    from foundry_discover.checks.environment import environment_meaning

    meaning = environment_meaning(env)
    if meaning.warning:
        warnings.insert(0, meaning.warning)
    if region_source.startswith("AWS_"):
        # A region someone typed is checked against botocore's partitions (~30 ms to load);
        # the application's own default needs no check.
        region_problem = envcheck.region_warning(region, region_source, envcheck.botocore_regions())
        if region_problem:
            warnings.append(region_problem)

    if mode == "development":
        credentials = _dev_credentials(session)
    else:
        credentials = "boto3's chain (environment, shared files, SSO, container and instance metadata)"
    url = endpoint or f"https://secretsmanager.{region}.amazonaws.com"
    route = ca_bundle = None
    if url.startswith("https:") or _route_settings(env):
        # Only then can the route differ from a direct one, or a CA bundle apply: a plain
        # `secret get` against LocalStack does not pay for the proxy rules (~30 ms here).
        from foundry_discover.checks.aws.route import endpoint_route

        route, ca_bundle = endpoint_route(url, env, session, warnings)
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
        profile=(profiles.chosen_profile(env) or ("", ""))[0].strip() or None,
        region_note=choice.note,
        route=route,
        ca_bundle=ca_bundle,
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


def explain_fix() -> str:
    return f"Run `{suggest('secret get NAME --explain')}` to see the settings in use"


def invalid_endpoint(plan: ClientPlan) -> ConfigError:
    shown = safe_url(plan.endpoint_url or "")
    host = _host(plan.endpoint_url or "")
    why = "its host holds an underscore, which botocore rejects" if "_" in host else "botocore rejects it"
    fix = "Use a host name with '-' instead of '_' (e.g. a Compose service alias)"
    if "_" not in host:
        fix = "Use a URL such as http://localstack:4566"
    return ConfigError(f"endpoint {shown} from {plan.endpoint_source} is invalid: {why}", fix=fix)


@dataclass
class SecretsClient:
    """A botocore Secrets Manager client, the plan it was built from, and the session behind it."""

    client: BaseClient
    plan: ClientPlan
    session: Session | None = None
