"""Uploads go to S3 (LocalStack in development): http://localstack:4566 in the docs."""

import os

import boto3
import redis

# The seed's "before" example: an ad-hoc variable with a hardcoded default.
LOCALSTACK_ENDPOINT = os.getenv("LOCALSTACK_ENDPOINT", "http://localstack:4566")
DYNAMO_ENDPOINT = os.environ.get("DYNAMO_ENDPOINT", "http://localstack:4566")


def s3_client():
    return boto3.client("s3", endpoint_url="http://localhost:4566", region_name="us-east-1")


def cache():
    return redis.Redis.from_url("redis://redis:6379/0")


def queue_url(port: int) -> str:
    return f"http://localstack:{port}/000000000000/jobs"


HEALTH = "localhost:4566"  # foundry-discover: ignore[FD101]
DOCS = "https://docs.aws.amazon.com/s3/"
