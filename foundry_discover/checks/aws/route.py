"""The route botocore takes to the Secrets Manager endpoint, and the failures it explains.

botocore honours the proxy variables itself (``HTTP_PROXY`` for an http endpoint such as
LocalStack's, ``HTTPS_PROXY`` for AWS) and the CA bundle variables for https, so the
client the tool builds goes where the application's goes; this module says where that
is, and turns a failure on that route into the proxy's or the bundle's, not the service's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from foundry_discover.lite.errors import UnreachableError

if TYPE_CHECKING:
    from botocore.session import Session

    from foundry_discover.checks.proxy.cabundle import CaBundles
    from foundry_discover.checks.proxy.model import Route


def endpoint_route(url: str, env: Mapping[str, str], session: Session, warnings: list[str]) -> tuple[Route, CaBundles]:
    """botocore's route and CA bundle for ``url``; a bundle that cannot work adds a warning."""
    from foundry_discover.checks.proxy.cabundle import botocore_bundles
    from foundry_discover.checks.proxy.route import route_for

    try:
        configured = session.get_scoped_config().get("ca_bundle")
    except Exception:  # noqa: BLE001 - a broken profile is reported where the profile is read
        configured = None
    bundles = botocore_bundles(url, env, None if configured is None else str(configured))
    problem = bundles.warning("Secrets Manager")
    if problem:
        warnings.append(problem)
    return route_for(url, env, "botocore"), bundles


def route_failure(
    exc: Exception, route: Route | None, bundles: CaBundles | None, where: str
) -> UnreachableError | None:
    """``exc`` as the proxy's failure or the CA bundle's, when the route explains it; else None."""
    from botocore import exceptions as bce

    if route is not None and route.via_proxy:
        from foundry_discover.checks.proxy.replies import botocore_failure

        found = botocore_failure(exc, route, f"Secrets Manager at {where}")
        if found is not None:
            return found
    if isinstance(exc, bce.SSLError) and bundles is not None and bundles.used is not None:
        used = bundles.used
        if not used.problem and "CERTIFICATE_VERIFY_FAILED" not in repr(exc.kwargs.get("error")):
            return None  # a TLS failure the bundle does not explain (a plain-HTTP server, a bad name)
        if used.problem:
            return UnreachableError(
                f"cannot reach Secrets Manager at {where}: TLS failed: {used.variable}={used.path} {used.problem}",
                fix=bundles.fix(),
            )
        return UnreachableError(
            f"cannot reach Secrets Manager at {where}: TLS failed: the certificate is not signed by a CA in "
            f"{used.variable}={used.path}",
            fix=f"Add the endpoint's CA to {used.path}, or point {used.variable} at a bundle that holds it",
        )
    return None
