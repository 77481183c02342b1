import os

import boto3


class SecretsManager:
    def __init__(self) -> None:
        self.environment = os.getenv("ENVIRONMENT", "development")
        self.region = os.getenv("AWS_REGION", "us-east-1")

    def _create_client(self):
        if self.environment in ("development", "dev", "local"):
            # Development: Use service discovery to find LocalStack
            from backend.config.services import SERVICES

            endpoint_url = SERVICES.get_service_url("LOCALSTACK")
            # endpoint_url = http://localstack:4566
            return boto3.client(
                "secretsmanager",
                endpoint_url=endpoint_url,
                region_name=self.region,
                aws_access_key_id="test",
                aws_secret_access_key="test",
            )
        # Production: Use AWS Secrets Manager (no endpoint needed)
        return boto3.client("secretsmanager", region_name=self.region)
