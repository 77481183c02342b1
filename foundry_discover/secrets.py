"""Secrets Manager as the application sees it, public for applications::

    from foundry_discover.secrets import open_client
    client = open_client().client          # a botocore Secrets Manager client
    client.get_secret_value(SecretId="app/db")

The implementation lives in ``foundry_discover.checks.aws``; botocore is imported only
when a client is opened.
"""

from __future__ import annotations

from foundry_discover.checks.aws.client import open_client
from foundry_discover.checks.aws.plan import ClientPlan, SecretsClient, plan_client

__all__ = ["ClientPlan", "SecretsClient", "open_client", "plan_client"]
