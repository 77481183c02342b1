"""The seed's application, as its documentation writes it: what it really does with each value.

``backend/config/services.py`` reads ``SVC_LOCALSTACK_HOST`` raw and ``LOCALSTACK_PORT``
through ``int()``, builds ``f"http://{host}:{port}"``, and hands it to boto3 with the
development keys. Run as ``python -m tests.support.seed_app``, it lists the secrets and
prints one line: ``ok N`` or the exception it died of (``ValueError: Invalid endpoint: ...``),
so a test can hold foundry-discover's word against the application's own fate.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    try:
        # The seed's ServiceConfig, line for line (its class body runs at import time).
        class ServiceConfig:
            LOCALSTACK = os.getenv("SVC_LOCALSTACK_HOST", "localstack")
            LOCALSTACK_PORT = int(os.getenv("LOCALSTACK_PORT", "4566"))

            @classmethod
            def get_service_url(cls, service_name: str) -> str:
                assert service_name == "LOCALSTACK"
                return f"http://{cls.LOCALSTACK}:{cls.LOCALSTACK_PORT}"

        import boto3

        client = boto3.client(
            "secretsmanager",
            endpoint_url=ServiceConfig.get_service_url("LOCALSTACK"),
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        found = client.list_secrets()["SecretList"]
    except Exception as exc:  # noqa: BLE001 - what the application dies of is the result
        print(f"{type(exc).__name__}: {str(exc)!r}")
        return 1
    print(f"ok {len(found)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
