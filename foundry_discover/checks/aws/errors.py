"""What a botocore failure means for the user: one error of our hierarchy with a fix.

botocore's messages echo request parameters (a secret's name, sometimes its ARN), so every
message here is built from error codes and the plan, never from ``str(exc)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from foundry_discover.checks.aws.plan import ClientPlan, SecretsClient, explain_fix, safe_url
from foundry_discover.lite.errors import ConfigError, NotOkError, UnreachableError, clauses, suggest

if TYPE_CHECKING:
    pass


def endpoint_text(plan: ClientPlan) -> str:
    return f"{safe_url(plan.shown_endpoint)} ({plan.environment}, region {plan.region})"


def health_fix(plan: ClientPlan) -> str:
    if plan.environment == "development":
        return f"Run `{suggest('health localstack')}` to see whether LocalStack is up and reachable"
    return f"Check this container's network path to AWS; `{suggest('secret get NAME --explain')}` shows the endpoint"


def not_secrets_manager(plan: ClientPlan) -> UnreachableError:
    return UnreachableError(
        f"the endpoint {endpoint_text(plan)} answered, but not like Secrets Manager (unreadable reply)",
        fix=clauses("Check that the endpoint is really LocalStack or AWS", health_fix(plan)),
    )


def client_error_code(exc: Exception) -> str | None:
    """The service's error code of a ClientError (``ResourceNotFoundException``), else None."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    return str(response.get("Error", {}).get("Code") or "Unknown")


def translate(
    exc: Exception, sc: SecretsClient, secret_id: str | None, stage: str | None, version: str | None
) -> Exception:
    """A FoundryError for anything botocore raised; the message never quotes botocore."""
    from botocore import exceptions as bce
    from botocore.parsers import ResponseParserError

    plan = sc.plan
    where = endpoint_text(plan)
    from foundry_discover.checks.aws.route import route_failure

    on_route = route_failure(exc, plan.route, plan.ca_bundle, where)
    if on_route is not None:
        return on_route
    if isinstance(exc, (bce.ConnectionError, bce.HTTPClientError)):
        kind = {
            "EndpointConnectionError": "connection failed",
            "ConnectTimeoutError": "connection timed out",
            "ReadTimeoutError": "no answer in time",
            "ConnectionClosedError": "connection closed early",
            "SSLError": "TLS failed",
            "ProxyConnectionError": "proxy connection failed",
        }.get(type(exc).__name__, type(exc).__name__)
        if type(exc).__name__ in ("ConnectTimeoutError", "ReadTimeoutError"):
            config = getattr(getattr(sc.client, "meta", None), "config", None)
            limit = getattr(config, "read_timeout" if "Read" in type(exc).__name__ else "connect_timeout", None)
            if isinstance(limit, (int, float)):
                kind = f"{kind} ({limit:g}s per attempt)"
        return UnreachableError(f"cannot reach Secrets Manager at {where}: {kind}", fix=health_fix(plan))
    if isinstance(exc, ResponseParserError):
        return not_secrets_manager(plan)
    if isinstance(exc, (bce.SSOError, bce.TokenRetrievalError, bce.CredentialRetrievalError)) and sc.session:
        # SSO credentials are fetched at the first call, not when the client is built.
        import os

        from foundry_discover.checks.aws.profiles import credential_error

        named = credential_error(exc, sc.session, os.environ)
        if named is not None:
            return named
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
        shown = "" if code in (None, "Unknown", str(status)) else f" ({code})"
        return NotOkError(f"Secrets Manager at {where} failed with HTTP {status}{shown}", fix=health_fix(plan))
    return NotOkError(f"Secrets Manager at {where} refused {target}: {code} (HTTP {status})", fix=explain_fix())


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
    if plan.profile and plan.environment != "development":
        # In development the application passes its keys: `--profile` would make the CLI
        # drop the test keys above for the profile's own (botocore skips the environment then).
        words += ["--profile", shlex.quote(plan.profile)]
    return " ".join(words)
