"""Infrastructure as Registry: every service's host and port, from the environment."""

import os


class ServiceConfig:
    # Infrastructure services
    LOCALSTACK = os.getenv("SVC_LOCALSTACK_HOST", "localstack")
    REDIS = os.getenv("SVC_REDIS_HOST", "redis")
    BACKEND = os.getenv("SVC_BACKEND_HOST", "foundry-backend")

    # LocalStack gateway port
    LOCALSTACK_PORT = int(os.getenv("LOCALSTACK_PORT", "4566"))
    REDIS_PORT = int(os.getenv("REDIS_PORT", "6379"))
    BACKEND_PORT = int(os.getenv("BACKEND_PORT", "8080"))

    @classmethod
    def get_service_url(cls, service_name: str) -> str:
        if service_name == "LOCALSTACK":
            return f"http://{cls.LOCALSTACK}:{cls.LOCALSTACK_PORT}"
        if service_name == "REDIS":
            return f"redis://{cls.REDIS}:{cls.REDIS_PORT}"
        if service_name == "BACKEND":
            return f"http://{cls.BACKEND}:{cls.BACKEND_PORT}"
        raise KeyError(service_name)


SERVICES = ServiceConfig()
